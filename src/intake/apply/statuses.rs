//! Delivery statuses of our messages: deduped, parked until the wamid is known, moved forward
//! on the message, and a template queued when Meta says the 24-hour window is closed.

use chrono::{DateTime, Utc};

use super::{Apply, CALLBACK_PREFIX};
use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::ids::MessageId;
use crate::domain::inbound::{ApiError, DeliveryStatus, StatusUpdate};
use crate::domain::message::{
    Delivery, Direction, Message, MessageBody, OutboundContent, OutboundPurpose,
};
use crate::domain::report::Report;
use crate::domain::templates::TemplatePurpose;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::IntakeSettings;
use crate::intake::outbound::queue_reply;
use crate::intake::templates::{template_for_account, template_message};
use crate::ledger::Ledger;
use crate::store::{StoreError, Tx};

impl<'t, 'a> Apply<'t, 'a> {
    pub(super) fn status(&mut self, update: &StatusUpdate) -> Result<(), StoreError> {
        let seen_key = format!("status:{}#{}", update.external_id, update.status.as_str());
        if !self.tx.channel_log().first_sighting(&seen_key, self.now)? {
            self.outcome.duplicates += 1;
            return Ok(());
        }
        let message_id = match self.tx.messages().id_by_wamid(&update.external_id)? {
            Some(id) => Some(id),
            None => self.adopt_wamid_from_callback_data(update)?,
        };
        let Some(message_id) = message_id else {
            let channel_log = self.tx.channel_log();
            let mut pending = channel_log
                .pending_statuses(&update.external_id)?
                .unwrap_or_default();
            pending.updates.push(update.clone());
            channel_log.hold_statuses(&update.external_id, &pending)?;
            self.outcome.statuses_pending += 1;
            return Ok(());
        };
        self.outcome.statuses_applied += 1;
        let applied = apply_status_to_message(
            self.tx,
            self.settings,
            message_id,
            &DeliveryChange::reported(update),
            self.now,
        )?;
        if applied.fallback_queued {
            self.outcome.outbox_queued += 1;
        }
        self.outcome.events.extend(applied.event);
        Ok(())
    }

    /// A `sent` status carrying our callback data for a message whose send answer was lost
    /// (a crash between Meta accepting it and us recording the wamid): record the wamid now.
    pub(super) fn adopt_wamid_from_callback_data(
        &mut self,
        update: &StatusUpdate,
    ) -> Result<Option<MessageId>, StoreError> {
        let Some(message_id) = update
            .callback_data
            .as_deref()
            .and_then(|data| data.strip_prefix(CALLBACK_PREFIX))
            .and_then(|id| MessageId::parse(id).ok())
        else {
            return Ok(None);
        };
        let Some(mut message) = self.tx.messages().get(message_id)? else {
            return Ok(None);
        };
        if message.direction != Direction::Outbound || message.external_id.is_some() {
            return Ok(None);
        }
        message.external_id = Some(update.external_id.clone());
        self.tx.messages().save(&message)?;
        self.tx
            .messages()
            .link_wamid(&update.external_id, message_id)?;
        Ok(Some(message_id))
    }
}

/// What applying a status changed.
#[derive(Debug, Default)]
pub struct StatusApplied {
    pub event: Option<ReportEvent>,
    /// A template was queued in place of a message refused outside the 24-hour window.
    pub fallback_queued: bool,
}

/// A new delivery state of one of our messages: reported by Meta's status callback, or
/// decided by the sender when it gives a send up.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryChange {
    pub status: DeliveryStatus,
    pub at: DateTime<Utc>,
    pub error: Option<ApiError>,
}

impl DeliveryChange {
    /// The change a status callback reports (its first error, if any).
    pub fn reported(update: &StatusUpdate) -> DeliveryChange {
        DeliveryChange {
            status: update.status,
            at: update.at,
            error: update.errors.first().cloned(),
        }
    }
}

/// Moves an outbound message's delivery state forward (never back; failed is final), records
/// failures on the timeline, and queues the template fallback for a closed window.
pub fn apply_status_to_message(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    message_id: MessageId,
    change: &DeliveryChange,
    now: DateTime<Utc>,
) -> Result<StatusApplied, StoreError> {
    let Some(mut message) = tx.messages().get(message_id)? else {
        return Ok(StatusApplied::default());
    };
    let current = message.delivery.clone().unwrap_or(Delivery {
        status: DeliveryStatus::Queued,
        updated_at: now,
        error: None,
        attempts: 0,
        fell_back_to_template: false,
    });
    if !current.status.may_advance_to(change.status) {
        return Ok(StatusApplied::default());
    }
    let error = change.error.clone();
    message.delivery = Some(Delivery {
        status: change.status,
        updated_at: change.at,
        error: error.clone(),
        ..current
    });
    tx.messages().save(&message)?;
    let Some(report_id) = message.report_id else {
        return Ok(StatusApplied::default());
    };
    let Some(mut report) = tx.reports().get(report_id)? else {
        return Ok(StatusApplied::default());
    };
    if change.status != DeliveryStatus::Failed {
        let event = ReportEvent {
            kind: ReportEventKind::DeliveryUpdated,
            report_id,
            ticket: report.ticket.clone(),
            at: now,
            message_id: Some(message_id),
            published_at: None,
        };
        return Ok(StatusApplied {
            event: Some(event),
            fallback_queued: false,
        });
    }
    let reason = error
        .as_ref()
        .map_or("no reason given".to_string(), |error| error.to_string());
    report.add_flag("reply_failed");
    tx.reports().append_timeline(
        &mut report,
        TimelineKind::ReplyFailed,
        Actor::System,
        Some(reason),
        Some(message_id),
        now,
    )?;
    let outside_window = error.as_ref().is_some_and(ApiError::means_outside_window);
    let fallback_queued =
        outside_window && queue_template_fallback(tx, settings, &mut report, &message, now)?;
    tx.reports().save(&report)?;
    let event = ReportEvent {
        kind: ReportEventKind::DeliveryFailed,
        report_id,
        ticket: report.ticket.clone(),
        at: now,
        message_id: Some(message_id),
        published_at: None,
    };
    Ok(StatusApplied {
        event: Some(event),
        fallback_queued,
    })
}

/// Outside the 24-hour window only a pre-approved template may be sent. When one is configured
/// the failed free-text message is followed by it; otherwise the timeline says nothing more
/// can be sent until the citizen writes again.
pub fn queue_template_fallback(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    report: &mut Report,
    failed: &Message,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let MessageBody::Outbound {
        content, purpose, ..
    } = &failed.body
    else {
        return Ok(false);
    };
    if matches!(content, OutboundContent::Template { .. }) {
        return Ok(false);
    }
    // The satisfaction question has a purpose of its own; the general template would not ask
    // it, and the thanks for an answer are not worth a template.
    let template_purpose = match (purpose, content) {
        (OutboundPurpose::Satisfaction, OutboundContent::Buttons { .. }) => {
            Some(TemplatePurpose::Satisfaction)
        }
        (OutboundPurpose::Satisfaction, _) => None,
        _ => Some(TemplatePurpose::OutsideWindow),
    };
    let chosen = match template_purpose {
        Some(template_purpose) => template_for_account(
            tx,
            settings.replies_for(report.channel.as_deref()),
            template_purpose,
            settings
                .channels
                .directory
                .template_account(report.channel.as_deref()),
        )?,
        None => None,
    };
    let content = match chosen {
        Some(chosen) => template_message(
            tx,
            settings.replies_for(report.channel.as_deref()),
            &chosen,
            report,
        )?,
        None => None,
    };
    let Some(content) = content else {
        let note = Some(
            "outside the 24-hour window and no template is configured: the citizen was not reached"
                .to_string(),
        );
        tx.reports().append_timeline(
            report,
            TimelineKind::ReplyFailed,
            Actor::System,
            note,
            Some(failed.id),
            now,
        )?;
        return Ok(false);
    };
    queue_reply(tx, report, content, *purpose, Actor::System, now)?;
    Ok(true)
}
