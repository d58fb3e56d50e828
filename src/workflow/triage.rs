//! Triage: category, priority and summary set by an operator, and the one way a complaint
//! about police conduct leaves the internal-affairs compartment.

use chrono::Utc;

use super::permissions::Action;
use super::{
    Committed, MAX_NOTE_CHARS, MAX_SUMMARY_CHARS, Workflow, load_existing_report, optional_text,
    refuse, report_event, touch, with_note,
};
use crate::bus::ReportEventKind;
use crate::domain::access::AccessRules;
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::ReportId;
use crate::domain::report::{Priority, Report, ReportStatus};
use crate::domain::timeline::TimelineKind;
use crate::domain::unit::UnitTree;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::TxError;

impl Workflow {
    /// `triage_with_note` without a note.
    pub async fn triage(
        &self,
        who: &Principal,
        report_id: ReportId,
        category: Option<String>,
        priority: Option<Priority>,
        summary: Option<String>,
    ) -> Result<Report, UserError> {
        self.triage_with_note(who, report_id, category, priority, summary, None)
            .await
    }

    /// Sets category, priority and summary; a NEW report becomes TRIAGED, a later one keeps its
    /// status. Final reports cannot be triaged. `summary: Some("")` clears the summary.
    ///
    /// A complaint about police conduct leaves the internal-affairs compartment only when a
    /// supervisor triages it into another category and says why in `note`.
    pub async fn triage_with_note(
        &self,
        who: &Principal,
        report_id: ReportId,
        category: Option<String>,
        priority: Option<Priority>,
        summary: Option<String>,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let mut report = load_existing_report(tx, report_id)?;
            this.require(who, Action::Triage, &report, &tree)?;
            let note =
                optional_text(note.clone(), "the note", MAX_NOTE_CHARS).map_err(TxError::Abort)?;
            let category = match category.as_deref().map(str::trim) {
                None => None,
                Some(code) if this.rules.is_known_category(code) => Some(code.to_string()),
                Some(code) => {
                    return refuse(UserError::bad_input(format!(
                        "unknown category {code:?}: use a category code of the profile"
                    )));
                }
            };
            let summary = match &summary {
                None => None,
                Some(text) => Some(
                    optional_text(Some(text.clone()), "the summary", MAX_SUMMARY_CHARS)
                        .map_err(TxError::Abort)?,
                ),
            };
            if report.status.is_final() {
                return refuse(UserError::conflict(format!(
                    "report {} is {} (final) and can no longer be triaged",
                    report.ticket, report.status
                )));
            }
            let leaves_compartment = this.rules.is_compartmented(&report)
                && category
                    .as_deref()
                    .is_some_and(|code| !this.rules.is_propam_category(Some(code)));
            if leaves_compartment {
                check_compartment_exit(who, &report, note.as_deref()).map_err(TxError::Abort)?;
            }
            let mut changes =
                apply_triage(&mut report, category, priority, summary, &this.rules, &tree);
            if leaves_compartment {
                report.compartmented = false;
                changes.push("taken out of the internal-affairs compartment".to_string());
                let entry = AuditEntry::by(AuditAction::CompartmentExit, who)
                    .about_report(report.id)
                    .detail(note.clone().unwrap_or_default());
                tx.audit_log().append(entry)?;
            } else if this.rules.seal_compartment(&mut report) {
                changes.push("in the internal-affairs compartment".to_string());
            }
            let moves_to_triaged = report.status == ReportStatus::New;
            if changes.is_empty() && !moves_to_triaged {
                // Nothing to record: a repeated triage is not a new event.
                return Ok(Committed::new(report));
            }
            let description = if changes.is_empty() {
                "triaged without changes".to_string()
            } else {
                changes.join("; ")
            };
            let note = with_note(description, note.as_deref());
            tx.reports().append_timeline(
                &mut report,
                TimelineKind::Triaged,
                who.actor(),
                Some(note),
                None,
                now,
            )?;
            let mut committed_events =
                vec![report_event(ReportEventKind::Triaged, &report, now, None)];
            if moves_to_triaged {
                report.move_to(ReportStatus::Triaged, now);
                let note = format!("{} -> {}", ReportStatus::New, ReportStatus::Triaged);
                tx.reports().append_timeline(
                    &mut report,
                    TimelineKind::StatusChanged,
                    who.actor(),
                    Some(note),
                    None,
                    now,
                )?;
                committed_events.push(report_event(
                    ReportEventKind::StatusChanged,
                    &report,
                    now,
                    None,
                ));
            }
            touch(&mut report, now);
            tx.reports().save(&report)?;
            let mut committed = Committed::new(report);
            committed.events = committed_events;
            Ok(committed)
        })
        .await
    }
}

/// Applies the given triage fields and describes each real change.
fn apply_triage(
    report: &mut Report,
    category: Option<String>,
    priority: Option<Priority>,
    summary: Option<Option<String>>,
    rules: &AccessRules,
    tree: &UnitTree,
) -> Vec<String> {
    let mut changes = Vec::new();
    if let Some(category) = category
        && report.category.as_deref() != Some(category.as_str())
    {
        let previous = report.category.as_deref().unwrap_or("none");
        changes.push(format!("category {previous} -> {category}"));
        report.category = Some(category);
        if rules.is_compartmented(report)
            && let Some(assigned) = report.assigned_unit.as_deref()
            && !rules.is_propam_unit(assigned, tree)
        {
            changes.push(format!(
                "now a complaint about police conduct: {assigned} no longer sees it; forward it to a Propam unit"
            ));
        }
    }
    if let Some(priority) = priority
        && report.priority != Some(priority)
    {
        let previous = report.priority.map_or("none", Priority::as_str);
        changes.push(format!("priority {previous} -> {}", priority.as_str()));
        report.priority = Some(priority);
    }
    if let Some(summary) = summary
        && report.summary != summary
    {
        changes.push(match summary {
            Some(_) => "summary set".to_string(),
            None => "summary cleared".to_string(),
        });
        report.summary = summary;
    }
    changes
}

/// Only a supervisor takes a complaint about police conduct out of the compartment, and says
/// why: the unit complained about may see it afterwards.
fn check_compartment_exit(
    who: &Principal,
    report: &Report,
    note: Option<&str>,
) -> Result<(), UserError> {
    if who.role != crate::domain::user::Role::Supervisor {
        return Err(UserError::forbidden(format!(
            "report {} is a complaint about police conduct: only a supervisor may triage it into another category",
            report.ticket
        )));
    }
    if note.is_none() {
        return Err(UserError::bad_input(format!(
            "report {} is a complaint about police conduct: say in the note why it belongs to another category",
            report.ticket
        )));
    }
    Ok(())
}
