//! Intake: turns inbound channel events into durable reports. One webhook delivery is applied
//! in one store transaction: dedupe, upsert the reporter, thread the message into their open
//! report or open a new one with a ticket, append timeline events, queue the automatic reply,
//! read receipts and media downloads, apply delivery statuses, and record calls and errors.

mod apply;
pub mod batcher;
pub use apply::{
    CALLBACK_PREFIX, DeliveryChange, apply_status_to_message, queue_template_fallback,
};
pub mod outbound;
mod poison;
pub mod templates;

use chrono::{DateTime, Utc};

use crate::bus::ReportEvent;
use crate::domain::inbound::InboundItem;
use crate::profile::ReplyTexts;
use crate::store::{Store, StoreError, TxError};

#[derive(Debug, Clone)]
pub struct IntakeSettings {
    /// A message joins the reporter's open report when it comes within this time of the
    /// report's last activity.
    pub thread_window: chrono::Duration,
    pub ticket_prefix: String,
    /// Follow-up messages get at most one short acknowledgement per this interval.
    pub follow_up_ack_interval: chrono::Duration,
    /// Send read receipts for inbound messages.
    pub mark_read: bool,
    pub replies: ReplyTexts,
    /// Suggests category, place, unit and urgency for each report; `None` skips suggestions.
    pub router: Option<crate::routing::Router>,
    /// Which suggestions put a report into the internal-affairs compartment.
    pub access: crate::domain::access::AccessRules,
    /// Category code -> its name as citizens read it, for the list of likeliest kinds.
    pub category_titles: std::sync::Arc<std::collections::HashMap<String, String>>,
    /// The automatic per-reporter rate limit (see `domain::abuse`).
    pub pace_limit: crate::domain::abuse::PaceLimit,
    /// The business numbers, and the reply texts of those that have their own.
    pub channels: ChannelSettings,
    /// Test hook: intake panics, inside its transaction, on a text message with exactly this
    /// text (the hidden `--fault-panic-on-text` setting). `None` in production.
    #[doc(hidden)]
    pub panic_on_text: Option<String>,
}

/// The business numbers as intake and workflow need them: which exist (and their default
/// units), and the reply texts of each number that has its own.
#[derive(Debug, Clone, Default)]
pub struct ChannelSettings {
    pub directory: std::sync::Arc<crate::domain::channel::ChannelDirectory>,
    /// By phone number id; a number without its own texts uses `IntakeSettings::replies`.
    pub replies: std::sync::Arc<std::collections::HashMap<String, ReplyTexts>>,
}

impl IntakeSettings {
    /// The reply texts of the number `channel` (a report's or message's; `None`: the default).
    pub fn replies_for(&self, channel: Option<&str>) -> &ReplyTexts {
        self.channels
            .directory
            .channel_of(channel)
            .and_then(|id| self.channels.replies.get(id))
            .unwrap_or(&self.replies)
    }

    /// Whether the citizen's 24-hour window is open on the number of a report or message
    /// whose channel is `channel`.
    pub fn window_open(
        &self,
        reporter: &crate::domain::reporter::Reporter,
        channel: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        reporter.window_open_on(self.channels.directory.channel_of(channel), now)
    }
}

/// What one delivery changed, for the caller to count, publish and wake workers with.
#[derive(Debug, Default, Clone)]
pub struct IngestOutcome {
    pub messages_new: u64,
    pub duplicates: u64,
    pub reports_opened: u64,
    pub statuses_applied: u64,
    pub statuses_pending: u64,
    pub calls: u64,
    pub channel_errors: u64,
    pub unknown_types: u64,
    /// Messages to a business number that is not configured (kept on the default number).
    pub unknown_channel: u64,
    pub ignored: u64,
    /// Questions asked and answers received (see `domain::questions`).
    pub questions: Questions,
    pub outbox_queued: u64,
    /// The outbox items of `outbox_queued` that the sender can take directly once this
    /// delivery is durable (the others, if any, it finds in the queue).
    pub outbox: Vec<crate::ledger::Queued>,
    pub media_queued: u64,
    /// Messages from blocked numbers, kept as evidence only.
    pub blocked_messages: u64,
    /// The delivery was poison: quarantined raw (see `poison.rs`), nothing else applied.
    pub quarantined: u64,
    /// Published on the bus once the delivery is durable.
    pub events: Vec<ReportEvent>,
}

impl IngestOutcome {
    /// An outbox item this delivery queued, for the sender to take directly once durable.
    pub(crate) fn queued(&mut self, item: crate::ledger::Queued) {
        self.outbox_queued += 1;
        self.outbox.push(item);
    }

    /// What the delivery leaves for the sender, the media fetcher and the bus.
    pub fn take_effects(&mut self) -> crate::ledger::Effects {
        let sends = std::mem::take(&mut self.outbox);
        crate::ledger::Effects {
            outbox_queued: self.outbox_queued > sends.len() as u64,
            sends,
            media_queued: self.media_queued > 0,
            events: std::mem::take(&mut self.events),
        }
    }

    /// Adds what the delivery changed to the counters of `/metrics`.
    pub fn count(&self, metrics: &crate::metrics::Metrics) {
        use crate::metrics::add;
        add(&metrics.messages_ingested, self.messages_new);
        add(&metrics.duplicates, self.duplicates);
        add(&metrics.reports_opened, self.reports_opened);
        add(&metrics.statuses_applied, self.statuses_applied);
        add(&metrics.statuses_pending, self.statuses_pending);
        add(&metrics.calls, self.calls);
        add(&metrics.channel_errors, self.channel_errors);
        add(&metrics.unknown_message_types, self.unknown_types);
        add(&metrics.messages_to_unknown_number, self.unknown_channel);
        add(&metrics.webhook_poison, self.quarantined);
        let questions = &self.questions;
        add(&metrics.asked_urgency, questions.asked_urgency);
        add(&metrics.asked_category, questions.asked_category);
        add(&metrics.answered_happening_now, questions.happening_now);
        add(&metrics.answered_not_urgent, questions.not_urgent);
        add(&metrics.answered_category, questions.category);
        add(&metrics.answered_satisfaction, questions.satisfaction);
        add(&metrics.status_checks, questions.status_checks);
    }
}

/// Questions put to citizens in one delivery, and answers received.
#[derive(Debug, Default, Clone, Copy)]
pub struct Questions {
    pub asked_urgency: u64,
    pub asked_category: u64,
    pub happening_now: u64,
    pub not_urgent: u64,
    pub category: u64,
    /// Answers to the satisfaction question.
    pub satisfaction: u64,
    /// Status checks answered.
    pub status_checks: u64,
}

/// Why a delivery was not accepted; Meta retries it.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("not stored: {0}")]
    NotStored(String),
    #[error("stored but not made durable: {0}")]
    NotDurable(StoreError),
}

/// One webhook delivery, ready to be applied.
pub struct Delivery<'d> {
    pub raw_body: &'d [u8],
    pub items: &'d [InboundItem],
    pub received_at: DateTime<Utc>,
    presuggested: std::collections::HashMap<crate::domain::ids::Wamid, crate::routing::Suggestion>,
}

#[derive(Clone)]
pub struct Intake {
    store: Store,
    /// Shared: every webhook request holds a clone of the intake, and the reply texts are many
    /// strings.
    settings: std::sync::Arc<IntakeSettings>,
}

impl Intake {
    pub fn new(store: Store, settings: IntakeSettings) -> Intake {
        Intake {
            store,
            settings: std::sync::Arc::new(settings),
        }
    }

    pub fn settings(&self) -> &IntakeSettings {
        &self.settings
    }

    /// The suggestion for each text message on its own, computed outside the transaction.
    fn presuggest(
        &self,
        items: &[InboundItem],
    ) -> std::collections::HashMap<crate::domain::ids::Wamid, crate::routing::Suggestion> {
        let Some(router) = &self.settings.router else {
            return std::collections::HashMap::new();
        };
        items
            .iter()
            .filter_map(|item| match item {
                InboundItem::Message(message) => {
                    // An answer to one of our questions is not about the case.
                    if message.content.reply_id().is_some() {
                        return None;
                    }
                    let text = message.content.text()?.trim();
                    (!text.is_empty())
                        .then(|| (message.external_id.clone(), router.suggest(&[text], None)))
                }
                _ => None,
            })
            .collect()
    }

    /// One delivery ready for `ingest_together`, its suggestions computed here (outside the
    /// transaction), as the batcher does for each webhook. For tools that apply many
    /// deliveries without HTTP (the scale example's store build).
    pub fn delivery<'d>(
        &self,
        raw_body: &'d [u8],
        items: &'d [InboundItem],
        received_at: DateTime<Utc>,
    ) -> Delivery<'d> {
        Delivery {
            raw_body,
            items,
            received_at,
            presuggested: self.presuggest(items),
        }
    }

    /// Applies every item of one delivery atomically. The caller must `Store::flush` before
    /// acknowledging the delivery. Blocking: call it from a blocking context.
    pub fn ingest(
        &self,
        raw_body: &[u8],
        items: &[InboundItem],
        received_at: DateTime<Utc>,
    ) -> Result<IngestOutcome, StoreError> {
        let delivery = self.delivery(raw_body, items, received_at);
        let mut outcomes = self.ingest_together(std::slice::from_ref(&delivery))?;
        Ok(outcomes.pop().unwrap_or_default())
    }

    /// Applies several deliveries in one transaction, each as if alone (in order, each seeing
    /// what the ones before it wrote), and returns one outcome per delivery. All or none are
    /// stored. Blocking.
    pub fn ingest_together(
        &self,
        deliveries: &[Delivery<'_>],
    ) -> Result<Vec<IngestOutcome>, StoreError> {
        let outcome = self.store.transaction(
            |tx| -> Result<Vec<IngestOutcome>, TxError<std::convert::Infallible>> {
                let mut outcomes = Vec::with_capacity(deliveries.len());
                for delivery in deliveries {
                    let mut run = apply::Apply::new(
                        tx,
                        &self.settings,
                        delivery.received_at,
                        &delivery.presuggested,
                    );
                    for item in delivery.items {
                        run.item(item)?;
                    }
                    outcomes.push(run.finish(delivery.raw_body)?);
                }
                Ok(outcomes)
            },
        );
        match outcome {
            Ok(outcomes) => Ok(outcomes),
            Err(TxError::Store(error)) => Err(error),
            Err(TxError::Abort(never)) => match never {},
        }
    }
}
