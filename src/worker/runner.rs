//! The runner: starts each worker on its own task, drives its steps, stops the workers one by
//! one in the order they were started (logged), and keeps a board of their liveness that
//! `/readyz` and `/metrics` read. A worker that panics is logged and shown as failed (and
//! `/readyz` answers 503); it is not restarted.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::FutureExt as _;
use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::threads::{Probe, ThreadReading};
use super::{InFlight, Worker, WorkerError, WorkerState, WorkerStatus};

/// Where a worker is in its life, as `/readyz` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerLiveness {
    /// In a step of work.
    Busy,
    /// Waiting for work.
    Idle,
    /// Panicked: gone until the server restarts.
    Failed,
    /// Shutting down: letting what it started finish.
    Stopping,
    Stopped,
}

impl WorkerLiveness {
    fn from_u8(value: u8) -> WorkerLiveness {
        match value {
            0 => WorkerLiveness::Busy,
            1 => WorkerLiveness::Idle,
            2 => WorkerLiveness::Failed,
            3 => WorkerLiveness::Stopping,
            _ => WorkerLiveness::Stopped,
        }
    }

    fn as_u8(self) -> u8 {
        match self {
            WorkerLiveness::Busy => 0,
            WorkerLiveness::Idle => 1,
            WorkerLiveness::Failed => 2,
            WorkerLiveness::Stopping => 3,
            WorkerLiveness::Stopped => 4,
        }
    }
}

/// One worker's line on the board: written by its task, read by `/readyz` and `/metrics`.
struct Slot {
    name: &'static str,
    liveness: AtomicU8,
    /// Unix milliseconds at the end of the latest step that did not fail (at start: the start).
    last_progress_ms: AtomicI64,
    items_done: AtomicU64,
    errors: AtomicU64,
    last_error: Mutex<Option<String>>,
    in_flight: Option<InFlight>,
}

impl Slot {
    fn set(&self, liveness: WorkerLiveness) {
        // A failed worker stays failed.
        let _ = self
            .liveness
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                (current != WorkerLiveness::Failed.as_u8()).then_some(liveness.as_u8())
            });
    }

    fn progressed(&self, status: WorkerStatus) {
        self.last_progress_ms
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
        self.items_done.store(status.items_done, Ordering::Relaxed);
    }

    fn step_failed(&self, error: &WorkerError) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(error.to_string());
    }

    fn report(&self) -> WorkerReport {
        let last_progress_at =
            DateTime::from_timestamp_millis(self.last_progress_ms.load(Ordering::Relaxed))
                .unwrap_or_default();
        let state = WorkerLiveness::from_u8(self.liveness.load(Ordering::SeqCst));
        WorkerReport {
            name: self.name,
            state,
            last_progress_at,
            seconds_since_progress: (Utc::now() - last_progress_at).num_milliseconds().max(0)
                as f64
                / 1000.0,
            items_done: self.items_done.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            in_flight: self.in_flight.as_ref().map_or(0, InFlight::count),
        }
    }
}

/// A worker's liveness at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerReport {
    pub name: &'static str,
    pub state: WorkerLiveness,
    pub last_progress_at: DateTime<Utc>,
    pub seconds_since_progress: f64,
    pub items_done: u64,
    /// Steps that failed (each logged).
    pub errors: u64,
    pub last_error: Option<String>,
    /// Tasks it started that still run (sends, downloads).
    pub in_flight: usize,
}

impl WorkerReport {
    /// Waiting for work, with nothing of its own still running.
    pub fn is_idle(&self) -> bool {
        self.state == WorkerLiveness::Idle && self.in_flight == 0
    }
}

/// The workers' liveness, shared with the HTTP handlers (and tests).
#[derive(Clone, Default)]
pub struct WorkerBoard {
    slots: Arc<RwLock<Vec<Arc<Slot>>>>,
    /// Threads outside the runner, listed after the workers (`threads.rs`).
    threads: Arc<RwLock<Vec<(&'static str, Probe)>>>,
}

impl WorkerBoard {
    pub fn reports(&self) -> Vec<WorkerReport> {
        let mut reports: Vec<WorkerReport> = self
            .slots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|slot| slot.report())
            .collect();
        let threads = self.threads.read().unwrap_or_else(PoisonError::into_inner);
        reports.extend(
            threads
                .iter()
                .map(|(name, probe)| super::threads::report(name, probe())),
        );
        reports
    }

    /// Shows a long-lived thread (not run by the runner) on the board, as `read` tells it.
    pub fn watch_thread(
        &self,
        name: &'static str,
        read: impl Fn() -> ThreadReading + Send + Sync + 'static,
    ) {
        self.threads
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push((name, Arc::new(read)));
    }

    /// A worker panicked.
    pub fn any_failed(&self) -> bool {
        self.reports()
            .iter()
            .any(|report| report.state == WorkerLiveness::Failed)
    }

    /// Every worker started is waiting for work with nothing in flight. Work that was handed
    /// to a worker but not yet picked up does not count: pair this with a fact about the queue.
    pub fn all_idle(&self) -> bool {
        let reports = self.reports();
        !reports.is_empty() && reports.iter().all(WorkerReport::is_idle)
    }

    fn add(&self, slot: Arc<Slot>) {
        self.slots
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(slot);
    }
}

struct Running {
    name: &'static str,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

/// Owns the workers' tasks. Dropping it without `stop_in_order` leaves them running.
pub struct WorkerRunner {
    board: WorkerBoard,
    running: Vec<Running>,
}

impl WorkerRunner {
    pub fn new(board: WorkerBoard) -> WorkerRunner {
        WorkerRunner {
            board,
            running: Vec::new(),
        }
    }

    pub fn board(&self) -> &WorkerBoard {
        &self.board
    }

    /// Starts `worker` on its own task. Workers stop in the order they were started.
    pub fn start<W: Worker>(&mut self, worker: W) {
        let name = worker.name();
        let slot = Arc::new(Slot {
            name,
            liveness: AtomicU8::new(WorkerLiveness::Busy.as_u8()),
            last_progress_ms: AtomicI64::new(Utc::now().timestamp_millis()),
            items_done: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            in_flight: worker.in_flight(),
        });
        self.board.add(Arc::clone(&slot));
        let shutdown = CancellationToken::new();
        let driven = AssertUnwindSafe(drive(worker, Arc::clone(&slot), shutdown.clone()));
        let task = tokio::spawn(async move {
            match driven.catch_unwind().await {
                Ok(()) => slot.set(WorkerLiveness::Stopped),
                Err(panic) => {
                    let message = panic_message(panic.as_ref());
                    slot.set(WorkerLiveness::Failed);
                    *slot
                        .last_error
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) =
                        Some(format!("panicked: {message}"));
                    tracing::error!(worker = name, panic = %message, "worker panicked; it stays stopped until the server restarts");
                }
            }
        });
        tracing::debug!(worker = name, "worker started");
        self.running.push(Running {
            name,
            shutdown,
            task,
        });
    }

    /// Stops the workers one at a time, in the order they were started: each finishes its
    /// current step and what it started before the next one is asked to stop.
    pub async fn stop_in_order(self) {
        for Running {
            name,
            shutdown,
            task,
        } in self.running
        {
            let started = Instant::now();
            tracing::info!(worker = name, "stopping worker");
            shutdown.cancel();
            if let Err(error) = task.await {
                tracing::error!(worker = name, %error, "worker task ended abnormally");
            }
            tracing::info!(
                worker = name,
                seconds = started.elapsed().as_secs_f64(),
                "worker stopped"
            );
        }
    }
}

/// Steps `worker` until shutdown (or until it is done), then lets it finish.
async fn drive<W: Worker>(mut worker: W, slot: Arc<Slot>, shutdown: CancellationToken) {
    let name = worker.name();
    let mut state = WorkerState::Busy;
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        state = match state {
            WorkerState::Busy => {
                slot.set(WorkerLiveness::Busy);
                match worker.work(&shutdown).await {
                    Ok(next) => {
                        slot.progressed(worker.status());
                        next
                    }
                    Err(error) => {
                        slot.step_failed(&error);
                        tracing::error!(worker = name, %error, "worker step failed; it waits for work and tries again");
                        WorkerState::Idle
                    }
                }
            }
            WorkerState::Idle => {
                slot.set(WorkerLiveness::Idle);
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    next = worker.wait_for_work() => next,
                }
            }
            WorkerState::Done => break,
        };
    }
    slot.set(WorkerLiveness::Stopping);
    worker.finish().await;
}

/// The message a panic carries, for logs and `/readyz`.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests;
