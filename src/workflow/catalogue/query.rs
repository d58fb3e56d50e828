//! A page from the catalogue: the request's filter and the reader's visibility compiled into
//! a `Matcher`, then a pass over the columns, a block of reports at a time, that counts the
//! matches and keeps the page. Newest first walks the ids down and, when the facet word alone
//! decides the filter, takes the total count from the catalogue's count of every facet word
//! and stops once the page is full; the queue keeps the smallest positions after the cursor
//! in a bounded heap, comparing a report's due time with the heap's largest before anything
//! else.

use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use crate::domain::access::AccessRules;
use crate::domain::ids::ReportId;
use crate::domain::sla::SlaPolicy;
use crate::domain::unit::UnitTree;
use crate::domain::user::Principal;

use super::super::listing::{ListRequest, QueuePosition, ReportCursor, ReportOrder};
use super::matcher::Matcher;
use super::summary::Facets;
use super::{Catalogue, Shelf};

/// Reports tested together: each test of the filter runs over a block before the next.
/// Small in tests, so that the proptest's few reports span several blocks.
const BLOCK: usize = if cfg!(test) { 8 } else { 2048 };

/// The positions of one page, with the count of every match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CataloguePage {
    pub cursors: Vec<ReportCursor>,
    pub total_count: usize,
    pub has_next_page: bool,
}

/// Who reads a list, and what their view depends on: the unit tree, the access rules, the SLA
/// targets and the moment `overdue` is measured at.
pub struct Reading<'a> {
    pub who: &'a Principal,
    pub tree: &'a UnitTree,
    pub rules: &'a AccessRules,
    pub sla: &'a SlaPolicy,
    pub now: DateTime<Utc>,
}

impl Catalogue {
    /// The page `request` asks for in `reading`; `None` when the catalogue lost track of the
    /// store (the caller scans instead). The request is valid (see
    /// `Workflow::check_list_request`).
    pub fn page(&self, reading: &Reading<'_>, request: &ListRequest<'_>) -> Option<CataloguePage> {
        let shelf = self.read();
        if shelf.lost_track.is_some() {
            return None;
        }
        let Some(matcher) = Matcher::compile(&shelf, reading, request) else {
            return Some(CataloguePage {
                cursors: Vec::new(),
                total_count: 0,
                has_next_page: false,
            });
        };
        let page = match request.order {
            ReportOrder::NewestFirst => newest_first(&shelf, &matcher, request),
            ReportOrder::Queue => queue(&shelf, &matcher, request),
        };
        Some(page)
    }
}

fn newest_first(shelf: &Shelf, matcher: &Matcher, request: &ListRequest<'_>) -> CataloguePage {
    let columns = &shelf.columns;
    // Reports from `listed_below` up are at or above the cursor: counted, never listed.
    let listed_below = match request.after {
        Some(ReportCursor::NewestFirst(after)) => columns.count_below(after.get()),
        _ => columns.len(),
    };
    let counted_by_facets = matcher
        .facets_decide()
        .then(|| matcher.count_by_facets(columns));
    let mut page = CataloguePage {
        cursors: Vec::with_capacity(request.first.min(64)),
        total_count: 0,
        has_next_page: false,
    };
    let mut keep = [0u8; BLOCK];
    let mut block_end = match counted_by_facets {
        Some(_) => listed_below,
        None => columns.len(),
    };
    while block_end > 0 {
        if counted_by_facets.is_some() && page.has_next_page {
            break;
        }
        let start = block_end.saturating_sub(BLOCK);
        let keep = &mut keep[..block_end - start];
        page.total_count += matcher.keep(columns, start, keep);
        if !page.has_next_page && start < listed_below {
            for (offset, kept) in keep.iter().enumerate().rev() {
                let index = start + offset;
                if *kept == 0 || index >= listed_below {
                    continue;
                }
                if page.cursors.len() < request.first {
                    let report_id = ReportId::new(columns.id(index));
                    page.cursors.push(ReportCursor::NewestFirst(report_id));
                } else {
                    page.has_next_page = true;
                    break;
                }
            }
        }
        block_end = start;
    }
    if let Some(total_count) = counted_by_facets {
        page.total_count = total_count;
    }
    page
}

fn queue(shelf: &Shelf, matcher: &Matcher, request: &ListRequest<'_>) -> CataloguePage {
    let columns = &shelf.columns;
    let after = match request.after {
        Some(ReportCursor::Queue(after)) => Some(after),
        _ => None,
    };
    let first = request.first;
    let mut total_count = 0;
    let mut after_cursor = 0;
    // The `first` smallest positions after the cursor: the largest on top, to be pushed out.
    let mut smallest: BinaryHeap<QueuePosition> = BinaryHeap::with_capacity(first + 1);
    let mut keep = [0u8; BLOCK];
    // The walk is in ascending id: one walk through the pauses too.
    let mut paused = columns.paused_from(0);
    let mut start = 0;
    while start < columns.len() {
        let end = (start + BLOCK).min(columns.len());
        let keep = &mut keep[..end - start];
        let kept = matcher.keep(columns, start, keep);
        total_count += kept;
        if kept == 0 {
            start = end;
            continue;
        }
        for (offset, kept) in keep.iter().enumerate() {
            if *kept == 0 {
                continue;
            }
            let index = start + offset;
            let (facets, created, id) = (
                columns.facets[index],
                columns.created[index],
                columns.id(index),
            );
            let paused_seconds = paused.get(id).unwrap_or(0);
            let due = matcher.targets.due(facets, created, paused_seconds);
            if after.is_some_and(|after| due < after.due) {
                continue;
            }
            // Past the largest of a full page: after the cursor (the page is), not on it.
            if smallest.len() >= first && smallest.peek().is_some_and(|largest| due > largest.due) {
                after_cursor += 1;
                continue;
            }
            let position = QueuePosition {
                due,
                rank: Facets::rank_of(facets),
                created,
                id,
            };
            if after.is_some_and(|after| position <= after) {
                continue;
            }
            after_cursor += 1;
            if smallest.len() < first {
                smallest.push(position);
            } else if smallest.peek().is_some_and(|largest| position < *largest) {
                smallest.pop();
                smallest.push(position);
            }
        }
        start = end;
    }
    CataloguePage {
        cursors: smallest
            .into_sorted_vec()
            .into_iter()
            .map(ReportCursor::Queue)
            .collect(),
        total_count,
        has_next_page: after_cursor > first,
    }
}
