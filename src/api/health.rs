//! Liveness, readiness and Prometheus metrics.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::ledger::Ledger;
use crate::worker::WorkerLiveness;

/// `GET /healthz`: the process answers.
pub async fn liveness() -> &'static str {
    "ok"
}

/// `GET /readyz`: 503 until the store and the search index are open and the index has caught
/// up with the store, 503 when a background worker or thread has failed (panicked, ended), and
/// 503 naming the cause once the store is poisoned (a durable flush failed); the body lists
/// each worker's liveness. An unhealthy WhatsApp number (expired token) is reported in the
/// body (`whatsapp`, and per number in `whatsapp_numbers`) but keeps 200, even when every
/// number is unhealthy: intake still works and must keep receiving webhooks while the token is
/// replaced, and the other numbers go on sending.
pub async fn readiness(State(state): State<Arc<AppState>>) -> Response {
    let sandbox = state.whatsapp.sandbox();
    let whatsapp = if sandbox {
        "sandbox".to_string()
    } else {
        match state.channel_health.problem() {
            Some(problem) => format!("unhealthy: {problem}"),
            None => "healthy".to_string(),
        }
    };
    let labels: std::collections::HashMap<&str, &str> = state
        .whatsapp
        .numbers
        .iter()
        .map(|number| (number.phone_number_id.as_str(), number.label.as_str()))
        .collect();
    let numbers: Vec<serde_json::Value> = state
        .channel_health
        .report()
        .into_iter()
        .map(|number| {
            let health = match (&number.problem, sandbox) {
                (_, true) => "sandbox".to_string(),
                (Some(problem), false) => format!("unhealthy: {problem}"),
                (None, false) => "healthy".to_string(),
            };
            serde_json::json!({
                "phone_number_id": number.phone_number_id,
                "label": labels.get(number.phone_number_id.as_str()).copied().unwrap_or(""),
                "state": health,
                "paused_seconds": number.paused_for.as_secs(),
                "sent": number.sent,
                "failed": number.failed,
            })
        })
        .collect();
    let workers = state.workers.reports();
    let worker_failed = workers
        .iter()
        .any(|worker| worker.state == WorkerLiveness::Failed);
    let poisoned = state.store.poisoned();
    let started = state.ready.load(Ordering::SeqCst);
    let ready = started && !worker_failed && poisoned.is_none();
    let status = match (&poisoned, worker_failed, started) {
        (Some(_), _, _) => "store_poisoned",
        (None, true, _) => "worker_failed",
        (None, false, true) => "ready",
        (None, false, false) => "starting",
    };
    let store = match &poisoned {
        Some(cause) => format!("poisoned: {cause}"),
        None => "ok".to_string(),
    };
    let body = serde_json::json!({
        "status": status,
        "store": store,
        "whatsapp": whatsapp,
        "whatsapp_numbers": numbers,
        "outbox_depth": state.store.outbox().len(),
        "media_queue_depth": state.store.media_queue().len(),
        "index_queue_depth": state.store.index_queue().len(),
        "workers": workers,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let numbers: Vec<crate::metrics::NumberSample> = state
        .channel_health
        .report()
        .into_iter()
        .map(|number| crate::metrics::NumberSample {
            healthy: number.problem.is_none(),
            phone_number_id: number.phone_number_id,
            sent: number.sent,
            failed: number.failed,
        })
        .collect();
    // Off the async workers: a scrape walks sled's page table (`siaga_store_memory`), which
    // takes milliseconds at a million reports.
    let rendered = tokio::task::spawn_blocking(move || {
        state
            .metrics
            .render(&state.store, &numbers, &state.workers.reports())
    })
    .await;
    match rendered {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "metrics: rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
