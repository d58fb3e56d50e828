//! Timeline events: the append-only history of a report, each with its actor and time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{MessageId, ReportId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimelineKind {
    ReportOpened,
    MessageReceived,
    MessageEdited,
    MessageRevoked,
    ReactionReceived,
    ReplyQueued,
    /// A reply kept in sandbox mode (and, in stores written before 2026-12, every accepted
    /// send). Meta's acceptance of a send is recorded on the message: its wamid and delivery.
    ReplySent,
    ReplyFailed,
    MediaStored,
    MediaFailed,
    CallReceived,
    CallEnded,
    ReporterChangedNumber,
    CallPermissionAnswered,
    StatusChanged,
    Note,
    /// Category, priority or summary set by the command center.
    Triaged,
    /// Assigned to a unit (the note names it).
    Forwarded,
    /// A citizen notice (forwarded, resolved) could not go out: window closed, no template.
    NoticeNotSent,
    /// A phone, video or WhatsApp call an operator or officer made or took, logged by hand.
    CallLogged,
    /// Someone opened an original media file (chain of custody).
    MediaViewed,
    /// Messages of one report were moved into another.
    Merged,
    /// A service-level target was missed (the note names the stage and the due time).
    SlaBreached,
    /// A breached forwarded report was brought to the attention of the parent unit.
    Escalated,
    /// The reporter did not answer a question in time: flagged for a supervisor.
    ReporterSilent,
    /// A supervisor blocked the reporter's number (the note gives the reason and the end).
    ReporterBlocked,
    /// A supervisor lifted the block of the reporter's number.
    ReporterUnblocked,
    /// Grouped with other reports of the same event (the note names the primary or the others).
    Linked,
    /// Taken out of its incident.
    Unlinked,
    /// A person claimed the report (the actor).
    Claimed,
    /// The holder let the report go, or a supervisor did, or it left the holder's reach
    /// (forwarded where they cannot see it, or closed); the note says which.
    Released,
    /// A supervisor put the report in a person's hands (the note names them).
    PersonAssigned,
    /// The holder did nothing on the report for the idle period: the claim ran out.
    ClaimExpired,
    /// The citizen asked for the status of their reports (a ticket number, STATUS, CEK, the
    /// "Cek status" button) and was answered; the note says what was asked and found.
    StatusChecked,
    /// The satisfaction question went out (buttons, or the template outside the window).
    SatisfactionAsked,
    /// The citizen answered it, or added their comment (the note gives both).
    SatisfactionAnswered,
}

impl TimelineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::ReportOpened => "REPORT_OPENED",
            TimelineKind::MessageReceived => "MESSAGE_RECEIVED",
            TimelineKind::MessageEdited => "MESSAGE_EDITED",
            TimelineKind::MessageRevoked => "MESSAGE_REVOKED",
            TimelineKind::ReactionReceived => "REACTION_RECEIVED",
            TimelineKind::ReplyQueued => "REPLY_QUEUED",
            TimelineKind::ReplySent => "REPLY_SENT",
            TimelineKind::ReplyFailed => "REPLY_FAILED",
            TimelineKind::MediaStored => "MEDIA_STORED",
            TimelineKind::MediaFailed => "MEDIA_FAILED",
            TimelineKind::CallReceived => "CALL_RECEIVED",
            TimelineKind::CallEnded => "CALL_ENDED",
            TimelineKind::ReporterChangedNumber => "REPORTER_CHANGED_NUMBER",
            TimelineKind::CallPermissionAnswered => "CALL_PERMISSION_ANSWERED",
            TimelineKind::StatusChanged => "STATUS_CHANGED",
            TimelineKind::Note => "NOTE",
            TimelineKind::Triaged => "TRIAGED",
            TimelineKind::Forwarded => "FORWARDED",
            TimelineKind::NoticeNotSent => "NOTICE_NOT_SENT",
            TimelineKind::CallLogged => "CALL_LOGGED",
            TimelineKind::MediaViewed => "MEDIA_VIEWED",
            TimelineKind::Merged => "MERGED",
            TimelineKind::SlaBreached => "SLA_BREACHED",
            TimelineKind::Escalated => "ESCALATED",
            TimelineKind::ReporterSilent => "REPORTER_SILENT",
            TimelineKind::ReporterBlocked => "REPORTER_BLOCKED",
            TimelineKind::ReporterUnblocked => "REPORTER_UNBLOCKED",
            TimelineKind::Linked => "LINKED",
            TimelineKind::Unlinked => "UNLINKED",
            TimelineKind::Claimed => "CLAIMED",
            TimelineKind::Released => "RELEASED",
            TimelineKind::PersonAssigned => "PERSON_ASSIGNED",
            TimelineKind::ClaimExpired => "CLAIM_EXPIRED",
            TimelineKind::StatusChecked => "STATUS_CHECKED",
            TimelineKind::SatisfactionAsked => "SATISFACTION_ASKED",
            TimelineKind::SatisfactionAnswered => "SATISFACTION_ANSWERED",
        }
    }
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// The reporter, through the channel.
    Citizen,
    /// siaga itself (automatic replies, workers).
    System,
    /// A signed-in user, by username.
    User(String),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Citizen => f.write_str("citizen"),
            Actor::System => f.write_str("system"),
            Actor::User(username) => f.write_str(username),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub report_id: ReportId,
    pub sequence: u64,
    pub at: DateTime<Utc>,
    pub kind: TimelineKind,
    pub actor: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
}
