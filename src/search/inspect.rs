//! A read-only look at the index on disk, for the offline consistency check (`siaga check`):
//! which reports it holds, with the status and category each was indexed with. Opens no
//! writer and creates nothing.

use std::collections::HashMap;
use std::path::Path;

use tantivy::{ReloadPolicy, Searcher};

use super::SearchError;
use super::index::open_existing;
use super::schema::names;
use crate::domain::ids::ReportId;
use crate::domain::report::ReportStatus;

/// What the index holds for one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedFacts {
    pub status: Option<ReportStatus>,
    /// The operator-set category, `None` for none.
    pub category: Option<String>,
}

/// Every live document of the index in `dir`, by report id (a report indexed twice has two
/// entries). `SearchError::NeedsRebuild` when there is no usable index.
pub fn indexed_reports(dir: &Path) -> Result<HashMap<ReportId, Vec<IndexedFacts>>, SearchError> {
    if !dir.is_dir() {
        return Err(SearchError::NeedsRebuild {
            reason: format!("there is no index at {}", dir.display()),
        });
    }
    let index = open_existing(dir)?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let mut found: HashMap<ReportId, Vec<IndexedFacts>> = HashMap::new();
    for segment in searcher.segment_readers() {
        let fast_fields = segment.fast_fields();
        let report_ids = fast_fields.u64(names::REPORT_ID)?;
        let statuses = fast_fields.u64(names::STATUS)?;
        let categories = fast_fields.str(names::CATEGORY)?;
        for doc in segment.doc_ids_alive() {
            let Some(report_id) = report_ids.first(doc) else {
                continue;
            };
            let status = statuses
                .first(doc)
                .and_then(|code| ReportStatus::ALL.get(code as usize).copied());
            let mut category = String::new();
            if let Some(column) = &categories
                && let Some(ordinal) = column.term_ords(doc).next()
            {
                column.ord_to_str(ordinal, &mut category)?;
            }
            found
                .entry(ReportId::new(report_id))
                .or_default()
                .push(IndexedFacts {
                    status,
                    category: (!category.is_empty()).then_some(category),
                });
        }
    }
    Ok(found)
}

/// Report ids that more than one live document holds, read from the `report_id` fast-field
/// column of every segment (about 8 bytes a document: cheap even for a million reports).
pub(crate) fn reports_held_twice(searcher: &Searcher) -> Result<Vec<ReportId>, SearchError> {
    let mut live: HashMap<u64, u32> = HashMap::new();
    for segment in searcher.segment_readers() {
        let report_ids = segment.fast_fields().u64(names::REPORT_ID)?;
        for doc in segment.doc_ids_alive() {
            if let Some(report_id) = report_ids.first(doc) {
                *live.entry(report_id).or_default() += 1;
            }
        }
    }
    let mut twice: Vec<ReportId> = live
        .into_iter()
        .filter(|(_, documents)| *documents > 1)
        .map(|(report_id, _)| ReportId::new(report_id))
        .collect();
    twice.sort_unstable();
    Ok(twice)
}
