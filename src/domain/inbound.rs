//! What arrives from the citizen's side of the channel, already translated out of Meta's JSON:
//! messages, delivery statuses of our own messages, call events and channel errors.
//!
//! `whatsapp::webhook` produces these; `intake` consumes them. Nothing here knows about HTTP or
//! about the wire format, so another channel (SMS, a web form) could produce the same events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::Wamid;
use crate::domain::phone::PhoneNumber;

/// One item of a webhook delivery, in the order it appeared in the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InboundItem {
    Message(InboundMessage),
    Status(StatusUpdate),
    Call(CallEvent),
    ChannelError(ChannelError),
    /// A change of a field we do not act on (`account_update`, template status, …): kept raw.
    Ignored {
        field: String,
        raw: serde_json::Value,
    },
}

/// Who wrote: the business-scoped user id (BSUID) when Meta sends one, else only the phone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    pub bsuid: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub profile_name: Option<String>,
    pub username: Option<String>,
}

impl Sender {
    /// True when there is nothing to identify the sender by; such items cannot be threaded.
    pub fn is_anonymous(&self) -> bool {
        self.bsuid.is_none() && self.phone.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The channel's message id (a wamid for WhatsApp). Opaque; unique per message.
    pub external_id: Wamid,
    pub sender: Sender,
    /// When the citizen sent it, as the channel reports it.
    pub sent_at: DateTime<Utc>,
    pub content: MessageContent,
    #[serde(default)]
    pub context: MessageContext,
    /// Per-message errors Meta attached (e.g. 131051 on unsupported types).
    #[serde(default)]
    pub errors: Vec<ApiError>,
    /// Our business number id the message was sent to (`metadata.phone_number_id`).
    pub recipient_account: Option<String>,
    /// The message object exactly as parsed from the payload, kept as evidence.
    pub raw: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageContext {
    /// The message this one quotes or answers (one of ours, or one of the citizen's).
    pub quoted_id: Option<Wamid>,
    pub forwarded: bool,
    /// Forwarded more than five times: a possible hoax chain message.
    pub frequently_forwarded: bool,
    /// Click-to-WhatsApp ad or product referral, kept as sent.
    pub referral: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    /// An audio message recorded in WhatsApp itself.
    Voice,
    Document,
    Sticker,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Voice => "voice",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }
}

/// A media attachment as announced by the channel; the file itself is fetched later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    /// The channel's media id, valid for download for about seven days.
    pub media_id: String,
    pub mime_type: Option<String>,
    /// The hash as the channel sent it (base64 in webhooks, hex from the media endpoint).
    pub sha256: Option<String>,
    /// A direct download url, when the webhook carries one (it expires after minutes).
    pub url: Option<String>,
    pub filename: Option<String>,
    pub caption: Option<String>,
    pub animated: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedContact {
    pub formatted_name: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InteractiveKind {
    ButtonReply,
    ListReply,
    /// A WhatsApp Flow or address form answer (`nfm_reply`).
    FlowReply,
    Other,
}

/// The body of a message, one variant per kind of thing a citizen can send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MessageContent {
    Text {
        body: String,
    },
    Media {
        kind: MediaKind,
        media: MediaRef,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
        url: Option<String>,
    },
    Contacts {
        contacts: Vec<SharedContact>,
    },
    /// A tap on one of our interactive buttons or list rows (or a flow answer).
    Interactive {
        kind: InteractiveKind,
        reply_id: Option<String>,
        title: Option<String>,
        description: Option<String>,
        /// For flow answers: the response JSON as sent.
        response_json: Option<String>,
    },
    /// The citizen's answer to our request for permission to call them.
    CallPermissionReply {
        accepted: bool,
        expires_at: Option<DateTime<Utc>>,
        source: Option<String>,
    },
    /// A quick-reply button on one of our templates.
    TemplateButton {
        payload: Option<String>,
        text: Option<String>,
    },
    /// A reaction to a message; `emoji: None` means the reaction was removed.
    Reaction {
        target_id: Wamid,
        emoji: Option<String>,
    },
    Order {
        text: Option<String>,
        raw: serde_json::Value,
    },
    /// A system notice, e.g. the user changed their number or their business-scoped id.
    System {
        kind: String,
        body: Option<String>,
        new_phone: Option<PhoneNumber>,
        new_bsuid: Option<String>,
    },
    /// The citizen edited an earlier message; the original stays as evidence.
    Edit {
        target_id: Wamid,
        new_content: Box<MessageContent>,
    },
    /// The citizen deleted an earlier message for everyone; the original stays as evidence.
    Revoke {
        target_id: Wamid,
    },
    /// A type Meta marks unsupported, or one this version of siaga does not know.
    /// `known_to_meta` is false when the `type` itself was new to us (flagged for review).
    Unsupported {
        original_type: String,
        known_to_meta: bool,
    },
}

impl MessageContent {
    /// The id of a tapped reply button or list row.
    pub fn reply_id(&self) -> Option<&str> {
        match self {
            MessageContent::Interactive {
                kind: InteractiveKind::ButtonReply | InteractiveKind::ListReply,
                reply_id,
                ..
            } => reply_id.as_deref(),
            _ => None,
        }
    }

    /// The words a person wrote: the text body, a caption, an edit's new text, a button title.
    pub fn text(&self) -> Option<&str> {
        match self {
            MessageContent::Text { body } => Some(body),
            MessageContent::Media { media, .. } => media.caption.as_deref(),
            MessageContent::Location { name, address, .. } => {
                name.as_deref().or(address.as_deref())
            }
            MessageContent::Interactive { title, .. } => title.as_deref(),
            MessageContent::TemplateButton { text, payload } => {
                text.as_deref().or(payload.as_deref())
            }
            MessageContent::Order { text, .. } => text.as_deref(),
            MessageContent::System { body, .. } => body.as_deref(),
            MessageContent::Edit { new_content, .. } => new_content.text(),
            _ => None,
        }
    }

    /// A short lowercase name of the kind, as shown to operators and in exports.
    pub fn kind_name(&self) -> &'static str {
        match self {
            MessageContent::Text { .. } => "text",
            MessageContent::Media { kind, .. } => kind.as_str(),
            MessageContent::Location { .. } => "location",
            MessageContent::Contacts { .. } => "contacts",
            MessageContent::Interactive { .. } => "interactive",
            MessageContent::CallPermissionReply { .. } => "call_permission_reply",
            MessageContent::TemplateButton { .. } => "button",
            MessageContent::Reaction { .. } => "reaction",
            MessageContent::Order { .. } => "order",
            MessageContent::System { .. } => "system",
            MessageContent::Edit { .. } => "edit",
            MessageContent::Revoke { .. } => "revoke",
            MessageContent::Unsupported { .. } => "unsupported",
        }
    }

    pub fn media(&self) -> Option<(MediaKind, &MediaRef)> {
        match self {
            MessageContent::Media { kind, media } => Some((*kind, media)),
            _ => None,
        }
    }
}

/// Delivery progress of a message we sent. Ordered: a status only ever moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DeliveryStatus {
    /// Stored in our outbox, not yet accepted by the channel.
    Queued,
    /// Sandbox mode: stored and shown, never sent.
    Sandbox,
    /// Accepted by the Graph API (we hold its wamid).
    Accepted,
    Sent,
    Delivered,
    Read,
    /// A voice message of ours was played.
    Played,
    /// Final: the channel gave up, with an error.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sandbox => "sandbox",
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Played => "played",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Whether a status callback saying `next` may replace `self`: forward only, failed is final.
    pub fn may_advance_to(self, next: DeliveryStatus) -> bool {
        self != DeliveryStatus::Failed && (next == DeliveryStatus::Failed || next > self)
    }
}

/// The channel's error code for a free-form message refused because the 24-hour
/// customer-service window is closed (Meta's "re-engagement message", 131047).
///
/// Named here rather than in `whatsapp` because intake needs it to decide on the template
/// fallback, and intake may not depend on `whatsapp`, which depends on intake; the Graph
/// client's table of dispositions uses this same constant.
pub const OUTSIDE_WINDOW_CODE: i64 = 131047;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: i64,
    pub title: Option<String>,
    pub message: Option<String>,
    pub details: Option<String>,
}

impl ApiError {
    /// Whether the channel refused the message because the 24-hour window is closed, so that
    /// only a pre-approved template can still reach the citizen.
    pub fn means_outside_window(&self) -> bool {
        self.code == OUTSIDE_WINDOW_CODE
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({}) ", self.code)?;
        let text = self
            .details
            .as_deref()
            .or(self.message.as_deref())
            .or(self.title.as_deref());
        f.write_str(text.unwrap_or("unknown error"))
    }
}

/// A status callback for one of our outbound messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The wamid the Graph API gave us when it accepted the message.
    pub external_id: Wamid,
    pub status: DeliveryStatus,
    pub at: DateTime<Utc>,
    pub recipient: Option<String>,
    pub callback_data: Option<String>,
    #[serde(default)]
    pub errors: Vec<ApiError>,
    pub raw: serde_json::Value,
}

/// A WhatsApp voice call event: a citizen calling the help number, or progress of our call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    /// The call id (`wacid.…`).
    pub call_id: String,
    /// `connect`, `terminate`, or a call status such as `ringing`, `accepted`, `rejected`.
    pub event: String,
    /// `user_initiated` or `business_initiated` when known.
    pub direction: Option<String>,
    /// For `terminate`: `completed`, `failed`, … (lowercase).
    pub outcome: Option<String>,
    pub sender: Sender,
    pub at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<i64>,
    /// Our business number id the call came to or went out from (`metadata.phone_number_id`).
    #[serde(default)]
    pub recipient_account: Option<String>,
    pub raw: serde_json::Value,
}

impl CallEvent {
    /// Calls are deduplicated by call id and event, as Meta may deliver each more than once.
    pub fn dedupe_key(&self) -> String {
        format!("{}#{}", self.call_id, self.event)
    }
}

/// An out-of-band error about the channel itself (value-level `errors[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelError {
    pub error: ApiError,
    pub recipient_account: Option<String>,
    pub raw: serde_json::Value,
}
