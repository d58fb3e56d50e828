//! Unit tests of the webhook parser, one per fixture and then shapes beyond the fixtures; the
//! helpers here are shared by the files below, which are split by subject.

mod message_types;
mod senders_and_context;
mod shapes;
mod statuses_and_calls;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::*;
use crate::domain::inbound::{
    ApiError, CallEvent, DeliveryStatus, InboundItem, InboundMessage, InteractiveKind, MediaKind,
    MediaRef, MessageContent, MessageContext, SharedContact, StatusUpdate,
};
use crate::domain::phone::PhoneNumber;

const PHONE_NUMBER_ID: &str = "112233445566778";

fn received_at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

fn phone(text: &str) -> Option<PhoneNumber> {
    Some(PhoneNumber::parse(text).unwrap())
}

fn parse_text(body: &str) -> Vec<InboundItem> {
    parse_notification(body.as_bytes(), received_at()).unwrap()
}

fn parse_value(body: &Value) -> Vec<InboundItem> {
    parse_notification(body.to_string().as_bytes(), received_at()).unwrap()
}

fn only_message(items: &[InboundItem]) -> &InboundMessage {
    assert_eq!(items.len(), 1, "{items:#?}");
    message(&items[0])
}

fn message(item: &InboundItem) -> &InboundMessage {
    match item {
        InboundItem::Message(message) => message,
        other => panic!("expected a message, got {other:#?}"),
    }
}

fn only_status(items: &[InboundItem]) -> &StatusUpdate {
    assert_eq!(items.len(), 1, "{items:#?}");
    match &items[0] {
        InboundItem::Status(status) => status,
        other => panic!("expected a status, got {other:#?}"),
    }
}

fn only_call(items: &[InboundItem]) -> &CallEvent {
    assert_eq!(items.len(), 1, "{items:#?}");
    match &items[0] {
        InboundItem::Call(call) => call,
        other => panic!("expected a call, got {other:#?}"),
    }
}

fn media(message: &InboundMessage) -> (MediaKind, &MediaRef) {
    message.content.media().expect("a media message")
}

/// One `messages` change with our metadata around the given contacts and messages.
fn messages_body(contacts: Value, messages: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "109876543210987",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": { "display_phone_number": "6281200000110", "phone_number_id": PHONE_NUMBER_ID },
                    "contacts": contacts,
                    "messages": messages
                }
            }]
        }]
    })
}
