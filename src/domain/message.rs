//! Messages on a report, in both directions, with delivery state (ours) and media state
//! (theirs). The original content is evidence: edits and deletions are recorded beside it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::attachment::AttachmentKind;
use crate::domain::ids::{AttachmentId, MessageId, ReportId, Wamid};

use crate::domain::inbound::{ApiError, DeliveryStatus, MessageContent, MessageContext};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// What we send to a citizen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OutboundContent {
    Text {
        body: String,
    },
    /// A pre-approved template, for use outside the 24-hour window.
    Template {
        name: String,
        language: String,
        /// The body's parameters in order.
        parameters: Vec<String>,
        /// Their names, for a template with named parameters; empty for positional ones.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        parameter_names: Vec<String>,
    },
    LocationRequest {
        body: String,
    },
    CallPermissionRequest {
        body: String,
    },
    /// A question with up to three reply buttons.
    Buttons {
        body: String,
        choices: Vec<crate::domain::questions::Choice>,
    },
    /// A question with a list of up to ten options behind one button (`button` is its label).
    List {
        body: String,
        button: String,
        choices: Vec<crate::domain::questions::Choice>,
    },
    /// A file an operator uploaded (`POST /media/upload`), sent by Meta's media id; the
    /// message's `media` names the stored file.
    Media {
        attachment_id: AttachmentId,
        kind: AttachmentKind,
        /// The text shown under an image, video or document; audio has none.
        #[serde(default)]
        caption: Option<String>,
        /// Shown to the citizen for documents.
        #[serde(default)]
        file_name: Option<String>,
    },
}

impl OutboundContent {
    pub fn text(&self) -> &str {
        match self {
            OutboundContent::Text { body }
            | OutboundContent::LocationRequest { body }
            | OutboundContent::CallPermissionRequest { body }
            | OutboundContent::Buttons { body, .. }
            | OutboundContent::List { body, .. } => body,
            OutboundContent::Template { name, .. } => name,
            OutboundContent::Media { caption, .. } => caption.as_deref().unwrap_or_default(),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            OutboundContent::Text { .. } => "text",
            OutboundContent::Template { .. } => "template",
            OutboundContent::LocationRequest { .. } => "location_request",
            OutboundContent::CallPermissionRequest { .. } => "call_permission_request",
            OutboundContent::Buttons { .. } => "buttons",
            OutboundContent::List { .. } => "list",
            OutboundContent::Media { kind, .. } => kind.as_str(),
        }
    }
}

/// Why we sent a message; decides the fallback when the 24-hour window is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboundPurpose {
    /// The automatic answer to a new report, with its ticket number.
    NewReportReply,
    /// The short acknowledgement of a follow-up message.
    FollowUpAck,
    /// Written by an operator or officer.
    OperatorReply,
    /// A status notice (forwarded, resolved).
    StatusNotice,
    /// The one "slow down" answer to a reporter over the automatic rate limit.
    SlowDown,
    /// The answer to a citizen's status check, or to their tap on "Tambah foto/lokasi".
    StatusCheck,
    /// The satisfaction question once a report is resolved, and the answers to its answer.
    Satisfaction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub status: DeliveryStatus,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(default)]
    pub attempts: u32,
    /// The template used when free text could not be sent.
    #[serde(default)]
    pub fell_back_to_template: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaState {
    /// Announced, not yet downloaded.
    Pending,
    Stored,
    /// Gave up; `error` says why.
    Failed,
    /// Sandbox mode has no token to download with.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMedia {
    pub state: MediaState,
    #[serde(default)]
    pub sha256_hex: Option<String>,
    #[serde(default)]
    pub size_bytes: Option<u64>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl StoredMedia {
    /// Announced by the channel, nothing downloaded yet.
    pub fn pending() -> StoredMedia {
        StoredMedia {
            state: MediaState::Pending,
            sha256_hex: None,
            size_bytes: None,
            content_type: None,
            attempts: 0,
            error: None,
            updated_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub at: DateTime<Utc>,
    pub external_id: Wamid,
    pub content: Option<MessageContent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    pub at: DateTime<Utc>,
    pub emoji: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MessageBody {
    Inbound {
        content: MessageContent,
        #[serde(default)]
        context: MessageContext,
        #[serde(default)]
        errors: Vec<ApiError>,
    },
    Outbound {
        content: OutboundContent,
        purpose: OutboundPurpose,
        /// The username of the operator who wrote it; `None` for automatic messages.
        #[serde(default)]
        author: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub report_id: Option<ReportId>,
    pub reporter_id: Option<u64>,
    pub direction: Direction,
    /// The channel's id (wamid): the citizen's for inbound, the one Meta gave us for outbound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<Wamid>,
    /// When it was written: the citizen's send time (never later than `received_at`), or when
    /// we queued ours.
    pub created_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// The citizen's send time exactly as the channel stated it, kept as evidence: a phone
    /// with a wrong clock can claim the future, so `created_at` is clamped to `received_at`
    /// and the 24-hour window and threading go by `received_at`. `None` for ours, and for
    /// messages stored before this was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_sent_at: Option<DateTime<Utc>>,
    pub body: MessageBody,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<StoredMedia>,
    /// Later versions the citizen sent; the original `body` is never changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The raw webhook body this message came in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_payload_id: Option<u64>,
    /// The canned reply an operator's reply was written from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canned_reply: Option<crate::domain::canned::CannedReplyRef>,
    /// The business number (phone number id) the message came to, or went out from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

impl Message {
    pub fn kind_name(&self) -> &'static str {
        match &self.body {
            MessageBody::Inbound { content, .. } => content.kind_name(),
            MessageBody::Outbound { content, .. } => content.kind_name(),
        }
    }

    pub fn text(&self) -> Option<&str> {
        match &self.body {
            MessageBody::Inbound { content, .. } => content.text(),
            MessageBody::Outbound {
                content: OutboundContent::Media { caption, .. },
                ..
            } => caption.as_deref(),
            MessageBody::Outbound { content, .. } => Some(content.text()),
        }
    }
}
