//! Queuing a message to a citizen: the outbound message record, its timeline entry and the
//! outbox item, written together. Used by intake (automatic replies) and workflow (operators).

use chrono::{DateTime, Utc};

use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::inbound::DeliveryStatus;
use crate::domain::message::{
    Delivery, Direction, Message, MessageBody, OutboundContent, OutboundPurpose,
};
use crate::domain::report::Report;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::ledger::Ledger;
use crate::ledger::{OutboxWork, Queued};
use crate::store::{StoreError, Tx};

pub struct QueuedReply {
    pub message: Message,
    pub event: ReportEvent,
    /// The outbox item that sends it.
    pub queued: Queued,
}

/// Queues `content` to the report's reporter. The caller saves `report` afterwards.
pub fn queue_reply(
    tx: &Tx<'_>,
    report: &mut Report,
    content: OutboundContent,
    purpose: OutboundPurpose,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<QueuedReply, StoreError> {
    let author = match &actor {
        Actor::User(username) => Some(username.clone()),
        _ => None,
    };
    let operator_wrote = author.is_some();
    let message = outbound_message(
        tx,
        Some(report.id),
        report.reporter_id,
        OutboundFrom {
            content,
            purpose,
            author,
            channel: report.channel.clone(),
        },
        now,
    )?;
    tx.messages().insert(&message)?;
    let note = Some(format!("{purpose:?}").to_lowercase());
    tx.reports().append_timeline(
        report,
        TimelineKind::ReplyQueued,
        actor,
        note,
        Some(message.id),
        now,
    )?;
    let queued = tx.outbox().enqueue_from(
        OutboxWork::Deliver {
            message_id: message.id,
        },
        report.channel.clone(),
        now,
    )?;
    // An operator's message keeps the conversation alive; an automatic one does not, or every
    // report would extend its own thread window.
    if operator_wrote {
        report.last_activity_at = report.last_activity_at.max(now);
    }
    report.updated_at = now;
    let event = ReportEvent {
        kind: ReportEventKind::ReplyQueued,
        report_id: report.id,
        ticket: report.ticket.clone(),
        at: now,
        message_id: Some(message.id),
        published_at: None,
    };
    Ok(QueuedReply {
        message,
        event,
        queued,
    })
}

/// Queues an automatic `content` to a reporter who has no report to put it on (the answer to
/// a status check from a number that never reported), from `channel` (the number the
/// citizen wrote to). The caller records why.
pub fn queue_unthreaded_reply(
    tx: &Tx<'_>,
    reporter_id: u64,
    content: OutboundContent,
    purpose: OutboundPurpose,
    channel: Option<String>,
    now: DateTime<Utc>,
) -> Result<(Message, Queued), StoreError> {
    let from = OutboundFrom {
        content,
        purpose,
        author: None,
        channel: channel.clone(),
    };
    let message = outbound_message(tx, None, reporter_id, from, now)?;
    tx.messages().insert(&message)?;
    let queued = tx.outbox().enqueue_from(
        OutboxWork::Deliver {
            message_id: message.id,
        },
        channel,
        now,
    )?;
    Ok((message, queued))
}

/// What an outbound message says, why, who wrote it, and the number it goes out from.
struct OutboundFrom {
    content: OutboundContent,
    purpose: OutboundPurpose,
    author: Option<String>,
    channel: Option<String>,
}

/// A new outbound message, queued for delivery.
fn outbound_message(
    tx: &Tx<'_>,
    report_id: Option<crate::domain::ids::ReportId>,
    reporter_id: u64,
    from: OutboundFrom,
    now: DateTime<Utc>,
) -> Result<Message, StoreError> {
    let OutboundFrom {
        content,
        purpose,
        author,
        channel,
    } = from;
    Ok(Message {
        id: tx.messages().new_id()?,
        report_id,
        reporter_id: Some(reporter_id),
        direction: Direction::Outbound,
        external_id: None,
        created_at: now,
        received_at: now,
        stated_sent_at: None,
        body: MessageBody::Outbound {
            content,
            purpose,
            author,
        },
        delivery: Some(Delivery {
            status: DeliveryStatus::Queued,
            updated_at: now,
            error: None,
            attempts: 0,
            fell_back_to_template: false,
        }),
        media: None,
        revisions: Vec::new(),
        revoked_at: None,
        reactions: Vec::new(),
        raw_payload_id: None,
        canned_reply: None,
        channel,
    })
}
