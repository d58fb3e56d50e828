//! Delivery statuses (`value.statuses[]`) of the messages we sent; call-progress entries that
//! share the array are handed to `calls`.

use serde_json::Value;

use super::calls::{CALL_PROGRESS_STATUSES, call_progress};
use super::errors::parse_errors;
use super::fields::{identifier_field, optional_text, timestamp_or};
use super::{ChangeScope, ignored};
use crate::domain::ids::Wamid;
use crate::domain::inbound::{DeliveryStatus, InboundItem, StatusUpdate};

pub(super) fn parse_status(status: &Value, scope: &ChangeScope<'_>) -> InboundItem {
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
    let Ok(external_id) = Wamid::parse(&external_id) else {
        return ignored("statuses: malformed id", status);
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

pub(super) fn delivery_status(status_name: &str) -> Option<DeliveryStatus> {
    match status_name.to_ascii_lowercase().as_str() {
        "sent" => Some(DeliveryStatus::Sent),
        "delivered" => Some(DeliveryStatus::Delivered),
        "read" => Some(DeliveryStatus::Read),
        "played" => Some(DeliveryStatus::Played),
        "failed" => Some(DeliveryStatus::Failed),
        _ => None,
    }
}
