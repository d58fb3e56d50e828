//! The client for Meta's Graph API (WhatsApp Cloud API): sending messages, read receipts, and
//! fetching inbound media, with every failure classified into what the caller should do next.
//!
//! Retry decisions are built on `error.code` only. Meta's documentation says not to branch on
//! the HTTP status or on the title inside `error.message` (the same OAuth failure arrives as 400
//! or 401, and rate limits as 400 or 429 depending on the proxy in between).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::domain::phone::PhoneNumber;

/// How much of an unexpected response body is kept for logs: enough to recognise a proxy error
/// page, short enough not to flood the log with HTML.
const BODY_SNIPPET_CHARS: usize = 300;

/// Error and success bodies of the Graph API are a few hundred bytes; anything far larger is not
/// a Graph answer, so reading stops here instead of buffering whatever a proxy sends.
const MAX_API_RESPONSE_BYTES: u64 = 1024 * 1024;

/// The slowest download rate still treated as progress. A 100 MB document cannot arrive within
/// the request timeout meant for small JSON calls, so downloads get extra time in proportion
/// to their size limit.
const MINIMUM_DOWNLOAD_BYTES_PER_SECOND: u64 = 256 * 1024;

#[derive(Clone)]
pub struct GraphSettings {
    /// `https://graph.facebook.com`; a trailing slash is tolerated.
    pub base_url: String,
    /// `v25.0`.
    pub api_version: String,
    pub phone_number_id: String,
    pub access_token: String,
    pub request_timeout: Duration,
}

impl std::fmt::Debug for GraphSettings {
    // Settings end up in startup logs; the token must not.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphSettings")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("access_token", &"<redacted>")
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// Who a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// Sent as `"to": "+62…"`; the `+` keeps Meta from prepending our own country code.
    Phone(PhoneNumber),
    /// A business-scoped user id, sent as `"recipient": "<id>"`, for users whose phone number
    /// Meta withholds.
    Bsuid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingMessage {
    Text {
        body: String,
        /// The wamid to quote (`context.message_id`).
        reply_to: Option<String>,
    },
    /// A pre-approved template, the only thing allowed outside the 24-hour window.
    Template {
        name: String,
        /// `id` for Indonesian.
        language: String,
        body_parameters: Vec<String>,
    },
    /// Asks the citizen to share their position with one tap.
    LocationRequest { body: String },
    /// Asks permission for a business-initiated WhatsApp call.
    CallPermissionRequest { body: String },
}

/// Meta accepted the message; delivery is reported later through status webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    pub wamid: String,
    /// `accepted` for paced templates; usually absent.
    pub message_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Download URL; it expires about five minutes after this lookup.
    pub url: String,
    pub mime_type: Option<String>,
    /// Hex here, unlike webhooks, where it is base64.
    pub sha256: Option<String>,
    pub file_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadedMedia {
    pub bytes: Bytes,
    pub content_type: Option<String>,
}

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
            GraphError::TooLarge { .. } | GraphError::InvalidSettings(_) => Disposition::Permanent,
        }
    }
}

fn disposition_for_code(code: i64) -> Disposition {
    match code {
        // Throughput, app and WABA call limits, temporary service trouble, maintenance.
        130429 | 4 | 80007 | 1 | 2 | 131000 | 131016 | 133004 | 131057 => Disposition::Retry,
        131056 => Disposition::RetryForRecipient,
        131047 => Disposition::OutsideWindow,
        190 | 0 => Disposition::ChannelUnhealthy,
        _ => Disposition::Permanent,
    }
}

#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: Url,
    api_version: String,
    phone_number_id: String,
    access_token: String,
    request_timeout: Duration,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base_url", &self.base_url.as_str())
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Result<GraphClient, GraphError> {
        let base_url = Url::parse(settings.base_url.trim())
            .map_err(|error| GraphError::InvalidSettings(format!("base_url: {error}")))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(GraphError::InvalidSettings(
                "base_url must be an http or https url".to_string(),
            ));
        }
        let api_version = settings.api_version.trim().to_string();
        if api_version.is_empty() {
            return Err(GraphError::InvalidSettings(
                "api_version is empty".to_string(),
            ));
        }
        let phone_number_id = settings.phone_number_id.trim().to_string();
        if phone_number_id.is_empty() {
            return Err(GraphError::InvalidSettings(
                "phone_number_id is empty".to_string(),
            ));
        }
        let access_token = settings.access_token.trim().to_string();
        if access_token.is_empty() {
            return Err(GraphError::InvalidSettings(
                "access_token is empty".to_string(),
            ));
        }
        // Checked here so that a token with a newline fails at startup, not on the first send.
        if HeaderValue::from_str(&format!("Bearer {access_token}")).is_err() {
            return Err(GraphError::InvalidSettings(
                "access_token contains characters not allowed in an http header".to_string(),
            ));
        }
        if settings.request_timeout.is_zero() {
            return Err(GraphError::InvalidSettings(
                "request_timeout is zero".to_string(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout)
            .build()
            .map_err(|error| GraphError::InvalidSettings(describe_reqwest_error(error)))?;
        Ok(GraphClient {
            http,
            base_url,
            api_version,
            phone_number_id,
            access_token,
            request_timeout: settings.request_timeout,
        })
    }

    pub async fn send_message(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        callback_data: Option<&str>,
    ) -> Result<SendReceipt, GraphError> {
        let body = message_request_body(to, message, callback_data);
        let url = self.graph_url(&[&self.phone_number_id, "messages"]);
        let (http_status, response) = self.post_json(url, &body).await?;
        let first_message = response
            .get("messages")
            .and_then(|messages| messages.get(0))
            .cloned()
            .unwrap_or(Value::Null);
        let Some(wamid) = first_message.get("id").and_then(Value::as_str) else {
            return Err(unexpected_json(http_status, &response, &self.access_token));
        };
        if wamid.is_empty() {
            return Err(unexpected_json(http_status, &response, &self.access_token));
        }
        Ok(SendReceipt {
            wamid: wamid.to_string(),
            message_status: first_message
                .get("message_status")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// Marks the inbound message (and, on the citizen's phone, every earlier one) as read.
    pub async fn mark_read(&self, wamid: &str) -> Result<(), GraphError> {
        let body = mark_read_request_body(wamid);
        let url = self.graph_url(&[&self.phone_number_id, "messages"]);
        let (http_status, response) = self.post_json(url, &body).await?;
        if response.get("success").and_then(Value::as_bool) == Some(false) {
            return Err(unexpected_json(http_status, &response, &self.access_token));
        }
        Ok(())
    }

    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        let mut url = self.graph_url(&[media_id]);
        url.query_pairs_mut()
            .append_pair("phone_number_id", &self.phone_number_id);
        let request = self.http.get(url).bearer_auth(&self.access_token);
        let response = request.send().await.map_err(classify_reqwest_error)?;
        let (http_status, body) = self.read_api_response(response).await?;
        let parsed: MediaInfoBody = match serde_json::from_value(body.clone()) {
            Ok(parsed) => parsed,
            Err(_) => return Err(unexpected_json(http_status, &body, &self.access_token)),
        };
        let Some(media_url) = parsed.url.filter(|url| !url.is_empty()) else {
            return Err(unexpected_json(http_status, &body, &self.access_token));
        };
        Ok(MediaInfo {
            url: media_url,
            mime_type: parsed.mime_type,
            sha256: parsed.sha256,
            file_size: parsed.file_size.and_then(StringOrNumber::into_u64),
        })
    }

    /// Downloads a media URL from [`GraphClient::media_info`] (or a webhook), refusing bodies
    /// over `max_bytes` without buffering them: the declared length is checked first and the
    /// stream is abandoned as soon as it grows past the limit.
    pub async fn download_media(
        &self,
        url: &str,
        max_bytes: u64,
    ) -> Result<DownloadedMedia, GraphError> {
        let media_url = Url::parse(url).map_err(|_| GraphError::UnexpectedResponse {
            http_status: 0,
            body_snippet: "media url is not a valid url".to_string(),
        })?;
        // The bearer token travels with the download, so never send it in clear text when the
        // Graph API itself is reached over https.
        let downgrade = self.base_url.scheme() == "https" && media_url.scheme() != "https";
        if downgrade || !matches!(media_url.scheme(), "http" | "https") {
            return Err(GraphError::UnexpectedResponse {
                http_status: 0,
                body_snippet: "media url is not https; refusing to send the token".to_string(),
            });
        }
        let extra_time = Duration::from_secs(max_bytes / MINIMUM_DOWNLOAD_BYTES_PER_SECOND);
        let response = self
            .http
            .get(media_url)
            .bearer_auth(&self.access_token)
            .timeout(self.request_timeout.saturating_add(extra_time))
            .send()
            .await
            .map_err(classify_reqwest_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.failure_from_error_response(response).await);
        }
        if response
            .content_length()
            .is_some_and(|declared| declared > max_bytes)
        {
            return Err(GraphError::TooLarge { limit: max_bytes });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let bytes = read_body_limited(response, max_bytes)
            .await?
            .ok_or(GraphError::TooLarge { limit: max_bytes })?;
        Ok(DownloadedMedia {
            bytes,
            content_type,
        })
    }

    /// `{base}/{version}/{segments…}`, each segment percent-encoded so that an id taken from
    /// a webhook cannot change the path.
    fn graph_url(&self, segments: &[&str]) -> Url {
        let mut url = self.base_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.push(&self.api_version);
            path.extend(segments);
        }
        url
    }

    async fn post_json(&self, url: Url, body: &Value) -> Result<(u16, Value), GraphError> {
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.access_token)
            .json(body)
            .send()
            .await
            .map_err(classify_reqwest_error)?;
        self.read_api_response(response).await
    }

    /// Returns the JSON of a successful Graph answer; everything else becomes an error.
    async fn read_api_response(
        &self,
        response: reqwest::Response,
    ) -> Result<(u16, Value), GraphError> {
        let http_status = response.status().as_u16();
        if !response.status().is_success() {
            return Err(self.failure_from_error_response(response).await);
        }
        let bytes = read_body_limited(response, MAX_API_RESPONSE_BYTES)
            .await?
            .ok_or_else(|| GraphError::UnexpectedResponse {
                http_status,
                body_snippet: "response body too large".to_string(),
            })?;
        let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(unexpected_bytes(http_status, &bytes, &self.access_token));
        };
        // Graph has been seen wrapping errors in a 200; the error object wins over the status.
        if let Some(failure) = api_failure_from_body(http_status, &body) {
            return Err(GraphError::Api(failure));
        }
        Ok((http_status, body))
    }

    async fn failure_from_error_response(&self, response: reqwest::Response) -> GraphError {
        let http_status = response.status().as_u16();
        let bytes = match read_body_limited(response, MAX_API_RESPONSE_BYTES).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return GraphError::UnexpectedResponse {
                    http_status,
                    body_snippet: "error body too large".to_string(),
                };
            }
            // The status already says what happened; a broken body does not change that.
            Err(_) => Bytes::new(),
        };
        let parsed_failure = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|body| api_failure_from_body(http_status, &body));
        match parsed_failure {
            Some(failure) => GraphError::Api(failure),
            None => unexpected_bytes(http_status, &bytes, &self.access_token),
        }
    }
}

/// Reads the whole body unless it grows past `limit`; `Ok(None)` means it did.
async fn read_body_limited(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Option<Bytes>, GraphError> {
    let mut collected = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(classify_reqwest_error)? {
        let new_length = (collected.len() as u64).saturating_add(chunk.len() as u64);
        if new_length > limit {
            return Ok(None);
        }
        collected.extend_from_slice(&chunk);
    }
    Ok(Some(collected.freeze()))
}

#[derive(Deserialize)]
struct MediaInfoBody {
    url: Option<String>,
    mime_type: Option<String>,
    sha256: Option<String>,
    file_size: Option<StringOrNumber>,
}

/// Meta writes some numbers as JSON strings in one example and as numbers in the next.
#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    Number(i64),
    Text(String),
}

impl StringOrNumber {
    fn as_i64(&self) -> Option<i64> {
        match self {
            StringOrNumber::Number(number) => Some(*number),
            StringOrNumber::Text(text) => text.trim().parse().ok(),
        }
    }

    fn into_u64(self) -> Option<u64> {
        self.as_i64().and_then(|number| u64::try_from(number).ok())
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: Option<StringOrNumber>,
    error_subcode: Option<StringOrNumber>,
    message: Option<String>,
    error_data: Option<ErrorData>,
    fbtrace_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorData {
    details: Option<String>,
}

/// An `{"error": {…}}` body with a usable code; without a code there is nothing to decide a
/// retry on, so such bodies count as unexpected.
fn api_failure_from_body(http_status: u16, body: &Value) -> Option<ApiFailure> {
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

fn unexpected_json(http_status: u16, body: &Value, access_token: &str) -> GraphError {
    unexpected_text(http_status, &body.to_string(), access_token)
}

fn unexpected_bytes(http_status: u16, bytes: &[u8], access_token: &str) -> GraphError {
    unexpected_text(http_status, &String::from_utf8_lossy(bytes), access_token)
}

fn unexpected_text(http_status: u16, text: &str, access_token: &str) -> GraphError {
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

fn classify_reqwest_error(error: reqwest::Error) -> GraphError {
    if error.is_timeout() {
        return GraphError::Timeout;
    }
    GraphError::Network(describe_reqwest_error(error))
}

/// The error and its causes on one line. The URL is dropped: media URLs carry signed query
/// parameters that do not belong in logs.
fn describe_reqwest_error(error: reqwest::Error) -> String {
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

/// The JSON body of `POST /{phone-number-id}/messages` for one message.
fn message_request_body(
    to: &Recipient,
    message: &OutgoingMessage,
    callback_data: Option<&str>,
) -> Value {
    let mut body = Map::new();
    body.insert("messaging_product".into(), json!("whatsapp"));
    body.insert("recipient_type".into(), json!("individual"));
    match to {
        Recipient::Phone(phone) => body.insert("to".into(), json!(phone.as_e164())),
        Recipient::Bsuid(bsuid) => body.insert("recipient".into(), json!(bsuid)),
    };
    match message {
        OutgoingMessage::Text {
            body: text,
            reply_to,
        } => {
            body.insert("type".into(), json!("text"));
            // Previews would fetch and render whatever link a reply happens to contain.
            body.insert("text".into(), json!({ "preview_url": false, "body": text }));
            if let Some(quoted_wamid) = reply_to {
                body.insert("context".into(), json!({ "message_id": quoted_wamid }));
            }
        }
        OutgoingMessage::Template {
            name,
            language,
            body_parameters,
        } => {
            let mut template = Map::new();
            template.insert("name".into(), json!(name));
            template.insert("language".into(), json!({ "code": language }));
            // Meta rejects an empty parameter list, and templates without variables need none.
            if !body_parameters.is_empty() {
                let parameters: Vec<Value> = body_parameters
                    .iter()
                    .map(|text| json!({ "type": "text", "text": text }))
                    .collect();
                template.insert(
                    "components".into(),
                    json!([{ "type": "body", "parameters": parameters }]),
                );
            }
            body.insert("type".into(), json!("template"));
            body.insert("template".into(), Value::Object(template));
        }
        OutgoingMessage::LocationRequest { body: text } => {
            body.insert("type".into(), json!("interactive"));
            body.insert(
                "interactive".into(),
                json!({
                    "type": "location_request_message",
                    "body": { "text": text },
                    "action": { "name": "send_location" },
                }),
            );
        }
        OutgoingMessage::CallPermissionRequest { body: text } => {
            body.insert("type".into(), json!("interactive"));
            body.insert(
                "interactive".into(),
                json!({
                    "type": "call_permission_request",
                    "body": { "text": text },
                    "action": { "name": "call_permission_request" },
                }),
            );
        }
    }
    if let Some(callback_data) = callback_data {
        body.insert("biz_opaque_callback_data".into(), json!(callback_data));
    }
    Value::Object(body)
}

fn mark_read_request_body(wamid: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": wamid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/requests/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
        serde_json::from_str(&text).unwrap()
    }

    fn phone(text: &str) -> Recipient {
        Recipient::Phone(PhoneNumber::parse(text).unwrap())
    }

    fn string_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
        value.pointer(pointer).and_then(Value::as_str).unwrap()
    }

    fn api_error(code: i64) -> GraphError {
        GraphError::Api(ApiFailure {
            http_status: 400,
            code,
            subcode: None,
            message: None,
            details: None,
            fbtrace_id: None,
        })
    }

    #[test]
    fn retryable_codes_are_retried() {
        for code in [130429, 4, 80007, 1, 2, 131000, 131016, 133004, 131057] {
            assert_eq!(
                api_error(code).disposition(),
                Disposition::Retry,
                "code {code}"
            );
        }
    }

    #[test]
    fn pair_rate_limit_holds_back_only_that_recipient() {
        assert_eq!(
            api_error(131056).disposition(),
            Disposition::RetryForRecipient
        );
    }

    #[test]
    fn reengagement_error_means_the_window_is_closed() {
        assert_eq!(api_error(131047).disposition(), Disposition::OutsideWindow);
    }

    #[test]
    fn token_and_auth_failures_mark_the_channel_unhealthy() {
        assert_eq!(api_error(190).disposition(), Disposition::ChannelUnhealthy);
        assert_eq!(api_error(0).disposition(), Disposition::ChannelUnhealthy);
    }

    #[test]
    fn parameter_permission_and_policy_errors_are_permanent() {
        let permanent_codes = [
            100, 131008, 131009, 131026, 131048, 131049, 131050, 131051, 131052, 131053, 132000,
            132001, 132015, 132018, 135000, 3, 10, 200, 250, 299, 368, 130403, 130472, 131021,
            131031, 131042, 138006, 999_999,
        ];
        for code in permanent_codes {
            assert_eq!(
                api_error(code).disposition(),
                Disposition::Permanent,
                "code {code}"
            );
        }
    }

    #[test]
    fn disposition_ignores_the_http_status() {
        let mut failure = ApiFailure {
            http_status: 500,
            code: 100,
            subcode: None,
            message: Some("(#130429) Rate limit hit".to_string()),
            details: None,
            fbtrace_id: None,
        };
        assert_eq!(
            GraphError::Api(failure.clone()).disposition(),
            Disposition::Permanent
        );
        failure.http_status = 401;
        failure.code = 130429;
        assert_eq!(GraphError::Api(failure).disposition(), Disposition::Retry);
    }

    #[test]
    fn transport_and_local_failures_have_fixed_dispositions() {
        assert_eq!(GraphError::Timeout.disposition(), Disposition::Retry);
        assert_eq!(
            GraphError::Network("reset".into()).disposition(),
            Disposition::Retry
        );
        let server_error = GraphError::UnexpectedResponse {
            http_status: 502,
            body_snippet: String::new(),
        };
        assert_eq!(server_error.disposition(), Disposition::Retry);
        let client_error = GraphError::UnexpectedResponse {
            http_status: 404,
            body_snippet: String::new(),
        };
        assert_eq!(client_error.disposition(), Disposition::Permanent);
        assert_eq!(
            GraphError::TooLarge { limit: 1 }.disposition(),
            Disposition::Permanent
        );
        assert_eq!(
            GraphError::InvalidSettings("x".into()).disposition(),
            Disposition::Permanent
        );
    }

    #[test]
    fn api_error_display_names_code_details_and_trace_id() {
        let error = GraphError::Api(ApiFailure {
            http_status: 400,
            code: 130429,
            subcode: Some(2494055),
            message: Some("(#130429) Rate limit hit".to_string()),
            details: Some("Cloud API message throughput has been reached.".to_string()),
            fbtrace_id: Some("Az8or2yhqkZfEZ-_4Qn_Bam".to_string()),
        });
        let text = error.to_string();
        assert!(text.starts_with("graph api error code 130429"), "{text}");
        assert!(text.contains("Az8or2yhqkZfEZ-_4Qn_Bam"), "{text}");
        assert!(text.contains("throughput has been reached"), "{text}");
    }

    #[test]
    fn text_body_matches_the_send_text_fixture() {
        let fixture = request_fixture("send_text");
        let message = OutgoingMessage::Text {
            body: string_at(&fixture, "/text/body").to_string(),
            reply_to: None,
        };
        let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
        assert_eq!(built, fixture);
    }

    #[test]
    fn reply_body_matches_the_reply_fixture_plus_disabled_preview() {
        let mut fixture = request_fixture("send_text_reply_context");
        let message = OutgoingMessage::Text {
            body: string_at(&fixture, "/text/body").to_string(),
            reply_to: Some(string_at(&fixture, "/context/message_id").to_string()),
        };
        let callback_data = string_at(&fixture, "/biz_opaque_callback_data").to_string();
        let built = message_request_body(
            &phone(string_at(&fixture, "/to")),
            &message,
            Some(&callback_data),
        );
        // The fixture leaves preview_url to Meta's default (false); we always say it.
        fixture["text"]["preview_url"] = json!(false);
        assert_eq!(built, fixture);
    }

    #[test]
    fn template_body_matches_the_body_component_of_the_template_fixture() {
        let mut fixture = request_fixture("send_template");
        let body_parameters = fixture
            .pointer("/template/components/0/parameters")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .map(|parameter| parameter["text"].as_str().unwrap().to_string())
            .collect();
        let message = OutgoingMessage::Template {
            name: string_at(&fixture, "/template/name").to_string(),
            language: string_at(&fixture, "/template/language/code").to_string(),
            body_parameters,
        };
        let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
        // Quick-reply button payloads are not part of OutgoingMessage::Template.
        let components = fixture["template"]["components"].as_array_mut().unwrap();
        components.retain(|component| component["type"] == "body");
        assert_eq!(built, fixture);
    }

    #[test]
    fn template_without_parameters_sends_no_components() {
        let message = OutgoingMessage::Template {
            name: "salam_pembuka".to_string(),
            language: "id".to_string(),
            body_parameters: Vec::new(),
        };
        let built = message_request_body(&phone("+6281255556666"), &message, None);
        assert!(built["template"].get("components").is_none(), "{built}");
        assert_eq!(built["template"]["language"]["code"], "id");
    }

    #[test]
    fn location_request_body_matches_the_fixture() {
        let fixture = request_fixture("send_location_request");
        let message = OutgoingMessage::LocationRequest {
            body: string_at(&fixture, "/interactive/body/text").to_string(),
        };
        let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
        assert_eq!(built, fixture);
    }

    #[test]
    fn call_permission_request_body_matches_the_fixture() {
        let fixture = request_fixture("send_call_permission_request");
        let message = OutgoingMessage::CallPermissionRequest {
            body: string_at(&fixture, "/interactive/body/text").to_string(),
        };
        let built = message_request_body(&phone(string_at(&fixture, "/to")), &message, None);
        assert_eq!(built, fixture);
    }

    #[test]
    fn mark_read_body_matches_the_fixture() {
        let fixture = request_fixture("mark_read");
        assert_eq!(
            mark_read_request_body(string_at(&fixture, "/message_id")),
            fixture
        );
    }

    #[test]
    fn phone_recipients_are_written_with_a_plus_even_from_national_form() {
        let message = OutgoingMessage::Text {
            body: "halo".to_string(),
            reply_to: None,
        };
        let built = message_request_body(&phone("0812-3456-7890"), &message, None);
        assert_eq!(built["to"], "+6281234567890");
    }

    #[test]
    fn bsuid_recipients_use_the_recipient_field_instead_of_to() {
        let message = OutgoingMessage::Text {
            body: "halo".to_string(),
            reply_to: None,
        };
        let recipient = Recipient::Bsuid("ID.1349000111222333".to_string());
        let built = message_request_body(&recipient, &message, Some("laporan=LP-1"));
        assert_eq!(built["recipient"], "ID.1349000111222333");
        assert!(built.get("to").is_none(), "{built}");
        assert_eq!(built["recipient_type"], "individual");
        assert_eq!(built["biz_opaque_callback_data"], "laporan=LP-1");
    }

    #[test]
    fn error_bodies_with_string_codes_still_parse() {
        let body =
            json!({ "error": { "code": "131056", "error_subcode": "1", "fbtrace_id": "T" } });
        let failure = api_failure_from_body(400, &body).unwrap();
        assert_eq!(failure.code, 131056);
        assert_eq!(failure.subcode, Some(1));
    }

    #[test]
    fn error_bodies_without_a_code_are_not_api_failures() {
        assert!(api_failure_from_body(400, &json!({ "error": { "message": "x" } })).is_none());
        assert!(api_failure_from_body(400, &json!({ "error": "x" })).is_none());
        assert!(api_failure_from_body(400, &json!({ "messages": [] })).is_none());
    }

    #[test]
    fn unexpected_snippets_are_short_and_never_contain_the_token() {
        let token = "EAAG-secret-token";
        let body = format!("echo: Bearer {token} {}", "x".repeat(1000));
        let GraphError::UnexpectedResponse { body_snippet, .. } =
            unexpected_text(502, &body, token)
        else {
            panic!("wrong variant");
        };
        assert!(!body_snippet.contains(token), "{body_snippet}");
        assert!(body_snippet.chars().count() <= BODY_SNIPPET_CHARS + 1);
    }

    #[test]
    fn settings_debug_output_hides_the_token() {
        let settings = GraphSettings {
            base_url: "https://graph.facebook.com".to_string(),
            api_version: "v25.0".to_string(),
            phone_number_id: "112233445566778".to_string(),
            access_token: "EAAG-secret-token".to_string(),
            request_timeout: Duration::from_secs(10),
        };
        assert!(!format!("{settings:?}").contains("EAAG-secret-token"));
        let client = GraphClient::new(settings).unwrap();
        assert!(!format!("{client:?}").contains("EAAG-secret-token"));
    }

    #[test]
    fn graph_urls_join_base_version_and_encoded_segments() {
        let client = GraphClient::new(GraphSettings {
            base_url: "https://graph.facebook.com/".to_string(),
            api_version: "v25.0".to_string(),
            phone_number_id: "112233445566778".to_string(),
            access_token: "token".to_string(),
            request_timeout: Duration::from_secs(10),
        })
        .unwrap();
        assert_eq!(
            client.graph_url(&["112233445566778", "messages"]).as_str(),
            "https://graph.facebook.com/v25.0/112233445566778/messages"
        );
        assert_eq!(
            client.graph_url(&["../me?x=1"]).as_str(),
            "https://graph.facebook.com/v25.0/..%2Fme%3Fx=1"
        );
    }
}
