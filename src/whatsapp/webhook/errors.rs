//! Errors Meta reports in a webhook: `value.errors[]` about the channel itself, and the
//! `errors[]` inside a message or status.

use serde_json::Value;

use super::fields::{array_field, integer, optional_text};
use super::{ChangeScope, ignored};
use crate::domain::inbound::{ApiError, ChannelError, InboundItem};

/// Used when an `errors[]` entry carries no numeric `code`: Graph never uses negative codes, so
/// this cannot be mistaken for a real one (0 would read as an authentication failure).
pub(super) const MISSING_ERROR_CODE: i64 = -1;

pub(super) fn parse_channel_error(error: &Value, scope: &ChangeScope<'_>) -> InboundItem {
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
pub(super) fn parse_errors(holder: &Value) -> Vec<ApiError> {
    array_field(holder, "errors")
        .iter()
        .filter_map(api_error)
        .collect()
}

pub(super) fn api_error(error: &Value) -> Option<ApiError> {
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
