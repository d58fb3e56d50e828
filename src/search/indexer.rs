//! The indexer: keeps the search index in step with the store, which stays the source of
//! truth. Every report change writes `report id -> fresh sequence` to the index queue in the
//! same transaction (`intake::records::save_report`); this worker drains the queue in batches,
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
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{IndexDoc, SearchError, SearchIndex};
use crate::bus::Bus;
use crate::domain::report::Report;
use crate::domain::sla::SlaPolicy;
use crate::domain::timeline::TimelineKind;
use crate::intake::records;
use crate::profile::Profile;
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Store, StoreError, Table, codec};
use crate::workflow::UnitDirectory;

/// Reports indexed in one commit at most; a larger backlog takes several commits.
const BATCH_LIMIT: usize = 20_000;
/// Under load, commits are at least this far apart (each commit costs a segment).
const MIN_COMMIT_INTERVAL: Duration = Duration::from_secs(1);
/// Even without a wake-up, the queue is looked at this often (paths that change a report
/// without an event on the bus are caught within this time).
const IDLE_CHECK: Duration = Duration::from_millis(500);

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
        }
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
                    .map(|unit| unit.code.clone())
                    .collect();
                // A unit unknown to the tree still counts as itself.
                if path.is_empty() {
                    vec![code.clone()]
                } else {
                    path
                }
            }
            None => Vec::new(),
        };
        let notes = records::report_timeline(&self.store, report.id)?
            .into_iter()
            .filter(|event| matches!(event.kind, TimelineKind::Note | TimelineKind::CallLogged))
            .filter_map(|event| event.note)
            .collect();
        let reporter_phone = self
            .store
            .get_record::<crate::domain::reporter::Reporter>(
                Table::Reporters,
                &u64_key(report.reporter_id),
            )?
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
            reporter_phone,
            sla_due_at: self.sla.standing(report, now).due_at,
            sla_breaches: report.sla.breached.clone(),
            first_action_secs: seconds_since_creation(report.first_action_at),
            forward_secs: seconds_since_creation(report.forwarded_at),
            resolve_secs: seconds_since_creation(report.resolved_at),
        })
    }
}

/// The worker.
#[derive(Clone)]
pub struct Indexer {
    index: Arc<SearchIndex>,
    source: DocSource,
    store: Store,
    wake: Arc<Notify>,
}

impl Indexer {
    pub fn new(index: Arc<SearchIndex>, source: DocSource, store: Store) -> Indexer {
        Indexer {
            index,
            source,
            store,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Reports changed but not yet searchable.
    pub fn backlog(&self) -> usize {
        self.store.len(Table::IndexQueue)
    }

    /// Indexes one batch from the queue; returns how many reports it indexed (0: caught up).
    /// Blocking: call from `spawn_blocking` in async code.
    pub fn drain_batch(&self) -> Result<usize, IndexerError> {
        let mut taken: Vec<(u64, Vec<u8>)> = Vec::new();
        for entry in self.store.range(Table::IndexQueue, &[], None) {
            let (key, sequence) = entry?;
            let Some(report_id) = read_u64(&key, 0) else {
                continue;
            };
            taken.push((report_id, sequence));
            if taken.len() >= BATCH_LIMIT {
                break;
            }
        }
        if taken.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        let mut docs = Vec::with_capacity(taken.len());
        let mut removed = Vec::new();
        let mut highest_sequence = 0;
        for (report_id, sequence) in &taken {
            highest_sequence = highest_sequence.max(read_u64(sequence, 0).unwrap_or(0));
            match self.store.get(Table::Reports, &u64_key(*report_id))? {
                // One unreadable report must not hold up the index for all the others: it
                // leaves the index (and the log says so) instead.
                Some(bytes) => match codec::decode::<Report>(&bytes) {
                    Ok(report) => docs.push(self.source.doc_for(&report, now)?),
                    Err(error) => {
                        tracing::error!(%error, report_id, "unreadable report left out of the search index");
                        removed.push(*report_id);
                    }
                },
                None => removed.push(*report_id),
            }
        }
        self.index.apply(&docs, &removed, highest_sequence)?;
        // Only entries still holding the sequence just indexed: a change that came in while
        // indexing keeps its entry and is indexed in the next batch.
        self.store
            .transaction::<_, std::convert::Infallible>(|tx| {
                for (report_id, sequence) in &taken {
                    let key = u64_key(*report_id);
                    if tx.get(Table::IndexQueue, &key)?.as_deref() == Some(sequence.as_slice()) {
                        tx.remove(Table::IndexQueue, &key)?;
                    }
                }
                Ok(())
            })
            .map_err(|error| match error {
                crate::store::TxError::Store(error) => error,
                crate::store::TxError::Abort(never) => match never {},
            })?;
        Ok(taken.len())
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

    /// Wakes the worker (a report changed).
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Runs until `stop`: woken by report events on the bus or every `IDLE_CHECK`, commits at
    /// most about once per `MIN_COMMIT_INTERVAL` while changes keep coming.
    pub async fn run(self, bus: Bus, stop: CancellationToken) {
        let mut events = bus.subscribe();
        let mut bus_open = true;
        let mut last_commit: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(IDLE_CHECK) => {}
                event = events.recv(), if bus_open => {
                    if let Err(tokio::sync::broadcast::error::RecvError::Closed) = event {
                        bus_open = false;
                    }
                }
            }
            if self.store.is_empty(Table::IndexQueue) {
                continue;
            }
            if let Some(previous) = last_commit {
                let since = previous.elapsed();
                if since < MIN_COMMIT_INTERVAL {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tokio::time::sleep(MIN_COMMIT_INTERVAL - since) => {}
                    }
                }
            }
            last_commit = Some(Instant::now());
            let worker = self.clone();
            match tokio::task::spawn_blocking(move || worker.drain_batch()).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    tracing::error!(%error, "indexing failed; the queue keeps the reports for the next try");
                }
                Err(error) => tracing::error!(%error, "indexing task panicked"),
            }
        }
    }
}

/// Rebuilds the index in `dir` from every report in the store and empties the queue of what
/// it covered. `progress(done, total)` is called as it goes. Blocking; the store must not be
/// written meanwhile (the command-line `reindex` holds the data dir's lock).
pub fn rebuild_from_store(
    dir: &std::path::Path,
    source: &DocSource,
    store: &Store,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, IndexerError> {
    let total = store.len(Table::Reports) as u64;
    let queued: Vec<Vec<u8>> = store
        .range(Table::IndexQueue, &[], None)
        .map(|entry| entry.map(|(key, _)| key))
        .collect::<Result<_, _>>()?;
    let now = Utc::now();
    let mut failure: Option<StoreError> = None;
    let docs = records::all_reports(store).map_while(|report| {
        match report.and_then(|report| source.doc_for(&report, now)) {
            Ok(doc) => Some(doc),
            Err(error) => {
                failure = Some(error);
                None
            }
        }
    });
    let applied_sequence = store.generate_id()?;
    let indexed = SearchIndex::rebuild(
        dir,
        crate::text::Analyzer::sumsel(),
        docs,
        applied_sequence,
        |done| progress(done, total),
    )?;
    if let Some(error) = failure {
        return Err(error.into());
    }
    store
        .transaction::<_, std::convert::Infallible>(|tx| {
            for key in &queued {
                tx.remove(Table::IndexQueue, key)?;
            }
            Ok(())
        })
        .map_err(|error| match error {
            crate::store::TxError::Store(error) => error,
            crate::store::TxError::Abort(never) => match never {},
        })?;
    store.flush_blocking()?;
    Ok(indexed)
}

/// Opens the index in `dir`, rebuilding it from the store when there is none yet for a store
/// that holds reports (a first start after an upgrade, a restored backup) or when it was
/// written with another schema. Blocking.
pub fn open_or_rebuild(
    dir: &std::path::Path,
    source: &DocSource,
    store: &Store,
) -> Result<SearchIndex, IndexerError> {
    match SearchIndex::open(dir, crate::text::Analyzer::sumsel()) {
        Ok(index) if index.applied_seq().is_some() || store.is_empty(Table::Reports) => {
            return Ok(index);
        }
        Ok(index) => {
            drop(index);
            tracing::info!("no search index for the reports in the store yet: building it");
        }
        Err(SearchError::NeedsRebuild { reason }) => {
            tracing::warn!(%reason, "the search index must be rebuilt: rebuilding it from the store");
        }
        Err(error) => return Err(error.into()),
    }
    let started = Instant::now();
    let indexed = rebuild_from_store(dir, source, store, |_, _| {})?;
    tracing::info!(
        reports = indexed,
        seconds = started.elapsed().as_secs_f64(),
        "search index rebuilt"
    );
    Ok(SearchIndex::open(dir, crate::text::Analyzer::sumsel())?)
}
