//! Full-text search over reports (tantivy): an index of what citizens wrote and operators
//! noted, analysed as Indonesian, queried with the search box language of `query.rs`, restricted
//! by `ReportFilter` and the reader's visibility, with facets, snippets and statistics.
//!
//! sled is the source of truth: the index holds what `IndexDoc` says about each report, is kept
//! up to date by `apply` (one writer, commit payload = the last applied store sequence) and can
//! always be rebuilt from the store. Only this module touches tantivy.

mod collect;
mod columns;
mod dates;
mod doc_list;
mod flat_words;
pub mod from_store;
#[doc(hidden)]
pub mod fuzz_entries;
mod highlight;
mod index;
pub mod indexer;
pub mod inspect;
mod near;
mod query;
mod query_plan;
mod rebuild;
mod schema;
mod segment_cache;
mod stats;
mod text_query;
mod tokenizer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_filters;
#[cfg(test)]
mod tests_flat;
#[cfg(test)]
mod tests_index;
#[cfg(test)]
mod tests_perf;

use chrono::{DateTime, Utc};

pub use crate::domain::ids::{ReportId, Ticket};
use crate::domain::report::SlaStage;
use crate::domain::report::{GeoPoint, Priority, ReportStatus};
use crate::domain::unit::UnitTree;
use crate::error::{ErrorCode, UserError};
use crate::workflow::ReportFilter;

pub use index::{IndexMemory, SearchIndex};
pub use query::QueryLookups;

/// Whether `query` looks up a phone number or a ticket; a query that does not parse looks up
/// neither (the search itself then refuses it).
pub fn query_lookups(query: &str, now: DateTime<Utc>) -> QueryLookups {
    query::parse(query, now)
        .map(|parsed| parsed.lookups())
        .unwrap_or_default()
}

/// What the index holds for one report (the caller builds it from sled; sled is the source of
/// truth).
#[derive(Debug, Clone)]
pub struct IndexDoc {
    pub report_id: ReportId,
    /// e.g. "WA-2026-000123".
    pub ticket: Ticket,
    /// What the citizen wrote: texts and media captions.
    pub citizen_texts: Vec<String>,
    /// The operator's summary.
    pub summary: Option<String>,
    /// Operator and officer notes and call logs.
    pub notes: Vec<String>,
    /// Extra searchable words: category labels (the operator's and suggested ones), suggested
    /// place names (kecamatan, kabupaten).
    pub tags: Vec<String>,
    /// The operator-set category code, e.g. "curanmor" (facet and filter).
    pub category: Option<String>,
    pub status: ReportStatus,
    pub priority: Option<Priority>,
    /// Unit codes from the root down to the assigned unit; empty = unassigned.
    pub unit_path: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub location: Option<GeoPoint>,
    pub has_media: bool,
    /// In the internal-affairs compartment: hidden from analysts and from officers outside
    /// the Propam units.
    pub compartmented: bool,
    /// Opened for a blocked reporter: found only when the filter asks for `blocked`.
    pub blocked: bool,
    /// E.164 digits without '+', e.g. "6281370001001".
    pub reporter_phone: Option<String>,
    /// Due time of the currently open SLA stage; `None` when no stage is open or the clock is
    /// paused.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// Stages that were breached.
    pub sla_breaches: Vec<SlaStage>,
    /// Seconds from `created_at` to the first operator action.
    pub first_action_secs: Option<i64>,
    /// Seconds from `created_at` to the first forward.
    pub forward_secs: Option<i64>,
    /// Seconds from `created_at` to resolution.
    pub resolve_secs: Option<i64>,
    /// The citizen's answer to the satisfaction question, once given.
    pub satisfaction: Option<crate::domain::satisfaction::SatisfactionRating>,
    /// The business number (phone number id) the report came in on; the default number for
    /// a report stored without one.
    pub channel: Option<String>,
}

impl IndexDoc {
    /// A new report as a citizen's first message makes it: `text`, status new, nothing else
    /// set yet (tests, the fuzz harness). Fill in the rest with struct update syntax.
    pub fn new_report(report_id: ReportId, text: &str, created_at: DateTime<Utc>) -> IndexDoc {
        IndexDoc {
            report_id,
            ticket: Ticket::format("WA", 2026, report_id.get()),
            citizen_texts: vec![text.to_owned()],
            summary: None,
            notes: Vec::new(),
            tags: Vec::new(),
            category: None,
            status: ReportStatus::New,
            priority: None,
            unit_path: Vec::new(),
            created_at,
            updated_at: created_at,
            location: None,
            has_media: false,
            compartmented: false,
            blocked: false,
            reporter_phone: None,
            sla_due_at: None,
            sla_breaches: Vec::new(),
            first_action_secs: None,
            forward_secs: None,
            resolve_secs: None,
            satisfaction: None,
            channel: None,
        }
    }
}

/// Who is asking: what they may find.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// Officers: only reports assigned at or below this unit (path root..unit). An empty path
    /// finds nothing.
    pub within_unit_path: Option<Vec<String>>,
    /// Leaves out compartmented reports (complaints about police conduct): for analysts and
    /// officers outside the Propam units.
    pub exclude_compartmented: bool,
    /// False for analysts (they see masked numbers): phone-form query words then match as
    /// ordinary words only.
    pub phone_search: bool,
}

pub struct SearchRequest<'a> {
    /// May be empty or whitespace: then every visible report matching the filter, newest
    /// first.
    pub query: &'a str,
    pub filter: &'a ReportFilter,
    /// Turns `filter.unit_code` into a path; an unknown unit code finds nothing.
    pub tree: &'a UnitTree,
    pub visibility: &'a Visibility,
    pub offset: usize,
    /// The caller caps it; 0 is allowed (counts and facets only).
    pub limit: usize,
    /// For `overdue` and relative dates in the query.
    pub now: DateTime<Utc>,
    pub facets: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Every visible match, on this page or another.
    pub total_count: usize,
    pub hits: Vec<SearchHit>,
    /// Empty unless the request asked for facets.
    pub facets: Vec<FacetCounts>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub report_id: ReportId,
    /// 0 for a query without words.
    pub score: f32,
    /// HTML: matched words in `<b>…</b>`, everything else escaped.
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCounts {
    /// "category", "status", "unit", "priority" or "channel".
    pub field: &'static str,
    /// Count descending, then value ascending. Status and priority values as in `as_str()`;
    /// unit values are the assigned unit's code. Reports without a value are not counted.
    pub values: Vec<(String, u64)>,
}

pub struct StatsRequest<'a> {
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    pub filter: &'a ReportFilter,
    pub tree: &'a UnitTree,
    pub visibility: &'a Visibility,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub total_reports: u64,
    /// Count descending, then value ascending, like facets.
    pub by_category: Vec<(String, u64)>,
    pub by_status: Vec<(String, u64)>,
    pub by_unit: Vec<(String, u64)>,
    /// By business number (phone number id).
    pub by_channel: Vec<(String, u64)>,
    /// "YYYY-MM-DD" in Asia/Jakarta time (UTC+7), ascending; days without reports left out.
    pub by_day: Vec<(String, u64)>,
    pub first_action: DurationStats,
    pub forward: DurationStats,
    pub resolution: DurationStats,
    /// All three stages, in `SlaStage` order; counts may be 0.
    pub sla_breaches: Vec<(SlaStage, u64)>,
    /// The citizens' answers to the satisfaction question.
    pub satisfaction: SatisfactionStats,
}

/// Answers to the satisfaction question, in `SatisfactionRating::ALL` order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SatisfactionStats {
    pub by_rating: [u64; 3],
    /// By assigned unit, then by category, each with its counts by rating; most answers
    /// first, then by key. Reports without a unit (or category) are not in that breakdown.
    pub by_unit: Vec<(String, [u64; 3])>,
    pub by_category: Vec<(String, [u64; 3])>,
}

/// Exact percentiles by linear interpolation between the two nearest ranks (the quantile `p` of
/// `n` sorted values sits at zero-based rank `p * (n - 1)`).
#[derive(Debug, Clone, PartialEq)]
pub struct DurationStats {
    pub count: u64,
    pub median_secs: Option<f64>,
    pub p90_secs: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The index on disk was written with another schema, or there is none: rebuild it from the
    /// store.
    #[error("the search index needs a rebuild: {reason}")]
    NeedsRebuild { reason: String },
    #[error("unusable search query: {0}")]
    BadQuery(String),
}

impl SearchError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SearchError::BadQuery(_) => ErrorCode::BadUserInput,
            SearchError::Tantivy(_) | SearchError::Io(_) | SearchError::NeedsRebuild { .. } => {
                ErrorCode::Internal
            }
        }
    }
}

impl From<SearchError> for UserError {
    fn from(error: SearchError) -> UserError {
        match error {
            SearchError::BadQuery(reason) => UserError::bad_input(reason),
            other => UserError::internal(&other),
        }
    }
}
