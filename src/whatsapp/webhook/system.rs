//! `system` messages: Meta's notices about the user's account itself, such as a changed phone
//! number or business-scoped user id.

use serde_json::Value;

use super::fields::{identifier_field, object_field, optional_text};
use crate::domain::inbound::MessageContent;
use crate::domain::phone::PhoneNumber;

pub(super) fn system_content(message: &Value) -> Option<MessageContent> {
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
