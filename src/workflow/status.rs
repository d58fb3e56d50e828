//! The status machine at work: triage, forwarding (and re-forwarding) to a unit, status
//! changes with their citizen notices, and merging a duplicate report into another.

use chrono::{DateTime, Utc};

use super::contact::{fill_placeholders, notify_citizen};
use super::permissions::Action;
use super::{
    Committed, MAX_NOTE_CHARS, MAX_SUMMARY_CHARS, Workflow, load_existing_report, optional_text,
    refuse, report_event, touch, with_note,
};
use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::access::AccessRules;
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::report::{Priority, Report, ReportStatus};
use crate::domain::timeline::TimelineKind;
use crate::domain::unit::UnitTree;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::intake::IntakeSettings;
use crate::intake::records::{
    append_timeline, load_message, load_reporter, report_message_key, save_message, save_report,
    save_reporter,
};
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Table, Tx, TxError};

const FORWARD_NEEDS_A_UNIT: &str =
    "a report becomes FORWARDED by forwarding it to a unit (forward), not by a status change";

/// How often a merge re-reads a report that keeps receiving messages before giving up.
const MERGE_ATTEMPTS: usize = 5;

impl Workflow {
    /// `triage_with_note` without a note.
    pub async fn triage(
        &self,
        who: &Principal,
        report_id: u64,
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
        report_id: u64,
        category: Option<String>,
        priority: Option<Priority>,
        summary: Option<String>,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        self.commit(|tx| {
            let mut report = load_existing_report(tx, report_id)?;
            self.require(who, Action::Triage, &report, &tree)?;
            let note =
                optional_text(note.clone(), "the note", MAX_NOTE_CHARS).map_err(TxError::Abort)?;
            let category = match category.as_deref().map(str::trim) {
                None => None,
                Some(code) if self.rules.is_known_category(code) => Some(code.to_string()),
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
            let leaves_compartment = self.rules.is_compartmented(&report)
                && category
                    .as_deref()
                    .is_some_and(|code| !self.rules.is_propam_category(Some(code)));
            if leaves_compartment {
                check_compartment_exit(who, &report, note.as_deref()).map_err(TxError::Abort)?;
            }
            let mut changes =
                apply_triage(&mut report, category, priority, summary, &self.rules, &tree);
            if leaves_compartment {
                report.compartmented = false;
                changes.push("taken out of the internal-affairs compartment".to_string());
                let entry = AuditEntry::by(AuditAction::CompartmentExit, who)
                    .about_report(report.id)
                    .detail(note.clone().unwrap_or_default());
                crate::audit::record(tx, entry)?;
            } else if self.rules.seal_compartment(&mut report) {
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
            append_timeline(
                tx,
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
                append_timeline(
                    tx,
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
            save_report(tx, &report)?;
            let mut committed = Committed::new(report);
            committed.events = committed_events;
            Ok(committed)
        })
        .await
    }

    /// Assigns the report to `unit_code` and moves it to FORWARDED (from FORWARDED itself, a
    /// re-forward). The citizen is told which unit now handles their report.
    pub async fn forward(
        &self,
        who: &Principal,
        report_id: u64,
        unit_code: &str,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let unit_code = unit_code.trim();
        self.commit(|tx| {
            let mut report = load_existing_report(tx, report_id)?;
            self.require(who, Action::Forward, &report, &tree)?;
            let note =
                optional_text(note.clone(), "the note", MAX_NOTE_CHARS).map_err(TxError::Abort)?;
            let Some(unit) = tree.get(unit_code) else {
                return refuse(UserError::bad_input(format!("unknown unit {unit_code:?}")));
            };
            touch(&mut report, now);
            self.forward_in(tx, report, unit, who.actor(), note, now, &tree)
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
        append_timeline(
            tx,
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
            append_timeline(
                tx,
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
        // The same unit again (a re-forward to record a note) tells the citizen nothing new.
        let notice = (previous_unit.as_deref() != Some(unit.code.as_str())).then(|| {
            let text = fill_placeholders(&self.intake.replies.forwarded, &report, Some(&unit.name));
            (text, format!("forwarded to {}", unit.name))
        });
        save_and_notify(tx, &self.intake, report, committed_events, notice, now)
    }

    /// Moves the report to `status` when the status table allows it. AWAITING_REPORTER
    /// remembers where it came from and returns only there; RESOLVED tells the citizen.
    pub async fn set_status(
        &self,
        who: &Principal,
        report_id: u64,
        status: ReportStatus,
        note: Option<String>,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        self.commit(|tx| {
            let mut report = load_existing_report(tx, report_id)?;
            self.require(who, Action::SetStatus(status), &report, &tree)?;
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
            append_timeline(
                tx,
                &mut report,
                TimelineKind::StatusChanged,
                who.actor(),
                Some(change),
                None,
                now,
            )?;
            touch(&mut report, now);
            let committed_events = vec![report_event(
                ReportEventKind::StatusChanged,
                &report,
                now,
                None,
            )];
            let notice = (status == ReportStatus::Resolved).then(|| {
                let text = fill_placeholders(&self.intake.replies.resolved, &report, None);
                (text, "resolved".to_string())
            });
            save_and_notify(tx, &self.intake, report, committed_events, notice, now)
        })
        .await
    }

    /// Moves every message of `from` to `into` and marks `from` DUPLICATE (whatever its
    /// status, as long as it is not final: a merge is its own decision, not a status move).
    /// Returns `into`.
    pub async fn merge_reports(
        &self,
        who: &Principal,
        into: u64,
        from: u64,
    ) -> Result<Report, UserError> {
        if into == from {
            return Err(UserError::bad_input(
                "a report cannot be merged into itself",
            ));
        }
        for _ in 0..MERGE_ATTEMPTS {
            // A transaction cannot scan, so the message list is read first and the transaction
            // proceeds only if `from` has not changed since (its timeline grows with every
            // message linked to it).
            let snapshot: Option<Report> = self.store.get_record(Table::Reports, &u64_key(from))?;
            let expected_timeline_len = snapshot.map_or(0, |report| report.timeline_len);
            let mut message_ids = Vec::new();
            for entry in self
                .store
                .scan_prefix(Table::ReportMessages, &u64_key(from))
            {
                let (key, _) = entry?;
                message_ids.extend(read_u64(&key, 8));
            }
            let merged = self
                .merge_once(who, into, from, expected_timeline_len, &message_ids)
                .await?;
            if let Some(report) = merged {
                return Ok(report);
            }
        }
        Err(UserError::conflict(format!(
            "report {from} kept receiving messages while it was merged; try again"
        )))
    }

    /// One merge attempt; `None` when `from` changed since its messages were listed.
    pub(super) async fn merge_once(
        &self,
        who: &Principal,
        into: u64,
        from: u64,
        expected_timeline_len: u64,
        message_ids: &[u64],
    ) -> Result<Option<Report>, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        self.commit(|tx| {
            let mut target = load_existing_report(tx, into)?;
            let mut source = load_existing_report(tx, from)?;
            self.require(who, Action::Merge, &target, &tree)?;
            self.require(who, Action::Merge, &source, &tree)?;
            self.rules
                .check_merge(&target, &source)
                .map_err(TxError::Abort)?;
            if source.status.is_final() {
                return refuse(UserError::conflict(format!(
                    "report {} is {} (final) and cannot be merged",
                    source.ticket, source.status
                )));
            }
            if matches!(
                target.status,
                ReportStatus::Duplicate | ReportStatus::Spam | ReportStatus::Rejected
            ) {
                return refuse(UserError::conflict(format!(
                    "report {} is {}: merge into the report that carries the case instead",
                    target.ticket, target.status
                )));
            }
            if source.timeline_len != expected_timeline_len {
                return Ok(Committed::new(None));
            }
            for &message_id in message_ids {
                tx.remove(
                    Table::ReportMessages,
                    &report_message_key(source.id, message_id),
                )?;
                tx.put(
                    Table::ReportMessages,
                    &report_message_key(target.id, message_id),
                    &[],
                )?;
                if let Some(mut message) = load_message(tx, message_id)? {
                    message.report_id = Some(target.id);
                    save_message(tx, &message)?;
                }
            }
            target.inbound_count += source.inbound_count;
            target.has_media |= source.has_media;
            target.location = target.location.or(source.location);
            for flag in &source.flags {
                target.add_flag(flag);
            }
            source.inbound_count = 0;
            source.has_media = false;
            let previous_status = source.status;
            source.move_to(ReportStatus::Duplicate, now);
            source.resume_status = None;
            let moved = message_ids.len();
            let change = format!(
                "{previous_status} -> {} (merged into {})",
                ReportStatus::Duplicate,
                target.ticket
            );
            append_timeline(
                tx,
                &mut source,
                TimelineKind::StatusChanged,
                who.actor(),
                Some(change),
                None,
                now,
            )?;
            let note = format!(
                "merged into {}: {moved} messages moved there",
                target.ticket
            );
            append_timeline(
                tx,
                &mut source,
                TimelineKind::Merged,
                who.actor(),
                Some(note),
                None,
                now,
            )?;
            let note = format!("merged from {}: {moved} messages moved here", source.ticket);
            append_timeline(
                tx,
                &mut target,
                TimelineKind::Merged,
                who.actor(),
                Some(note),
                None,
                now,
            )?;
            touch(&mut source, now);
            touch(&mut target, now);
            // The citizen's next message should join the report that goes on, not the duplicate.
            if source.reporter_id == target.reporter_id
                && !target.status.is_final()
                && let Some(mut reporter) = load_reporter(tx, source.reporter_id)?
                && reporter.open_report == Some(source.id)
            {
                reporter.open_report = Some(target.id);
                save_reporter(tx, &reporter)?;
            }
            save_report(tx, &source)?;
            save_report(tx, &target)?;
            let mut committed = Committed::new(Some(target.clone()));
            committed.events = vec![
                report_event(ReportEventKind::Merged, &target, now, None),
                report_event(ReportEventKind::Merged, &source, now, None),
                report_event(ReportEventKind::StatusChanged, &source, now, None),
            ];
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
/// saves the report, and gathers what the transaction committed.
fn save_and_notify(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    mut report: Report,
    mut events: Vec<ReportEvent>,
    notice: Option<(String, String)>,
    now: DateTime<Utc>,
) -> Result<Committed<Report>, TxError<UserError>> {
    let mut outbox_queued = false;
    if let Some((text, what_happened)) = notice
        && let Some(event) = notify_citizen(tx, settings, &mut report, text, &what_happened, now)?
    {
        events.push(event);
        outbox_queued = true;
    }
    save_report(tx, &report)?;
    let mut committed = Committed::new(report);
    committed.events = events;
    committed.outbox_queued = outbox_queued;
    Ok(committed)
}
