//! Everything that speaks Meta's WhatsApp Cloud API: webhook signature and parsing into domain
//! events, the Graph API client, and the workers that send replies and fetch media.

pub mod graph;
pub mod signature;
pub mod webhook;
pub mod health;
pub mod media;
pub mod outbox;
pub mod payload;
