//! What the ingest thread does when applying fails: every apply runs under a panic guard, and a
//! delivery that fails alone (after its group failed) is answered 503 so that Meta retries it.
//! When the same body fails alone again it is poison: kept raw in the quarantine, counted,
//! logged (numbers masked) and acknowledged, so that it neither fails forever nor is lost. The
//! thread's liveness is kept here too.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use chrono::Utc;

use super::{Delivery, IngestOutcome, Intake};
use crate::domain::redact::mask_phone_numbers;
use crate::ledger::Ledger;
use crate::store::StoreError;
use crate::worker::{ThreadReading, panic_message};

/// A body that fails alone this many times (in this run) is poison.
const POISON_STRIKES: u32 = 2;
/// Bodies remembered with their strikes; beyond this the memory starts over (a poison body then
/// needs its strikes again, which only delays its quarantine).
const MAX_REMEMBERED: usize = 4096;

/// Why an apply failed.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    Error(String),
    /// The store no longer takes writes (a flush failed): nothing to isolate.
    Poisoned(String),
    Panic(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Error(error) | Failure::Poisoned(error) => formatter.write_str(error),
            Failure::Panic(message) => write!(formatter, "panicked: {message}"),
        }
    }
}

/// Runs `apply` and turns its error or panic into a `Failure`. A sled transaction that panics
/// is not committed (its writes are discarded with it; `store/suite.rs` checks it), so nothing
/// half-applied stays behind.
pub(super) fn guarded<T>(apply: impl FnOnce() -> Result<T, StoreError>) -> Result<T, Failure> {
    match std::panic::catch_unwind(AssertUnwindSafe(apply)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(StoreError::Poisoned(cause))) => {
            Err(Failure::Poisoned(StoreError::Poisoned(cause).to_string()))
        }
        Ok(Err(error)) => Err(Failure::Error(error.to_string())),
        Err(panic) => Err(Failure::Panic(panic_message(panic.as_ref()))),
    }
}

/// How often each body failed alone in this run.
#[derive(Default)]
pub(super) struct Strikes(HashMap<u64, u32>);

impl Strikes {
    /// Counts a failure of `body` and returns its strikes so far.
    fn strike(&mut self, body: &[u8]) -> u32 {
        if self.0.len() >= MAX_REMEMBERED {
            self.0.clear();
        }
        let strikes = self.0.entry(body_hash(body)).or_default();
        *strikes += 1;
        *strikes
    }

    fn forget(&mut self, body: &[u8]) {
        self.0.remove(&body_hash(body));
    }
}

fn body_hash(body: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    hasher.finish()
}

impl Intake {
    /// Answers a delivery that failed alone: 503 (an `Err`) until it is poison, then quarantined
    /// and answered with an outcome that counts it, to be acknowledged once durable.
    pub(super) fn fails_alone(
        &self,
        delivery: &Delivery<'_>,
        failure: &Failure,
        strikes: &mut Strikes,
    ) -> Result<IngestOutcome, String> {
        // The reason may quote the citizen's text (a slicing panic does): masked in the log.
        let reason = failure.to_string();
        let logged = mask_phone_numbers(&reason).into_owned();
        if matches!(failure, Failure::Poisoned(_)) {
            return Err(reason);
        }
        let strikes_so_far = strikes.strike(delivery.raw_body);
        if strikes_so_far < POISON_STRIKES {
            tracing::warn!(reason = %logged, strikes = strikes_so_far, "a delivery failed alone; 503, meta retries it");
            return Err(reason);
        }
        let kept = guarded(|| {
            crate::ledger::write(&self.store, |tx| {
                tx.quarantine()
                    .keep(delivery.raw_body, delivery.received_at, &reason)
            })
        });
        match kept {
            Ok(quarantine_id) => {
                strikes.forget(delivery.raw_body);
                tracing::error!(quarantine_id, reason = %logged, "poison delivery quarantined and acknowledged; replay it with `siaga quarantine --replay` once fixed");
                Ok(IngestOutcome {
                    quarantined: 1,
                    ..IngestOutcome::default()
                })
            }
            Err(error) => {
                tracing::error!(reason = %logged, %error, "a poison delivery could not be quarantined; 503");
                Err(format!("{reason}; not quarantined: {error}"))
            }
        }
    }
}

/// The ingest thread's liveness, written by the thread.
pub(super) struct ThreadHealth {
    running: AtomicBool,
    busy: AtomicBool,
    last_progress_ms: AtomicI64,
    deliveries: AtomicU64,
    errors: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// Why the thread ended, if it did.
    ended: Mutex<Option<String>>,
}

impl Default for ThreadHealth {
    fn default() -> Self {
        ThreadHealth {
            running: AtomicBool::new(true),
            busy: AtomicBool::new(false),
            last_progress_ms: AtomicI64::new(Utc::now().timestamp_millis()),
            deliveries: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            ended: Mutex::new(None),
        }
    }
}

/// Marks the thread ended when it returns or unwinds.
pub(super) struct Running<'a>(&'a ThreadHealth);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let cause = if std::thread::panicking() {
            "the ingest thread panicked"
        } else {
            "the ingest thread stopped"
        };
        self.0.ended(cause);
    }
}

impl ThreadHealth {
    pub(super) fn running(&self) -> Running<'_> {
        Running(self)
    }

    pub(super) fn ended(&self, cause: &str) {
        self.running.store(false, Ordering::SeqCst);
        *self.ended.lock().unwrap_or_else(PoisonError::into_inner) = Some(cause.to_string());
    }

    pub(super) fn busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::SeqCst);
    }

    pub(super) fn progressed(&self, deliveries: u64) {
        self.deliveries.fetch_add(deliveries, Ordering::Relaxed);
        self.last_progress_ms
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    pub(super) fn failed_step(&self, error: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(mask_phone_numbers(error).into_owned());
    }

    /// The thread as `/readyz` and `/metrics` show it.
    pub(super) fn reading(&self) -> ThreadReading {
        ThreadReading {
            running: self.running.load(Ordering::SeqCst),
            busy: self.busy.load(Ordering::SeqCst),
            failure: self
                .ended
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            last_progress_ms: self.last_progress_ms.load(Ordering::Relaxed),
            items_done: self.deliveries.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}
