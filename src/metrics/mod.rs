//! `/metrics` in the Prometheus text format (0.0.4), encoded by `prometheus-client`.
//!
//! Counters are plain atomics on `Metrics`, cheap on hot paths, read at each scrape together
//! with the queue depths, the workers' liveness and the process (see `scrape.rs`). Latencies
//! are `prometheus-client` histograms (`latency.rs`), observed where the work happens.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::Store;
use crate::worker::WorkerReport;

pub(crate) mod latency;
mod process;
mod scrape;
#[cfg(test)]
mod tests;

pub use latency::{GraphqlOperation, Latency};

#[derive(Default)]
pub struct Metrics {
    pub webhooks_received: AtomicU64,
    pub webhooks_refused_signature: AtomicU64,
    pub webhooks_refused_malformed: AtomicU64,
    pub webhooks_refused_too_large: AtomicU64,
    pub webhooks_failed_storage: AtomicU64,
    pub messages_ingested: AtomicU64,
    pub duplicates: AtomicU64,
    pub reports_opened: AtomicU64,
    pub statuses_applied: AtomicU64,
    pub statuses_pending: AtomicU64,
    pub calls: AtomicU64,
    pub channel_errors: AtomicU64,
    pub unknown_message_types: AtomicU64,
    /// Messages to a business number that is not configured, kept on the default number.
    pub messages_to_unknown_number: AtomicU64,
    pub replies_sent: AtomicU64,
    pub replies_sandboxed: AtomicU64,
    pub replies_failed: AtomicU64,
    pub send_retries: AtomicU64,
    pub media_stored: AtomicU64,
    pub media_failed: AtomicU64,
    pub media_retries: AtomicU64,
    /// Media that could not be written to the local disk (retried, not counted against Meta's
    /// seven days): an alarm.
    pub media_local_errors: AtomicU64,
    /// Media URLs refused: off the allowlist, resolving to a private address, or redirecting
    /// off the list.
    pub media_refused: AtomicU64,
    /// Operators' attachments uploaded to the Graph API for a send.
    pub media_uploaded: AtomicU64,
    /// Operators' files accepted by `POST /media/upload`, and refused there.
    pub attachments_accepted: AtomicU64,
    pub attachments_refused: AtomicU64,
    /// Webhooks answered 503 because the buffer budget had no room.
    pub webhooks_refused_busy: AtomicU64,
    /// Poison deliveries: failed alone twice, quarantined raw and acknowledged.
    pub webhook_poison: AtomicU64,
    /// Reports the search index held more than once at start, indexed again.
    pub search_duplicates_repaired: AtomicU64,
    /// Questions put to citizens when siaga was unsure, and their answers.
    pub asked_urgency: AtomicU64,
    pub asked_category: AtomicU64,
    pub answered_happening_now: AtomicU64,
    pub answered_not_urgent: AtomicU64,
    pub answered_category: AtomicU64,
    /// Answers to the satisfaction question once a report was resolved.
    pub answered_satisfaction: AtomicU64,
    /// Citizens' status checks (a ticket number, STATUS, CEK, the "Cek status" button).
    pub status_checks: AtomicU64,
    /// The latency histograms.
    pub latency: Latency,
}

/// One business number's state at a scrape (from `whatsapp::health`, which `metrics` does not
/// name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSample {
    pub phone_number_id: String,
    pub healthy: bool,
    pub sent: u64,
    pub failed: u64,
}

pub fn add(counter: &AtomicU64, amount: u64) {
    counter.fetch_add(amount, Ordering::Relaxed);
}

/// A counter's field on `Metrics`.
type Field = fn(&Metrics) -> &AtomicU64;

/// A counter family: its name (without `siaga_` and `_total`), help, and its series as
/// (label, field); a series with an empty label has no label.
type CounterFamily = (
    &'static str,
    &'static str,
    &'static [((&'static str, &'static str), Field)],
);

const NO_LABEL: (&str, &str) = ("", "");

/// Every counter of `Metrics`, as exposed. A new counter is a field above and a row here.
const COUNTERS: &[CounterFamily] = &[
    (
        "webhooks_received",
        "Webhook POSTs received.",
        &[(NO_LABEL, |m| &m.webhooks_received)],
    ),
    (
        "webhooks_refused",
        "Webhook POSTs refused, by reason.",
        &[
            (("reason", "signature"), |m| &m.webhooks_refused_signature),
            (("reason", "malformed"), |m| &m.webhooks_refused_malformed),
            (("reason", "too_large"), |m| &m.webhooks_refused_too_large),
            (("reason", "storage"), |m| &m.webhooks_failed_storage),
            (("reason", "busy"), |m| &m.webhooks_refused_busy),
        ],
    ),
    (
        "webhook_poison",
        "Poison deliveries (their apply failed alone twice) quarantined raw and acknowledged; alert on any.",
        &[(NO_LABEL, |m| &m.webhook_poison)],
    ),
    (
        "search_duplicates_repaired",
        "Reports the search index held more than once when siaga started, indexed again (a crash left them); alert on any.",
        &[(NO_LABEL, |m| &m.search_duplicates_repaired)],
    ),
    (
        "messages_ingested",
        "New inbound messages stored.",
        &[(NO_LABEL, |m| &m.messages_ingested)],
    ),
    (
        "duplicates",
        "Redelivered messages, statuses and calls skipped.",
        &[(NO_LABEL, |m| &m.duplicates)],
    ),
    (
        "reports_opened",
        "Reports opened.",
        &[(NO_LABEL, |m| &m.reports_opened)],
    ),
    (
        "statuses_applied",
        "Delivery statuses applied.",
        &[(NO_LABEL, |m| &m.statuses_applied)],
    ),
    (
        "statuses_early",
        "Statuses that arrived before the wamid of their send was recorded (applied later).",
        &[(NO_LABEL, |m| &m.statuses_pending)],
    ),
    (
        "calls",
        "Call events recorded.",
        &[(NO_LABEL, |m| &m.calls)],
    ),
    (
        "channel_errors",
        "Channel-level errors reported by Meta.",
        &[(NO_LABEL, |m| &m.channel_errors)],
    ),
    (
        "unknown_message_types",
        "Messages of a type siaga does not know.",
        &[(NO_LABEL, |m| &m.unknown_message_types)],
    ),
    (
        "messages_to_unknown_number",
        "Messages to a business number that is not configured, kept on the default number; check the [[whatsapp.numbers]] entries.",
        &[(NO_LABEL, |m| &m.messages_to_unknown_number)],
    ),
    (
        "citizen_questions",
        "Questions put to citizens when the suggestion was unsure, by question.",
        &[
            (("question", "urgency"), |m| &m.asked_urgency),
            (("question", "category"), |m| &m.asked_category),
        ],
    ),
    (
        "citizen_answers",
        "Citizens' answers to those questions, by answer.",
        &[
            (("answer", "happening_now"), |m| &m.answered_happening_now),
            (("answer", "not_urgent"), |m| &m.answered_not_urgent),
            (("answer", "category"), |m| &m.answered_category),
            (("answer", "satisfaction"), |m| &m.answered_satisfaction),
        ],
    ),
    (
        "citizen_status_checks",
        "Citizens' status checks (a ticket number, STATUS, CEK, the Cek status button).",
        &[(NO_LABEL, |m| &m.status_checks)],
    ),
    (
        "replies",
        "Outbound messages, by outcome.",
        &[
            (("outcome", "sent"), |m| &m.replies_sent),
            (("outcome", "sandbox"), |m| &m.replies_sandboxed),
            (("outcome", "failed"), |m| &m.replies_failed),
        ],
    ),
    (
        "send_retries",
        "Graph API sends retried.",
        &[(NO_LABEL, |m| &m.send_retries)],
    ),
    (
        "media",
        "Media downloads, by outcome.",
        &[
            (("outcome", "stored"), |m| &m.media_stored),
            (("outcome", "failed"), |m| &m.media_failed),
        ],
    ),
    (
        "media_retries",
        "Media downloads retried.",
        &[(NO_LABEL, |m| &m.media_retries)],
    ),
    (
        "media_local_errors",
        "Media not written for a local reason, such as a full disk (retried; alert on any).",
        &[(NO_LABEL, |m| &m.media_local_errors)],
    ),
    (
        "media_refused",
        "Media URLs refused: off the allowlist of media hosts, a private address, or a redirect off it.",
        &[(NO_LABEL, |m| &m.media_refused)],
    ),
    (
        "media_uploaded",
        "Operators' attachments uploaded to the Graph API for a send.",
        &[(NO_LABEL, |m| &m.media_uploaded)],
    ),
    (
        "attachment_uploads",
        "Files operators uploaded through POST /media/upload, by outcome.",
        &[
            (("outcome", "accepted"), |m| &m.attachments_accepted),
            (("outcome", "refused"), |m| &m.attachments_refused),
        ],
    ),
];

impl Metrics {
    /// The exposition: counters, queue depths, the flush, the channel, the workers, the
    /// latency histograms, the process and the build.
    pub fn render(
        &self,
        store: &Store,
        numbers: &[NumberSample],
        workers: &[WorkerReport],
    ) -> String {
        let counters = COUNTERS
            .iter()
            .map(|(name, help, series)| scrape::Family {
                name,
                help,
                kind: scrape::Kind::Counter,
                samples: series
                    .iter()
                    .map(|(label, field)| {
                        let value = field(self).load(Ordering::Relaxed);
                        scrape::Sample::new(*label, scrape::Value::Int(value))
                    })
                    .collect(),
            })
            .collect();
        scrape::render(self, counters, store, numbers, workers)
    }
}
