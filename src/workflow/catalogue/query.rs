//! A page from the catalogue: the request's filter and the reader's visibility compiled into
//! masks over interned codes, then one pass over the summaries that counts every match and
//! keeps the page (newest first: the first matches walking ids down; the queue: the smallest
//! positions after the cursor, in a bounded heap).

use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

use crate::domain::access::AccessRules;
use crate::domain::ids::ReportId;
use crate::domain::report::ReportStatus;
use crate::domain::satisfaction::SatisfactionRating;
use crate::domain::sla::SlaPolicy;
use crate::domain::unit::UnitTree;
use crate::domain::user::{Principal, Role};
use crate::workflow::BoundingBox;

use super::super::listing::{ListRequest, QueuePosition, ReportCursor, ReportOrder, nanos};
use super::summary::{DueTargets, Interner, ReportSummary};
use super::{Catalogue, Shelf};

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
    let after = match request.after {
        Some(ReportCursor::NewestFirst(after)) => after.get(),
        _ => u64::MAX,
    };
    let mut page = CataloguePage {
        cursors: Vec::with_capacity(request.first.min(64)),
        total_count: 0,
        has_next_page: false,
    };
    for summary in shelf.summaries.iter().rev() {
        if !matcher.matches(summary, shelf) {
            continue;
        }
        page.total_count += 1;
        if summary.id >= after {
            continue;
        }
        if page.cursors.len() < request.first {
            page.cursors
                .push(ReportCursor::NewestFirst(ReportId::new(summary.id)));
        } else {
            page.has_next_page = true;
        }
    }
    page
}

fn queue(shelf: &Shelf, matcher: &Matcher, request: &ListRequest<'_>) -> CataloguePage {
    let after = match request.after {
        Some(ReportCursor::Queue(after)) => Some(after),
        _ => None,
    };
    let mut total_count = 0;
    let mut after_cursor = 0;
    // The `first` smallest positions after the cursor: the largest on top, to be pushed out.
    let mut smallest: BinaryHeap<QueuePosition> = BinaryHeap::with_capacity(request.first + 1);
    for summary in &shelf.summaries {
        if !matcher.matches(summary, shelf) {
            continue;
        }
        total_count += 1;
        let position = QueuePosition {
            due: summary.due(&matcher.targets),
            rank: summary.rank(),
            created: summary.created,
            id: summary.id,
        };
        if after.is_some_and(|after| position <= after) {
            continue;
        }
        after_cursor += 1;
        if smallest.len() < request.first {
            smallest.push(position);
        } else if smallest.peek().is_some_and(|largest| position < *largest) {
            smallest.pop();
            smallest.push(position);
        }
    }
    CataloguePage {
        cursors: smallest
            .into_sorted_vec()
            .into_iter()
            .map(ReportCursor::Queue)
            .collect(),
        total_count,
        has_next_page: after_cursor > request.first,
    }
}

/// The filter and the visibility of one request, as tests on a summary.
struct Matcher {
    /// Bit `n` set: status `ReportStatus::ALL[n]` matches.
    statuses: u16,
    /// By interned category: whether it matches; `None` matches every report.
    categories: Option<Vec<bool>>,
    /// Bit `n` set: priority byte `n` matches (bit 0, no priority, never when filtered).
    priorities: u8,
    /// Bit `n` set: satisfaction byte `n` matches (bit 0, no answer, never when filtered).
    satisfaction: u8,
    /// By interned unit: whether a report assigned there matches the unit filter and the
    /// officer's subtree; `None` matches every report.
    units: Option<Vec<bool>>,
    /// By interned business number (0: none recorded, the default number's): whether it
    /// matches; `None` matches every report.
    channels: Option<Vec<bool>>,
    /// Compartmented reports are left out.
    hide_compartmented: bool,
    created_from: Option<i64>,
    created_to: Option<i64>,
    has_media: Option<bool>,
    within: Option<BoundingBox>,
    overdue: Option<bool>,
    /// Only reports opened for blocked reporters (`true`), or none of them (`false`).
    blocked: bool,
    /// Only reports held by this person (interned in `Shelf::people`).
    holder: Option<u16>,
    /// No report held by this person.
    not_holder: Option<u16>,
    unassigned: Option<bool>,
    now: i64,
    targets: DueTargets,
}

impl Matcher {
    /// `None` when `who` sees nothing at all.
    fn compile(shelf: &Shelf, reading: &Reading<'_>, request: &ListRequest<'_>) -> Option<Matcher> {
        let Reading {
            who,
            tree,
            rules,
            sla,
            now,
        } = *reading;
        let filter = request.filter;
        let mut statuses = u16::MAX;
        if !filter.status.is_empty() {
            statuses = 0;
            for (place, status) in ReportStatus::ALL.iter().enumerate() {
                if filter.status.contains(status) {
                    statuses |= 1 << place;
                }
            }
        }
        let mut priorities = u8::MAX;
        if !filter.priority.is_empty() {
            priorities = 0;
            for priority in &filter.priority {
                let rank = super::super::listing::priority_rank(Some(*priority));
                priorities |= 1 << (rank + 1);
            }
        }
        let mut satisfaction = u8::MAX;
        if !filter.satisfaction.is_empty() {
            satisfaction = 0;
            for (place, rating) in SatisfactionRating::ALL.iter().enumerate() {
                if filter.satisfaction.contains(rating) {
                    satisfaction |= 1 << (place + 1);
                }
            }
        }
        let categories = (!filter.category.is_empty()).then(|| {
            by_code(&shelf.categories, |code| {
                filter.category.iter().any(|c| c == code)
            })
        });
        let mut units = filter
            .unit_code
            .as_deref()
            .map(|unit_code| by_code(&shelf.units, |code| tree.is_within(code, unit_code)));
        let channels = filter.channel.as_deref().map(|wanted| {
            let mut channels = by_code(&shelf.channels, |code| code == wanted);
            channels[0] = filter.channel_is_default;
            channels
        });
        let mut hide_compartmented = false;
        match who.role {
            Role::Admin | Role::Supervisor | Role::Operator => {}
            Role::Analyst => hide_compartmented = true,
            Role::Officer => {
                let officer_unit = who.unit.as_deref()?;
                let subtree = by_code(&shelf.units, |code| tree.is_within(code, officer_unit));
                units = Some(match units {
                    Some(filtered) => filtered
                        .iter()
                        .zip(&subtree)
                        .map(|(filtered, visible)| *filtered && *visible)
                        .collect(),
                    None => subtree,
                });
                hide_compartmented = !rules.is_propam_unit(officer_unit, tree);
            }
        }
        // Nobody holds anything under a name the catalogue never saw.
        let holder = match filter.assignee.as_deref() {
            Some(username) => Some(shelf.people.number(username)?),
            None => None,
        };
        let not_holder = filter
            .not_assignee
            .as_deref()
            .and_then(|username| shelf.people.number(username));
        Some(Matcher {
            holder,
            not_holder,
            unassigned: filter.unassigned,
            statuses,
            categories,
            priorities,
            satisfaction,
            units,
            channels,
            hide_compartmented,
            created_from: filter.created_from.map(nanos),
            created_to: filter.created_to.map(nanos),
            has_media: filter.has_media,
            within: filter.within,
            overdue: filter.overdue,
            blocked: filter.blocked,
            now: nanos(now),
            targets: DueTargets::of(sla),
        })
    }

    fn matches(&self, summary: &ReportSummary, shelf: &Shelf) -> bool {
        if self.statuses & (1 << summary.status) == 0
            || self.priorities & (1 << summary.priority) == 0
            || self.satisfaction & (1 << summary.satisfaction()) == 0
        {
            return false;
        }
        if let Some(categories) = &self.categories
            && !categories[summary.category as usize]
        {
            return false;
        }
        if let Some(units) = &self.units
            && !units[summary.unit as usize]
        {
            return false;
        }
        if let Some(channels) = &self.channels
            && !channels[summary.channel() as usize]
        {
            return false;
        }
        if summary.is_blocked() != self.blocked {
            return false;
        }
        if self.hide_compartmented && summary.is_compartmented() {
            return false;
        }
        if self.created_from.is_some_and(|from| summary.created < from)
            || self.created_to.is_some_and(|to| summary.created >= to)
        {
            return false;
        }
        if self
            .has_media
            .is_some_and(|wanted| summary.has_media() != wanted)
        {
            return false;
        }
        if let Some(within) = &self.within
            && !shelf
                .locations
                .get(summary.location)
                .is_some_and(|point| within.contains(point))
        {
            return false;
        }
        if let Some(wanted) = self.overdue
            && (summary.due(&self.targets) <= self.now) != wanted
        {
            return false;
        }
        let held = summary.is_held();
        if self.unassigned.is_some_and(|wanted| held == wanted) || (self.holder.is_some() && !held)
        {
            return false;
        }
        // Only held reports are looked up, and only when a holder is named.
        if held && (self.holder.is_some() || self.not_holder.is_some()) {
            let holder = shelf.holders.get(&summary.id).copied();
            if self.holder.is_some_and(|wanted| holder != Some(wanted))
                || self
                    .not_holder
                    .is_some_and(|unwanted| holder == Some(unwanted))
            {
                return false;
            }
        }
        true
    }
}

/// For number 0 ("none") and every interned code: whether `wanted(code)`; "none" never is.
fn by_code(interner: &Interner, wanted: impl Fn(&str) -> bool) -> Vec<bool> {
    std::iter::once(false)
        .chain(interner.codes().iter().map(|code| wanted(code)))
        .collect()
}
