//! The background workers' one shape: a `Worker` does one step of work at a time and says what
//! wakes it; the runner (`runner.rs`) owns their lifecycles, stops them in order and reports
//! their liveness to `/readyz` and `/metrics`. Modelled on Garage's `Worker` trait.
//!
//! The workers: the outbox sender, the media fetcher and the template list's hourly refresh
//! (`whatsapp/`), the indexer (`search/`), the SLA clock (`workflow/`) and the retention worker
//! (`retention.rs`). The ingest thread (`intake/batcher.rs`) and the store's flush thread
//! (`store/flush.rs`) are plain threads, shown on the same board (`threads.rs`).

pub mod runner;
pub mod threads;

use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

pub use runner::{WorkerBoard, WorkerLiveness, WorkerReport, WorkerRunner, panic_message};
pub use threads::ThreadReading;

/// What a worker says after a step (or after waiting): what the runner does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    /// More to do now: the runner calls `work` again at once.
    Busy,
    /// Nothing to do: the runner calls `wait_for_work` (and stops it there on shutdown).
    Idle,
    /// Finished for good: the runner stops it.
    Done,
}

/// A step that failed. The runner logs it, counts it, shows it in `/readyz`, and then asks the
/// worker to `wait_for_work`: each worker's wait decides when the step is tried again.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WorkerError(String);

impl WorkerError {
    /// `what` failed because of `cause`.
    pub fn new(what: &str, cause: impl std::fmt::Display) -> WorkerError {
        WorkerError(format!("{what}: {cause}"))
    }
}

/// What a worker reports after each step; cheap to produce (no store reads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStatus {
    /// Items handled since the start (sends started, downloads started, reports indexed,
    /// reports checked by the clock).
    pub items_done: u64,
}

/// Counts the tasks a worker has started and that are still running (sends, downloads), read
/// live by `/readyz` and by tests waiting for the workers to be idle.
#[derive(Clone)]
pub struct InFlight(Arc<dyn Fn() -> usize + Send + Sync>);

impl InFlight {
    pub fn new(count: impl Fn() -> usize + Send + Sync + 'static) -> InFlight {
        InFlight(Arc::new(count))
    }

    pub fn count(&self) -> usize {
        (self.0)()
    }
}

/// A background worker. The runner drives it:
///
/// ```text
/// Busy -> work()            -> Busy | Idle | Done | error (-> Idle)
/// Idle -> wait_for_work()   -> Busy | Idle | Done        (or shutdown)
/// shutdown or Done -> finish()
/// ```
///
/// A step is never interrupted: shutdown is seen between steps and while waiting, so an item
/// a step has claimed is always settled. A step that must wait mid-way (a throttle) gets the
/// shutdown token to cut that wait short.
pub trait Worker: Send + 'static {
    /// Its name in logs, `/readyz` and `/metrics`.
    fn name(&self) -> &'static str;

    /// One step of work.
    fn work(
        &mut self,
        shutdown: &CancellationToken,
    ) -> impl Future<Output = Result<WorkerState, WorkerError>> + Send;

    /// Waits until there may be work (a `Notify`, a bus event, a timer), then says so. Must be
    /// cancel-safe: the runner drops it on shutdown.
    fn wait_for_work(&mut self) -> impl Future<Output = WorkerState> + Send;

    /// Counters after a step.
    fn status(&self) -> WorkerStatus {
        WorkerStatus::default()
    }

    /// Live count of tasks the worker started and that still run, if it starts any.
    fn in_flight(&self) -> Option<InFlight> {
        None
    }

    /// Lets what the worker started finish, after the last step (sends under way, downloads).
    fn finish(self) -> impl Future<Output = ()> + Send
    where
        Self: Sized,
    {
        async {}
    }
}
