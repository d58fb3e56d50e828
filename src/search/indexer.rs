//! The indexer: keeps the search index in step with the store, which stays the source of
//! truth. Every report change writes `report id -> fresh sequence` to the index queue in the
//! same transaction (`ledger::Reports::save`); this worker drains the queue in batches,
//! builds each report's document from the store, commits them to tantivy in one commit (at most
//! about once a second under load) with the highest sequence as the commit payload, and only
//! then removes the queue entries that still hold the sequence it indexed. A crash anywhere
//! leaves entries in the queue, which the next start indexes again (a replace is idempotent).
//!
//! Why not a cursor "everything after the payload's sequence": sequences are drawn when a
//! transaction runs, not when it commits, so a slow transaction can commit a smaller sequence
//! after a larger one was indexed. Removing exactly what was indexed cannot skip it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::{IndexDoc, SearchError, SearchIndex};
use crate::bus::{Bus, ReportEvent};
use crate::domain::report::Report;
use crate::domain::sla::SlaPolicy;
use crate::domain::timeline::TimelineKind;
use crate::ledger::Ledger;
use crate::profile::Profile;
use crate::store::{Store, StoreError};
use crate::worker::{Worker, WorkerError, WorkerState, WorkerStatus};
use crate::workflow::UnitDirectory;

/// Reports indexed in one commit at most, unless the memory budget says fewer
/// (`Indexer::with_batch_limit`); a larger backlog takes several commits.
const BATCH_LIMIT: usize = 20_000;
/// Under load, commits are at least this far apart (each commit costs a segment).
const MIN_COMMIT_INTERVAL: Duration = Duration::from_secs(1);
/// The indexer is woken by report events on the bus. Even without one, the queue is looked at
/// this often: a few changes queue a report without publishing an event (the clock marking a
/// report as checked for automatic forwarding, `Workflow::mark_auto_forward_checked`; a future
/// path that forgets to publish), and a worker that missed events still catches up.
const SAFETY_CHECK: Duration = Duration::from_secs(5);
/// After a failed batch, the next try waits this long (unless an event comes first).
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Builds a report's search document from the store.
#[derive(Clone)]
pub struct DocSource {
    store: Store,
    units: UnitDirectory,
    category_labels: Arc<HashMap<String, String>>,
    sla: SlaPolicy,
    access: Arc<crate::domain::access::AccessRules>,
    /// See `with_default_channel`.
    default_channel: Option<Arc<str>>,
}

impl DocSource {
    pub fn new(store: Store, units: UnitDirectory, profile: &Profile) -> DocSource {
        let category_labels = profile
            .categories
            .iter()
            .map(|category| (category.code.clone(), category.label.clone()))
            .collect();
        DocSource {
            store,
            units,
            category_labels: Arc::new(category_labels),
            sla: profile.sla.clone(),
            access: Arc::new(profile.access_rules()),
            default_channel: None,
        }
    }

    /// The default business number: the channel indexed for reports stored without one.
    pub fn with_default_channel(mut self, phone_number_id: Option<String>) -> DocSource {
        self.default_channel = phone_number_id.map(Arc::from);
        self
    }

    /// The document of `report` as it is now.
    pub fn doc_for(&self, report: &Report, now: DateTime<Utc>) -> Result<IndexDoc, StoreError> {
        let tree = self.units.tree();
        let mut tags = Vec::new();
        let mut add_category = |code: &str| {
            tags.push(code.replace('_', " "));
            if let Some(label) = self.category_labels.get(code) {
                tags.push(label.clone());
            }
        };
        if let Some(category) = &report.category {
            add_category(category);
        }
        if let Some(suggestion) = &report.suggestion {
            if let Some(category) = suggestion.category.as_deref()
                && report.category.as_deref() != Some(category)
            {
                add_category(category);
            }
            if let Some(place) = &suggestion.place {
                tags.push(place.kabupaten.clone());
                if let Some(kecamatan) = &place.kecamatan {
                    tags.push(kecamatan.clone());
                }
            }
        }
        let unit_path: Vec<String> = match &report.assigned_unit {
            Some(code) => {
                if let Some(unit) = tree.get(code) {
                    tags.push(unit.name.clone());
                }
                let path: Vec<String> = tree
                    .path(code)
                    .iter()
                    .map(|unit| unit.code.to_string())
                    .collect();
                // A unit unknown to the tree still counts as itself.
                if path.is_empty() {
                    vec![code.to_string()]
                } else {
                    path
                }
            }
            None => Vec::new(),
        };
        let notes = self
            .store
            .reports()
            .timeline(report.id)?
            .into_iter()
            .filter(|event| matches!(event.kind, TimelineKind::Note | TimelineKind::CallLogged))
            .filter_map(|event| event.note)
            .collect();
        let reporter_phone = self
            .store
            .reporters()
            .get(report.reporter_id)?
            .and_then(|reporter| reporter.phone)
            .map(|phone| phone.digits().to_string());
        let seconds_since_creation = |at: Option<DateTime<Utc>>| {
            at.map(|at| {
                at.signed_duration_since(report.created_at)
                    .num_seconds()
                    .max(0)
            })
        };
        Ok(IndexDoc {
            report_id: report.id,
            ticket: report.ticket.clone(),
            citizen_texts: report.citizen_texts.clone(),
            summary: report.summary.clone(),
            notes,
            tags,
            category: report.category.clone(),
            status: report.status,
            priority: report.priority,
            unit_path,
            created_at: report.created_at,
            updated_at: report.updated_at,
            location: report.location,
            has_media: report.has_media,
            compartmented: self.access.is_compartmented(report),
            blocked: report.blocked,
            reporter_phone,
            sla_due_at: self.sla.standing(report, now).due_at,
            sla_breaches: report.sla.breached.clone(),
            first_action_secs: seconds_since_creation(report.first_action_at),
            forward_secs: seconds_since_creation(report.forwarded_at),
            resolve_secs: seconds_since_creation(report.resolved_at),
            satisfaction: report
                .satisfaction
                .as_ref()
                .and_then(|satisfaction| satisfaction.rating),
            channel: report
                .channel
                .clone()
                .or_else(|| self.default_channel.as_deref().map(str::to_string)),
        })
    }
}

/// Drains the index queue into the search index.
#[derive(Clone)]
pub struct Indexer {
    index: Arc<SearchIndex>,
    source: DocSource,
    store: Store,
    /// Reports taken from the queue, and held as documents, per batch.
    batch_limit: usize,
}

impl Indexer {
    pub fn new(index: Arc<SearchIndex>, source: DocSource, store: Store) -> Indexer {
        Indexer {
            index,
            source,
            store,
            batch_limit: BATCH_LIMIT,
        }
    }

    /// At most `reports` per batch (at least one): what a batch's documents hold in memory
    /// before the writer has them.
    pub fn with_batch_limit(mut self, reports: usize) -> Indexer {
        self.batch_limit = reports.max(1);
        self
    }

    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Indexes one batch from the queue; returns how many reports it indexed (0: caught up).
    /// Blocking: call from `spawn_blocking` in async code.
    pub fn drain_batch(&self) -> Result<usize, IndexerError> {
        let taken = self.store.index_queue().first(self.batch_limit)?;
        if taken.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        let mut docs = Vec::with_capacity(taken.len());
        let mut removed = Vec::new();
        let mut highest_sequence = 0;
        for pending in &taken {
            let report_id = pending.report_id;
            highest_sequence = highest_sequence.max(pending.change);
            match self.store.reports().get(report_id) {
                Ok(Some(report)) => docs.push(self.source.doc_for(&report, now)?),
                Ok(None) => removed.push(report_id),
                // One unreadable report must not hold up the index for all the others: it
                // leaves the index (and the log says so) instead.
                Err(error @ StoreError::Codec { .. }) => {
                    tracing::error!(%error, %report_id, "unreadable report left out of the search index");
                    removed.push(report_id);
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.index.apply(&docs, &removed, highest_sequence)?;
        // Only entries still holding the sequence just indexed: a change that came in while
        // indexing keeps its entry and is indexed in the next batch.
        crate::ledger::write(&self.store, |tx| {
            for pending in &taken {
                tx.index_queue().done(*pending)?;
            }
            Ok(())
        })?;
        Ok(taken.len())
    }

    /// Replaces every report the index holds more than once by the one document the store
    /// gives now (delete + add, one commit, the payload kept), and returns how many there were.
    /// A replace is idempotent, so this is safe at any time; the server runs it once at start,
    /// before the worker, as a guard for a duplicate left by a crash, whose cause was not found
    /// (the crash fault that was found is in `index.rs::remove_leftovers`). Blocking.
    pub fn repair_duplicates(&self) -> Result<usize, IndexerError> {
        let held_twice = self.index.reports_held_twice()?;
        if held_twice.is_empty() {
            return Ok(0);
        }
        tracing::warn!(
            reports = held_twice.len(),
            ids = ?held_twice,
            "the search index held reports more than once: indexing them again"
        );
        let now = Utc::now();
        let mut docs = Vec::with_capacity(held_twice.len());
        let mut removed = Vec::new();
        for &report_id in &held_twice {
            match self.store.reports().get(report_id) {
                Ok(Some(report)) => docs.push(self.source.doc_for(&report, now)?),
                Ok(None) | Err(StoreError::Codec { .. }) => removed.push(report_id),
                Err(error) => return Err(error.into()),
            }
        }
        let applied_seq = self.index.applied_seq().unwrap_or(0);
        self.index.apply(&docs, &removed, applied_seq)?;
        Ok(held_twice.len())
    }

    /// Indexes until the queue is empty. Blocking.
    pub fn catch_up(&self) -> Result<usize, IndexerError> {
        let mut total = 0;
        loop {
            let indexed = self.drain_batch()?;
            if indexed == 0 {
                return Ok(total);
            }
            total += indexed;
        }
    }

    /// The indexer as a worker for the runner, listening to `bus` from now on; `ready` is set
    /// once it has caught up with the store.
    pub fn into_worker(self, bus: &Bus, ready: Arc<AtomicBool>) -> IndexWorker {
        IndexWorker {
            indexer: self,
            events: bus.subscribe(),
            bus_open: true,
            caught_up: false,
            ready,
            last_commit: None,
            retry_soon: false,
            indexed_total: 0,
        }
    }
}

/// The indexer as a `Worker`. Its first step catches up with the store (then the server is
/// ready; the webhook is served meanwhile). After that it is woken by report events on the bus
/// (or `SAFETY_CHECK`), and commits at most about once per `MIN_COMMIT_INTERVAL` while changes
/// keep coming.
pub struct IndexWorker {
    indexer: Indexer,
    events: broadcast::Receiver<ReportEvent>,
    bus_open: bool,
    caught_up: bool,
    ready: Arc<AtomicBool>,
    last_commit: Option<Instant>,
    /// The last batch failed: try again after `RETRY_AFTER_ERROR`.
    retry_soon: bool,
    indexed_total: u64,
}

impl Worker for IndexWorker {
    fn name(&self) -> &'static str {
        "indexer"
    }

    async fn work(&mut self, shutdown: &CancellationToken) -> Result<WorkerState, WorkerError> {
        if !self.caught_up {
            self.catch_up().await;
            return Ok(WorkerState::Busy);
        }
        if self.indexer.store.index_queue().is_empty() {
            return Ok(WorkerState::Idle);
        }
        if let Some(previous) = self.last_commit {
            let since = previous.elapsed();
            if since < MIN_COMMIT_INTERVAL {
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(WorkerState::Idle),
                    _ = tokio::time::sleep(MIN_COMMIT_INTERVAL - since) => {}
                }
            }
        }
        self.last_commit = Some(Instant::now());
        let indexer = self.indexer.clone();
        let indexed = match tokio::task::spawn_blocking(move || indexer.drain_batch()).await {
            Ok(Ok(indexed)) => indexed,
            Ok(Err(error)) => {
                self.retry_soon = true;
                return Err(WorkerError::new(
                    "indexing failed; the queue keeps the reports for the next try",
                    error,
                ));
            }
            Err(error) => {
                self.retry_soon = true;
                return Err(WorkerError::new("indexing task panicked", error));
            }
        };
        self.indexed_total += indexed as u64;
        // Busy: a full batch leaves more behind, and changes made while indexing are queued.
        Ok(WorkerState::Busy)
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        let wait = if std::mem::take(&mut self.retry_soon) {
            RETRY_AFTER_ERROR
        } else {
            SAFETY_CHECK
        };
        tokio::select! {
            event = self.events.recv(), if self.bus_open => {
                // Lagging behind is a wake-up too: the queue, not the events, says what to index.
                if let Err(broadcast::error::RecvError::Closed) = event {
                    self.bus_open = false;
                }
            }
            _ = tokio::time::sleep(wait) => {}
        }
        WorkerState::Busy
    }

    fn status(&self) -> WorkerStatus {
        WorkerStatus {
            items_done: self.indexed_total,
        }
    }
}

impl IndexWorker {
    /// Indexes what the store queued while the server was down, then marks the server ready
    /// (also when catching up failed: the queue keeps the reports for the next batches).
    async fn catch_up(&mut self) {
        let indexer = self.indexer.clone();
        let caught_up = tokio::task::spawn_blocking(move || {
            let outcome = indexer.catch_up();
            // A large backlog (queued while the server was down) leaves memory freed on this
            // thread, tantivy's and sled's: give it back rather than keep it resident at rest.
            // (A store without an index is rebuilt instead, `from_store::open_or_rebuild`.)
            if outcome.as_ref().is_ok_and(|&indexed| indexed > 0) {
                crate::allocator::release_free_memory();
            }
            outcome
        });
        match caught_up.await {
            Ok(Ok(0)) => {}
            Ok(Ok(indexed)) => {
                self.indexed_total += indexed as u64;
                tracing::info!(reports = indexed, "search index caught up");
            }
            Ok(Err(error)) => {
                tracing::error!(%error, "search index catch-up failed; retrying in the background")
            }
            Err(error) => tracing::error!(%error, "search index catch-up panicked"),
        }
        self.caught_up = true;
        self.ready.store(true, Ordering::SeqCst);
    }
}
