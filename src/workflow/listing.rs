//! Lists of reports: the two orders (newest first, and the queue: SLA due time, then priority,
//! then age), their cursors, and the entry point that answers a page from the catalogue
//! (`catalogue/`). The full scan of the store that the catalogue replaces stays here, as the
//! fallback when the catalogue could not follow the store and as the reference the tests
//! compare the catalogue with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::domain::access::can_see;
use crate::domain::ids::ReportId;
use crate::domain::report::{Priority, Report};
use crate::domain::sla::SlaPolicy;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;

use super::reads::filter_matches;
use super::{MAX_PAGE_SIZE, ReportFilter, ReportPage, Workflow};

/// The order of a list of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportOrder {
    /// Newest first: descending report id (ids grow with time).
    #[default]
    NewestFirst,
    /// The work queue: the open SLA stage's due time, earliest first (reports with nothing
    /// due, or paused while waiting for the reporter, last), then priority (a report without
    /// one counts as NORMAL, as the SLA holds it), then age (oldest first), then id.
    Queue,
}

impl ReportOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportOrder::NewestFirst => "NEWEST_FIRST",
            ReportOrder::Queue => "QUEUE",
        }
    }
}

/// A report's place in the queue order; the derived order is the queue's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueuePosition {
    /// The due time in nanoseconds since 1970, `i64::MAX` when nothing is due.
    pub due: i64,
    /// `priority_rank`.
    pub rank: u8,
    /// The creation time in nanoseconds since 1970.
    pub created: i64,
    pub id: u64,
}

impl QueuePosition {
    pub fn of(report: &Report, sla: &SlaPolicy) -> QueuePosition {
        // A due time does not depend on the moment asked: while paused there is none.
        let standing = sla.standing(report, report.created_at);
        QueuePosition {
            due: standing.due_at.map_or(i64::MAX, nanos),
            rank: priority_rank(report.priority),
            created: nanos(report.created_at),
            id: report.id.get(),
        }
    }
}

/// Where a page starts: after this position in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportCursor {
    NewestFirst(ReportId),
    Queue(QueuePosition),
}

/// Queue cursors: this letter, then the position in URL-safe base64.
const QUEUE_CURSOR_MARK: char = 'Q';
const QUEUE_CURSOR_BYTES: usize = 8 + 1 + 8 + 8;

impl ReportCursor {
    /// The opaque text handed to clients. A newest-first cursor is the report id, as it has
    /// always been.
    pub fn encode(&self) -> String {
        match self {
            ReportCursor::NewestFirst(report_id) => report_id.to_string(),
            ReportCursor::Queue(position) => {
                let mut bytes = Vec::with_capacity(QUEUE_CURSOR_BYTES);
                bytes.extend_from_slice(&position.due.to_be_bytes());
                bytes.push(position.rank);
                bytes.extend_from_slice(&position.created.to_be_bytes());
                bytes.extend_from_slice(&position.id.to_be_bytes());
                format!("{QUEUE_CURSOR_MARK}{}", URL_SAFE_NO_PAD.encode(bytes))
            }
        }
    }

    /// Reads a cursor of `order`; a cursor of the other order, or no cursor at all, is
    /// BAD_USER_INPUT.
    pub fn parse(text: &str, order: ReportOrder) -> Result<ReportCursor, UserError> {
        let parsed = match (ReportId::parse(text), queue_position(text)) {
            (Ok(report_id), _) => ReportCursor::NewestFirst(report_id),
            (_, Some(position)) => ReportCursor::Queue(position),
            _ => {
                return Err(UserError::bad_input(
                    "after is not a cursor from this connection",
                ));
            }
        };
        if parsed.order() != order {
            return Err(UserError::bad_input(format!(
                "after is a cursor of the {} order, and this list is in the {} order",
                parsed.order().as_str(),
                order.as_str()
            )));
        }
        Ok(parsed)
    }

    pub fn order(&self) -> ReportOrder {
        match self {
            ReportCursor::NewestFirst(_) => ReportOrder::NewestFirst,
            ReportCursor::Queue(_) => ReportOrder::Queue,
        }
    }
}

fn queue_position(text: &str) -> Option<QueuePosition> {
    let encoded = text.strip_prefix(QUEUE_CURSOR_MARK)?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    if bytes.len() != QUEUE_CURSOR_BYTES {
        return None;
    }
    let u64_at = |offset: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[offset..offset + 8]);
        word
    };
    Some(QueuePosition {
        due: i64::from_be_bytes(u64_at(0)),
        rank: bytes[8],
        created: i64::from_be_bytes(u64_at(9)),
        id: u64::from_be_bytes(u64_at(17)),
    })
}

/// Urgent first; a report without a priority sits with NORMAL, as the SLA holds it.
pub fn priority_rank(priority: Option<Priority>) -> u8 {
    match priority.unwrap_or(Priority::Normal) {
        Priority::Urgent => 0,
        Priority::High => 1,
        Priority::Normal => 2,
        Priority::Low => 3,
    }
}

/// Nanoseconds since 1970; times beyond what that counts (before 1677, after 2262) are held
/// at its ends.
pub fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// One page of a list, in the words of both orders.
pub struct ListRequest<'a> {
    pub filter: &'a ReportFilter,
    pub order: ReportOrder,
    pub first: usize,
    pub after: Option<ReportCursor>,
}

impl Workflow {
    /// The visible reports matching `filter`, newest first, `first` of them after the report
    /// id `after` (exclusive). See `list_reports_in` for the queue order.
    pub fn list_reports(
        &self,
        who: &Principal,
        filter: &ReportFilter,
        first: usize,
        after: Option<ReportId>,
    ) -> Result<ReportPage, UserError> {
        let request = ListRequest {
            filter,
            order: ReportOrder::NewestFirst,
            first,
            after: after.map(ReportCursor::NewestFirst),
        };
        self.list_reports_in(who, &request)
    }

    /// A page of the visible reports matching the request's filter in its order, answered
    /// from the catalogue (or, should it have lost track of the store, by a full scan).
    pub fn list_reports_in(
        &self,
        who: &Principal,
        request: &ListRequest<'_>,
    ) -> Result<ReportPage, UserError> {
        self.list_reports_at(who, request, Utc::now())
    }

    /// `list_reports_in` as of `now` (which `overdue` is measured against).
    pub(super) fn list_reports_at(
        &self,
        who: &Principal,
        request: &ListRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<ReportPage, UserError> {
        self.check_list_request(request)?;
        let tree = self.units.tree();
        let reading = super::Reading {
            who,
            tree: &tree,
            rules: &self.rules,
            sla: &self.clock.sla,
            now,
        };
        let Some(positions) = self.catalogue.page(&reading, request) else {
            return self.list_reports_by_scan(who, request, now);
        };
        let mut reports = Vec::with_capacity(positions.cursors.len());
        let mut cursors = Vec::with_capacity(positions.cursors.len());
        let ledger = self.store.reports();
        for cursor in positions.cursors {
            let report_id = match cursor {
                ReportCursor::NewestFirst(report_id) => report_id,
                ReportCursor::Queue(position) => ReportId::new(position.id),
            };
            // A report is never deleted; one changed since the catalogue was read is shown as
            // it is now.
            if let Some(report) = ledger.get(report_id)? {
                reports.push(report);
                cursors.push(cursor);
            }
        }
        Ok(ReportPage {
            reports,
            cursors,
            total_count: positions.total_count,
            has_next_page: positions.has_next_page,
        })
    }

    /// The same page as `list_reports_in`, by decoding every stored report: what lists did
    /// before the catalogue. Slow (seconds at a million reports).
    pub fn list_reports_by_scan(
        &self,
        who: &Principal,
        request: &ListRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<ReportPage, UserError> {
        self.check_list_request(request)?;
        let tree = self.units.tree();
        let sla = &self.clock.sla;
        let mut matching = Vec::new();
        for report in self.store.reports().newest_first() {
            let report = report?;
            if can_see(who, &report, &tree, &self.rules)
                && filter_matches(request.filter, &report, &tree, sla, now)
            {
                let cursor = match request.order {
                    ReportOrder::NewestFirst => ReportCursor::NewestFirst(report.id),
                    ReportOrder::Queue => ReportCursor::Queue(QueuePosition::of(&report, sla)),
                };
                matching.push((cursor, report));
            }
        }
        if request.order == ReportOrder::Queue {
            matching.sort_by_key(|(cursor, _)| match cursor {
                ReportCursor::Queue(position) => *position,
                ReportCursor::NewestFirst(_) => unreachable!("one order per list"),
            });
        }
        let total_count = matching.len();
        let after_cursor = matching.into_iter().filter(|(cursor, _)| {
            request
                .after
                .is_none_or(|after| comes_after(cursor, &after))
        });
        let mut page = ReportPage {
            reports: Vec::new(),
            cursors: Vec::new(),
            total_count,
            has_next_page: false,
        };
        for (cursor, report) in after_cursor {
            if page.reports.len() == request.first {
                page.has_next_page = true;
                break;
            }
            page.reports.push(report);
            page.cursors.push(cursor);
        }
        Ok(page)
    }

    fn check_list_request(&self, request: &ListRequest<'_>) -> Result<(), UserError> {
        if request.first > MAX_PAGE_SIZE {
            return Err(UserError::bad_input(format!(
                "first may be at most {MAX_PAGE_SIZE}"
            )));
        }
        if let Some(after) = request.after
            && after.order() != request.order
        {
            return Err(UserError::bad_input(format!(
                "after is a cursor of the {} order, and this list is in the {} order",
                after.order().as_str(),
                request.order.as_str()
            )));
        }
        request.filter.validate(&self.units.tree())
    }
}

/// Whether `cursor` lies strictly after `after` in their (common) order.
pub fn comes_after(cursor: &ReportCursor, after: &ReportCursor) -> bool {
    match (cursor, after) {
        (ReportCursor::NewestFirst(id), ReportCursor::NewestFirst(after)) => id < after,
        (ReportCursor::Queue(position), ReportCursor::Queue(after)) => position > after,
        _ => false,
    }
}
