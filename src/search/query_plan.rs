//! From a parsed query, a `ReportFilter` and a reader's `Visibility` to one tantivy query, so that
//! totals and facets count exactly what the reader may find; and the terms snippets highlight.

use std::ops::Bound;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};

use super::Visibility;
use super::dates::TimeRange;
use super::flat_words::FlatWordsQuery;
use super::highlight::HighlightTerms;
use super::query::ParsedQuery;
use super::schema::{Fields, priority_code, satisfaction_code, status_code};
use super::segment_cache::SegmentCache;
use super::text_query::{TextMatch, TextQueries};
use crate::domain::unit::UnitTree;
use crate::text::Analyzer;
use crate::workflow::ReportFilter;

/// Up to this many values, a filter is a lazy union of posting lists.
const MAX_LAZY_UNION_TERMS: usize = 8;

/// The conditions every hit must meet besides the words: the filter, visibility and dates.
pub(crate) struct Restrictions {
    pub(crate) must: Vec<Box<dyn Query>>,
    pub(crate) must_not: Vec<Box<dyn Query>>,
    /// Some condition can never hold (an unknown unit, an empty date range).
    pub(crate) matches_nothing: bool,
}

/// Builds the queries of one search over one index.
pub(crate) struct QueryBuilder<'a> {
    pub(crate) fields: &'a Fields,
    pub(crate) analyzer: &'a Analyzer,
    pub(crate) cache: &'a Arc<SegmentCache>,
    /// Plain words through `FlatWordsQuery` (false only to compare it with the nested queries).
    pub(crate) flat_words: bool,
}

impl QueryBuilder<'_> {
    /// The restrictions of `filter` and `visibility`, with creation time also within `created`.
    pub(crate) fn restrictions(
        &self,
        filter: &ReportFilter,
        tree: &UnitTree,
        visibility: &Visibility,
        created: TimeRange,
        now: DateTime<Utc>,
    ) -> Restrictions {
        let fields = self.fields;
        let mut restrictions = Restrictions {
            must: Vec::new(),
            must_not: Vec::new(),
            matches_nothing: false,
        };
        if !filter.status.is_empty() {
            let terms = filter
                .status
                .iter()
                .map(|status| Term::from_field_u64(fields.status, status_code(*status)));
            restrictions.must.push(any_term(terms.collect()));
        }
        if !filter.category.is_empty() {
            let terms = filter
                .category
                .iter()
                .map(|category| Term::from_field_text(fields.category, category));
            restrictions.must.push(any_term(terms.collect()));
        }
        if let Some(unit_code) = &filter.unit_code {
            let path: Vec<&str> = tree
                .path(unit_code)
                .iter()
                .map(|unit| unit.code.as_str())
                .collect();
            match self.unit_subtree(&path) {
                Some(query) => restrictions.must.push(query),
                None => restrictions.matches_nothing = true,
            }
        }
        if !filter.priority.is_empty() {
            let terms = filter
                .priority
                .iter()
                .map(|priority| Term::from_field_u64(fields.priority, priority_code(*priority)));
            restrictions.must.push(any_term(terms.collect()));
        }
        if !filter.satisfaction.is_empty() {
            // A fast column only (no postings): each rating is a range of one code.
            let mut ratings: Vec<Box<dyn Query>> = filter
                .satisfaction
                .iter()
                .map(|rating| {
                    let code =
                        Term::from_field_u64(fields.satisfaction, satisfaction_code(Some(*rating)));
                    Box::new(RangeQuery::new(
                        Bound::Included(code.clone()),
                        Bound::Included(code),
                    )) as Box<dyn Query>
                })
                .collect();
            restrictions.must.push(match ratings.len() {
                1 => ratings.remove(0),
                _ => Box::new(BooleanQuery::union(ratings)),
            });
        }
        let created = created.intersect(TimeRange::new(filter.created_from, filter.created_to));
        if created.is_empty() {
            restrictions.matches_nothing = true;
        } else if let Some(query) = time_range(fields.created_at, created) {
            restrictions.must.push(query);
        }
        if let Some(channel) = &filter.channel {
            restrictions.must.push(Box::new(TermQuery::new(
                Term::from_field_text(fields.channel, channel),
                IndexRecordOption::Basic,
            )));
        }
        if let Some(has_media) = filter.has_media {
            restrictions.must.push(Box::new(TermQuery::new(
                Term::from_field_bool(fields.has_media, has_media),
                IndexRecordOption::Basic,
            )));
        }
        if let Some(within) = &filter.within {
            match self.bounding_box(within) {
                Some(queries) => restrictions.must.extend(queries),
                None => restrictions.matches_nothing = true,
            }
        }
        if let Some(overdue) = filter.overdue {
            let past_due = Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Included(Term::from_field_i64(fields.sla_due, now.timestamp_millis())),
            ));
            if overdue {
                restrictions.must.push(past_due);
            } else {
                restrictions.must_not.push(past_due);
            }
        }
        if let Some(unit_path) = &visibility.within_unit_path {
            let path: Vec<&str> = unit_path.iter().map(String::as_str).collect();
            match self.unit_subtree(&path) {
                Some(query) => restrictions.must.push(query),
                None => restrictions.matches_nothing = true,
            }
        }
        // A blocked number's report is found only by asking for it, like the list does.
        let blocked = Box::new(TermQuery::new(
            Term::from_field_bool(fields.blocked, true),
            IndexRecordOption::Basic,
        ));
        if filter.blocked {
            restrictions.must.push(blocked);
        } else {
            restrictions.must_not.push(blocked);
        }
        if visibility.exclude_compartmented {
            restrictions.must_not.push(Box::new(TermQuery::new(
                Term::from_field_bool(fields.compartmented, true),
                IndexRecordOption::Basic,
            )));
        }
        restrictions
    }

    /// Reports assigned at or below the last unit of `path`; `None` for an empty path.
    fn unit_subtree(&self, path: &[&str]) -> Option<Box<dyn Query>> {
        if path.is_empty() {
            return None;
        }
        let facet = Facet::from_path(path);
        Some(Box::new(TermQuery::new(
            Term::from_facet(self.fields.unit_path, &facet),
            IndexRecordOption::Basic,
        )))
    }

    fn bounding_box(&self, within: &crate::workflow::BoundingBox) -> Option<Vec<Box<dyn Query>>> {
        let edges = [within.south, within.north, within.west, within.east];
        if edges.iter().any(|edge| !edge.is_finite()) || within.south > within.north {
            return None;
        }
        let fields = self.fields;
        let between = |field: Field, low: f64, high: f64| -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_f64(field, low)),
                Bound::Included(Term::from_field_f64(field, high)),
            ))
        };
        let latitude = between(fields.latitude, within.south, within.north);
        let longitude: Box<dyn Query> = if within.west <= within.east {
            between(fields.longitude, within.west, within.east)
        } else {
            // Across the antimeridian: east of `west` or west of `east`.
            Box::new(BooleanQuery::union(vec![
                between(fields.longitude, within.west, f64::MAX),
                between(fields.longitude, f64::MIN, within.east),
            ]))
        };
        Some(vec![latitude, longitude])
    }

    /// The whole query: the words of `parsed` (scored) within the restrictions (not scored).
    /// Returns the query and whether it has words to rank by.
    pub(crate) fn search_query(
        &self,
        parsed: &ParsedQuery,
        restrictions: Restrictions,
        phone_search: bool,
        highlight: &mut HighlightTerms,
    ) -> (Box<dyn Query>, bool) {
        if restrictions.matches_nothing {
            return (Box::new(EmptyQuery), false);
        }
        let texts = TextQueries {
            fields: self.fields,
            analyzer: self.analyzer,
            cache: self.cache,
        };
        let mut content_groups: Vec<Box<dyn Query>> = Vec::new();
        let mut stopword_groups: Vec<Box<dyn Query>> = Vec::new();
        // Plain words (the common query) are matched and scored a term at a time.
        let flat = if self.flat_words {
            texts.flat_groups(&parsed.required, highlight)
        } else {
            None
        };
        let required: &[Vec<_>] = if flat.is_some() {
            &[]
        } else {
            &parsed.required
        };
        if let Some(groups) = flat {
            content_groups.push(Box::new(FlatWordsQuery { groups }));
        }
        for group in required {
            let matches: Vec<TextMatch> = group
                .iter()
                .filter_map(|item| texts.item(item, phone_search, Some(&mut *highlight)))
                .collect();
            if matches.is_empty() {
                continue;
            }
            let is_content = matches.iter().any(TextMatch::is_content);
            let query = any_of(matches.into_iter().map(TextMatch::into_query).collect());
            if is_content {
                content_groups.push(query);
            } else {
                stopword_groups.push(query);
            }
        }
        let has_words = !content_groups.is_empty() || !stopword_groups.is_empty();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if content_groups.is_empty() {
            // Only stopwords: find what they may also be the root of, any of them.
            if !stopword_groups.is_empty() {
                clauses.push((Occur::Must, any_of(stopword_groups)));
            }
        } else {
            clauses.extend(content_groups.into_iter().map(|query| (Occur::Must, query)));
            clauses.extend(
                stopword_groups
                    .into_iter()
                    .map(|query| (Occur::Should, query)),
            );
        }
        for item in &parsed.excluded {
            if let Some(text_match) = texts.item(item, phone_search, None) {
                clauses.push((Occur::MustNot, text_match.into_query()));
            }
        }
        for query in restrictions.must {
            // Filters decide what matches, never how it ranks.
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0))));
        }
        for query in restrictions.must_not {
            clauses.push((Occur::MustNot, query));
        }
        let has_positive_clause = clauses.iter().any(|(occur, _)| *occur == Occur::Must);
        if !has_positive_clause {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
            ));
        }
        (Box::new(BooleanQuery::new(clauses)), has_words)
    }

    /// Only the restrictions (for statistics).
    pub(crate) fn restriction_query(&self, restrictions: Restrictions) -> Box<dyn Query> {
        let no_words = ParsedQuery::default();
        let mut no_highlight = HighlightTerms::default();
        let (query, _) = self.search_query(&no_words, restrictions, false, &mut no_highlight);
        query
    }
}

/// Documents holding any of `terms` (all of one field), unscored.
pub(crate) fn any_term(mut terms: Vec<Term>) -> Box<dyn Query> {
    // Posting lists are read lazily, so a few of them intersect cheaply with a selective query;
    // a set query fills a bit set of the whole segment, which only pays for long lists.
    if terms.len() > MAX_LAZY_UNION_TERMS {
        return Box::new(TermSetQuery::new(terms));
    }
    if terms.len() == 1
        && let Some(term) = terms.pop()
    {
        return Box::new(TermQuery::new(term, IndexRecordOption::Basic));
    }
    let queries: Vec<Box<dyn Query>> = terms
        .into_iter()
        .map(|term| Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>)
        .collect();
    Box::new(BooleanQuery::union(queries))
}

/// A document matching any of `queries` (scored by those it matches).
fn any_of(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if queries.len() == 1 {
        return queries.remove(0);
    }
    Box::new(BooleanQuery::union(queries))
}

/// Unix milliseconds of `field` within `range`; `None` when the range is unbounded.
pub(crate) fn time_range(field: Field, range: TimeRange) -> Option<Box<dyn Query>> {
    if range.is_unbounded() {
        return None;
    }
    let lower = range.from.map_or(Bound::Unbounded, |from| {
        Bound::Included(Term::from_field_i64(field, from.timestamp_millis()))
    });
    let upper = range.to.map_or(Bound::Unbounded, |to| {
        Bound::Excluded(Term::from_field_i64(field, to.timestamp_millis()))
    });
    Some(Box::new(RangeQuery::new(lower, upper)))
}
