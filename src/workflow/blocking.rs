//! Blocking and unblocking a reporter's number (supervisors and admins). A block is kept on
//! the reporter (`domain::abuse::ReporterBlock`); intake then keeps the number's messages in a
//! report hidden from the queue, without replies or alerts. Each block and unblock is written
//! on the timeline of the reporter's reports that matter (the one acted from, the open one,
//! the blocked one) and in the audit trail, in the same transaction.

use chrono::{DateTime, Utc};

use super::permissions::{Action, require_role};
use super::{Committed, MAX_NOTE_CHARS, Workflow, refuse, report_event, required_text};
use crate::bus::ReportEventKind;
use crate::domain::abuse::ReporterBlock;
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::ReportId;
use crate::domain::reporter::Reporter;
use crate::domain::timeline::TimelineKind;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::{Tx, TxError};

/// The reason of a block is a sentence, not a file.
pub const MAX_BLOCK_REASON_CHARS: usize = 500;
// The reason is written into timeline notes, which take at most `MAX_NOTE_CHARS`.
const _: () = assert!(MAX_BLOCK_REASON_CHARS <= MAX_NOTE_CHARS);

impl Workflow {
    /// Blocks the reporter's number until `until` (or until unblocked), or changes the reason
    /// and end of a block in force. `from_report` is the report the supervisor acted from: it
    /// must be the reporter's and visible to them.
    pub async fn block_reporter(
        &self,
        who: &Principal,
        reporter_id: u64,
        reason: String,
        until: Option<DateTime<Utc>>,
        from_report: Option<ReportId>,
    ) -> Result<Reporter, UserError> {
        require_role(who, Action::BlockReporter)?;
        let reason = required_text(&reason, "the reason", MAX_BLOCK_REASON_CHARS)?;
        let now = Utc::now();
        if let Some(until) = until
            && until <= now
        {
            return Err(UserError::bad_input(format!(
                "until ({until}) is not in the future: a block must end later than now"
            )));
        }
        let who = who.clone();
        self.commit(move |this, tx| {
            let mut reporter = load_reporter(tx, reporter_id)?;
            let changed = reporter.is_blocked(now);
            reporter.block = Some(ReporterBlock {
                reason: reason.clone(),
                until,
                by: who.username.clone(),
                at: now,
            });
            let end =
                until.map_or_else(|| "until unblocked".to_string(), |at| format!("until {at}"));
            let verb = if changed {
                "block changed"
            } else {
                "number blocked"
            };
            let note = format!("{verb} {end}: {reason}");
            this.record_block_change(
                tx,
                &who,
                reporter,
                from_report,
                TimelineKind::ReporterBlocked,
                note,
                now,
            )
        })
        .await
    }

    /// Lifts the block of the reporter's number; CONFLICT when none holds. The messages kept
    /// while blocked stay in their blocked report.
    pub async fn unblock_reporter(
        &self,
        who: &Principal,
        reporter_id: u64,
        from_report: Option<ReportId>,
    ) -> Result<Reporter, UserError> {
        require_role(who, Action::BlockReporter)?;
        let now = Utc::now();
        let who = who.clone();
        self.commit(move |this, tx| {
            let mut reporter = load_reporter(tx, reporter_id)?;
            if !reporter.is_blocked(now) {
                return refuse(UserError::conflict(format!(
                    "reporter {reporter_id} is not blocked"
                )));
            }
            let block = reporter.block.take();
            let note = block.map_or_else(String::new, |block| {
                format!(
                    "number unblocked (blocked by {}: {})",
                    block.by, block.reason
                )
            });
            this.record_block_change(
                tx,
                &who,
                reporter,
                from_report,
                TimelineKind::ReporterUnblocked,
                note,
                now,
            )
        })
        .await
    }

    /// Saves the reporter and writes the block or unblock on the timeline of the report acted
    /// from (checked: the reporter's, visible to `who`), the reporter's open report and their
    /// blocked report, and in the audit trail.
    #[allow(clippy::too_many_arguments)]
    fn record_block_change(
        &self,
        tx: &Tx<'_>,
        who: &Principal,
        reporter: Reporter,
        from_report: Option<ReportId>,
        kind: TimelineKind,
        note: String,
        now: DateTime<Utc>,
    ) -> Result<Committed<Reporter>, TxError<UserError>> {
        if let Some(report_id) = from_report {
            let Some(report) = tx.reports().get(report_id)? else {
                return refuse(UserError::not_found(&format!("report {report_id}")));
            };
            if report.reporter_id != reporter.id {
                return refuse(UserError::bad_input(format!(
                    "report {} is not from reporter {}",
                    report.ticket, reporter.id
                )));
            }
            if !self.rules.can_see(who, &report, &self.units.tree()) {
                return refuse(UserError::forbidden(format!(
                    "report {} is not visible to {}",
                    report.id, who.username
                )));
            }
        }
        let mut targets: Vec<ReportId> =
            [from_report, reporter.open_report, reporter.blocked_report]
                .into_iter()
                .flatten()
                .collect();
        targets.sort_unstable();
        targets.dedup();
        let mut events = Vec::with_capacity(targets.len());
        for report_id in targets {
            let Some(mut report) = tx.reports().get(report_id)? else {
                continue;
            };
            tx.reports().append_timeline(
                &mut report,
                kind,
                who.actor(),
                Some(note.clone()),
                None,
                now,
            )?;
            report.updated_at = now;
            tx.reports().save(&report)?;
            // Subscribers watching the report see its timeline grow.
            events.push(report_event(ReportEventKind::NoteAdded, &report, now, None));
        }
        tx.reporters().save(&reporter)?;
        let action = match kind {
            TimelineKind::ReporterBlocked => AuditAction::ReporterBlock,
            _ => AuditAction::ReporterUnblock,
        };
        let mut entry = AuditEntry::by(action, who)
            .subject(format!("reporter {}", reporter.id))
            .detail(note);
        entry.report_id = from_report;
        tx.audit_log().append(entry)?;
        let mut committed = Committed::new(reporter);
        committed.events = events;
        Ok(committed)
    }
}

/// The reporter with this id, or NOT_FOUND.
fn load_reporter(tx: &Tx<'_>, reporter_id: u64) -> Result<Reporter, TxError<UserError>> {
    match tx.reporters().get(reporter_id)? {
        Some(reporter) => Ok(reporter),
        None => refuse(UserError::not_found(&format!("reporter {reporter_id}"))),
    }
}
