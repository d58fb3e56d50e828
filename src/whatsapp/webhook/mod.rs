//! Translation of Meta's webhook POST bodies into domain `InboundItem`s: messages, delivery
//! statuses, call events and channel errors, read tolerantly so one odd item never costs a batch.
//!
//! The body is parsed into a `serde_json::Value` and walked by hand rather than deserialised into
//! strict structs: Meta adds fields and message types without notice, sends numbers as strings
//! (and sometimes strings as numbers), and a citizen's report must never be refused because a
//! sibling item in the same delivery looked unfamiliar. Once the body is a JSON object, every
//! item becomes something: a parsed event, an `Unsupported` message kept for review, or an
//! `Ignored` item carrying the raw JSON.
//!
//! One file per kind of item: `messages` (and, by message type, `attachments`, `replies` and
//! `system`), `statuses`, `calls` and `errors`; `senders` pairs an item with its user and
//! `fields` holds the tolerant readers they all share.

mod attachments;
mod calls;
mod errors;
mod fields;
mod messages;
mod replies;
mod senders;
mod statuses;
mod system;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::inbound::InboundItem;

use calls::parse_call;
use errors::parse_channel_error;
use fields::{array_field, identifier_field};
use messages::parse_message;
use statuses::parse_status;

/// Why a webhook body could not be read at all. Nothing inside a JSON object produces an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookParseError {
    #[error("webhook body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("webhook body is JSON but not an object")]
    NotAnObject,
}

/// Stands in for a `type` or `field` that was absent, so operators see that it was missing.
const MISSING_NAME: &str = "(missing)";

/// Reads one webhook POST body. `received_at` stands in for any timestamp that is missing or
/// unreadable. Items come out in payload order: entry by entry, change by change.
pub fn parse_notification(
    body: &[u8],
    received_at: DateTime<Utc>,
) -> Result<Vec<InboundItem>, WebhookParseError> {
    let document: Value = serde_json::from_slice(body)
        .map_err(|error| WebhookParseError::MalformedJson(error.to_string()))?;
    if !document.is_object() {
        return Err(WebhookParseError::NotAnObject);
    }
    let mut items = Vec::new();
    for entry in array_field(&document, "entry") {
        for change in array_field(entry, "changes") {
            parse_change(change, received_at, &mut items);
        }
    }
    Ok(items)
}

/// What every item of one `changes[].value` shares.
struct ChangeScope<'payload> {
    /// Our business number id, `metadata.phone_number_id`.
    recipient_account: Option<String>,
    /// `value.contacts[]`: the profiles of the users the items are about.
    contacts: &'payload [Value],
    received_at: DateTime<Utc>,
}

fn parse_change(change: &Value, received_at: DateTime<Utc>, items: &mut Vec<InboundItem>) {
    if !change.is_object() {
        tracing::debug!("webhook change that is not an object skipped");
        return;
    }
    let field = change
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or(MISSING_NAME);
    let value = change.get("value").unwrap_or(&Value::Null);
    if field != "messages" && field != "calls" {
        items.push(ignored(field, value));
        return;
    }
    if !value.is_object() {
        items.push(ignored(&format!("{field}: no value object"), value));
        return;
    }
    let scope = ChangeScope {
        recipient_account: value
            .get("metadata")
            .and_then(|metadata| identifier_field(metadata, "phone_number_id")),
        contacts: array_field(value, "contacts"),
        received_at,
    };
    // Both fields go through the same walk: `messages` changes may carry calls and `calls`
    // changes carry call statuses, and an absent array simply yields nothing.
    for message in array_field(value, "messages") {
        items.push(parse_message(message, &scope));
    }
    for status in array_field(value, "statuses") {
        items.push(parse_status(status, &scope));
    }
    for call in array_field(value, "calls") {
        items.push(parse_call(call, &scope));
    }
    for error in array_field(value, "errors") {
        items.push(parse_channel_error(error, &scope));
    }
}

fn ignored(field: &str, raw: &Value) -> InboundItem {
    InboundItem::Ignored {
        field: field.to_owned(),
        raw: raw.clone(),
    }
}
