//! Message types that answer something shown to the user: interactive replies (buttons, lists,
//! flows, call permission), template quick-reply buttons, reactions and catalogue orders.

use serde_json::Value;

use super::fields::{identifier_field, object_field, optional_text, unix_time, wamid_field};
use crate::domain::inbound::{InteractiveKind, MessageContent};

pub(super) fn interactive_content(message: &Value) -> Option<MessageContent> {
    let interactive = object_field(message, "interactive")?;
    let interactive_type = interactive.get("type").and_then(Value::as_str);
    let content = match interactive_type {
        Some("button_reply") => {
            let reply = object_field(interactive, "button_reply")?;
            interactive_reply(InteractiveKind::ButtonReply, reply)
        }
        Some("list_reply") => {
            let reply = object_field(interactive, "list_reply")?;
            interactive_reply(InteractiveKind::ListReply, reply)
        }
        Some("nfm_reply") => {
            let reply = object_field(interactive, "nfm_reply")?;
            // `name` says which form answered (`flow`, `address_message`); `body` is its label.
            MessageContent::Interactive {
                kind: InteractiveKind::FlowReply,
                reply_id: optional_text(reply, "name"),
                title: optional_text(reply, "body"),
                description: None,
                response_json: reply.get("response_json").and_then(json_text),
            }
        }
        Some("call_permission_reply") => {
            let reply = object_field(interactive, "call_permission_reply")?;
            let response = reply.get("response").and_then(Value::as_str);
            MessageContent::CallPermissionReply {
                accepted: response.is_some_and(|response| response.eq_ignore_ascii_case("accept")),
                expires_at: unix_time(reply.get("expiration_timestamp")),
                source: optional_text(reply, "response_source"),
            }
        }
        _ => MessageContent::Interactive {
            kind: InteractiveKind::Other,
            reply_id: None,
            title: None,
            description: None,
            response_json: None,
        },
    };
    Some(content)
}

pub(super) fn interactive_reply(kind: InteractiveKind, reply: &Value) -> MessageContent {
    MessageContent::Interactive {
        kind,
        reply_id: identifier_field(reply, "id"),
        title: optional_text(reply, "title"),
        description: optional_text(reply, "description"),
        response_json: None,
    }
}

/// Flow answers are documented as a JSON string; an inline object is kept as its JSON text.
pub(super) fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Object(_) | Value::Array(_) => Some(value.to_string()),
        _ => None,
    }
}

pub(super) fn template_button_content(message: &Value) -> Option<MessageContent> {
    let button = object_field(message, "button")?;
    Some(MessageContent::TemplateButton {
        payload: optional_text(button, "payload"),
        text: optional_text(button, "text"),
    })
}

pub(super) fn reaction_content(message: &Value) -> Option<MessageContent> {
    let reaction = object_field(message, "reaction")?;
    Some(MessageContent::Reaction {
        target_id: wamid_field(reaction, "message_id")?,
        // Meta signals a removed reaction with an empty emoji or none at all.
        emoji: optional_text(reaction, "emoji"),
    })
}

pub(super) fn order_content(message: &Value) -> Option<MessageContent> {
    let order = object_field(message, "order")?;
    Some(MessageContent::Order {
        text: optional_text(order, "text"),
        raw: order.clone(),
    })
}
