//! Limits at the HTTP doors: the GraphQL body (size, JSON only), the time a request may take,
//! and the bytes of unauthenticated webhook bodies held in memory at once.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::client_address::ClientAddressRule;
use crate::error::{ErrorCode, UserError};

/// How long a webhook waits for room in the buffer budget before it is answered 503; Meta
/// retries, so a short wait is enough to ride out a burst.
const WEBHOOK_BUFFER_WAIT: Duration = Duration::from_secs(1);

/// The limits the HTTP handlers share.
pub struct HttpLimits {
    pub graphql_body_limit_bytes: usize,
    pub request_timeout: Duration,
    pub webhook_buffers: WebhookBuffers,
    pub client_addresses: ClientAddressRule,
}

/// A GraphQL-shaped error body (`errors[0].extensions.code`) with the code's HTTP status, for
/// requests refused before they reach the schema.
pub fn refusal(error: UserError) -> Response {
    let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({
        "errors": [{ "message": error.message, "extensions": { "code": error.code.as_str() } }]
    });
    (status, axum::Json(body)).into_response()
}

/// Reads a `POST /graphql` body: JSON only (multipart uploads are refused, since the API takes
/// no files and async-graphql's multipart reader has no size limit of its own), at most
/// `limit` bytes, checked against Content-Length before anything is read and while streaming.
pub async fn read_graphql_request(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<async_graphql::Request, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/json");
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type != "application/json" {
        return Err(refusal(UserError::new(
            ErrorCode::UnsupportedMediaType,
            format!(
                "{media_type} is not accepted: send the GraphQL request as Content-Type: application/json (no multipart, no uploads)"
            ),
        )));
    }
    let too_large = || {
        refusal(UserError::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        ))
    };
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared_length.map_or(8 * 1024, |length| length as usize));
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|error| {
            tracing::debug!(%error, "graphql request body could not be read");
            refusal(UserError::new(
                ErrorCode::BadRequest,
                "the request body could not be read",
            ))
        })?;
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    serde_json::from_slice::<async_graphql::Request>(&bytes).map_err(|error| {
        refusal(UserError::new(
            ErrorCode::BadRequest,
            format!(
                "the body is not a GraphQL request ({{\"query\": …, \"variables\": …}}; batches are not accepted): {error}"
            ),
        ))
    })
}

/// Answers 503 when a request takes longer than the limit to produce its response (a response
/// that streams its body, like a media file, is timed until its headers only). Dropping the
/// handler is safe: the webhook's intake is cancel-safe (see `webhook`), other handlers only
/// read or run one transaction.
pub async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%method, %path, seconds = limit.as_secs(), "request timed out");
            refusal(UserError::new(
                ErrorCode::Timeout,
                format!(
                    "the request took longer than {} seconds and was abandoned",
                    limit.as_secs()
                ),
            ))
        }
    }
}

/// A byte budget for webhook bodies read before their signature is checked, so that a flood
/// of large unsigned POSTs cannot hold more than the budget in memory.
pub struct WebhookBuffers {
    budget: Semaphore,
    largest_body: usize,
}

impl WebhookBuffers {
    pub fn new(budget_bytes: usize, largest_body: usize) -> WebhookBuffers {
        debug_assert!(budget_bytes >= largest_body);
        WebhookBuffers {
            budget: Semaphore::new(budget_bytes.min(Semaphore::MAX_PERMITS)),
            largest_body,
        }
    }

    /// Bytes of room left now (for tests and diagnostics).
    pub fn available_bytes(&self) -> usize {
        self.budget.available_permits()
    }

    /// Room for one body of the declared length (or the largest accepted, when undeclared);
    /// `None` when there was none within a short wait.
    pub async fn reserve(&self, declared_length: Option<usize>) -> Option<SemaphorePermit<'_>> {
        let bytes = declared_length
            .unwrap_or(self.largest_body)
            .clamp(1, self.largest_body.max(1));
        let permits = u32::try_from(bytes).unwrap_or(u32::MAX);
        match tokio::time::timeout(WEBHOOK_BUFFER_WAIT, self.budget.acquire_many(permits)).await {
            Ok(Ok(permit)) => Some(permit),
            Ok(Err(_)) | Err(_) => None,
        }
    }
}

/// 503 with Retry-After, for a webhook that found no room in the buffer budget.
pub fn webhook_busy() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "application/json")],
        "{\"error\":\"too many webhook bodies in flight; retry\"}",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
