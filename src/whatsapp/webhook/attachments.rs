//! Message types that carry something beyond words: media (image, video, audio and voice
//! notes, documents, stickers), a location, and shared contact cards.

use serde_json::Value;

use super::fields::{array_field, identifier_field, object_field, optional_text};
use crate::domain::inbound::{MediaKind, MediaRef, MessageContent, SharedContact};

pub(super) fn media_content(message: &Value, key: &str, kind: MediaKind) -> Option<MessageContent> {
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

pub(super) fn location_content(message: &Value) -> Option<MessageContent> {
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
pub(super) fn coordinate(value: Option<&Value>, limit: f64) -> Option<f64> {
    let degrees = match value? {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (degrees.is_finite() && degrees.abs() <= limit).then_some(degrees)
}

pub(super) fn contacts_content(message: &Value) -> Option<MessageContent> {
    let cards = message.get("contacts")?.as_array()?;
    let contacts = cards
        .iter()
        .filter(|card| card.is_object())
        .map(shared_contact)
        .collect();
    Some(MessageContent::Contacts { contacts })
}

pub(super) fn shared_contact(card: &Value) -> SharedContact {
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
