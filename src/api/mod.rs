//! The HTTP surface: the axum router and the state its handlers share.

mod export;
pub mod graphql;
mod health;
mod media;
mod webhook;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::routing::get;
use tokio::sync::Notify;

use crate::bus::Bus;
use crate::config::WhatsAppConfig;
use crate::intake::Intake;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::whatsapp::health::ChannelHealth;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub intake: Intake,
    /// Applies webhook deliveries, grouping concurrent ones into one transaction.
    pub ingest: crate::intake::batcher::IngestBatcher,
    pub bus: Bus,
    pub metrics: Arc<Metrics>,
    pub channel_health: Arc<ChannelHealth>,
    pub whatsapp: WhatsAppConfig,
    pub body_limit_bytes: usize,
    pub outbox_wake: Arc<Notify>,
    /// Hands the sender the outbox items of a delivery once it is durable.
    pub outbox_feed: tokio::sync::mpsc::UnboundedSender<Vec<crate::intake::queues::Queued>>,
    pub media_wake: Arc<Notify>,
    /// Set once the store is open and the workers drain their queues.
    pub ready: Arc<AtomicBool>,
    pub services: graphql::Services,
    pub schema: graphql::SiagaSchema,
    pub media_dir: std::path::PathBuf,
}

impl AppState {
    /// Unsigned webhooks are accepted only in a pure sandbox: no app secret and no token.
    pub fn accepts_unsigned_webhooks(&self) -> bool {
        self.whatsapp.app_secret.is_none() && self.whatsapp.sandbox()
    }
}

/// The state is shared behind one `Arc`: axum hands every request its own clone of it.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/webhooks/whatsapp",
            get(webhook::verify_subscription).post(webhook::receive_notification),
        )
        .route("/graphql", get(graphql::graphiql).post(graphql::execute))
        .route("/graphql/ws", get(graphql::websocket))
        .route("/media/{message_id}", get(media::download))
        .route("/export", get(export::download))
        .route("/healthz", get(health::liveness))
        .route("/readyz", get(health::readiness))
        .route("/metrics", get(health::metrics))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
