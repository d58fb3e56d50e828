//! siaga: a WhatsApp help line server for a police command center.

pub mod allocator;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bus;
pub mod check;
pub mod compact;
pub mod config;
pub mod data_dir;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod intake;
pub mod ledger;
pub mod memory;
pub mod metrics;
pub mod profile;
pub mod quarantine;
pub mod reindex;
pub mod retention;
pub mod routing;
pub mod search;
pub mod store;
pub mod text;
pub mod whatsapp;
pub mod worker;
pub mod workflow;
