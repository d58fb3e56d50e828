//! Builders of webhook bodies in Meta's shape, for the demo, the load generator and tests:
//! the same bytes Meta would POST, so they travel the real signed path.

use serde_json::{Value, json};

use crate::domain::phone::PhoneNumber;

/// Our side of the conversation as Meta names it in `metadata`.
pub const DEMO_PHONE_NUMBER_ID: &str = "112233445566778";
pub const DEMO_DISPLAY_NUMBER: &str = "6281370002110";

/// A citizen who writes to the help line.
#[derive(Debug, Clone)]
pub struct Citizen {
    pub phone: PhoneNumber,
    pub name: String,
}

/// One `messages` change of our business account; `items` fills its value (`contacts` and
/// `messages`, or `statuses`).
fn change(items: Value) -> Value {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": DEMO_DISPLAY_NUMBER, "phone_number_id": DEMO_PHONE_NUMBER_ID },
    });
    if let (Some(value), Value::Object(items)) = (value.as_object_mut(), items) {
        value.extend(items);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "109876543210987", "changes": [{ "field": "messages", "value": value }] }]
    })
}

/// `payload` as sent to another of our business numbers: every change's
/// `metadata.phone_number_id` (and display number) replaced.
pub fn addressed_to(mut payload: Value, phone_number_id: &str, display_number: &str) -> Value {
    let Some(entries) = payload.get_mut("entry").and_then(Value::as_array_mut) else {
        return payload;
    };
    for entry in entries {
        let Some(changes) = entry.get_mut("changes").and_then(Value::as_array_mut) else {
            continue;
        };
        for change in changes {
            if let Some(metadata) = change
                .get_mut("value")
                .and_then(|value| value.get_mut("metadata"))
            {
                metadata["phone_number_id"] = json!(phone_number_id);
                metadata["display_phone_number"] = json!(display_number);
            }
        }
    }
    payload
}

fn envelope(contacts: Value, messages: Value) -> Value {
    change(json!({ "contacts": contacts, "messages": messages }))
}

fn contact(citizen: &Citizen) -> Value {
    json!({ "profile": { "name": citizen.name }, "wa_id": citizen.phone.digits() })
}

/// A text message from `citizen`.
pub fn text_message(citizen: &Citizen, wamid: &str, unix_seconds: i64, text: &str) -> Value {
    envelope(
        json!([contact(citizen)]),
        json!([{
            "from": citizen.phone.digits(),
            "id": wamid,
            "timestamp": unix_seconds.to_string(),
            "type": "text",
            "text": { "body": text }
        }]),
    )
}

/// A shared location from `citizen`.
pub fn location_message(
    citizen: &Citizen,
    wamid: &str,
    unix_seconds: i64,
    latitude: f64,
    longitude: f64,
    name: Option<&str>,
) -> Value {
    let mut location = json!({ "latitude": latitude, "longitude": longitude });
    if let Some(name) = name {
        location["name"] = json!(name);
    }
    envelope(
        json!([contact(citizen)]),
        json!([{
            "from": citizen.phone.digits(),
            "id": wamid,
            "timestamp": unix_seconds.to_string(),
            "type": "location",
            "location": location
        }]),
    )
}

/// A delivery status for one of our messages, as Meta reports it.
pub fn status(
    wamid: &str,
    status: &str,
    recipient_digits: &str,
    unix_seconds: i64,
    callback_data: Option<&str>,
) -> Value {
    let mut item = json!({
        "id": wamid,
        "status": status,
        "timestamp": unix_seconds.to_string(),
        "recipient_id": recipient_digits,
    });
    if let Some(data) = callback_data {
        item["biz_opaque_callback_data"] = json!(data);
    }
    change(json!({ "statuses": [item] }))
}

/// Serialises like Meta does: compact JSON with non-ASCII escaped as `\uXXXX` (lowercase hex),
/// so that signatures are computed over the same kind of bytes Meta sends.
pub fn to_wire_bytes(payload: &Value) -> Vec<u8> {
    let compact = payload.to_string();
    let mut wire = String::with_capacity(compact.len() + 16);
    for character in compact.chars() {
        if character.is_ascii() {
            wire.push(character);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in character.encode_utf16(&mut units) {
            wire.push_str(&format!("\\u{unit:04x}"));
        }
    }
    wire.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_bytes_escape_non_ascii_like_meta() {
        let bytes = to_wire_bytes(&json!({ "text": "Jl. A/B 🙏 é" }));
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"text":"Jl. A/B \ud83d\ude4f \u00e9"}"#
        );
    }
}
