//! The status machine at work: forwarding (and re-forwarding) to a unit, and status changes
//! with their citizen notices.

use chrono::{DateTime, Utc};

use super::contact::{Notice, fill_placeholders, notify_citizen};
use super::permissions::Action;
use super::satisfaction::ask_satisfaction;
use super::{
    Committed, MAX_NOTE_CHARS, Workflow, load_existing_report, optional_text, refuse, report_event,
    touch, with_note,
};
use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::ids::{ReportId, UnitCode};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::templates::TemplatePurpose;
use crate::domain::timeline::TimelineKind;
use crate::domain::unit::UnitTree;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::intake::IntakeSettings;
use crate::ledger::Ledger;
use crate::store::{Tx, TxError};

const FORWARD_NEEDS_A_UNIT: &str =
    "a report becomes FORWARDED by forwarding it to a unit (forward), not by a status change";

impl Workflow {
    /// Assigns the report to `unit_code` and moves it to FORWARDED (from FORWARDED itself, a
    /// re-forward). The citizen is told which unit now handles their report.
    pub async fn forward(
        &self,
        who: &Principal,
        report_id: ReportId,
        unit_code: &UnitCode,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        let unit_code = unit_code.clone();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let mut report = load_existing_report(tx, report_id)?;
            this.require(who, Action::Forward, &report, &tree)?;
            let note =
                optional_text(note.clone(), "the note", MAX_NOTE_CHARS).map_err(TxError::Abort)?;
            let Some(unit) = tree.get(&unit_code) else {
                return refuse(UserError::bad_input(format!("unknown unit {unit_code:?}")));
            };
            touch(&mut report, now);
            this.forward_in(tx, report, unit, who.actor(), note, now, &tree)
        })
        .await
    }

    /// The forward itself, for a person or for automatic forwarding: checks the target and the
    /// move, assigns, records, and tells the citizen. The caller checked who may do it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn forward_in(
        &self,
        tx: &Tx<'_>,
        mut report: Report,
        unit: &crate::domain::unit::UnitRecord,
        actor: crate::domain::timeline::Actor,
        note: Option<String>,
        now: DateTime<Utc>,
        tree: &UnitTree,
    ) -> Result<Committed<Report>, TxError<UserError>> {
        self.rules
            .check_forward_target(&report, unit, tree)
            .map_err(TxError::Abort)?;
        if !report
            .status
            .can_move_to(ReportStatus::Forwarded, report.resume_status)
        {
            return refuse(illegal_move(&report, ReportStatus::Forwarded));
        }
        let previous_status = report.status;
        let previous_unit = report.assigned_unit.replace(unit.code.clone());
        report.move_to(ReportStatus::Forwarded, now);
        report.resume_status = None;
        report.updated_at = now;
        report.last_activity_at = report.last_activity_at.max(now);
        let mut description = format!("forwarded to {} ({})", unit.code, unit.name);
        if let Some(previous_unit) = previous_unit.as_deref().filter(|code| *code != unit.code) {
            description.push_str(&format!(", previously {previous_unit}"));
        }
        let description = with_note(description, note.as_deref());
        tx.reports().append_timeline(
            &mut report,
            TimelineKind::Forwarded,
            actor.clone(),
            Some(description),
            None,
            now,
        )?;
        let mut committed_events =
            vec![report_event(ReportEventKind::Assigned, &report, now, None)];
        if previous_status != ReportStatus::Forwarded {
            let change = format!("{previous_status} -> {}", ReportStatus::Forwarded);
            tx.reports().append_timeline(
                &mut report,
                TimelineKind::StatusChanged,
                actor,
                Some(change),
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
        if let Some(event) = self.release_out_of_reach(tx, &mut report, tree, now)? {
            committed_events.push(event);
        }
        // The same unit again (a re-forward to record a note) tells the citizen nothing new.
        let notice = (previous_unit.as_deref() != Some(unit.code.as_str())).then(|| {
            let text = fill_placeholders(
                &self.intake.replies_for(report.channel.as_deref()).forwarded,
                &report,
                Some(&unit.name),
            );
            Notice {
                text,
                what_happened: format!("forwarded to {}", unit.name),
                purpose: TemplatePurpose::Forwarded,
            }
        });
        save_and_notify(tx, &self.intake, report, committed_events, notice, now)
    }

    /// Moves the report to `status` when the status table allows it. AWAITING_REPORTER
    /// remembers where it came from and returns only there; RESOLVED tells the citizen.
    pub async fn set_status(
        &self,
        who: &Principal,
        report_id: ReportId,
        status: ReportStatus,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let mut report = load_existing_report(tx, report_id)?;
            this.require(who, Action::SetStatus(status), &report, &tree)?;
            let note =
                optional_text(note.clone(), "the note", MAX_NOTE_CHARS).map_err(TxError::Abort)?;
            if status == ReportStatus::Forwarded && report.assigned_unit.is_none() {
                return refuse(UserError::bad_input(FORWARD_NEEDS_A_UNIT));
            }
            if !report.status.can_move_to(status, report.resume_status) {
                return refuse(illegal_move(&report, status));
            }
            let previous_status = report.status;
            if status == ReportStatus::AwaitingReporter {
                report.resume_status = Some(previous_status);
            } else if previous_status == ReportStatus::AwaitingReporter {
                report.resume_status = None;
            }
            report.move_to(status, now);
            let change = with_note(format!("{previous_status} -> {status}"), note.as_deref());
            tx.reports().append_timeline(
                &mut report,
                TimelineKind::StatusChanged,
                who.actor(),
                Some(change),
                None,
                now,
            )?;
            touch(&mut report, now);
            let mut committed_events = vec![report_event(
                ReportEventKind::StatusChanged,
                &report,
                now,
                None,
            )];
            if let Some(event) = this.release_out_of_reach(tx, &mut report, &tree, now)? {
                committed_events.push(event);
            }
            let notice = (status == ReportStatus::Resolved).then(|| {
                let text = fill_placeholders(
                    &this.intake.replies_for(report.channel.as_deref()).resolved,
                    &report,
                    None,
                );
                Notice {
                    text,
                    what_happened: "resolved".to_string(),
                    purpose: TemplatePurpose::Resolved,
                }
            });
            save_and_notify(tx, &this.intake, report, committed_events, notice, now)
        })
        .await
    }
}

/// CONFLICT naming both statuses (and, for AWAITING_REPORTER, the only way back).
fn illegal_move(report: &Report, to: ReportStatus) -> UserError {
    let mut message = format!(
        "report {} cannot move from {} to {}",
        report.ticket, report.status, to
    );
    if report.status == ReportStatus::AwaitingReporter
        && let Some(resume) = report.resume_status
    {
        message.push_str(&format!(" (it returns only to {resume})"));
    }
    if report.status.is_final() {
        message.push_str(&format!(" ({} is final)", report.status));
    }
    UserError::conflict(message)
}

/// Tells the citizen what happened (when `notice` holds the text and a note for the timeline),
/// asks a newly resolved report's citizen how satisfied they are, saves the report, and
/// gathers what the transaction committed.
fn save_and_notify(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    mut report: Report,
    mut events: Vec<ReportEvent>,
    notice: Option<Notice>,
    now: DateTime<Utc>,
) -> Result<Committed<Report>, TxError<UserError>> {
    let mut outbox_queued = false;
    if let Some(notice) = notice
        && let Some(event) = notify_citizen(tx, settings, &mut report, notice, now)?
    {
        events.push(event);
        outbox_queued = true;
    }
    // After the resolved notice, so that the question follows it; `ask_satisfaction` knows
    // which reports are asked (once, and only when RESOLVED).
    if let Some(event) = ask_satisfaction(tx, settings, &mut report, now)? {
        events.push(event);
        outbox_queued = true;
    }
    tx.reports().save(&report)?;
    let mut committed = Committed::new(report);
    committed.events = events;
    committed.outbox_queued = outbox_queued;
    Ok(committed)
}
