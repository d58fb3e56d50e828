//! A request's filter and its reader's visibility compiled once into tests over the
//! catalogue's columns: two 256-entry tables over the facet word's bytes (status, priority,
//! satisfaction and the flags), tables over the interned codes, and bounds on the creation
//! time. `Matcher::keep` runs them over a block of reports, one column at a time, so that each
//! test is a tight loop over one vector and a request reads only the columns it filters on.

use crate::domain::report::ReportStatus;
use crate::domain::satisfaction::SatisfactionRating;
use crate::domain::user::Role;
use crate::workflow::BoundingBox;

use super::super::listing::{ListRequest, nanos, priority_rank};
use super::Shelf;
use super::columns::Columns;
use super::query::Reading;
use super::summary::{DueTargets, Facets, Interner};

/// The filter and the visibility of one request, as tests on the columns.
pub(super) struct Matcher {
    /// By the facet word's low byte (priority, SLA stage and pause, satisfaction): 1 when it
    /// matches, else 0.
    low: [u8; 256],
    /// By the facet word's high byte (status and flags): 1 when it matches, else 0.
    high: [u8; 256],
    /// By interned category: 1 when it matches; `None` matches every report.
    categories: Option<Vec<u8>>,
    /// By interned unit: 1 when a report assigned there matches the unit filter and the
    /// officer's subtree; `None` matches every report.
    units: Option<Vec<u8>>,
    /// By interned business number (0: none recorded, the default number's): 1 when it
    /// matches; `None` matches every report.
    channels: Option<Vec<u8>>,
    created_from: Option<i64>,
    created_to: Option<i64>,
    within: Option<BoundingBox>,
    overdue: Option<bool>,
    /// Only reports held by this person (interned in `Shelf::people`).
    holder: Option<u16>,
    /// No report held by this person.
    not_holder: Option<u16>,
    now: i64,
    pub targets: DueTargets,
}

impl Matcher {
    /// `None` when the request matches nothing at all.
    pub fn compile(
        shelf: &Shelf,
        reading: &Reading<'_>,
        request: &ListRequest<'_>,
    ) -> Option<Matcher> {
        let Reading {
            who,
            tree,
            rules,
            sla,
            now,
        } = *reading;
        let filter = request.filter;
        let mut units = filter
            .unit_code
            .as_deref()
            .map(|unit_code| by_code(&shelf.units, |code| tree.is_within(code, unit_code)));
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
                        .map(|(filtered, visible)| filtered & visible)
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

        let mut low = [0u8; 256];
        for (byte, entry) in low.iter_mut().enumerate() {
            let byte = byte as u8;
            let priority = Facets::priority_of(byte);
            let priority_matches = filter.priority.is_empty()
                || filter
                    .priority
                    .iter()
                    .any(|wanted| priority == priority_rank(Some(*wanted)) + 1);
            let satisfaction = Facets::satisfaction_of(byte);
            let satisfaction_matches = filter.satisfaction.is_empty()
                || SatisfactionRating::ALL
                    .iter()
                    .enumerate()
                    .any(|(place, rating)| {
                        satisfaction == place as u8 + 1 && filter.satisfaction.contains(rating)
                    });
            *entry = u8::from(priority_matches && satisfaction_matches);
        }
        let mut high = [0u8; 256];
        for (byte, entry) in high.iter_mut().enumerate() {
            let byte = byte as u8;
            let status_matches = filter.status.is_empty()
                || ReportStatus::ALL
                    .get(Facets::status_of(byte) as usize)
                    .is_some_and(|status| filter.status.contains(status));
            let held = byte & Facets::HELD != 0;
            let matches = status_matches
                && (byte & Facets::BLOCKED != 0) == filter.blocked
                && !(hide_compartmented && byte & Facets::COMPARTMENTED != 0)
                && filter
                    .has_media
                    .is_none_or(|wanted| (byte & Facets::HAS_MEDIA != 0) == wanted)
                && filter.unassigned.is_none_or(|wanted| held != wanted)
                && (holder.is_none() || held);
            *entry = u8::from(matches);
        }
        Some(Matcher {
            low,
            high,
            categories: (!filter.category.is_empty()).then(|| {
                by_code(&shelf.categories, |code| {
                    filter.category.iter().any(|c| c == code)
                })
            }),
            units,
            channels: filter.channel.as_deref().map(|wanted| {
                let mut channels = by_code(&shelf.channels, |code| code == wanted);
                channels[0] = u8::from(filter.channel_is_default);
                channels
            }),
            created_from: filter.created_from.map(nanos),
            created_to: filter.created_to.map(nanos),
            within: filter.within,
            overdue: filter.overdue,
            holder,
            not_holder,
            now: nanos(now),
            targets: DueTargets::of(sla),
        })
    }

    /// Whether the facet word alone decides: then `count_by_facets` is the total count.
    pub fn facets_decide(&self) -> bool {
        self.categories.is_none()
            && self.units.is_none()
            && self.channels.is_none()
            && self.created_from.is_none()
            && self.created_to.is_none()
            && self.within.is_none()
            && self.overdue.is_none()
            && self.holder.is_none()
            && self.not_holder.is_none()
    }

    /// The reports whose facet word matches, from the catalogue's count of every word.
    pub fn count_by_facets(&self, columns: &Columns) -> usize {
        let mut total = 0usize;
        for (high, high_matches) in self.high.iter().enumerate() {
            if *high_matches == 0 {
                continue;
            }
            let row = &columns.facet_counts[high << 8..(high + 1) << 8];
            for (count, low_matches) in row.iter().zip(&self.low) {
                total += (*count * u32::from(*low_matches)) as usize;
            }
        }
        total
    }

    /// Sets `keep[n]` to 1 when the report at `start + n` matches, else 0, and returns how
    /// many match.
    pub fn keep(&self, columns: &Columns, start: usize, keep: &mut [u8]) -> usize {
        let end = start + keep.len();
        for (kept, facets) in keep.iter_mut().zip(&columns.facets[start..end]) {
            *kept = self.low[(facets & 0xff) as usize] & self.high[(facets >> 8) as usize];
        }
        for (table, codes) in [
            (&self.categories, &columns.categories[start..end]),
            (&self.units, &columns.units[start..end]),
        ] {
            if let Some(table) = table {
                for (kept, code) in keep.iter_mut().zip(codes) {
                    *kept &= table.get(*code as usize).copied().unwrap_or(0);
                }
            }
        }
        if let Some(table) = &self.channels {
            for (kept, code) in keep.iter_mut().zip(&columns.channels[start..end]) {
                *kept &= table.get(*code as usize).copied().unwrap_or(0);
            }
        }
        if self.created_from.is_some() || self.created_to.is_some() {
            let from = self.created_from.unwrap_or(i64::MIN);
            let to = self.created_to;
            for (kept, created) in keep.iter_mut().zip(&columns.created[start..end]) {
                let before_end = to.is_none_or(|to| *created < to);
                *kept &= u8::from(*created >= from && before_end);
            }
        }
        if let Some(holder) = self.holder {
            for (kept, held_by) in keep.iter_mut().zip(&columns.holders[start..end]) {
                *kept &= u8::from(*held_by == holder);
            }
        }
        if let Some(not_holder) = self.not_holder {
            for (kept, held_by) in keep.iter_mut().zip(&columns.holders[start..end]) {
                *kept &= u8::from(*held_by != not_holder);
            }
        }
        if end == start {
            return 0;
        }
        if let Some(wanted) = self.overdue {
            let mut paused = columns.paused_from(columns.id(start));
            for (offset, kept) in keep.iter_mut().enumerate() {
                let index = start + offset;
                if *kept != 0 {
                    let paused_seconds = paused.get(columns.id(index)).unwrap_or(0);
                    let due = self.targets.due(
                        columns.facets[index],
                        columns.created[index],
                        paused_seconds,
                    );
                    *kept = u8::from((due <= self.now) == wanted);
                }
            }
        }
        if let Some(within) = &self.within {
            let mut locations = columns.locations_from(columns.id(start));
            for (offset, kept) in keep.iter_mut().enumerate() {
                if *kept != 0 {
                    *kept = u8::from(
                        locations
                            .get(columns.id(start + offset))
                            .is_some_and(|point| within.contains(point)),
                    );
                }
            }
        }
        keep.iter().map(|kept| usize::from(*kept)).sum()
    }
}

/// For number 0 ("none") and every interned code: 1 when `wanted(code)`; "none" never is.
fn by_code(interner: &Interner, wanted: impl Fn(&str) -> bool) -> Vec<u8> {
    std::iter::once(0)
        .chain(interner.codes().iter().map(|code| u8::from(wanted(code))))
        .collect()
}
