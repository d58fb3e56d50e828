//! The WhatsApp webhook endpoint: Meta's verification handshake, and notifications that are
//! acknowledged with 200 only once everything in them is durable.

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use std::sync::Arc;

use super::AppState;
use crate::metrics::add;
use crate::whatsapp::{signature, webhook};

#[derive(Debug, Deserialize)]
pub struct HandshakeQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// `GET /webhooks/whatsapp`: answers Meta's subscription check with the challenge, as plain text.
pub async fn verify_subscription(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HandshakeQuery>,
) -> Response {
    let expected = state.whatsapp.verify_token.as_deref().unwrap_or("");
    match signature::verify_subscription(
        query.mode.as_deref(),
        query.verify_token.as_deref(),
        query.challenge.as_deref(),
        expected,
    ) {
        Some(challenge) => ([(header::CONTENT_TYPE, "text/plain")], challenge).into_response(),
        None => {
            tracing::warn!(mode = ?query.mode, "webhook verification refused: wrong mode or token");
            (StatusCode::FORBIDDEN, "verification failed").into_response()
        }
    }
}

fn refuse(status: StatusCode, reason: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"error\":\"{reason}\"}}"),
    )
        .into_response()
}

/// `POST /webhooks/whatsapp`: signature over the raw bytes first, then parse, then intake
/// accepts it (one transaction, the shared durable flush, the hand-over), then 200. Anything
/// refused changes nothing.
pub async fn receive_notification(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    add(&state.metrics.webhooks_received, 1);
    let arrived = std::time::Instant::now();
    let limit = state.body_limit_bytes;
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > limit) {
        add(&state.metrics.webhooks_refused_too_large, 1);
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
    }
    // Unsigned bytes held at once are bounded by the budget; the room is given back once the
    // signature has been checked (or the request is refused).
    let Some(buffer_room) = state.limits.webhook_buffers.reserve(declared_length).await else {
        add(&state.metrics.webhooks_refused_busy, 1);
        tracing::warn!("webhook refused: the buffer budget is exhausted; meta will retry");
        return super::limits::webhook_busy();
    };
    let body: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            add(&state.metrics.webhooks_refused_too_large, 1);
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
        }
    };

    let signature_header = headers
        .get("x-hub-signature-256")
        .and_then(|value| value.to_str().ok());
    match &state.whatsapp.app_secret {
        Some(secret) => {
            if let Err(error) =
                signature::verify_signature(secret.as_bytes(), signature_header, &body)
            {
                add(&state.metrics.webhooks_refused_signature, 1);
                tracing::warn!(%error, "webhook refused: bad signature");
                return refuse(StatusCode::UNAUTHORIZED, "invalid signature");
            }
        }
        None if state.accepts_unsigned_webhooks() => {}
        None => {
            add(&state.metrics.webhooks_refused_signature, 1);
            return refuse(StatusCode::UNAUTHORIZED, "no app secret configured");
        }
    }
    drop(buffer_room);

    let received_at = Utc::now();
    let items = match webhook::parse_notification(&body, received_at) {
        Ok(items) => items,
        Err(error) => {
            add(&state.metrics.webhooks_refused_malformed, 1);
            tracing::warn!(%error, "webhook refused: malformed body");
            return refuse(StatusCode::BAD_REQUEST, "malformed json");
        }
    };

    match state.ingest.accept(body, items, received_at).await {
        Ok(outcome) => outcome.count(&state.metrics),
        Err(error) => {
            add(&state.metrics.webhooks_failed_storage, 1);
            tracing::error!(%error, "webhook not accepted; meta will retry");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable");
        }
    }
    state
        .metrics
        .latency
        .webhook
        .observe(arrived.elapsed().as_secs_f64());
    (StatusCode::OK, "EVENT_RECEIVED").into_response()
}
