//! The HTTP surface: the axum router and the state its handlers share.

mod bearer;
pub mod client_address;
pub mod console;
mod export;
pub mod graphql;
mod health;
pub mod limits;
mod media;
pub mod media_url;
mod upload;
mod webhook;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::bus::Bus;
use crate::config::WhatsAppConfig;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::whatsapp::health::ChannelHealth;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Applies webhook deliveries, grouping concurrent ones into one transaction.
    pub ingest: crate::intake::batcher::IngestBatcher,
    pub bus: Bus,
    pub metrics: Arc<Metrics>,
    pub channel_health: Arc<ChannelHealth>,
    pub whatsapp: WhatsAppConfig,
    pub body_limit_bytes: usize,
    /// The commit path: durable flush, then the hand-over to the workers and the bus.
    pub commit: crate::ledger::Commit,
    /// Set once the store is open and the workers drain their queues.
    pub ready: Arc<AtomicBool>,
    /// The background workers' liveness (`/readyz`, `/metrics`, and tests waiting for idle).
    pub workers: crate::worker::WorkerBoard,
    pub services: graphql::Services,
    pub schema: graphql::SiagaSchema,
    pub media_dir: std::path::PathBuf,
    /// Body sizes, the request timeout, the webhook buffer budget, where clients come from.
    pub limits: Arc<limits::HttpLimits>,
}

impl AppState {
    /// Unsigned webhooks are accepted only in a pure sandbox: no app secret and no token.
    pub fn accepts_unsigned_webhooks(&self) -> bool {
        self.whatsapp.app_secret.is_none() && self.whatsapp.sandbox()
    }
}

/// The state is shared behind one `Arc`: axum hands every request its own clone of it.
///
/// Every route is under the request timeout except those in `untimed_routes`, which hold
/// their connection open on purpose (a WebSocket; a long download would go there too).
pub fn router(state: Arc<AppState>) -> Router {
    let request_timeout = state.limits.request_timeout;
    let timed_routes = Router::new()
        .route(
            "/webhooks/whatsapp",
            get(webhook::verify_subscription).post(webhook::receive_notification),
        )
        .route("/graphql", get(graphql::graphiql).post(graphql::execute))
        .route("/media/{message_id}", get(media::download))
        .route("/export", get(export::download))
        .route("/healthz", get(health::liveness))
        .route("/readyz", get(health::readiness))
        .route("/metrics", get(health::metrics))
        .merge(console::routes())
        .layer(axum::middleware::from_fn_with_state(
            request_timeout,
            limits::time_limit,
        ));
    timed_routes
        .merge(untimed_routes())
        .layer(axum::middleware::from_fn(console::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Routes that may outlive the request timeout: a WebSocket, and uploads of files up to
/// 100 MB (with their own, longer limit and the only body limit above a few MB).
fn untimed_routes() -> Router<Arc<AppState>> {
    let upload = post(upload::receive)
        .layer(DefaultBodyLimit::max(upload::UPLOAD_BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            upload::UPLOAD_TIME_LIMIT,
            limits::time_limit,
        ));
    Router::new()
        .route("/graphql/ws", get(graphql::websocket))
        .route("/media/upload", upload)
}
