//! Everything that speaks Meta's WhatsApp Cloud API: webhook signature and parsing into domain
//! events, the Graph API client, and the workers that send replies and fetch media.

pub mod graph;
pub mod health;
pub mod media;
pub mod media_download;
pub mod media_file;
pub mod numbers;
pub mod outbox;
pub mod payload;
pub mod signature;
pub mod templates;
pub mod webhook;

use std::sync::Arc;

/// What both WhatsApp workers need: the store, the channel settings and client, and where to
/// report what they did.
#[derive(Clone)]
pub struct WorkerContext {
    pub store: crate::store::Store,
    pub whatsapp: crate::config::WhatsAppConfig,
    /// One Graph client per business number; `None` in sandbox mode.
    pub clients: Option<Arc<numbers::NumberClients>>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The commit path: the workers' changes are announced only once durable.
    pub writer: crate::ledger::Commit,
}
