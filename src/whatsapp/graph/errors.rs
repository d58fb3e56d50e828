//! What can go wrong talking to the Graph API, and what the caller should do about each
//! failure, decided on Meta's `error.code` alone.

use serde::Deserialize;
use serde_json::Value;

use super::StringOrNumber;
use crate::domain::inbound::OUTSIDE_WINDOW_CODE;

/// How much of an unexpected response body is kept for logs: enough to recognise a proxy error
/// page, short enough not to flood the log with HTML.
pub(super) const BODY_SNIPPET_CHARS: usize = 300;

/// An error object Meta returned (`{"error": {…}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub http_status: u16,
    pub code: i64,
    /// Deprecated by Meta but still sent; useful only for 190 (463 expired, 467 invalid).
    pub subcode: Option<i64>,
    pub message: Option<String>,
    /// `error_data.details`: the only human-readable explanation Meta promises.
    pub details: Option<String>,
    /// Quote this to Meta support.
    pub fbtrace_id: Option<String>,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "graph api error code {}", self.code)?;
        if let Some(subcode) = self.subcode {
            write!(f, " subcode {subcode}")?;
        }
        write!(f, " (http {})", self.http_status)?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(details) = &self.details {
            write!(f, "; details: {details}")?;
        }
        write!(
            f,
            "; fbtrace_id {}",
            self.fbtrace_id.as_deref().unwrap_or("none")
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("{0}")]
    Api(ApiFailure),
    #[error("graph api request timed out")]
    Timeout,
    #[error("network error talking to graph api: {0}")]
    Network(String),
    #[error("unexpected graph api response (http {http_status}): {body_snippet}")]
    UnexpectedResponse {
        http_status: u16,
        body_snippet: String,
    },
    #[error("media is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("invalid graph api settings: {0}")]
    InvalidSettings(String),
    /// A media URL, a redirect or a resolved address off the allowlist (`media_hosts`): no
    /// request was sent there, and none ever will be.
    #[error("media url refused: {0}")]
    Refused(String),
    /// A file to upload could not be read here; nothing was sent.
    #[error("the file to upload cannot be read: {0}")]
    Local(String),
}

/// What the caller should do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Transient: try again later with backoff.
    Retry,
    /// Pair rate limit: hold back messages to this recipient only; others may go on.
    RetryForRecipient,
    /// The 24-hour customer service window is closed: only a template can reach the citizen.
    OutsideWindow,
    /// The token or account is broken: nothing will succeed until an operator fixes it.
    ChannelUnhealthy,
    /// Retrying the same request cannot help.
    Permanent,
}

impl GraphError {
    pub fn disposition(&self) -> Disposition {
        match self {
            GraphError::Api(failure) => disposition_for_code(failure.code),
            GraphError::Timeout | GraphError::Network(_) => Disposition::Retry,
            GraphError::UnexpectedResponse { http_status, .. } if *http_status >= 500 => {
                Disposition::Retry
            }
            GraphError::UnexpectedResponse { .. } => Disposition::Permanent,
            GraphError::TooLarge { .. }
            | GraphError::InvalidSettings(_)
            | GraphError::Refused(_)
            | GraphError::Local(_) => Disposition::Permanent,
        }
    }
}

pub(super) fn disposition_for_code(code: i64) -> Disposition {
    match code {
        // Throughput, app and WABA call limits, temporary service trouble, maintenance.
        130429 | 4 | 80007 | 1 | 2 | 131000 | 131016 | 133004 | 131057 => Disposition::Retry,
        131056 => Disposition::RetryForRecipient,
        OUTSIDE_WINDOW_CODE => Disposition::OutsideWindow,
        190 | 0 => Disposition::ChannelUnhealthy,
        _ => Disposition::Permanent,
    }
}

#[derive(Deserialize)]
pub(super) struct ErrorEnvelope {
    error: ErrorObject,
}

#[derive(Deserialize)]
pub(super) struct ErrorObject {
    code: Option<StringOrNumber>,
    error_subcode: Option<StringOrNumber>,
    message: Option<String>,
    error_data: Option<ErrorData>,
    fbtrace_id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ErrorData {
    details: Option<String>,
}

/// An `{"error": {…}}` body with a usable code; without a code there is nothing to decide a
/// retry on, so such bodies count as unexpected.
pub(super) fn api_failure_from_body(http_status: u16, body: &Value) -> Option<ApiFailure> {
    body.get("error")?;
    let envelope: ErrorEnvelope = serde_json::from_value(body.clone()).ok()?;
    let error = envelope.error;
    let code = error.code.as_ref().and_then(StringOrNumber::as_i64)?;
    Some(ApiFailure {
        http_status,
        code,
        subcode: error
            .error_subcode
            .as_ref()
            .and_then(StringOrNumber::as_i64),
        message: error.message,
        details: error.error_data.and_then(|data| data.details),
        fbtrace_id: error.fbtrace_id,
    })
}

pub(super) fn unexpected_json(http_status: u16, body: &Value, access_token: &str) -> GraphError {
    unexpected_text(http_status, &body.to_string(), access_token)
}

pub(super) fn unexpected_bytes(http_status: u16, bytes: &[u8], access_token: &str) -> GraphError {
    unexpected_text(http_status, &String::from_utf8_lossy(bytes), access_token)
}

pub(super) fn unexpected_text(http_status: u16, text: &str, access_token: &str) -> GraphError {
    // A misbehaving proxy could echo request headers back; the snippet goes to logs.
    let redacted = if access_token.is_empty() {
        text.to_string()
    } else {
        text.replace(access_token, "<redacted>")
    };
    let mut body_snippet: String = redacted.trim().chars().take(BODY_SNIPPET_CHARS).collect();
    if redacted.trim().chars().count() > BODY_SNIPPET_CHARS {
        body_snippet.push('…');
    }
    GraphError::UnexpectedResponse {
        http_status,
        body_snippet,
    }
}

pub(super) fn classify_reqwest_error(error: reqwest::Error) -> GraphError {
    if let Some(refusal) = super::media_hosts::refusal_in(&error) {
        return GraphError::Refused(refusal.0);
    }
    if error.is_timeout() {
        return GraphError::Timeout;
    }
    GraphError::Network(describe_reqwest_error(error))
}

/// The error and its causes on one line. The URL is dropped: media URLs carry signed query
/// parameters that do not belong in logs.
pub(super) fn describe_reqwest_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut description = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        description.push_str(": ");
        description.push_str(&cause.to_string());
        source = cause.source();
    }
    description
}
