//! How long what is kept only as evidence or for dedupe stays: raw webhook bodies
//! (`--raw-body-retention-days`, forever by default) and the seen-event entries that skip
//! Meta's redeliveries of statuses and calls (`--dedupe-retention-days`, 7 by default, Meta's
//! retry horizon, and never less). The retention worker walks both tables in small
//! transactions, once an hour: a raw body is listed in id order, that is in the order it
//! arrived, so a pass stops at the first one still within its retention; the seen events are
//! walked whole. What decides each entry is in `ledger/retention.rs`. Each pass takes `now` as
//! an argument, so tests drive it instead of waiting. What it removes frees no disk space by
//! itself: `siaga compact` gives it back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::ledger::{Commit, Dated, Effects, Ledger, Retained};
use crate::store::StoreError;
use crate::worker::{Worker, WorkerError, WorkerState, WorkerStatus};

/// Entries looked at per transaction: small, so intake never waits long behind one.
const BATCH: usize = 256;
/// The pause between two batches of a pass.
const PAUSE: Duration = Duration::from_millis(20);
/// The time between two passes.
const PASS_INTERVAL: Duration = Duration::from_secs(3600);

/// The retention settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// `None`: raw bodies are kept forever.
    pub raw_bodies: Option<chrono::Duration>,
    pub dedupe: chrono::Duration,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            raw_bodies: None,
            dedupe: chrono::Duration::days(7),
        }
    }
}

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub raw_bodies_removed: u64,
    pub seen_events_removed: u64,
    /// Entries written before their time was kept, stamped now (their retention starts).
    pub stamped: u64,
}

impl Tally {
    /// Counts the stamped entries among `outcomes`, and returns how many were removed.
    fn count(&mut self, outcomes: &[Retained]) -> u64 {
        let of = |wanted: Retained| outcomes.iter().filter(|seen| **seen == wanted).count() as u64;
        self.stamped += of(Retained::Stamped);
        of(Retained::Removed)
    }
}

enum Stage {
    /// Raw bodies after this id.
    RawBodies {
        after: u64,
    },
    /// Seen events from this key on.
    SeenEvents {
        from: Vec<u8>,
    },
    Finished,
}

/// One pass over both tables, a batch per `step`.
pub struct RetentionPass {
    commit: Commit,
    retention: Retention,
    now: DateTime<Utc>,
    stage: Stage,
    pub tally: Tally,
}

impl RetentionPass {
    /// A pass that removes what is past its retention at `now`.
    pub fn new(commit: Commit, retention: Retention, now: DateTime<Utc>) -> RetentionPass {
        RetentionPass {
            commit,
            retention,
            now,
            stage: Stage::RawBodies { after: 0 },
            tally: Tally::default(),
        }
    }

    /// Runs the whole pass.
    pub async fn run(mut self) -> Result<Tally, StoreError> {
        while self.step().await? {}
        Ok(self.tally)
    }

    /// One batch; `false` once the pass is finished.
    pub async fn step(&mut self) -> Result<bool, StoreError> {
        match std::mem::replace(&mut self.stage, Stage::Finished) {
            Stage::RawBodies { after } => self.raw_bodies(after).await?,
            Stage::SeenEvents { from } => self.seen_events(from).await?,
            Stage::Finished => return Ok(false),
        }
        Ok(!matches!(self.stage, Stage::Finished))
    }

    async fn raw_bodies(&mut self, after: u64) -> Result<(), StoreError> {
        let store = self.commit.store().clone();
        let mut listed =
            off_the_runtime(move || store.channel_log().raw_bodies_after(after, BATCH)).await?;
        let horizon = self.retention.raw_bodies.map(|keep| self.now - keep);
        let due = |body: &Dated| match body.at {
            None => true,
            Some(at) => horizon.is_some_and(|horizon| at < horizon),
        };
        // Ids grow with arrival: past the first body still within its retention, every body is.
        let first_kept = listed.iter().position(|body| !due(body));
        let finished = first_kept.is_some() || listed.len() < BATCH;
        listed.truncate(first_kept.unwrap_or(listed.len()));
        let ids: Vec<u64> = listed.iter().filter_map(Dated::leading_id).collect();
        let (now, last) = (self.now, ids.last().copied());
        let outcomes = self
            .decide(move |tx| {
                ids.iter()
                    .map(|id| tx.channel_log().retain_raw_body(*id, horizon, now))
                    .collect()
            })
            .await?;
        let removed = self.tally.count(&outcomes);
        self.tally.raw_bodies_removed += removed;
        self.stage = match (finished, last) {
            (false, Some(after)) => Stage::RawBodies { after },
            _ => Stage::SeenEvents { from: Vec::new() },
        };
        Ok(())
    }

    async fn seen_events(&mut self, from: Vec<u8>) -> Result<(), StoreError> {
        let store = self.commit.store().clone();
        let listed =
            off_the_runtime(move || store.channel_log().seen_events_from(&from, BATCH)).await?;
        let horizon = self.now - self.retention.dedupe;
        let next = listed.last().map(|event| {
            let mut successor = event.key.clone();
            successor.push(0);
            successor
        });
        let due: Vec<Vec<u8>> = listed
            .into_iter()
            .filter(|event| event.at.is_none_or(|at| at < horizon))
            .map(|event| event.key)
            .collect();
        let now = self.now;
        let outcomes = self
            .decide(move |tx| {
                due.iter()
                    .map(|key| tx.channel_log().retain_seen_event(key, horizon, now))
                    .collect()
            })
            .await?;
        let removed = self.tally.count(&outcomes);
        self.tally.seen_events_removed += removed;
        self.stage = match next {
            Some(from) => Stage::SeenEvents { from },
            None => Stage::Finished,
        };
        Ok(())
    }

    /// Runs `body` through the commit path, unless it has nothing to look at.
    async fn decide(
        &self,
        body: impl Fn(&crate::store::Tx<'_>) -> Result<Vec<Retained>, StoreError> + Send + 'static,
    ) -> Result<Vec<Retained>, StoreError> {
        let outcomes = self
            .commit
            .run(move |tx| {
                let outcomes = body(tx).map_err(crate::store::TxError::Store)?;
                Ok::<_, crate::store::TxError<std::convert::Infallible>>((
                    outcomes,
                    Effects::default(),
                ))
            })
            .await?;
        Ok(outcomes)
    }
}

async fn off_the_runtime<R: Send + 'static>(
    read: impl FnOnce() -> Result<R, StoreError> + Send + 'static,
) -> Result<R, StoreError> {
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|error| StoreError::Engine(format!("retention read panicked: {error}")))?
}

/// The worker: a pass at start, then one an hour, a batch per step.
pub struct RetentionWorker {
    commit: Commit,
    retention: Retention,
    pass: Option<RetentionPass>,
    removed: u64,
}

impl RetentionWorker {
    pub fn new(commit: Commit, retention: Retention) -> RetentionWorker {
        RetentionWorker {
            commit,
            retention,
            pass: None,
            removed: 0,
        }
    }
}

impl Worker for RetentionWorker {
    fn name(&self) -> &'static str {
        "retention"
    }

    async fn work(&mut self, shutdown: &CancellationToken) -> Result<WorkerState, WorkerError> {
        let (commit, retention) = (self.commit.clone(), self.retention);
        let pass = self
            .pass
            .get_or_insert_with(|| RetentionPass::new(commit, retention, Utc::now()));
        let more = pass.step().await.map_err(|error| {
            WorkerError::new("a retention batch failed; the next pass retries", error)
        });
        let more = match more {
            Ok(more) => more,
            Err(error) => {
                self.pass = None;
                return Err(error);
            }
        };
        if more {
            tokio::select! {
                _ = shutdown.cancelled() => return Ok(WorkerState::Idle),
                _ = tokio::time::sleep(PAUSE) => {}
            }
            return Ok(WorkerState::Busy);
        }
        if let Some(done) = self.pass.take() {
            let tally = done.tally;
            self.removed += tally.raw_bodies_removed + tally.seen_events_removed;
            if tally != Tally::default() {
                tracing::info!(
                    raw_bodies_removed = tally.raw_bodies_removed,
                    seen_events_removed = tally.seen_events_removed,
                    stamped = tally.stamped,
                    "retention pass finished"
                );
            }
        }
        Ok(WorkerState::Idle)
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        tokio::time::sleep(PASS_INTERVAL).await;
        WorkerState::Busy
    }

    fn status(&self) -> WorkerStatus {
        WorkerStatus {
            items_done: self.removed,
        }
    }
}
