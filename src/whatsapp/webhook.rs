//! Translation of Meta's webhook POST bodies into domain `InboundItem`s: messages, delivery
//! statuses, call events and channel errors, read tolerantly so one odd item never costs a batch.
//!
//! The body is parsed into a `serde_json::Value` and walked by hand rather than deserialised into
//! strict structs: Meta adds fields and message types without notice, sends numbers as strings
//! (and sometimes strings as numbers), and a citizen's report must never be refused because a
//! sibling item in the same delivery looked unfamiliar. Once the body is a JSON object, every
//! item becomes something: a parsed event, an `Unsupported` message kept for review, or an
//! `Ignored` item carrying the raw JSON.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::inbound::{
    ApiError, CallEvent, ChannelError, DeliveryStatus, InboundItem, InboundMessage,
    InteractiveKind, MediaKind, MediaRef, MessageContent, MessageContext, Sender, SharedContact,
    StatusUpdate,
};
use crate::domain::phone::PhoneNumber;

/// Why a webhook body could not be read at all. Nothing inside a JSON object produces an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookParseError {
    #[error("webhook body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("webhook body is JSON but not an object")]
    NotAnObject,
}

/// Used when an `errors[]` entry carries no numeric `code`: Graph never uses negative codes, so
/// this cannot be mistaken for a real one (0 would read as an authentication failure).
const MISSING_ERROR_CODE: i64 = -1;

/// Stands in for a `type` or `field` that was absent, so operators see that it was missing.
const MISSING_NAME: &str = "(missing)";

/// Call statuses Meta reports in `statuses[]` for calls we placed (upper case on the wire).
const CALL_PROGRESS_STATUSES: [&str; 3] = ["RINGING", "ACCEPTED", "REJECTED"];

const BUSINESS_INITIATED: &str = "business_initiated";

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

// ---- messages ------------------------------------------------------------------------------

fn parse_message(message: &Value, scope: &ChangeScope<'_>) -> InboundItem {
    let Some(external_id) = identifier_field(message, "id") else {
        return ignored("messages: no id", message);
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
fn parse_content(message: &Value) -> MessageContent {
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

fn unfamiliar(message_type: &str) -> MessageContent {
    MessageContent::Unsupported {
        original_type: message_type.to_owned(),
        known_to_meta: false,
    }
}

fn unsupported_by_meta(message: &Value) -> MessageContent {
    let original_type = message
        .get("unsupported")
        .and_then(|unsupported| optional_text(unsupported, "type"))
        .unwrap_or_else(|| "unknown".to_owned());
    MessageContent::Unsupported {
        original_type,
        known_to_meta: true,
    }
}

fn text_content(message: &Value) -> Option<MessageContent> {
    let body = object_field(message, "text")?.get("body")?.as_str()?;
    Some(MessageContent::Text {
        body: body.to_owned(),
    })
}

fn media_content(message: &Value, key: &str, kind: MediaKind) -> Option<MessageContent> {
    let media = object_field(message, key)?;
    // Without an id there is nothing to download, which is the whole point of a media message.
    let media_id = identifier_field(media, "id")?;
    let is_voice_note = media.get("voice").and_then(Value::as_bool) == Some(true);
    let kind = if kind == MediaKind::Audio && is_voice_note {
        MediaKind::Voice
    } else {
        kind
    };
    Some(MessageContent::Media {
        kind,
        media: MediaRef {
            media_id,
            mime_type: optional_text(media, "mime_type"),
            sha256: optional_text(media, "sha256"),
            url: optional_text(media, "url"),
            filename: optional_text(media, "filename"),
            caption: optional_text(media, "caption"),
            animated: media.get("animated").and_then(Value::as_bool),
        },
    })
}

fn location_content(message: &Value) -> Option<MessageContent> {
    let location = object_field(message, "location")?;
    Some(MessageContent::Location {
        latitude: coordinate(location.get("latitude"), 90.0)?,
        longitude: coordinate(location.get("longitude"), 180.0)?,
        name: optional_text(location, "name"),
        address: optional_text(location, "address"),
        url: optional_text(location, "url"),
    })
}

/// A latitude or longitude: a JSON number or a numeric string, finite and within `limit` degrees.
fn coordinate(value: Option<&Value>, limit: f64) -> Option<f64> {
    let degrees = match value? {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (degrees.is_finite() && degrees.abs() <= limit).then_some(degrees)
}

fn contacts_content(message: &Value) -> Option<MessageContent> {
    let cards = message.get("contacts")?.as_array()?;
    let contacts = cards
        .iter()
        .filter(|card| card.is_object())
        .map(shared_contact)
        .collect();
    Some(MessageContent::Contacts { contacts })
}

fn shared_contact(card: &Value) -> SharedContact {
    let name = card.get("name").unwrap_or(&Value::Null);
    let formatted_name = optional_text(name, "formatted_name").or_else(|| {
        let parts: Vec<String> = ["first_name", "last_name"]
            .iter()
            .filter_map(|key| optional_text(name, key))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let phones = array_field(card, "phones")
        .iter()
        .filter_map(|phone| {
            optional_text(phone, "phone").or_else(|| identifier_field(phone, "wa_id"))
        })
        .collect();
    let emails = array_field(card, "emails")
        .iter()
        .filter_map(|email| optional_text(email, "email"))
        .collect();
    SharedContact {
        formatted_name,
        phones,
        emails,
    }
}

fn interactive_content(message: &Value) -> Option<MessageContent> {
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

fn interactive_reply(kind: InteractiveKind, reply: &Value) -> MessageContent {
    MessageContent::Interactive {
        kind,
        reply_id: identifier_field(reply, "id"),
        title: optional_text(reply, "title"),
        description: optional_text(reply, "description"),
        response_json: None,
    }
}

/// Flow answers are documented as a JSON string; an inline object is kept as its JSON text.
fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Object(_) | Value::Array(_) => Some(value.to_string()),
        _ => None,
    }
}

fn template_button_content(message: &Value) -> Option<MessageContent> {
    let button = object_field(message, "button")?;
    Some(MessageContent::TemplateButton {
        payload: optional_text(button, "payload"),
        text: optional_text(button, "text"),
    })
}

fn reaction_content(message: &Value) -> Option<MessageContent> {
    let reaction = object_field(message, "reaction")?;
    Some(MessageContent::Reaction {
        target_id: identifier_field(reaction, "message_id")?,
        // Meta signals a removed reaction with an empty emoji or none at all.
        emoji: optional_text(reaction, "emoji"),
    })
}

fn order_content(message: &Value) -> Option<MessageContent> {
    let order = object_field(message, "order")?;
    Some(MessageContent::Order {
        text: optional_text(order, "text"),
        raw: order.clone(),
    })
}

fn system_content(message: &Value) -> Option<MessageContent> {
    let system = object_field(message, "system")?;
    Some(MessageContent::System {
        kind: optional_text(system, "type").unwrap_or_else(|| "unknown".to_owned()),
        body: optional_text(system, "body"),
        new_phone: identifier_field(system, "wa_id")
            .and_then(|digits| PhoneNumber::parse(&digits).ok()),
        new_bsuid: identifier_field(system, "user_id")
            .or_else(|| identifier_field(system, "new_user_id")),
    })
}

fn edit_content(message: &Value) -> Option<MessageContent> {
    let edit = object_field(message, "edit")?;
    let target_id = identifier_field(edit, "original_message_id")?;
    let new_version = object_field(edit, "message")?;
    Some(MessageContent::Edit {
        target_id,
        new_content: Box::new(parse_content(new_version)),
    })
}

fn revoke_content(message: &Value) -> Option<MessageContent> {
    let revoke = object_field(message, "revoke")?;
    Some(MessageContent::Revoke {
        target_id: identifier_field(revoke, "original_message_id")?,
    })
}

fn parse_context(message: &Value) -> MessageContext {
    let context = message.get("context").unwrap_or(&Value::Null);
    let flag = |key: &str| context.get(key).and_then(Value::as_bool).unwrap_or(false);
    MessageContext {
        quoted_id: identifier_field(context, "id"),
        forwarded: flag("forwarded"),
        frequently_forwarded: flag("frequently_forwarded"),
        referral: message
            .get("referral")
            .filter(|referral| referral.is_object())
            .cloned(),
    }
}

// ---- senders -------------------------------------------------------------------------------

/// The user an item is about, from its own phone/BSUID fields completed by the matching
/// `value.contacts[]` entry. Contacts are matched by `wa_id` or `user_id`, never by position:
/// Meta does not promise that the two arrays line up.
fn resolve_sender(contacts: &[Value], phone: Option<&str>, bsuid: Option<&str>) -> Sender {
    let contact = contacts.iter().find(|contact| {
        let same_phone = phone.is_some() && identifier_field(contact, "wa_id").as_deref() == phone;
        let same_bsuid =
            bsuid.is_some() && identifier_field(contact, "user_id").as_deref() == bsuid;
        same_phone || same_bsuid
    });
    let contact = contact.unwrap_or(&Value::Null);
    let profile = contact.get("profile").unwrap_or(&Value::Null);
    // Placeholder numbers (test pushes, redacted samples) do not parse and leave the phone unset.
    let parsed_phone = phone
        .and_then(|digits| PhoneNumber::parse(digits).ok())
        .or_else(|| {
            identifier_field(contact, "wa_id").and_then(|digits| PhoneNumber::parse(&digits).ok())
        });
    Sender {
        bsuid: bsuid
            .map(str::to_owned)
            .or_else(|| identifier_field(contact, "user_id")),
        phone: parsed_phone,
        profile_name: optional_text(profile, "name"),
        username: optional_text(profile, "username"),
    }
}

// ---- statuses, calls and errors ------------------------------------------------------------

fn parse_status(status: &Value, scope: &ChangeScope<'_>) -> InboundItem {
    let Some(external_id) = identifier_field(status, "id") else {
        return ignored("statuses: no id", status);
    };
    let status_name = status
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let at = timestamp_or(status.get("timestamp"), scope.received_at);
    let is_call_progress = status.get("type").and_then(Value::as_str) == Some("call")
        || CALL_PROGRESS_STATUSES
            .iter()
            .any(|call_status| call_status.eq_ignore_ascii_case(status_name));
    if is_call_progress {
        return call_progress(external_id, status_name, at, status, scope);
    }
    let Some(delivery_status) = delivery_status(status_name) else {
        return ignored("statuses: unknown status", status);
    };
    InboundItem::Status(StatusUpdate {
        external_id,
        status: delivery_status,
        at,
        recipient: identifier_field(status, "recipient_id"),
        callback_data: optional_text(status, "biz_opaque_callback_data"),
        errors: parse_errors(status),
        raw: status.clone(),
    })
}

fn delivery_status(status_name: &str) -> Option<DeliveryStatus> {
    match status_name.to_ascii_lowercase().as_str() {
        "sent" => Some(DeliveryStatus::Sent),
        "delivered" => Some(DeliveryStatus::Delivered),
        "read" => Some(DeliveryStatus::Read),
        "played" => Some(DeliveryStatus::Played),
        "failed" => Some(DeliveryStatus::Failed),
        _ => None,
    }
}

/// A `statuses[]` entry about a call we placed: only business-initiated calls ring through
/// status webhooks, so the recipient is the citizen.
fn call_progress(
    call_id: String,
    status_name: &str,
    at: DateTime<Utc>,
    status: &Value,
    scope: &ChangeScope<'_>,
) -> InboundItem {
    let event = if status_name.is_empty() {
        MISSING_NAME.to_owned()
    } else {
        status_name.to_ascii_lowercase()
    };
    InboundItem::Call(CallEvent {
        call_id,
        event,
        direction: Some(BUSINESS_INITIATED.to_owned()),
        outcome: None,
        sender: resolve_sender(
            scope.contacts,
            identifier_field(status, "recipient_id").as_deref(),
            identifier_field(status, "recipient_user_id").as_deref(),
        ),
        at,
        started_at: None,
        ended_at: None,
        duration_seconds: None,
        raw: status.clone(),
    })
}

fn parse_call(call: &Value, scope: &ChangeScope<'_>) -> InboundItem {
    let Some(call_id) = identifier_field(call, "id") else {
        return ignored("calls: no id", call);
    };
    let direction =
        optional_text(call, "direction").map(|direction| direction.to_ascii_lowercase());
    // When we placed the call, `from` is our own number and the citizen is on the `to` side;
    // reading `from` would file the call under the help line itself.
    let (phone_key, bsuid_key) = if direction.as_deref() == Some(BUSINESS_INITIATED) {
        ("to", "to_user_id")
    } else {
        ("from", "from_user_id")
    };
    let sender = resolve_sender(
        scope.contacts,
        identifier_field(call, phone_key).as_deref(),
        identifier_field(call, bsuid_key).as_deref(),
    );
    InboundItem::Call(CallEvent {
        call_id,
        event: optional_text(call, "event")
            .map(|event| event.to_ascii_lowercase())
            .unwrap_or_else(|| MISSING_NAME.to_owned()),
        direction,
        outcome: optional_text(call, "status").map(|outcome| outcome.to_ascii_lowercase()),
        sender,
        at: timestamp_or(call.get("timestamp"), scope.received_at),
        started_at: unix_time(call.get("start_time")),
        ended_at: unix_time(call.get("end_time")),
        duration_seconds: integer(call.get("duration")).filter(|seconds| *seconds >= 0),
        raw: call.clone(),
    })
}

fn parse_channel_error(error: &Value, scope: &ChangeScope<'_>) -> InboundItem {
    let Some(api_error) = api_error(error) else {
        return ignored("errors: not an object", error);
    };
    InboundItem::ChannelError(ChannelError {
        error: api_error,
        recipient_account: scope.recipient_account.clone(),
        raw: error.clone(),
    })
}

/// `errors[]` of a message or status; entries that are not objects carry nothing to keep.
fn parse_errors(holder: &Value) -> Vec<ApiError> {
    array_field(holder, "errors")
        .iter()
        .filter_map(api_error)
        .collect()
}

fn api_error(error: &Value) -> Option<ApiError> {
    if !error.is_object() {
        return None;
    }
    Some(ApiError {
        code: integer(error.get("code")).unwrap_or(MISSING_ERROR_CODE),
        title: optional_text(error, "title"),
        message: optional_text(error, "message"),
        details: error
            .get("error_data")
            .and_then(|error_data| optional_text(error_data, "details")),
    })
}

// ---- tolerant field readers ----------------------------------------------------------------

fn array_field<'payload>(holder: &'payload Value, key: &str) -> &'payload [Value] {
    holder
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn object_field<'payload>(holder: &'payload Value, key: &str) -> Option<&'payload Value> {
    holder.get(key).filter(|value| value.is_object())
}

/// A human-written string field; empty strings count as absent.
fn optional_text(holder: &Value, key: &str) -> Option<String> {
    holder
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// An id, phone or similar key: a non-blank string, or a number written out (some producers
/// emit `wa_id` or ids as JSON numbers).
fn identifier_field(holder: &Value, key: &str) -> Option<String> {
    match holder.get(key)? {
        Value::String(text) => {
            let trimmed = text.trim();
            (!trimmed.is_empty()).then(|| trimmed.to_owned())
        }
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// An integer given as a JSON number or a string of digits; fractions are truncated.
fn integer(value: Option<&Value>) -> Option<i64> {
    let as_float = match value? {
        Value::Number(number) => {
            if let Some(whole) = number.as_i64() {
                return Some(whole);
            }
            number.as_f64()?
        }
        Value::String(text) => {
            let text = text.trim();
            if let Ok(whole) = text.parse::<i64>() {
                return Some(whole);
            }
            text.parse::<f64>().ok()?
        }
        _ => return None,
    };
    // Bounds keep the float-to-integer conversion exact enough and away from saturation.
    (as_float.is_finite() && as_float.abs() < 1e15).then_some(as_float.trunc() as i64)
}

/// Unix seconds as a string or a number. Zero and negative values are placeholders, not times.
fn unix_time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let seconds = integer(value).filter(|seconds| *seconds > 0)?;
    DateTime::from_timestamp(seconds, 0)
}

fn timestamp_or(value: Option<&Value>, fallback: DateTime<Utc>) -> DateTime<Utc> {
    unix_time(value).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    // ---- one test per fixture ------------------------------------------------------------

    #[test]
    fn inbound_text_carries_body_sender_bsuid_and_time() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_text.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.external_id,
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDExMjREMzAyNjlCRkI0MkJDN0VDAA=="
        );
        assert_eq!(message.sender.phone, phone("+6281234567890"));
        assert_eq!(
            message.sender.bsuid.as_deref(),
            Some("ID.1487265930142857361")
        );
        assert_eq!(message.sender.profile_name.as_deref(), Some("Budi Santoso"));
        assert_eq!(message.sender.username, None);
        assert_eq!(message.sent_at, at(1_795_871_700));
        assert_eq!(message.recipient_account.as_deref(), Some(PHONE_NUMBER_ID));
        let MessageContent::Text { body } = &message.content else {
            panic!("{:?}", message.content)
        };
        assert!(body.starts_with("Selamat malam Pak, saya mau lapor."));
        assert!(
            body.ends_with("Tolong dibantu \u{1f64f}"),
            "surrogate pair decoded: {body}"
        );
        assert_eq!(message.context, MessageContext::default());
        assert!(message.errors.is_empty());
        assert_eq!(message.raw["type"], "text");
        assert_eq!(message.raw["id"], json!(message.external_id));
    }

    #[test]
    fn inbound_image_caption_keeps_media_reference_and_url() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_image_caption.json"
        ));
        let message = only_message(&items);
        assert_eq!(message.sender.phone, phone("+6281298765432"));
        assert_eq!(message.sender.profile_name.as_deref(), Some("Siti Rahayu"));
        let (kind, image) = media(message);
        assert_eq!(kind, MediaKind::Image);
        assert_eq!(image.media_id, "9893133057567650");
        assert_eq!(image.mime_type.as_deref(), Some("image/jpeg"));
        assert_eq!(
            image.sha256.as_deref(),
            Some("kQIThnAo7X8Tr1WH4rO4EC0RD4au+8+HEHZ8hGeagJQ=")
        );
        assert!(image.url.as_deref().unwrap().starts_with(
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=9893133057567650"
        ));
        assert_eq!(
            image.caption.as_deref(),
            Some("Ini foto mobil pelaku, plat B 1234 XYZ, kabur ke arah Jl. Juanda")
        );
        assert_eq!(image.filename, None);
        assert_eq!(image.animated, None);
        assert_eq!(message.content.text(), image.caption.as_deref());
    }

    #[test]
    fn inbound_video_is_media_and_flagged_forwarded() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_video.json"
        ));
        let message = only_message(&items);
        let (kind, video) = media(message);
        assert_eq!(kind, MediaKind::Video);
        assert_eq!(video.media_id, "9960230478796091");
        assert_eq!(video.mime_type.as_deref(), Some("video/mp4"));
        assert_eq!(
            video.caption.as_deref(),
            Some("Rekaman CCTV warung, pelakunya pakai helm hitam dan jaket ojol")
        );
        assert!(message.context.forwarded);
        assert!(!message.context.frequently_forwarded);
        assert_eq!(message.context.quoted_id, None);
        assert_eq!(message.sender.phone, phone("+6281211112222"));
    }

    #[test]
    fn inbound_document_keeps_filename_and_caption() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_document.json"
        ));
        let message = only_message(&items);
        let (kind, document) = media(message);
        assert_eq!(kind, MediaKind::Document);
        assert_eq!(document.media_id, "2265102666701999");
        assert_eq!(document.mime_type.as_deref(), Some("application/pdf"));
        assert_eq!(
            document.filename.as_deref(),
            Some("Surat_Keterangan_Kehilangan_KTP.pdf")
        );
        assert_eq!(
            document.caption.as_deref(),
            Some("Surat keterangan kehilangan dari kelurahan")
        );
        assert_eq!(message.sender.profile_name.as_deref(), Some("Rina Kusuma"));
        assert_eq!(message.sent_at, at(1_795_871_880));
    }

    #[test]
    fn inbound_audio_voice_is_a_voice_note() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_audio_voice.json"
        ));
        let message = only_message(&items);
        let (kind, audio) = media(message);
        assert_eq!(kind, MediaKind::Voice);
        assert_eq!(audio.media_id, "8443007400251528");
        assert_eq!(audio.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
        assert_eq!(audio.caption, None);
        assert_eq!(message.sender.phone, phone("+6281255556666"));
        assert_eq!(
            message.sender.bsuid.as_deref(),
            Some("ID.5928374610293847561")
        );
    }

    #[test]
    fn audio_without_the_voice_flag_stays_audio() {
        let body = messages_body(
            json!([]),
            json!([{ "from": "6281255556666", "id": "wamid.audio", "timestamp": "1795871940",
                     "type": "audio", "audio": { "id": "1", "mime_type": "audio/mpeg", "voice": false } }]),
        );
        let items = parse_value(&body);
        assert_eq!(media(only_message(&items)).0, MediaKind::Audio);
    }

    #[test]
    fn inbound_location_keeps_coordinates_name_address_and_url() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_location.json"
        ));
        let message = only_message(&items);
        let MessageContent::Location {
            latitude,
            longitude,
            name,
            address,
            url,
        } = &message.content
        else {
            panic!("{:?}", message.content)
        };
        assert_eq!(*latitude, -6.3728412);
        assert_eq!(*longitude, 106.8343397);
        assert_eq!(name.as_deref(), Some("Indomaret Margonda Raya"));
        assert!(
            address
                .as_deref()
                .unwrap()
                .starts_with("Jl. Margonda Raya No.358")
        );
        assert_eq!(
            url.as_deref(),
            Some("https://maps.google.com/?cid=1234567890123456789")
        );
    }

    #[test]
    fn inbound_location_coords_only_has_no_name_or_address() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_location_coords_only.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.content,
            MessageContent::Location {
                latitude: -6.1753924,
                longitude: 106.8271528,
                name: None,
                address: None,
                url: None,
            }
        );
    }

    #[test]
    fn location_coordinates_may_be_numeric_strings_but_not_garbage() {
        let body = messages_body(
            json!([]),
            json!([
                { "from": "6281298765432", "id": "wamid.a", "timestamp": "1795872010", "type": "location",
                  "location": { "latitude": " -6.5 ", "longitude": "106.25" } },
                { "from": "6281298765432", "id": "wamid.b", "timestamp": "1795872010", "type": "location",
                  "location": { "latitude": "utara", "longitude": 106.25 } },
                { "from": "6281298765432", "id": "wamid.c", "timestamp": "1795872010", "type": "location",
                  "location": { "latitude": 123.0, "longitude": 106.25 } }
            ]),
        );
        let items = parse_value(&body);
        assert_eq!(items.len(), 3);
        assert!(matches!(
            message(&items[0]).content,
            MessageContent::Location { latitude, longitude, .. } if latitude == -6.5 && longitude == 106.25
        ));
        for item in &items[1..] {
            assert_eq!(
                message(item).content,
                MessageContent::Unsupported {
                    original_type: "location".into(),
                    known_to_meta: false
                }
            );
        }
    }

    #[test]
    fn inbound_contacts_lists_the_shared_witness() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_contacts.json"
        ));
        let message = only_message(&items);
        assert_eq!(message.sender.profile_name.as_deref(), Some("Andi Pratama"));
        assert_eq!(
            message.content,
            MessageContent::Contacts {
                contacts: vec![SharedContact {
                    formatted_name: Some("Joko Susilo".into()),
                    phones: vec!["+62 812-3456-7001".into()],
                    emails: vec!["joko.susilo@example.com".into()],
                }]
            }
        );
    }

    #[test]
    fn inbound_interactive_button_reply_quotes_our_message() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_interactive_button_reply.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.content,
            MessageContent::Interactive {
                kind: InteractiveKind::ButtonReply,
                reply_id: Some("lapor_kecelakaan".into()),
                title: Some("Kecelakaan".into()),
                description: None,
                response_json: None,
            }
        );
        assert_eq!(
            message.context.quoted_id.as_deref(),
            Some("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjdERERBNTJBNzZEMDQ1Q0M4OQA=")
        );
    }

    #[test]
    fn inbound_interactive_list_reply_keeps_the_description() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_interactive_list_reply.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.content,
            MessageContent::Interactive {
                kind: InteractiveKind::ListReply,
                reply_id: Some("kategori_pencurian".into()),
                title: Some("Pencurian".into()),
                description: Some("Curanmor, jambret, pencurian rumah".into()),
                response_json: None,
            }
        );
        assert!(message.context.quoted_id.is_some());
    }

    #[test]
    fn flow_answers_and_unknown_interactive_types_are_interactive() {
        let body = messages_body(
            json!([]),
            json!([
                { "from": "6281234567890", "id": "wamid.flow", "timestamp": "1795872125", "type": "interactive",
                  "interactive": { "type": "nfm_reply", "nfm_reply": { "name": "flow", "body": "Sent",
                                   "response_json": "{\"lokasi\":\"Depok\"}" } } },
                { "from": "6281234567890", "id": "wamid.other", "timestamp": "1795872125", "type": "interactive",
                  "interactive": { "type": "carousel_reply", "carousel_reply": {} } }
            ]),
        );
        let items = parse_value(&body);
        assert_eq!(
            message(&items[0]).content,
            MessageContent::Interactive {
                kind: InteractiveKind::FlowReply,
                reply_id: Some("flow".into()),
                title: Some("Sent".into()),
                description: None,
                response_json: Some("{\"lokasi\":\"Depok\"}".into()),
            }
        );
        assert!(matches!(
            message(&items[1]).content,
            MessageContent::Interactive {
                kind: InteractiveKind::Other,
                ..
            }
        ));
    }

    #[test]
    fn inbound_template_quick_reply_button_is_a_template_button() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_template_quick_reply_button.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.content,
            MessageContent::TemplateButton {
                payload: Some("KONFIRMASI_LAPORAN_YA".into()),
                text: Some("Ya, benar".into()),
            }
        );
        assert_eq!(
            message.context.quoted_id.as_deref(),
            Some("wamid.HBgNNjI4MTIzMzMzNDQ0NBUCABEYEkNERTExREY1MUNGMTk4RDRBRgA=")
        );
    }

    #[test]
    fn inbound_reaction_targets_our_message_with_the_emoji() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_reaction.json"
        ));
        assert_eq!(
            only_message(&items).content,
            MessageContent::Reaction {
                target_id: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA=".into(),
                emoji: Some("\u{1f64f}".into()),
            }
        );
    }

    #[test]
    fn inbound_reaction_removed_has_no_emoji() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_reaction_removed.json"
        ));
        assert_eq!(
            only_message(&items).content,
            MessageContent::Reaction {
                target_id: "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA=".into(),
                emoji: None,
            }
        );
        let without_key = messages_body(
            json!([]),
            json!([{ "from": "6281234567890", "id": "wamid.r", "timestamp": "1795872190", "type": "reaction",
                     "reaction": { "message_id": "wamid.target" } }]),
        );
        assert_eq!(
            only_message(&parse_value(&without_key)).content,
            MessageContent::Reaction {
                target_id: "wamid.target".into(),
                emoji: None
            }
        );
    }

    #[test]
    fn inbound_sticker_is_media_with_the_animated_flag() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_sticker.json"
        ));
        let (kind, sticker) = media(only_message(&items));
        assert_eq!(kind, MediaKind::Sticker);
        assert_eq!(sticker.media_id, "4495551518845581");
        assert_eq!(sticker.mime_type.as_deref(), Some("image/webp"));
        assert_eq!(sticker.animated, Some(false));
    }

    #[test]
    fn inbound_unsupported_is_known_to_meta_with_its_error() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_unsupported.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.content,
            MessageContent::Unsupported {
                original_type: "poll_creation".into(),
                known_to_meta: true
            }
        );
        assert_eq!(
            message.errors,
            vec![ApiError {
                code: 131051,
                title: Some("Message type unknown".into()),
                message: Some("Message type unknown".into()),
                details: Some("Message type is currently not supported.".into()),
            }]
        );
    }

    #[test]
    fn legacy_unknown_type_is_unsupported_by_meta() {
        let body = messages_body(
            json!([]),
            json!([{ "from": "6281211112222", "id": "wamid.u", "timestamp": "1795872300", "type": "unknown" }]),
        );
        assert_eq!(
            only_message(&parse_value(&body)).content,
            MessageContent::Unsupported {
                original_type: "unknown".into(),
                known_to_meta: true
            }
        );
    }

    #[test]
    fn inbound_text_reply_context_quotes_our_message() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_text_reply_context.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.content.text(),
            Some("Iya Pak, pelakunya dua orang, boncengan.")
        );
        assert_eq!(
            message.context.quoted_id.as_deref(),
            Some("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA=")
        );
        assert!(!message.context.forwarded);
    }

    #[test]
    fn inbound_text_frequently_forwarded_is_flagged() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_text_frequently_forwarded.json"
        ));
        let message = only_message(&items);
        assert!(message.context.frequently_forwarded);
        assert!(!message.context.forwarded);
        assert!(
            message
                .content
                .text()
                .unwrap()
                .starts_with("INFO PENTING!!")
        );
    }

    #[test]
    fn inbound_batch_two_contacts_pairs_each_message_with_its_sender() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_batch_two_contacts.json"
        ));
        assert_eq!(items.len(), 2);
        let siti = message(&items[0]);
        assert_eq!(siti.sender.profile_name.as_deref(), Some("Siti Rahayu"));
        assert_eq!(siti.sender.phone, phone("+6281298765432"));
        assert_eq!(siti.sender.bsuid.as_deref(), Some("ID.2093847561029384756"));
        assert_eq!(siti.content.kind_name(), "text");
        let andi = message(&items[1]);
        assert_eq!(andi.sender.profile_name.as_deref(), Some("Andi Pratama"));
        assert_eq!(andi.sender.phone, phone("+6281211112222"));
        assert_eq!(andi.sender.bsuid, None);
        assert!(matches!(
            andi.content,
            MessageContent::Location { latitude, .. } if latitude == -6.3910231
        ));
    }

    #[test]
    fn contacts_are_paired_by_identity_not_by_position() {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/webhooks/inbound_batch_two_contacts.json"
        ))
        .unwrap();
        let mut reversed = fixture.clone();
        let contacts = reversed["entry"][0]["changes"][0]["value"]["contacts"]
            .as_array_mut()
            .unwrap();
        contacts.reverse();
        assert_eq!(contacts[0]["profile"]["name"], "Andi Pratama");
        let items = parse_value(&reversed);
        assert_eq!(items.len(), 2);
        assert_eq!(
            message(&items[0]).sender.profile_name.as_deref(),
            Some("Siti Rahayu")
        );
        assert_eq!(message(&items[0]).sender.phone, phone("+6281298765432"));
        assert_eq!(
            message(&items[1]).sender.profile_name.as_deref(),
            Some("Andi Pratama")
        );
        assert_eq!(message(&items[1]).sender.phone, phone("+6281211112222"));
        assert_eq!(items, parse_value(&fixture));
    }

    #[test]
    fn contacts_pair_by_bsuid_when_the_phone_is_withheld() {
        let body = messages_body(
            json!([
                { "profile": { "name": "Siti" }, "wa_id": "6281298765432", "user_id": "ID.2" },
                { "profile": { "name": "Anonim", "username": "@saksi" }, "user_id": "ID.1" }
            ]),
            json!([{ "from_user_id": "ID.1", "id": "wamid.x", "timestamp": 1795872600,
                     "type": "text", "text": { "body": "halo" } }]),
        );
        let items = parse_value(&body);
        let sender = &only_message(&items).sender;
        assert_eq!(sender.profile_name.as_deref(), Some("Anonim"));
        assert_eq!(sender.username.as_deref(), Some("@saksi"));
        assert_eq!(sender.bsuid.as_deref(), Some("ID.1"));
        assert_eq!(sender.phone, None);
    }

    #[test]
    fn inbound_batch_multi_change_yields_the_message_then_the_status() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_batch_multi_change.json"
        ));
        assert_eq!(items.len(), 2);
        let rina = message(&items[0]);
        assert_eq!(
            rina.content.text(),
            Some("Terima kasih Pak, sudah dibantu.")
        );
        assert_eq!(rina.sender.profile_name.as_deref(), Some("Rina Kusuma"));
        let InboundItem::Status(read) = &items[1] else {
            panic!("{:?}", items[1])
        };
        assert_eq!(read.status, DeliveryStatus::Read);
        assert_eq!(
            read.external_id,
            "wamid.HBgNNjI4MTIzMzMzNDQ0NBUCABEYEkNERTExREY1MUNGMTk4RDRBRgA="
        );
        assert_eq!(read.at, at(1_795_872_475));
        assert_eq!(read.recipient.as_deref(), Some("6281233334444"));
    }

    #[test]
    fn inbound_system_user_changed_number_has_no_contacts_but_the_new_number() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_system_user_changed_number.json"
        ));
        let message = only_message(&items);
        assert_eq!(message.sender.phone, phone("+6281255556666"));
        assert_eq!(message.sender.profile_name, None);
        assert_eq!(
            message.content,
            MessageContent::System {
                kind: "user_changed_number".into(),
                body: Some("User Dewi Lestari changed from 6281255556666 to 6281277778888".into()),
                new_phone: phone("+6281277778888"),
                new_bsuid: None,
            }
        );
    }

    #[test]
    fn a_bsuid_change_notice_is_filed_under_the_previous_bsuid() {
        let body = messages_body(
            json!(null),
            json!([{ "id": "wamid.sys", "timestamp": "1753851315", "type": "system",
                     "system": { "body": "User changed from ID.1 to ID.2", "user_id": "ID.2",
                                 "previous_user_id": "ID.1", "type": "user_changed_user_id" } }]),
        );
        let message = only_message(&parse_value(&body)).clone();
        assert_eq!(message.sender.bsuid.as_deref(), Some("ID.1"));
        assert_eq!(message.sender.phone, None);
        assert!(matches!(
            message.content,
            MessageContent::System { ref kind, new_bsuid: Some(ref new), new_phone: None, .. }
                if kind == "user_changed_user_id" && new == "ID.2"
        ));
    }

    #[test]
    fn value_errors_only_become_a_channel_error() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/value_errors_only.json"
        ));
        assert_eq!(items.len(), 1);
        let InboundItem::ChannelError(channel_error) = &items[0] else {
            panic!("{:?}", items[0])
        };
        assert_eq!(channel_error.error.code, 131000);
        assert_eq!(
            channel_error.error.title.as_deref(),
            Some("Something went wrong")
        );
        assert_eq!(
            channel_error.error.details.as_deref(),
            Some("Unsupported webhook payload")
        );
        assert_eq!(
            channel_error.recipient_account.as_deref(),
            Some(PHONE_NUMBER_ID)
        );
        assert_eq!(channel_error.raw["code"], 131000);
    }

    #[test]
    fn inbound_text_username_only_has_a_bsuid_and_no_phone() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/inbound_text_username_only_SPECULATIVE.json"
        ));
        let message = only_message(&items);
        assert_eq!(message.sender.phone, None);
        assert_eq!(
            message.sender.bsuid.as_deref(),
            Some("ID.3102938475610293847")
        );
        assert_eq!(message.sender.username.as_deref(), Some("@andi.saksi"));
        assert_eq!(message.sender.profile_name.as_deref(), Some("Andi P."));
        assert!(!message.sender.is_anonymous());
        assert_eq!(
            message.content.text(),
            Some("Saya saksi kejadian tadi, bisa ditelepon?")
        );
    }

    #[test]
    fn status_sent_carries_recipient_and_callback_data() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/status_sent.json"
        ));
        let status = only_status(&items);
        assert_eq!(status.status, DeliveryStatus::Sent);
        assert_eq!(
            status.external_id,
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA="
        );
        assert_eq!(status.at, at(1_795_871_730));
        assert_eq!(status.recipient.as_deref(), Some("6281234567890"));
        assert_eq!(
            status.callback_data.as_deref(),
            Some("laporan=LP-20261128-0042")
        );
        assert!(status.errors.is_empty());
        assert_eq!(status.raw["pricing"]["type"], "free_customer_service");
    }

    #[test]
    fn status_delivered_is_delivered() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/status_delivered.json"
        ));
        let status = only_status(&items);
        assert_eq!(status.status, DeliveryStatus::Delivered);
        assert_eq!(status.at, at(1_795_871_731));
        assert_eq!(
            status.callback_data.as_deref(),
            Some("laporan=LP-20261128-0042")
        );
    }

    #[test]
    fn status_read_is_read() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/status_read.json"
        ));
        let status = only_status(&items);
        assert_eq!(status.status, DeliveryStatus::Read);
        assert_eq!(status.at, at(1_795_871_795));
    }

    #[test]
    fn status_failed_carries_the_reengagement_error() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/status_failed.json"
        ));
        let status = only_status(&items);
        assert_eq!(status.status, DeliveryStatus::Failed);
        assert_eq!(status.recipient.as_deref(), Some("6281255556666"));
        assert_eq!(status.errors.len(), 1);
        assert_eq!(status.errors[0].code, 131047);
        assert_eq!(
            status.errors[0].title.as_deref(),
            Some("Re-engagement message")
        );
        assert!(
            status.errors[0]
                .details
                .as_deref()
                .unwrap()
                .contains("more than 24 hours")
        );
    }

    #[test]
    fn status_failed_131026_is_undeliverable() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/status_failed_131026_undeliverable.json"
        ));
        let status = only_status(&items);
        assert_eq!(status.status, DeliveryStatus::Failed);
        assert_eq!(status.errors[0].code, 131026);
        assert_eq!(
            status.errors[0].details.as_deref(),
            Some("Message Undeliverable.")
        );
    }

    #[test]
    fn status_sent_legacy_v23_conversation_still_parses() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/status_sent_legacy_v23_conversation.json"
        ));
        let status = only_status(&items);
        assert_eq!(status.status, DeliveryStatus::Sent);
        assert_eq!(status.callback_data, None);
        assert_eq!(status.raw["conversation"]["origin"]["type"], "utility");
    }

    #[test]
    fn played_and_unknown_statuses() {
        let body = json!({ "entry": [{ "changes": [{ "field": "messages", "value": {
            "metadata": { "phone_number_id": PHONE_NUMBER_ID },
            "statuses": [
                { "id": "wamid.v", "status": "played", "timestamp": "1795871800", "recipient_id": "6281234567890" },
                { "id": "wamid.v", "status": "warp_speed", "timestamp": "1795871801" },
                { "status": "read" }
            ]
        } }] }] });
        let items = parse_value(&body);
        assert_eq!(items.len(), 3);
        assert!(
            matches!(&items[0], InboundItem::Status(status) if status.status == DeliveryStatus::Played)
        );
        assert!(matches!(&items[1], InboundItem::Ignored { field, raw }
            if field == "statuses: unknown status" && raw["status"] == "warp_speed"));
        assert!(
            matches!(&items[2], InboundItem::Ignored { field, .. } if field == "statuses: no id")
        );
    }

    #[test]
    fn call_connect_user_initiated_identifies_the_caller() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/call_connect_user_initiated.json"
        ));
        let call = only_call(&items);
        assert_eq!(
            call.call_id,
            "wacid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjNFQjA5QTJCNEM2RDdFOEYwMQA="
        );
        assert_eq!(call.event, "connect");
        assert_eq!(call.direction.as_deref(), Some("user_initiated"));
        assert_eq!(call.outcome, None);
        assert_eq!(call.sender.phone, phone("+6281234567890"));
        assert_eq!(call.sender.bsuid.as_deref(), Some("ID.1487265930142857361"));
        assert_eq!(call.sender.profile_name.as_deref(), Some("Budi Santoso"));
        assert_eq!(call.at, at(1_795_872_900));
        assert_eq!(call.duration_seconds, None);
        assert_eq!(call.raw["session"]["sdp_type"], "offer");
        assert_eq!(call.dedupe_key(), format!("{}#connect", call.call_id));
    }

    #[test]
    fn call_terminate_has_outcome_times_and_duration() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/call_terminate.json"
        ));
        let call = only_call(&items);
        assert_eq!(call.event, "terminate");
        assert_eq!(call.outcome.as_deref(), Some("completed"));
        assert_eq!(call.at, at(1_795_873_080));
        assert_eq!(call.started_at, Some(at(1_795_872_905)));
        assert_eq!(call.ended_at, Some(at(1_795_873_080)));
        assert_eq!(call.duration_seconds, Some(175));
        assert_eq!(call.sender.phone, phone("+6281234567890"));
    }

    #[test]
    fn a_business_initiated_call_is_filed_under_the_callee() {
        let body = json!({ "entry": [{ "changes": [{ "field": "calls", "value": {
            "metadata": { "display_phone_number": "6281200000110", "phone_number_id": PHONE_NUMBER_ID },
            "contacts": [{ "profile": { "name": "Siti Rahayu" }, "wa_id": "6281298765432" }],
            "calls": [{ "id": "wacid.out", "from": "6281200000110", "to": "6281298765432",
                        "event": "terminate", "direction": "BUSINESS_INITIATED", "timestamp": "1795873080",
                        "status": "FAILED", "duration": "0" }],
            "errors": [{ "code": 138006, "message": "No call permission" }]
        } }] }] });
        let items = parse_value(&body);
        assert_eq!(items.len(), 2);
        let InboundItem::Call(call) = &items[0] else {
            panic!("{:?}", items[0])
        };
        assert_eq!(call.direction.as_deref(), Some("business_initiated"));
        assert_eq!(call.outcome.as_deref(), Some("failed"));
        assert_eq!(call.sender.phone, phone("+6281298765432"));
        assert_eq!(call.sender.profile_name.as_deref(), Some("Siti Rahayu"));
        assert_eq!(call.duration_seconds, Some(0));
        assert!(matches!(&items[1], InboundItem::ChannelError(error)
            if error.error.code == 138006 && error.error.title.is_none()));
    }

    #[test]
    fn call_statuses_are_call_progress_events() {
        let body = json!({ "entry": [{ "changes": [{ "field": "calls", "value": {
            "metadata": { "phone_number_id": PHONE_NUMBER_ID },
            "statuses": [
                { "id": "wacid.out", "timestamp": "1795873000", "type": "call", "status": "RINGING",
                  "recipient_id": "6281298765432", "biz_opaque_callback_data": "laporan=1" },
                { "id": "wacid.out", "timestamp": "1795873005", "status": "ACCEPTED",
                  "recipient_id": "6281298765432" }
            ]
        } }] }] });
        let items = parse_value(&body);
        assert_eq!(items.len(), 2);
        let events: Vec<&CallEvent> = items
            .iter()
            .map(|item| match item {
                InboundItem::Call(call) => call,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(events[0].event, "ringing");
        assert_eq!(events[0].at, at(1_795_873_000));
        assert_eq!(events[0].sender.phone, phone("+6281298765432"));
        assert_eq!(events[0].direction.as_deref(), Some("business_initiated"));
        assert_eq!(events[1].event, "accepted");
        assert_ne!(events[0].dedupe_key(), events[1].dedupe_key());
    }

    #[test]
    fn interactive_call_permission_reply_reads_the_integer_expiry() {
        let items = parse_text(include_str!(
            "../../tests/fixtures/webhooks/interactive_call_permission_reply.json"
        ));
        let message = only_message(&items);
        assert_eq!(
            message.content,
            MessageContent::CallPermissionReply {
                accepted: true,
                expires_at: Some(at(1_796_476_500)),
                source: Some("user_action".into()),
            }
        );
        assert_eq!(message.sender.profile_name.as_deref(), Some("Siti Rahayu"));
    }

    // ---- shapes beyond the fixtures --------------------------------------------------------

    #[test]
    fn integer_timestamps_work_and_bad_ones_fall_back_to_reception_time() {
        let body = messages_body(
            json!([]),
            json!([
                { "from": "6281234567890", "id": "wamid.int", "timestamp": 1795871700,
                  "type": "text", "text": { "body": "a" } },
                { "from": "6281234567890", "id": "wamid.bad", "timestamp": "kemarin",
                  "type": "text", "text": { "body": "b" } },
                { "from": "6281234567890", "id": "wamid.none", "type": "text", "text": { "body": "c" } }
            ]),
        );
        let items = parse_value(&body);
        assert_eq!(message(&items[0]).sent_at, at(1_795_871_700));
        assert_eq!(message(&items[1]).sent_at, received_at());
        assert_eq!(message(&items[2]).sent_at, received_at());
    }

    #[test]
    fn unfamiliar_or_misshapen_messages_are_kept_without_failing_their_neighbours() {
        let body = messages_body(
            json!([{ "profile": { "name": "Budi" }, "wa_id": "6281234567890" }]),
            json!([
                { "from": "6281234567890", "id": "wamid.1", "timestamp": "1795871700",
                  "type": "hologram", "hologram": { "depth": 3 } },
                { "from": "6281234567890", "id": "wamid.2", "timestamp": "1795871701", "type": "image" },
                { "from": "6281234567890", "id": "wamid.3", "timestamp": "1795871702",
                  "type": "text", "text": { "body": "masih ada" } },
                { "from": "6281234567890", "id": "wamid.4", "timestamp": "1795871703",
                  "type": "interactive",
                  "errors": [{ "code": 131000, "title": "Something went wrong",
                               "error_data": { "details": "Unsupported webhook payload" } }] },
                { "from": "6281234567890", "id": "wamid.5", "timestamp": "1795871704" },
                { "from": "6281234567890", "timestamp": "1795871705", "type": "text", "text": { "body": "x" } },
                "not even an object"
            ]),
        );
        let items = parse_value(&body);
        assert_eq!(items.len(), 7);
        let unfamiliar = |original_type: &str| MessageContent::Unsupported {
            original_type: original_type.into(),
            known_to_meta: false,
        };
        assert_eq!(message(&items[0]).content, unfamiliar("hologram"));
        assert_eq!(message(&items[0]).raw["hologram"]["depth"], 3);
        assert_eq!(message(&items[1]).content, unfamiliar("image"));
        assert_eq!(
            message(&items[1]).sender.profile_name.as_deref(),
            Some("Budi")
        );
        assert_eq!(message(&items[2]).content.text(), Some("masih ada"));
        assert_eq!(message(&items[3]).content, unfamiliar("interactive"));
        assert_eq!(message(&items[3]).errors[0].code, 131000);
        assert_eq!(message(&items[4]).content, unfamiliar("(missing)"));
        assert!(matches!(&items[5], InboundItem::Ignored { field, raw }
            if field == "messages: no id" && raw["text"]["body"] == "x"));
        assert!(
            matches!(&items[6], InboundItem::Ignored { field, .. } if field == "messages: no id")
        );
    }

    #[test]
    fn edits_parse_the_new_version_and_revokes_name_the_deleted_message() {
        let body = messages_body(
            json!([]),
            json!([
                { "from": "6281234567890", "id": "wamid.edit", "timestamp": "1795871800", "type": "edit",
                  "edit": { "original_message_id": "wamid.original",
                            "message": { "type": "image", "image": { "id": "77", "caption": "plat B 1234 XYZ" } } } },
                { "from": "6281234567890", "id": "wamid.revoke", "timestamp": "1795871900", "type": "revoke",
                  "revoke": { "original_message_id": "wamid.original" } },
                { "from": "6281234567890", "id": "wamid.edit2", "timestamp": "1795871800", "type": "edit",
                  "edit": { "message": { "type": "text", "text": { "body": "x" } } } }
            ]),
        );
        let items = parse_value(&body);
        let MessageContent::Edit {
            target_id,
            new_content,
        } = &message(&items[0]).content
        else {
            panic!("{:?}", items[0])
        };
        assert_eq!(target_id, "wamid.original");
        assert_eq!(new_content.text(), Some("plat B 1234 XYZ"));
        assert_eq!(new_content.media().unwrap().1.media_id, "77");
        assert_eq!(
            message(&items[1]).content,
            MessageContent::Revoke {
                target_id: "wamid.original".into()
            }
        );
        assert_eq!(
            message(&items[2]).content,
            MessageContent::Unsupported {
                original_type: "edit".into(),
                known_to_meta: false
            }
        );
    }

    #[test]
    fn orders_keep_their_text_and_raw_object_and_referrals_are_kept() {
        let body = messages_body(
            json!([]),
            json!([{ "from": "6281234567890", "id": "wamid.order", "timestamp": "1795871800", "type": "order",
                     "order": { "catalog_id": "1", "text": "pesan", "product_items": [] },
                     "referral": { "source_type": "ad", "source_id": "99" } }]),
        );
        let items = parse_value(&body);
        let message = only_message(&items);
        assert_eq!(
            message.content,
            MessageContent::Order {
                text: Some("pesan".into()),
                raw: json!({ "catalog_id": "1", "text": "pesan", "product_items": [] }),
            }
        );
        assert_eq!(
            message.context.referral,
            Some(json!({ "source_type": "ad", "source_id": "99" }))
        );
    }

    #[test]
    fn other_fields_are_ignored_with_their_raw_value() {
        let body = json!({ "entry": [{ "id": "1", "changes": [
            { "field": "account_update", "value": { "event": "VERIFIED_ACCOUNT" } },
            { "field": "messages" },
            { "value": { "x": 1 } }
        ] }] });
        let items = parse_value(&body);
        assert_eq!(
            items,
            vec![
                InboundItem::Ignored {
                    field: "account_update".into(),
                    raw: json!({ "event": "VERIFIED_ACCOUNT" })
                },
                InboundItem::Ignored {
                    field: "messages: no value object".into(),
                    raw: Value::Null
                },
                InboundItem::Ignored {
                    field: "(missing)".into(),
                    raw: json!({ "x": 1 })
                },
            ]
        );
    }

    #[test]
    fn every_entry_and_change_is_walked_in_order() {
        let change = |id: &str| {
            json!({ "field": "messages", "value": { "metadata": { "phone_number_id": PHONE_NUMBER_ID },
                "messages": [{ "from": "6281234567890", "id": id, "timestamp": "1795871700",
                               "type": "text", "text": { "body": id } }] } })
        };
        let body = json!({ "entry": [
            { "changes": [change("m1"), change("m2")] },
            "garbage",
            { "changes": "garbage" },
            { "changes": [change("m3")] }
        ] });
        let ids: Vec<String> = parse_value(&body)
            .iter()
            .map(|item| message(item).external_id.clone())
            .collect();
        assert_eq!(ids, ["m1", "m2", "m3"]);
    }

    #[test]
    fn only_unreadable_bodies_are_errors() {
        assert!(matches!(
            parse_notification(b"{\"entry\": [", received_at()),
            Err(WebhookParseError::MalformedJson(text)) if !text.is_empty()
        ));
        assert!(matches!(
            parse_notification(b"", received_at()),
            Err(WebhookParseError::MalformedJson(_))
        ));
        assert!(matches!(
            parse_notification(&[0xff, 0xfe, b'{'], received_at()),
            Err(WebhookParseError::MalformedJson(_))
        ));
        assert_eq!(
            parse_notification(b"[]", received_at()),
            Err(WebhookParseError::NotAnObject)
        );
        assert_eq!(
            parse_notification(b"\"x\"", received_at()),
            Err(WebhookParseError::NotAnObject)
        );
        assert_eq!(parse_notification(b"{}", received_at()), Ok(Vec::new()));
        assert_eq!(
            parse_notification(b"{\"entry\": 5, \"object\": \"page\"}", received_at()),
            Ok(Vec::new())
        );
    }

    #[test]
    fn the_app_dashboard_test_payload_parses() {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "0", "changes": [{ "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "16505551111", "phone_number_id": "123456123" },
                "contacts": [{ "profile": { "name": "test user name" }, "wa_id": "16315551181" }],
                "messages": [{ "from": "16315551181", "id": "ABGGFlA5Fpa", "timestamp": "1504902988",
                               "type": "text", "text": { "body": "this is a text message" } }]
            } }] }]
        });
        let items = parse_value(&body);
        let message = only_message(&items);
        assert_eq!(message.external_id, "ABGGFlA5Fpa");
        assert_eq!(message.recipient_account.as_deref(), Some("123456123"));
        assert_eq!(message.sender.phone, phone("+16315551181"));
        assert_eq!(
            message.sender.profile_name.as_deref(),
            Some("test user name")
        );
        assert_eq!(message.sent_at, at(1_504_902_988));
        assert_eq!(message.content.text(), Some("this is a text message"));
    }

    #[test]
    fn placeholder_numbers_leave_the_phone_unset() {
        let body = messages_body(
            json!([{ "profile": { "name": "Test Name" }, "wa_id": "<WHATSAPP_USER_PHONE_NUMBER>",
                     "user_id": "US.13491208655302741918" }]),
            json!([{ "from": "<WHATSAPP_USER_PHONE_NUMBER>", "id": "<WHATSAPP_MESSAGE_ID>",
                     "timestamp": "1697043223", "type": "revoke",
                     "revoke": { "original_message_id": "<ORIGINAL_WHATSAPP_MESSAGE_ID>" } }]),
        );
        let items = parse_value(&body);
        let message = only_message(&items);
        assert_eq!(message.sender.phone, None);
        assert_eq!(message.sender.profile_name.as_deref(), Some("Test Name"));
        assert_eq!(
            message.sender.bsuid.as_deref(),
            Some("US.13491208655302741918")
        );
    }

    #[test]
    fn every_fixture_parses_and_survives_having_each_value_replaced() {
        // Mangling every value in turn must never panic nor fail a batch that is still an object.
        let fixtures = [
            include_str!("../../tests/fixtures/webhooks/inbound_text.json"),
            include_str!("../../tests/fixtures/webhooks/inbound_contacts.json"),
            include_str!("../../tests/fixtures/webhooks/interactive_call_permission_reply.json"),
            include_str!("../../tests/fixtures/webhooks/call_terminate.json"),
            include_str!("../../tests/fixtures/webhooks/status_failed.json"),
            include_str!("../../tests/fixtures/webhooks/inbound_batch_two_contacts.json"),
            include_str!("../../tests/fixtures/webhooks/inbound_batch_multi_change.json"),
            include_str!("../../tests/fixtures/webhooks/call_connect_user_initiated.json"),
            include_str!("../../tests/fixtures/webhooks/inbound_system_user_changed_number.json"),
            include_str!("../../tests/fixtures/webhooks/inbound_image_caption.json"),
            include_str!("../../tests/fixtures/webhooks/inbound_interactive_list_reply.json"),
            include_str!("../../tests/fixtures/webhooks/value_errors_only.json"),
        ];
        let replacements = [
            Value::Null,
            json!(""),
            json!(-1),
            json!(1e300),
            json!([]),
            json!({}),
            json!(true),
        ];
        fn paths(value: &Value, prefix: String, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => map
                    .iter()
                    .for_each(|(key, child)| paths(child, format!("{prefix}/{key}"), out)),
                Value::Array(list) => list
                    .iter()
                    .enumerate()
                    .for_each(|(index, child)| paths(child, format!("{prefix}/{index}"), out)),
                _ => {}
            }
            out.push(prefix);
        }
        for fixture in fixtures {
            let original: Value = serde_json::from_str(fixture).unwrap();
            let mut pointers = Vec::new();
            paths(&original, String::new(), &mut pointers);
            for pointer in pointers.iter().filter(|pointer| !pointer.is_empty()) {
                for replacement in &replacements {
                    let mut mangled = original.clone();
                    *mangled.pointer_mut(pointer).unwrap() = replacement.clone();
                    assert!(
                        parse_notification(mangled.to_string().as_bytes(), received_at()).is_ok(),
                        "{pointer} = {replacement}"
                    );
                }
            }
        }
    }
}
