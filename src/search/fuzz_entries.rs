//! Entry points for the fuzz targets (`fuzz/`) and their stable replay (`tests/fuzz_replay.rs`):
//! the query language planned as a search plans it, the snippet of any text for that query,
//! and the relative dates, each with the invariants its answer must keep checked on the spot.
//! A broken invariant panics, which is what a fuzzer looks for.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};

use super::Visibility;
use super::dates::date_at;
use super::highlight::{HighlightTerms, snippet};
use super::query::parse;
use super::query_plan::QueryBuilder;
use super::schema::Fields;
use super::segment_cache::SegmentCache;
use crate::domain::unit::UnitTree;
use crate::text::Analyzer;
use crate::workflow::ReportFilter;

static FIELDS: LazyLock<Fields> = LazyLock::new(|| Fields::schema().1);

/// Parses `query`, builds its tantivy query as a search does (which collects the words to
/// mark), and returns the snippet of `text` for it; `None` when the query is refused.
pub fn query_and_snippet(query: &str, text: &str, now: DateTime<Utc>) -> Option<String> {
    let parsed = parse(query, now).ok()?;
    let analyzer = Analyzer::sumsel();
    let cache = Arc::new(SegmentCache::default());
    let builder = QueryBuilder {
        fields: &FIELDS,
        analyzer: &analyzer,
        cache: &cache,
        flat_words: true,
    };
    let visibility = Visibility {
        phone_search: true,
        ..Visibility::default()
    };
    let restrictions = builder.restrictions(
        &ReportFilter::default(),
        &UnitTree::default(),
        &visibility,
        parsed.created,
        now,
    );
    let mut highlight = HighlightTerms::default();
    let _query = builder.search_query(&parsed, restrictions, true, &mut highlight);
    let html = snippet(&[vec![text]], &analyzer, &highlight);
    check_snippet(&html);
    Some(html)
}

/// Everything outside the `<b>` marks is escaped, and the marks neither nest nor dangle.
fn check_snippet(html: &str) {
    let mut rest = html;
    let mut open = false;
    while let Some(at) = rest.find(['<', '>']) {
        let tail = &rest[at..];
        if !open && tail.starts_with("<b>") {
            open = true;
            rest = &tail[3..];
        } else if open && tail.starts_with("</b>") {
            open = false;
            rest = &tail[4..];
        } else {
            panic!("snippet has an unescaped or misplaced angle bracket: {html:?}");
        }
    }
    assert!(!open, "snippet leaves a <b> open: {html:?}");
}

/// Looks for a relative date at every word of `text` (lowercased, as the query parser hands
/// them over, at most three at a time) and checks each answer: it spans words it was given,
/// and it names a non-empty range. Returns how many were found.
pub fn relative_dates(text: &str, now: DateTime<Utc>) -> usize {
    let lowercase = text.to_lowercase();
    let words: Vec<&str> = lowercase.split_whitespace().collect();
    let mut found = 0;
    for start in 0..words.len() {
        let window = &words[start..words.len().min(start + 3)];
        let Some((span, range)) = date_at(window, now) else {
            continue;
        };
        assert!(
            (1..=window.len()).contains(&span),
            "date spans {span} of {window:?}"
        );
        let (Some(from), Some(to)) = (range.from, range.to) else {
            panic!("a relative date is bounded on both sides: {window:?} gave {range:?}");
        };
        assert!(
            from < to,
            "{window:?} at {now} gave an empty range {range:?}"
        );
        found += 1;
    }
    found
}
