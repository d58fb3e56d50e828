//! Counters for `/metrics`, in the Prometheus text format. Plain atomics: cheap on hot paths.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ledger::Ledger;
use crate::store::Store;
use crate::worker::{WorkerLiveness, WorkerReport};

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
    /// Webhooks answered 503 because the buffer budget had no room.
    pub webhooks_refused_busy: AtomicU64,
    /// Poison deliveries: failed alone twice, quarantined raw and acknowledged.
    pub webhook_poison: AtomicU64,
    /// Questions put to citizens when siaga was unsure, and their answers.
    pub asked_urgency: AtomicU64,
    pub asked_category: AtomicU64,
    pub answered_happening_now: AtomicU64,
    pub answered_not_urgent: AtomicU64,
    pub answered_category: AtomicU64,
}

pub fn add(counter: &AtomicU64, amount: u64) {
    counter.fetch_add(amount, Ordering::Relaxed);
}

impl Metrics {
    pub fn render(&self, store: &Store, channel_healthy: bool, workers: &[WorkerReport]) -> String {
        let mut out = String::with_capacity(4096);
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let mut counter = |name: &str, help: &str, labels: &[(&str, u64)]| {
            let _ = writeln!(
                out,
                "# HELP siaga_{name} {help}\n# TYPE siaga_{name} counter"
            );
            for (label, value) in labels {
                if label.is_empty() {
                    let _ = writeln!(out, "siaga_{name} {value}");
                } else {
                    let _ = writeln!(out, "siaga_{name}{{{label}}} {value}");
                }
            }
        };
        counter(
            "webhooks_received_total",
            "Webhook POSTs received.",
            &[("", read(&self.webhooks_received))],
        );
        counter(
            "webhooks_refused_total",
            "Webhook POSTs refused, by reason.",
            &[
                (
                    "reason=\"signature\"",
                    read(&self.webhooks_refused_signature),
                ),
                (
                    "reason=\"malformed\"",
                    read(&self.webhooks_refused_malformed),
                ),
                (
                    "reason=\"too_large\"",
                    read(&self.webhooks_refused_too_large),
                ),
                ("reason=\"storage\"", read(&self.webhooks_failed_storage)),
                ("reason=\"busy\"", read(&self.webhooks_refused_busy)),
            ],
        );
        counter(
            "webhook_poison_total",
            "Poison deliveries (their apply failed alone twice) quarantined raw and acknowledged; alert on any.",
            &[("", read(&self.webhook_poison))],
        );
        counter(
            "messages_ingested_total",
            "New inbound messages stored.",
            &[("", read(&self.messages_ingested))],
        );
        counter(
            "duplicates_total",
            "Redelivered messages, statuses and calls skipped.",
            &[("", read(&self.duplicates))],
        );
        counter(
            "reports_opened_total",
            "Reports opened.",
            &[("", read(&self.reports_opened))],
        );
        counter(
            "statuses_applied_total",
            "Delivery statuses applied.",
            &[("", read(&self.statuses_applied))],
        );
        counter(
            "statuses_early_total",
            "Statuses that arrived before the wamid of their send was recorded (applied later).",
            &[("", read(&self.statuses_pending))],
        );
        counter(
            "calls_total",
            "Call events recorded.",
            &[("", read(&self.calls))],
        );
        counter(
            "channel_errors_total",
            "Channel-level errors reported by Meta.",
            &[("", read(&self.channel_errors))],
        );
        counter(
            "unknown_message_types_total",
            "Messages of a type siaga does not know.",
            &[("", read(&self.unknown_message_types))],
        );
        counter(
            "citizen_questions_total",
            "Questions put to citizens when the suggestion was unsure, by question.",
            &[
                ("question=\"urgency\"", read(&self.asked_urgency)),
                ("question=\"category\"", read(&self.asked_category)),
            ],
        );
        counter(
            "citizen_answers_total",
            "Citizens' answers to those questions, by answer.",
            &[
                (
                    "answer=\"happening_now\"",
                    read(&self.answered_happening_now),
                ),
                ("answer=\"not_urgent\"", read(&self.answered_not_urgent)),
                ("answer=\"category\"", read(&self.answered_category)),
            ],
        );
        counter(
            "replies_total",
            "Outbound messages, by outcome.",
            &[
                ("outcome=\"sent\"", read(&self.replies_sent)),
                ("outcome=\"sandbox\"", read(&self.replies_sandboxed)),
                ("outcome=\"failed\"", read(&self.replies_failed)),
            ],
        );
        counter(
            "send_retries_total",
            "Graph API sends retried.",
            &[("", read(&self.send_retries))],
        );
        counter(
            "media_total",
            "Media downloads, by outcome.",
            &[
                ("outcome=\"stored\"", read(&self.media_stored)),
                ("outcome=\"failed\"", read(&self.media_failed)),
            ],
        );
        counter(
            "media_retries_total",
            "Media downloads retried.",
            &[("", read(&self.media_retries))],
        );
        counter(
            "media_local_errors_total",
            "Media not written for a local reason, such as a full disk (retried; alert on any).",
            &[("", read(&self.media_local_errors))],
        );
        counter(
            "media_refused_total",
            "Media URLs refused: off the allowlist of media hosts, a private address, or a redirect off it.",
            &[("", read(&self.media_refused))],
        );

        let _ = writeln!(
            out,
            "# HELP siaga_queue_depth Items waiting in a durable queue.\n# TYPE siaga_queue_depth gauge"
        );
        let _ = writeln!(
            out,
            "siaga_queue_depth{{queue=\"outbox\"}} {}",
            store.outbox().len()
        );
        let _ = writeln!(
            out,
            "siaga_queue_depth{{queue=\"media\"}} {}",
            store.media_queue().len()
        );
        let _ = writeln!(
            out,
            "siaga_queue_depth{{queue=\"index\"}} {}",
            store.index_queue().len()
        );
        let flush = store.flush_stats();
        let _ = writeln!(
            out,
            "# HELP siaga_store_flush_seconds Durable flush latency.\n# TYPE siaga_store_flush_seconds summary\nsiaga_store_flush_seconds_sum {}\nsiaga_store_flush_seconds_count {}",
            flush.total_seconds, flush.flushes
        );
        let _ = writeln!(
            out,
            "# HELP siaga_store_flush_last_seconds Latency of the latest durable flush.\n# TYPE siaga_store_flush_last_seconds gauge\nsiaga_store_flush_last_seconds {}",
            flush.last_seconds
        );
        let _ = writeln!(
            out,
            "# HELP siaga_store_poisoned 1 once a durable flush failed: nothing is acknowledged until siaga restarts.\n# TYPE siaga_store_poisoned gauge\nsiaga_store_poisoned {}",
            u8::from(store.poisoned().is_some())
        );
        let _ = writeln!(
            out,
            "# HELP siaga_whatsapp_channel_healthy 1 when the Graph API accepts our token.\n# TYPE siaga_whatsapp_channel_healthy gauge\nsiaga_whatsapp_channel_healthy {}",
            u8::from(channel_healthy)
        );
        render_workers(&mut out, workers);
        out
    }
}

/// Each worker's liveness: up (not failed), busy, the age of its latest progress, items and
/// failed steps.
fn render_workers(out: &mut String, workers: &[WorkerReport]) {
    let mut family = |name: &str, kind: &str, help: &str, value: &dyn Fn(&WorkerReport) -> f64| {
        let _ = writeln!(
            out,
            "# HELP siaga_{name} {help}\n# TYPE siaga_{name} {kind}"
        );
        for worker in workers {
            let _ = writeln!(
                out,
                "siaga_{name}{{worker=\"{}\"}} {}",
                worker.name,
                value(worker)
            );
        }
    };
    family(
        "worker_up",
        "gauge",
        "1 while a background worker runs; 0 once it failed (panicked) or stopped.",
        &|worker| {
            f64::from(u8::from(matches!(
                worker.state,
                WorkerLiveness::Busy | WorkerLiveness::Idle
            )))
        },
    );
    family(
        "worker_busy",
        "gauge",
        "1 while a background worker is in a step of work, 0 while it waits for work.",
        &|worker| f64::from(u8::from(worker.state == WorkerLiveness::Busy)),
    );
    family(
        "worker_last_progress_seconds",
        "gauge",
        "Seconds since a background worker last finished a step without error.",
        &|worker| worker.seconds_since_progress,
    );
    family(
        "worker_items_total",
        "counter",
        "Items a background worker handled (sends, downloads, reports indexed, reports checked).",
        &|worker| worker.items_done as f64,
    );
    family(
        "worker_errors_total",
        "counter",
        "Steps of a background worker that failed.",
        &|worker| worker.errors as f64,
    );
}
