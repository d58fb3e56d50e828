//! Reading reports as a principal may see them: one report by id or ticket, the filters of
//! lists (pages are in `listing`), and the report's messages and timeline. An existing report the principal may
//! not see is FORBIDDEN; an absent one NOT_FOUND.

use chrono::{DateTime, Utc};

use crate::domain::access::can_see;
use crate::domain::ids::{ReportId, Ticket};
use crate::domain::message::Message;
use crate::domain::report::{GeoPoint, Report};
use crate::domain::reporter::Reporter;
use crate::domain::sla::SlaPolicy;
use crate::domain::timeline::TimelineEvent;
use crate::domain::unit::UnitTree;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;

use super::{BoundingBox, ReportFilter, Workflow};

impl Workflow {
    pub fn report(&self, who: &Principal, report_id: ReportId) -> Result<Report, UserError> {
        let stored = self.store.reports().get(report_id)?;
        let Some(report) = stored else {
            return Err(UserError::not_found(&format!("report {report_id}")));
        };
        self.ensure_visible(who, report)
    }

    pub fn report_by_ticket(&self, who: &Principal, ticket: &Ticket) -> Result<Report, UserError> {
        let Some(report) = self.store.reports().by_ticket(ticket)? else {
            return Err(UserError::not_found(&format!("report {ticket}")));
        };
        self.ensure_visible(who, report)
    }

    /// Whether `who` may see `report` under the current unit tree.
    pub fn can_see(&self, who: &Principal, report: &Report) -> bool {
        can_see(who, report, &self.units.tree(), &self.rules)
    }

    fn ensure_visible(&self, who: &Principal, report: Report) -> Result<Report, UserError> {
        if self.can_see(who, &report) {
            return Ok(report);
        }
        Err(UserError::forbidden(format!(
            "report {} is not visible to {}",
            report.id, who.username
        )))
    }

    /// The reporter of a report. Callers mask the phone number for analysts (`mask_phones`).
    pub fn reporter(&self, reporter_id: u64) -> Result<Option<Reporter>, UserError> {
        Ok(self.store.reporters().get(reporter_id)?)
    }

    /// The messages of a report the principal may see, oldest first.
    pub fn messages(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Vec<Message>, UserError> {
        let report = self.report(who, report_id)?;
        Ok(self.store.reports().messages(report.id)?)
    }

    /// The timeline of a report the principal may see, oldest first.
    pub fn timeline(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Vec<TimelineEvent>, UserError> {
        let report = self.report(who, report_id)?;
        Ok(self.store.reports().timeline(report.id)?)
    }
}

impl ReportFilter {
    /// Refuses filters that cannot mean anything: an unknown unit, an inverted date range or
    /// bounding box, coordinates off the globe.
    pub fn validate(&self, tree: &UnitTree) -> Result<(), UserError> {
        if let Some(unit_code) = &self.unit_code
            && !tree.contains(unit_code)
        {
            return Err(UserError::bad_input(format!("unknown unit {unit_code}")));
        }
        if let (Some(from), Some(to)) = (self.created_from, self.created_to)
            && from > to
        {
            return Err(UserError::bad_input(
                "createdFrom is after createdTo: the range is empty",
            ));
        }
        if let Some(within) = &self.within {
            within.validate()?;
        }
        Ok(())
    }
}

impl BoundingBox {
    pub fn validate(&self) -> Result<(), UserError> {
        let latitudes_sound = [self.south, self.north]
            .iter()
            .all(|latitude| (-90.0..=90.0).contains(latitude));
        let longitudes_sound = [self.west, self.east]
            .iter()
            .all(|longitude| (-180.0..=180.0).contains(longitude));
        if !latitudes_sound || !longitudes_sound {
            return Err(UserError::bad_input(
                "a bounding box needs latitudes within -90..90 and longitudes within -180..180",
            ));
        }
        if self.south > self.north {
            return Err(UserError::bad_input(
                "the south edge of the bounding box is north of its north edge",
            ));
        }
        Ok(())
    }

    pub fn contains(&self, point: GeoPoint) -> bool {
        let latitude_inside = (self.south..=self.north).contains(&point.latitude);
        let longitude_inside = if self.west <= self.east {
            (self.west..=self.east).contains(&point.longitude)
        } else {
            // Crossing the antimeridian: east of `west` or west of `east`.
            point.longitude >= self.west || point.longitude <= self.east
        };
        latitude_inside && longitude_inside
    }
}

/// Whether `report` matches every condition `filter` sets at `now` (`overdue` against `sla`).
/// Visibility is not part of it.
pub fn filter_matches(
    filter: &ReportFilter,
    report: &Report,
    tree: &UnitTree,
    sla: &SlaPolicy,
    now: DateTime<Utc>,
) -> bool {
    if !filter.status.is_empty() && !filter.status.contains(&report.status) {
        return false;
    }
    if !filter.channel_matches(report.channel.as_deref()) {
        return false;
    }
    if !filter.category.is_empty()
        && !report
            .category
            .as_ref()
            .is_some_and(|category| filter.category.contains(category))
    {
        return false;
    }
    if let Some(unit_code) = &filter.unit_code
        && !report
            .assigned_unit
            .as_deref()
            .is_some_and(|assigned| tree.is_within(assigned, unit_code))
    {
        return false;
    }
    if !filter.priority.is_empty()
        && !report
            .priority
            .is_some_and(|priority| filter.priority.contains(&priority))
    {
        return false;
    }
    if filter
        .created_from
        .is_some_and(|from| report.created_at < from)
    {
        return false;
    }
    if filter.created_to.is_some_and(|to| report.created_at >= to) {
        return false;
    }
    if filter
        .has_media
        .is_some_and(|wanted| report.has_media != wanted)
    {
        return false;
    }
    if let Some(within) = &filter.within
        && !report.location.is_some_and(|point| within.contains(point))
    {
        return false;
    }
    if !filter.satisfaction.is_empty()
        && !report
            .satisfaction
            .as_ref()
            .and_then(|satisfaction| satisfaction.rating)
            .is_some_and(|rating| filter.satisfaction.contains(&rating))
    {
        return false;
    }
    if let Some(wanted) = filter.overdue
        && sla.standing(report, now).overdue != wanted
    {
        return false;
    }
    if report.blocked != filter.blocked {
        return false;
    }
    let holder = report
        .assignee
        .as_ref()
        .map(|assignee| assignee.username.as_str());
    if filter
        .assignee
        .as_deref()
        .is_some_and(|wanted| holder != Some(wanted))
        || filter
            .not_assignee
            .as_deref()
            .is_some_and(|unwanted| holder == Some(unwanted))
        || filter
            .unassigned
            .is_some_and(|wanted| holder.is_none() != wanted)
    {
        return false;
    }
    true
}
