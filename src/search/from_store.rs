//! The search index from the store: rebuilt from every report (`siaga reindex`, `siaga check
//! --repair`), or opened at start and rebuilt when missing or of another schema.

use std::time::Instant;

use chrono::Utc;

use super::indexer::{DocSource, IndexerError};
use super::{IndexMemory, SearchError, SearchIndex};
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

/// Rebuilds the index in `dir` from every report in the store and empties the queue of what
/// it covered. `progress(done, total)` is called as it goes. Blocking; the store must not be
/// written meanwhile (the command-line `reindex` holds the data dir's lock).
pub fn rebuild_from_store(
    dir: &std::path::Path,
    source: &DocSource,
    store: &Store,
    memory: IndexMemory,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, IndexerError> {
    let total = store.reports().count() as u64;
    let queued = store.index_queue().first(usize::MAX)?;
    let now = Utc::now();
    let mut failure: Option<StoreError> = None;
    let docs = store.reports().oldest_first().map_while(|report| {
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
        memory.rebuild_writer_bytes,
        |done| progress(done, total),
    )?;
    if let Some(error) = failure {
        return Err(error.into());
    }
    store.index_queue().take_off(&queued)?;
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
    memory: IndexMemory,
) -> Result<SearchIndex, IndexerError> {
    match SearchIndex::open_sized(dir, crate::text::Analyzer::sumsel(), memory) {
        Ok(index) if index.applied_seq().is_some() || store.reports().is_empty() => {
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
    let indexed = rebuild_from_store(dir, source, store, memory, |_, _| {});
    // The rebuild's writers, its merge and the reports it read leave memory freed on this
    // thread and on tantivy's: give it back before the server starts serving.
    crate::allocator::release_free_memory();
    let indexed = indexed?;
    tracing::info!(
        reports = indexed,
        seconds = started.elapsed().as_secs_f64(),
        "search index rebuilt"
    );
    Ok(SearchIndex::open_sized(
        dir,
        crate::text::Analyzer::sumsel(),
        memory,
    )?)
}
