//! Who an item is about: its own phone/BSUID fields completed by the matching contact profile.

use serde_json::Value;

use super::fields::{identifier_field, optional_text};
use crate::domain::inbound::Sender;
use crate::domain::phone::PhoneNumber;

/// The user an item is about, from its own phone/BSUID fields completed by the matching
/// `value.contacts[]` entry. Contacts are matched by `wa_id` or `user_id`, never by position:
/// Meta does not promise that the two arrays line up.
pub(super) fn resolve_sender(
    contacts: &[Value],
    phone: Option<&str>,
    bsuid: Option<&str>,
) -> Sender {
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
