//! Call events: `value.calls[]` (connect, terminate) and the call-progress entries Meta reports
//! in `statuses[]` for calls we placed.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fields::{identifier_field, integer, optional_text, timestamp_or, unix_time};
use super::senders::resolve_sender;
use super::{ChangeScope, MISSING_NAME, ignored};
use crate::domain::inbound::{CallEvent, InboundItem};

/// Call statuses Meta reports in `statuses[]` for calls we placed (upper case on the wire).
pub(super) const CALL_PROGRESS_STATUSES: [&str; 3] = ["RINGING", "ACCEPTED", "REJECTED"];

pub(super) const BUSINESS_INITIATED: &str = "business_initiated";

/// A `statuses[]` entry about a call we placed: only business-initiated calls ring through
/// status webhooks, so the recipient is the citizen.
pub(super) fn call_progress(
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
        recipient_account: scope.recipient_account.clone(),
        raw: status.clone(),
    })
}

pub(super) fn parse_call(call: &Value, scope: &ChangeScope<'_>) -> InboundItem {
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
        recipient_account: scope.recipient_account.clone(),
        raw: call.clone(),
    })
}
