//! Tolerant readers for fields of Meta's JSON: numbers as strings, strings as numbers, empty
//! strings as absent, placeholder timestamps as missing.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::ids::Wamid;

pub(super) fn array_field<'payload>(holder: &'payload Value, key: &str) -> &'payload [Value] {
    holder
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(super) fn object_field<'payload>(
    holder: &'payload Value,
    key: &str,
) -> Option<&'payload Value> {
    holder.get(key).filter(|value| value.is_object())
}

/// A human-written string field; empty strings count as absent.
pub(super) fn optional_text(holder: &Value, key: &str) -> Option<String> {
    holder
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// An id, phone or similar key: a non-blank string, or a number written out (some producers
/// emit `wa_id` or ids as JSON numbers).
pub(super) fn identifier_field(holder: &Value, key: &str) -> Option<String> {
    match holder.get(key)? {
        Value::String(text) => {
            let trimmed = text.trim();
            (!trimmed.is_empty()).then(|| trimmed.to_owned())
        }
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A WhatsApp message id (wamid), checked once here: `None` when absent or malformed.
pub(super) fn wamid_field(holder: &Value, key: &str) -> Option<Wamid> {
    Wamid::parse(&identifier_field(holder, key)?).ok()
}

/// An integer given as a JSON number or a string of digits; fractions are truncated.
pub(super) fn integer(value: Option<&Value>) -> Option<i64> {
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
pub(super) fn unix_time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let seconds = integer(value).filter(|seconds| *seconds > 0)?;
    DateTime::from_timestamp(seconds, 0)
}

pub(super) fn timestamp_or(value: Option<&Value>, fallback: DateTime<Utc>) -> DateTime<Utc> {
    unix_time(value).unwrap_or(fallback)
}
