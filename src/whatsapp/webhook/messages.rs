//! Messages (`value.messages[]`): the envelope every message shares (sender, time, quoted
//! message, errors), the dispatch on its `type`, and the types that are about text or about
//! other messages (edits and revokes).

use serde_json::Value;

use super::attachments::{contacts_content, location_content, media_content};
use super::errors::parse_errors;
use super::fields::{identifier_field, object_field, optional_text, timestamp_or, wamid_field};
use super::replies::{
    interactive_content, order_content, reaction_content, template_button_content,
};
use super::senders::resolve_sender;
use super::system::system_content;
use super::{ChangeScope, MISSING_NAME, ignored};
use crate::domain::ids::Wamid;
use crate::domain::inbound::{
    InboundItem, InboundMessage, MediaKind, MessageContent, MessageContext,
};

pub(super) fn parse_message(message: &Value, scope: &ChangeScope<'_>) -> InboundItem {
    let Some(external_id) = identifier_field(message, "id") else {
        return ignored("messages: no id", message);
    };
    let Ok(external_id) = Wamid::parse(&external_id) else {
        return ignored("messages: malformed id", message);
    };
    let mut sender = resolve_sender(
        scope.contacts,
        identifier_field(message, "from").as_deref(),
        identifier_field(message, "from_user_id").as_deref(),
    );
    // A BSUID-change notice has neither `from` nor contacts; the old id is how we know the user.
    if sender.bsuid.is_none() {
        sender.bsuid = message
            .get("system")
            .and_then(|system| identifier_field(system, "previous_user_id"));
    }
    InboundItem::Message(InboundMessage {
        external_id,
        sender,
        sent_at: timestamp_or(message.get("timestamp"), scope.received_at),
        content: parse_content(message),
        context: parse_context(message),
        errors: parse_errors(message),
        recipient_account: scope.recipient_account.clone(),
        raw: message.clone(),
    })
}

/// The body of a message (or of the new version inside an `edit`). Never fails: an unknown type
/// or a known type in an unexpected shape becomes `Unsupported { known_to_meta: false }`.
pub(super) fn parse_content(message: &Value) -> MessageContent {
    let Some(message_type) = message.get("type").and_then(Value::as_str) else {
        return unfamiliar(MISSING_NAME);
    };
    let content = match message_type {
        "text" => text_content(message),
        "image" => media_content(message, "image", MediaKind::Image),
        "video" => media_content(message, "video", MediaKind::Video),
        "audio" => media_content(message, "audio", MediaKind::Audio),
        "document" => media_content(message, "document", MediaKind::Document),
        "sticker" => media_content(message, "sticker", MediaKind::Sticker),
        "location" => location_content(message),
        "contacts" => contacts_content(message),
        "interactive" => interactive_content(message),
        "button" => template_button_content(message),
        "reaction" => reaction_content(message),
        "order" => order_content(message),
        "system" => system_content(message),
        "edit" => edit_content(message),
        "revoke" => revoke_content(message),
        "unsupported" | "unknown" => Some(unsupported_by_meta(message)),
        _ => None,
    };
    content.unwrap_or_else(|| unfamiliar(message_type))
}

pub(super) fn unfamiliar(message_type: &str) -> MessageContent {
    MessageContent::Unsupported {
        original_type: message_type.to_owned(),
        known_to_meta: false,
    }
}

pub(super) fn unsupported_by_meta(message: &Value) -> MessageContent {
    let original_type = message
        .get("unsupported")
        .and_then(|unsupported| optional_text(unsupported, "type"))
        .unwrap_or_else(|| "unknown".to_owned());
    MessageContent::Unsupported {
        original_type,
        known_to_meta: true,
    }
}

pub(super) fn text_content(message: &Value) -> Option<MessageContent> {
    let body = object_field(message, "text")?.get("body")?.as_str()?;
    Some(MessageContent::Text {
        body: body.to_owned(),
    })
}

pub(super) fn edit_content(message: &Value) -> Option<MessageContent> {
    let edit = object_field(message, "edit")?;
    let target_id = wamid_field(edit, "original_message_id")?;
    let new_version = object_field(edit, "message")?;
    Some(MessageContent::Edit {
        target_id,
        new_content: Box::new(parse_content(new_version)),
    })
}

pub(super) fn revoke_content(message: &Value) -> Option<MessageContent> {
    let revoke = object_field(message, "revoke")?;
    Some(MessageContent::Revoke {
        target_id: wamid_field(revoke, "original_message_id")?,
    })
}

pub(super) fn parse_context(message: &Value) -> MessageContext {
    let context = message.get("context").unwrap_or(&Value::Null);
    let flag = |key: &str| context.get(key).and_then(Value::as_bool).unwrap_or(false);
    MessageContext {
        quoted_id: wamid_field(context, "id"),
        forwarded: flag("forwarded"),
        frequently_forwarded: flag("frequently_forwarded"),
        referral: message
            .get("referral")
            .filter(|referral| referral.is_object())
            .cloned(),
    }
}
