//! What a search would otherwise rebuild on every query from segments that never change: each
//! segment's fast-field columns (facets, creation times, report ids) and the documents holding
//! near spellings of a word (`near.rs`). Segments are immutable, so an entry keyed by segment
//! id stays true as long as the segment lives; entries of segments a merge or a commit has
//! retired are dropped at the next search (`retain_segments`), so that no dead segment's files
//! stay mapped. The near spellings are bounded by the number of document ids they hold.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Searcher, SegmentReader, index::SegmentId};

use super::schema::names;

/// Document ids kept for near spellings, over every segment and word: 16 MB.
const MAX_NEAR_DOCS: usize = 4 << 20;
/// Words remembered per segment before that segment's words are forgotten.
const MAX_NEAR_WORDS_PER_SEGMENT: usize = 4096;

/// The fast-field columns a search reads of one segment.
pub(crate) struct SegmentColumns {
    pub(crate) category: Option<StrColumn>,
    pub(crate) unit: Option<StrColumn>,
    pub(crate) channel: Option<StrColumn>,
    pub(crate) status: Option<Column<u64>>,
    pub(crate) priority: Option<Column<u64>>,
    pub(crate) created_at: Option<Column<i64>>,
    pub(crate) report_id: Option<Column<u64>>,
}

impl SegmentColumns {
    fn open(segment: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let fast_fields = segment.fast_fields();
        Ok(SegmentColumns {
            category: fast_fields.str(names::CATEGORY)?,
            unit: fast_fields.str(names::UNIT)?,
            channel: fast_fields.str(names::CHANNEL)?,
            status: fast_fields.column_opt(names::STATUS)?,
            priority: fast_fields.column_opt(names::PRIORITY)?,
            created_at: fast_fields.column_opt(names::CREATED_AT)?,
            report_id: fast_fields.column_opt(names::REPORT_ID)?,
        })
    }
}

#[derive(Default)]
struct NearDocs {
    /// Per segment: the documents of each near-spelling key (`NearSpellingQuery::key`).
    by_segment: HashMap<SegmentId, HashMap<Arc<str>, Arc<Vec<DocId>>>>,
    /// Document ids held, over every segment.
    held: usize,
}

/// Shared by every search of one index.
#[derive(Default)]
pub(crate) struct SegmentCache {
    columns: Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>,
    near: Mutex<NearDocs>,
}

impl SegmentCache {
    /// The columns of `segment`, opened once per segment.
    pub(crate) fn columns(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentColumns>> {
        let id = segment.segment_id();
        if let Some(columns) = lock(&self.columns).get(&id) {
            return Ok(Arc::clone(columns));
        }
        let columns = Arc::new(SegmentColumns::open(segment)?);
        lock(&self.columns).insert(id, Arc::clone(&columns));
        Ok(columns)
    }

    /// The documents of `segment` holding the near spellings named by `key`, computed by
    /// `compute` the first time.
    pub(crate) fn near_docs(
        &self,
        segment: &SegmentReader,
        key: &Arc<str>,
        compute: impl FnOnce() -> tantivy::Result<Vec<DocId>>,
    ) -> tantivy::Result<Arc<Vec<DocId>>> {
        let id = segment.segment_id();
        if let Some(docs) = lock(&self.near)
            .by_segment
            .get(&id)
            .and_then(|words| words.get(key))
        {
            return Ok(Arc::clone(docs));
        }
        let docs = Arc::new(compute()?);
        let mut near = lock(&self.near);
        if near.held + docs.len() > MAX_NEAR_DOCS {
            // Rarely reached (typos are rare words): start over rather than track recency.
            near.by_segment.clear();
            near.held = 0;
        }
        let held = near.held;
        let words = near.by_segment.entry(id).or_default();
        let mut released = 0;
        if words.len() >= MAX_NEAR_WORDS_PER_SEGMENT {
            released = words.values().map(|docs| docs.len()).sum();
            words.clear();
        }
        let added = docs.len();
        if words.insert(Arc::clone(key), Arc::clone(&docs)).is_none() {
            near.held = held - released + added;
        } else {
            near.held = held - released;
        }
        Ok(docs)
    }

    /// Forgets every segment `searcher` no longer reads.
    pub(crate) fn retain_segments(&self, searcher: &Searcher) {
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        lock(&self.columns).retain(|id, _| live.contains(id));
        let mut near = lock(&self.near);
        if near.by_segment.keys().any(|id| !live.contains(id)) {
            near.by_segment.retain(|id, _| live.contains(id));
            near.held = near
                .by_segment
                .values()
                .flat_map(HashMap::values)
                .map(|docs| docs.len())
                .sum();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
