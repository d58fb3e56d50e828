//! The client for Meta's Graph API (WhatsApp Cloud API): sending messages, read receipts, and
//! fetching inbound media, with every failure classified into what the caller should do next.
//!
//! Retry decisions are built on `error.code` only. Meta's documentation says not to branch on
//! the HTTP status or on the title inside `error.message` (the same OAuth failure arrives as 400
//! or 401, and rate limits as 400 or 429 depending on the proxy in between).
//!
//! `send` holds the message requests, `templates` the account's template list, `media` the
//! media lookups and downloads, `media_hosts` where a download may go with the token, and
//! `errors` the error type with the disposition of every failure; this file holds the client,
//! its settings and the request plumbing they share.

mod errors;
mod media;
pub mod media_hosts;
mod send;
mod templates;
#[cfg(test)]
mod tests;
mod upload;

pub use errors::{ApiFailure, Disposition, GraphError};
pub use media::{MediaDownload, MediaInfo};
pub use send::{OutgoingMessage, Recipient, SendReceipt};
pub use templates::TemplateAccount;
pub use upload::MediaUpload;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::Url;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use serde_json::Value;

use errors::{
    api_failure_from_body, classify_reqwest_error, describe_reqwest_error, unexpected_bytes,
};

/// Error and success bodies of the Graph API are a few hundred bytes; anything far larger is not
/// a Graph answer, so reading stops here instead of buffering whatever a proxy sends.
const MAX_API_RESPONSE_BYTES: u64 = 1024 * 1024;

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

#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    /// Media downloads only: allowlisted redirects, public addresses, no proxy (the addresses
    /// checked must be the ones connected to).
    media_http: reqwest::Client,
    media_hosts: media_hosts::MediaHosts,
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
        let media_hosts = media_hosts::MediaHosts::new(&base_url);
        let media_http = media_client(&media_hosts, settings.request_timeout)?;
        Ok(GraphClient {
            http,
            media_http,
            media_hosts,
            base_url,
            api_version,
            phone_number_id,
            access_token,
            request_timeout: settings.request_timeout,
        })
    }

    /// The same client (connections, settings) for another business number and its token: a
    /// number in another WhatsApp Business Account has a token of its own.
    pub fn for_number(
        &self,
        phone_number_id: &str,
        access_token: &str,
    ) -> Result<GraphClient, GraphError> {
        let phone_number_id = phone_number_id.trim().to_string();
        let access_token = access_token.trim().to_string();
        if phone_number_id.is_empty() || access_token.is_empty() {
            return Err(GraphError::InvalidSettings(
                "phone_number_id and access_token must not be empty".to_string(),
            ));
        }
        if HeaderValue::from_str(&format!("Bearer {access_token}")).is_err() {
            return Err(GraphError::InvalidSettings(
                "access_token contains characters not allowed in an http header".to_string(),
            ));
        }
        Ok(GraphClient {
            phone_number_id,
            access_token,
            ..self.clone()
        })
    }

    /// The business number this client sends from.
    pub fn phone_number_id(&self) -> &str {
        &self.phone_number_id
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

/// The client of media downloads: every redirect is checked against the allowlist (and the
/// redirect refused, not followed, when it leaves it), every name resolved to public addresses
/// only, and no proxy is used, so that the address checked is the address connected to.
fn media_client(
    hosts: &media_hosts::MediaHosts,
    connect_timeout: Duration,
) -> Result<reqwest::Client, GraphError> {
    let redirect_hosts = hosts.clone();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > media_hosts::MAX_REDIRECTS {
            return attempt.error(media_hosts::Refusal("too many redirects".to_owned()));
        }
        match redirect_hosts.check(attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(reason) => attempt.error(media_hosts::Refusal(format!("redirect: {reason}"))),
        }
    });
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(redirects)
        .dns_resolver(hosts.resolver())
        .no_proxy()
        .build()
        .map_err(|error| GraphError::InvalidSettings(describe_reqwest_error(error)))
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
