//! The body of the intake transaction: each inbound item applied to the store.
//!
//! `Apply` carries the transaction through one delivery; its work is split by kind of item:
//! `messages` (threading into reports), `annotations` (reactions, edits, deletions),
//! `reporters` (identity, number changes, call permission), `replies` (the automatic answers),
//! `statuses` (delivery state and the template fallback) and `calls`. Channel errors are
//! recorded here.

mod annotations;
mod calls;
mod citizen;
mod messages;
mod questions;
mod replies;
mod reporters;
mod satisfaction;
mod statuses;

pub use statuses::{DeliveryChange, apply_status_to_message, queue_template_fallback};

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::routing::Suggestion;

use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::ids::{MessageId, Wamid};
use crate::domain::inbound::{ChannelError, InboundItem};
use crate::domain::message::Message;
use crate::domain::report::Report;
use crate::intake::{IngestOutcome, IntakeSettings};
use crate::ledger::Ledger;
use crate::store::{StoreError, Tx};

use crate::ledger::ChannelErrorRecord;

/// The citizen's own words kept on a report for suggestions; beyond this, later texts are
/// still stored as messages but no longer steer the suggestion.
const MAX_CITIZEN_TEXT_BYTES: usize = 16 * 1024;

/// The prefix of `biz_opaque_callback_data` we put on every send: `siaga:<message id>`.
pub const CALLBACK_PREFIX: &str = "siaga:";

pub(super) struct Apply<'t, 'a> {
    tx: &'t Tx<'a>,
    settings: &'t IntakeSettings,
    now: DateTime<Utc>,
    raw_payload_id: Option<u64>,
    outcome: IngestOutcome,
    /// Suggestions computed before the transaction from each message's text alone; used as
    /// they are when that text is all a (new) report holds, which keeps the routing work out
    /// of the serialised section in the common case.
    presuggested: &'t HashMap<Wamid, Suggestion>,
    /// Automatic replies queued for the message being applied, by their place in
    /// `outcome.outbox`: once the reporter and report are saved, the sender is given them
    /// (`describe_replies`) so that it need not read them back.
    replies: Vec<(usize, Message)>,
    /// The business number (phone number id) the item being applied came to, resolved
    /// through the configured numbers (see `ChannelDirectory::arrival`).
    channel: Option<String>,
}

impl<'t, 'a> Apply<'t, 'a> {
    pub(super) fn new(
        tx: &'t Tx<'a>,
        settings: &'t IntakeSettings,
        now: DateTime<Utc>,
        presuggested: &'t HashMap<Wamid, Suggestion>,
    ) -> Self {
        Apply {
            tx,
            settings,
            now,
            raw_payload_id: None,
            outcome: IngestOutcome::default(),
            presuggested,
            replies: Vec::new(),
            channel: None,
        }
    }

    /// Stores the raw body when anything in it was new, and returns what changed.
    pub(super) fn finish(self, raw_body: &[u8]) -> Result<IngestOutcome, StoreError> {
        if let Some(raw_id) = self.raw_payload_id {
            self.tx
                .channel_log()
                .keep_raw_body(raw_id, raw_body, self.now)?;
        }
        Ok(self.outcome)
    }

    /// The id the raw body will be stored under; allocated on first use.
    fn raw_payload_id(&mut self) -> Result<u64, StoreError> {
        if let Some(id) = self.raw_payload_id {
            return Ok(id);
        }
        let id = self.tx.generate_id()?;
        self.raw_payload_id = Some(id);
        Ok(id)
    }

    pub(super) fn item(&mut self, item: &InboundItem) -> Result<(), StoreError> {
        // Messages and calls say which number they came to; nothing else may take an earlier
        // item's number: the rest is on the default number.
        self.channel = self
            .settings
            .channels
            .directory
            .default_channel()
            .map(|channel| channel.phone_number_id.clone());
        match item {
            InboundItem::Message(message) => {
                self.arrive_on(message.recipient_account.as_deref());
                self.message(message)?;
                self.injected_panic(message);
                Ok(())
            }
            InboundItem::Status(status) => self.status(status),
            InboundItem::Call(call) => {
                self.arrive_on(call.recipient_account.as_deref());
                self.call(call)
            }
            InboundItem::ChannelError(error) => self.channel_error(error),
            InboundItem::Ignored { field, .. } => {
                tracing::debug!(field, "webhook item ignored");
                self.outcome.ignored += 1;
                Ok(())
            }
        }
    }

    /// Records which business number a message or call came to; one to a number that is not
    /// configured is kept on the default number (never lost), with a warning and a count.
    fn arrive_on(&mut self, recipient: Option<&str>) {
        let arrival = self.settings.channels.directory.arrival(recipient);
        if !arrival.known {
            tracing::warn!(
                recipient,
                kept_on = arrival.channel.as_deref(),
                "a message or call came to a business number that is not configured; kept on the default number"
            );
            self.outcome.unknown_channel += 1;
        }
        self.channel = arrival.channel;
    }

    /// Test hook (`IntakeSettings::panic_on_text`): panics once the message is written, so that
    /// a test can see the transaction's writes discarded.
    fn injected_panic(&self, message: &crate::domain::inbound::InboundMessage) {
        if let Some(trigger) = &self.settings.panic_on_text
            && message.content.text() == Some(trigger.as_str())
        {
            panic!("injected fault: intake panics on this text");
        }
    }

    fn event(&mut self, kind: ReportEventKind, report: &Report, message_id: Option<MessageId>) {
        self.outcome.events.push(ReportEvent {
            kind,
            report_id: report.id,
            ticket: report.ticket.clone(),
            at: self.now,
            message_id,
            published_at: None,
        });
    }

    fn channel_error(&mut self, error: &ChannelError) -> Result<(), StoreError> {
        tracing::warn!(code = error.error.code, error = %error.error, "whatsapp reported a channel error");
        self.outcome.channel_errors += 1;
        self.tx.channel_log().record_error(&ChannelErrorRecord {
            received_at: self.now,
            error: error.clone(),
        })
    }
}
