//! Long-lived threads outside the runner (the ingest thread, the store's flush thread): they
//! are not `Worker`s (they block, and the store has no runtime), but their liveness belongs on
//! the same board, read from them whenever `/readyz` or `/metrics` asks.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{WorkerLiveness, WorkerReport};

/// What a long-lived thread says about itself.
#[derive(Debug, Clone, Default)]
pub struct ThreadReading {
    pub running: bool,
    pub busy: bool,
    /// Why it can no longer do its work (it ended, or the store is poisoned): shown as failed.
    pub failure: Option<String>,
    /// Unix milliseconds of its latest progress.
    pub last_progress_ms: i64,
    pub items_done: u64,
    pub errors: u64,
    pub last_error: Option<String>,
}

/// Reads a thread's state.
pub(super) type Probe = Arc<dyn Fn() -> ThreadReading + Send + Sync>;

pub(super) fn report(name: &'static str, reading: ThreadReading) -> WorkerReport {
    let last_progress_at =
        DateTime::from_timestamp_millis(reading.last_progress_ms).unwrap_or_default();
    let state = if reading.failure.is_some() || !reading.running {
        WorkerLiveness::Failed
    } else if reading.busy {
        WorkerLiveness::Busy
    } else {
        WorkerLiveness::Idle
    };
    WorkerReport {
        name,
        state,
        last_progress_at,
        seconds_since_progress: (Utc::now() - last_progress_at).num_milliseconds().max(0) as f64
            / 1000.0,
        items_done: reading.items_done,
        errors: reading.errors,
        last_error: reading.failure.or(reading.last_error),
        in_flight: 0,
    }
}
