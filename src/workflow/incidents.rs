//! Incidents: reports of one event from many citizens (twenty people reporting one fire),
//! grouped under a primary report while each keeps its reporter, conversation and notices.
//! The grouping lives on the reports themselves (`Report::incident`, `Report::linked`), so a
//! link or unlink is one transaction over the reports it touches. Forwarding or moving the
//! primary may carry the others along (`forward_with_linked`, `set_status_with_linked`):
//! each linked report then takes the same step through the same path, so its citizen gets
//! their own notice. The candidates for linking come from `similar`.

use chrono::Utc;

use super::permissions::Action;
use super::{
    Committed, MAX_NOTE_CHARS, Workflow, load_existing_report, optional_text, refuse, report_event,
    with_note,
};
use crate::bus::ReportEventKind;
use crate::domain::ids::{ReportId, UnitCode};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::timeline::TimelineKind;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;

/// One incident groups at most this many reports besides its primary.
pub const MAX_LINKED_REPORTS: usize = 200;

impl Workflow {
    /// Links `others` to `primary`'s incident (creating it). A report already in another
    /// incident, a final primary, the primary among the others, or a report the caller cannot
    /// see refuses the whole link; reports already linked to this primary are left as they are.
    pub async fn link_reports(
        &self,
        who: &Principal,
        primary: ReportId,
        others: Vec<ReportId>,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let mut wanted: Vec<ReportId> = Vec::with_capacity(others.len());
        for other in others {
            if other == primary {
                return Err(UserError::bad_input(
                    "the primary report cannot be linked to itself: leave it out of others",
                ));
            }
            if !wanted.contains(&other) {
                wanted.push(other);
            }
        }
        if wanted.is_empty() {
            return Err(UserError::bad_input("name at least one report to link"));
        }
        let note = optional_text(note, "the note", MAX_NOTE_CHARS)?;
        let tree = self.units.tree();
        let now = Utc::now();
        let who = who.clone();
        self.commit(move |this, tx| {
            let mut head = load_existing_report(tx, primary)?;
            this.require(&who, Action::Link, &head, &tree)?;
            if let Some(other_primary) = head.incident.filter(|id| *id != primary) {
                return refuse(UserError::conflict(format!(
                    "report {} is linked under the incident of report {other_primary}: link to that primary instead",
                    head.ticket
                )));
            }
            if matches!(
                head.status,
                ReportStatus::Duplicate | ReportStatus::Spam | ReportStatus::Rejected
            ) {
                return refuse(UserError::conflict(format!(
                    "report {} is {}: choose the report that carries the case as the primary",
                    head.ticket, head.status
                )));
            }
            let mut newly_linked = Vec::new();
            for &other_id in &wanted {
                let mut other = load_existing_report(tx, other_id)?;
                this.require(&who, Action::Link, &other, &tree)?;
                match other.incident {
                    Some(existing) if existing == primary => continue,
                    Some(existing) => {
                        return refuse(UserError::conflict(format!(
                            "report {} already belongs to the incident of report {existing}: unlink it first",
                            other.ticket
                        )));
                    }
                    None => {}
                }
                other.incident = Some(primary);
                let text = with_note(format!("linked to the incident of {}", head.ticket), note.as_deref());
                tx.reports().append_timeline(
                    &mut other,
                    TimelineKind::Linked,
                    who.actor(),
                    Some(text),
                    None,
                    now,
                )?;
                other.updated_at = now;
                tx.reports().save(&other)?;
                newly_linked.push(other);
            }
            if head.linked.len() + newly_linked.len() > MAX_LINKED_REPORTS {
                return refuse(UserError::bad_input(format!(
                    "an incident groups at most {MAX_LINKED_REPORTS} reports besides its primary"
                )));
            }
            let mut committed = Committed::new(head.clone());
            if newly_linked.is_empty() {
                return Ok(committed);
            }
            head.incident = Some(primary);
            head.linked.extend(newly_linked.iter().map(|report| report.id));
            let tickets: Vec<&str> = newly_linked.iter().map(|report| report.ticket.as_str()).collect();
            let text = with_note(format!("linked {}", tickets.join(", ")), note.as_deref());
            tx.reports().append_timeline(
                &mut head,
                TimelineKind::Linked,
                who.actor(),
                Some(text),
                None,
                now,
            )?;
            head.updated_at = now;
            tx.reports().save(&head)?;
            committed.events = std::iter::once(&head)
                .chain(&newly_linked)
                .map(|report| report_event(ReportEventKind::Linked, report, now, None))
                .collect();
            committed.value = head;
            Ok(committed)
        })
        .await
    }

    /// Takes `report_id` out of its incident; unlinking the primary dissolves the incident
    /// (every report is unlinked). CONFLICT when the report is in no incident. Returns it.
    pub async fn unlink_report(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who = who.clone();
        self.commit(move |this, tx| {
            let report = load_existing_report(tx, report_id)?;
            this.require(&who, Action::Link, &report, &tree)?;
            let Some(primary_id) = report.incident else {
                return refuse(UserError::conflict(format!(
                    "report {} is not linked to an incident",
                    report.ticket
                )));
            };
            let mut head = load_existing_report(tx, primary_id)?;
            let leaving: Vec<ReportId> = if primary_id == report_id {
                std::mem::take(&mut head.linked)
            } else {
                head.linked.retain(|id| *id != report_id);
                vec![report_id]
            };
            let mut committed = Committed::new(report.clone());
            for id in leaving {
                let mut other = load_existing_report(tx, id)?;
                other.incident = None;
                let text = format!("unlinked from the incident of {}", head.ticket);
                tx.reports().append_timeline(
                    &mut other,
                    TimelineKind::Unlinked,
                    who.actor(),
                    Some(text),
                    None,
                    now,
                )?;
                other.updated_at = now;
                tx.reports().save(&other)?;
                committed
                    .events
                    .push(report_event(ReportEventKind::Linked, &other, now, None));
                if other.id == report_id {
                    committed.value = other;
                }
            }
            let text = if primary_id == report_id {
                "incident dissolved: every report unlinked".to_string()
            } else {
                format!("unlinked {}", report.ticket)
            };
            if head.linked.is_empty() {
                head.incident = None;
            }
            tx.reports().append_timeline(
                &mut head,
                TimelineKind::Unlinked,
                who.actor(),
                Some(text),
                None,
                now,
            )?;
            head.updated_at = now;
            tx.reports().save(&head)?;
            committed
                .events
                .push(report_event(ReportEventKind::Linked, &head, now, None));
            if head.id == report_id {
                committed.value = head;
            }
            Ok(committed)
        })
        .await
    }

    /// Forwards the primary, then every linked report that is not already with `unit_code`,
    /// each through `forward` (so each citizen is told). Every linked report is checked first;
    /// one that cannot follow refuses the whole step before anything changes.
    pub async fn forward_with_linked(
        &self,
        who: &Principal,
        primary: ReportId,
        unit_code: &UnitCode,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let followers = self.followers(
            who,
            primary,
            |report| {
                let already = report.status == ReportStatus::Forwarded
                    && report.assigned_unit.as_ref() == Some(unit_code);
                if already {
                    return Ok(false);
                }
                if !report
                    .status
                    .can_move_to(ReportStatus::Forwarded, report.resume_status)
                {
                    return Err(format!("it is {}", report.status));
                }
                Ok(true)
            },
            Action::Forward,
        )?;
        let head = self.forward(who, primary, unit_code, note.clone()).await?;
        for follower in followers {
            self.forward(who, follower, unit_code, note.clone()).await?;
        }
        Ok(head)
    }

    /// Moves the primary to `status`, then every linked report not already there, each
    /// through `set_status` (a RESOLVED notice to each citizen). Checked first, as forwarding.
    pub async fn set_status_with_linked(
        &self,
        who: &Principal,
        primary: ReportId,
        status: ReportStatus,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let followers = self.followers(
            who,
            primary,
            |report| {
                if report.status == status {
                    return Ok(false);
                }
                if !report.status.can_move_to(status, report.resume_status) {
                    return Err(format!(
                        "it is {} and cannot become {status}",
                        report.status
                    ));
                }
                Ok(true)
            },
            Action::SetStatus(status),
        )?;
        let head = self.set_status(who, primary, status, note.clone()).await?;
        for follower in followers {
            self.set_status(who, follower, status, note.clone()).await?;
        }
        Ok(head)
    }

    /// The linked reports of `primary` that should take the step (`should_follow` says
    /// whether, or why not); BAD_USER_INPUT naming the first that cannot, FORBIDDEN for one
    /// the caller may not act on. A report that is not a primary has none.
    fn followers(
        &self,
        who: &Principal,
        primary: ReportId,
        should_follow: impl Fn(&Report) -> Result<bool, String>,
        action: Action,
    ) -> Result<Vec<ReportId>, UserError> {
        let head = self.report(who, primary)?;
        if head.incident != Some(primary) {
            return Ok(Vec::new());
        }
        let tree = self.units.tree();
        let mut followers = Vec::with_capacity(head.linked.len());
        for &linked_id in &head.linked {
            let Some(report) = self.store.reports().get(linked_id)? else {
                continue;
            };
            super::permissions::require(who, action, &report, &tree, &self.rules)?;
            match should_follow(&report) {
                Ok(true) => followers.push(linked_id),
                Ok(false) => {}
                Err(why) => {
                    return Err(UserError::bad_input(format!(
                        "linked report {} cannot be carried along: {why}; unlink it or move it first",
                        report.ticket
                    )));
                }
            }
        }
        Ok(followers)
    }
}
