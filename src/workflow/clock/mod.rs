//! What happens to reports as time passes, without anyone acting: the SLA watcher's warnings,
//! breaches and escalations, the silent-reporter check while AWAITING_REPORTER, automatic
//! forwarding of confident suggestions, and claims that ran out (`Workflow::expire_claim`, in
//! `workflow/assignment.rs`). Every pass takes `now` as an argument, so tests drive
//! the clock instead of sleeping; the worker (`ClockWorker`, run by `crate::worker`) calls it
//! on a timer.
//!
//! What was announced is kept on the report (`Report::sla`) in the same transaction as the
//! timeline entry, so a restart never announces a breach twice nor forgets one.

mod memo;
mod settle;
mod worker;

use chrono::{DateTime, Duration, Utc};

use super::{Committed, Workflow};
use crate::domain::ids::ReportId;
use crate::domain::ids::UnitCode;
use crate::domain::report::{Report, ReportStatus, SlaStage};
use crate::domain::sla::SlaPolicy;
use crate::domain::timeline::Actor;
use crate::domain::unit::UnitTree;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::TxError;

use memo::ClockMemo;
/// The flag a report carries while its reporter has not answered in time.
pub(crate) use memo::ClockMemos;
use settle::SETTLE_BATCH;
pub use worker::ClockWorker;

pub const REPORTER_SILENT_FLAG: &str = "reporter_silent";

/// How the clock treats reports.
#[derive(Debug, Clone)]
pub struct ClockSettings {
    pub sla: SlaPolicy,
    /// After this long AWAITING_REPORTER without an answer the report is flagged for a
    /// supervisor and the citizen is reminded (while WhatsApp still allows free text).
    pub silent_reporter_after: Duration,
    /// Forward a NEW report by itself when its suggestion is at least this confident and names
    /// a territorial unit; `None` (the default) leaves every forward to the operators.
    pub auto_forward_min_confidence: Option<f32>,
    /// A claim on a report ends when its holder has not acted on it for this long.
    pub claim_idle_after: Duration,
}

impl Default for ClockSettings {
    fn default() -> ClockSettings {
        ClockSettings {
            sla: SlaPolicy::default(),
            silent_reporter_after: Duration::hours(4),
            auto_forward_min_confidence: None,
            claim_idle_after: Duration::minutes(30),
        }
    }
}

/// What one pass of the clock did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockPass {
    pub reports_checked: usize,
    pub warnings: usize,
    pub breaches: usize,
    pub escalations: usize,
    pub silent_reporters: usize,
    pub reminders: usize,
    pub auto_forwarded: usize,
    pub claims_expired: usize,
}

/// One thing the clock found due for a report.
#[derive(Debug, Clone, PartialEq)]
enum Due {
    Warning(SlaStage),
    Breach(SlaStage),
    SilentReporter,
}

impl Workflow {
    pub fn clock(&self) -> &ClockSettings {
        &self.clock
    }

    /// One pass over the open reports at `now`: auto-forwards what qualifies, then announces
    /// warnings, breaches (escalating forwarded reports) and silent reporters.
    pub async fn run_clock(&self, now: DateTime<Utc>) -> Result<ClockPass, UserError> {
        let mut pass = ClockPass::default();
        // Reports unchanged since the last pass, with nothing due before `now`, are not read
        // again: a pass over thousands of quiet open reports costs a scan of their ids. The
        // memo is kept in place (one entry per quiet open report, never a second copy), and
        // only the reports that need a look are listed.
        let (work, this_pass, quiet) = self.clock_work(now);
        pass.reports_checked += quiet;
        let mut due = Vec::new();
        for (report_id, sequence) in work {
            // One unreadable report must not stop the clock for all the others.
            let report = match self.store.reports().get(report_id) {
                Ok(Some(report)) => report,
                Ok(None) => continue,
                Err(error) => {
                    tracing::error!(%error, %report_id, "sla watcher skips an unreadable report");
                    continue;
                }
            };
            pass.reports_checked += 1;
            if report.claim_expired(self.clock.claim_idle_after, now)
                && self.expire_claim(report_id, now).await?
            {
                pass.claims_expired += 1;
            }
            // A report that does not qualify yet may once the reporter shares a location.
            if self.auto_forward_target(&report).is_some()
                && self.auto_forward(report_id, now).await?
            {
                pass.auto_forwarded += 1;
            }
            if due_now(&report, &self.clock, now).is_empty() {
                // Auto-forwarding may find a unit that became active: such reports stay unmemoised.
                if let Some(sequence) = sequence
                    && !self.may_auto_forward(&report)
                {
                    let claim_due = report
                        .assignee
                        .as_ref()
                        .map(|assignee| assignee.idle_until(self.clock.claim_idle_after));
                    let next_due = match (next_due_at(&report, &self.clock), claim_due) {
                        (Some(sla), Some(claim)) => Some(sla.min(claim)),
                        (sla, claim) => sla.or(claim),
                    };
                    let memo = ClockMemo::new(sequence, next_due);
                    self.lock_clock_memo().remember(report_id, memo);
                }
                continue;
            }
            // Settled in batches: one transaction and one flush for many due reports.
            due.push(report_id);
            if due.len() >= SETTLE_BATCH {
                self.settle_due(&mut pass, std::mem::take(&mut due), now)
                    .await?;
            }
        }
        self.settle_due(&mut pass, due, now).await?;
        self.lock_clock_memo().finish_pass(this_pass);
        Ok(pass)
    }

    /// Whether automatic forwarding could still take this report once units change.
    fn may_auto_forward(&self, report: &Report) -> bool {
        self.clock.auto_forward_min_confidence.is_some()
            && report.status == ReportStatus::New
            && !report.sla.auto_forward_checked
    }

    /// The unit a report would be forwarded to automatically, if it qualifies: the setting is
    /// on, the report is NEW and was never looked at, the suggestion is confident enough and
    /// names an active territorial unit, and the suggested category is not a complaint about
    /// the police (those go only to internal affairs, never by a machine's guess).
    fn auto_forward_target(&self, report: &Report) -> Option<UnitCode> {
        let threshold = self.clock.auto_forward_min_confidence?;
        if !self.may_auto_forward(report) {
            return None;
        }
        let suggestion = report.suggestion.as_ref()?;
        suggestion.category.as_deref()?;
        if suggestion.confidence < threshold || self.rules.is_compartmented(report) {
            return None;
        }
        let unit_code = suggestion.territorial_unit.as_deref()?;
        let tree = self.units.tree();
        tree.get(unit_code)
            .filter(|unit| unit.active)
            .map(|unit| unit.code.clone())
    }

    /// Forwards `report_id` to its suggested unit as the system, if it still qualifies.
    /// Returns whether it did. Operators undo it by forwarding elsewhere.
    pub async fn auto_forward(
        &self,
        report_id: ReportId,
        now: DateTime<Utc>,
    ) -> Result<bool, UserError> {
        // Most reports do not qualify: find that out without a transaction and a flush.
        let stored = self.store.reports().get(report_id)?;
        if stored.is_none_or(|report| self.auto_forward_target(&report).is_none()) {
            return Ok(false);
        }
        let tree = self.units.tree();
        let forwarded = self
            .commit(move |this, tx| {
                let Some(mut report) = tx.reports().get(report_id)? else {
                    return Ok(Committed::new(false));
                };
                let Some(unit_code) = this.auto_forward_target(&report) else {
                    return Ok(Committed::new(false));
                };
                let Some(unit) = tree.get(&unit_code) else {
                    return Ok(Committed::new(false));
                };
                report.sla.auto_forward_checked = true;
                let Some(suggestion) = report.suggestion.clone() else {
                    return Ok(Committed::new(false));
                };
                let mut note = format!(
                    "automatically, from the suggestion {} (confidence {:.2})",
                    suggestion.category.as_deref().unwrap_or("-"),
                    suggestion.confidence
                );
                if report.category.is_none() {
                    report.category = suggestion.category.clone();
                    note.push_str("; category set from the suggestion");
                }
                match this.forward_in(tx, report, unit, Actor::System, Some(note), now, &tree) {
                    Ok(committed) => Ok(Committed {
                        value: true,
                        events: committed.events,
                        outbox_queued: committed.outbox_queued,
                    }),
                    // The target or the move was refused: leave the report to the operators.
                    Err(TxError::Abort(_)) => Ok(Committed::new(false)),
                    Err(error) => Err(error),
                }
            })
            .await?;
        if !forwarded {
            self.mark_auto_forward_checked(report_id).await?;
        }
        Ok(forwarded)
    }

    async fn mark_auto_forward_checked(&self, report_id: ReportId) -> Result<(), UserError> {
        self.commit(move |_, tx| {
            if let Some(mut report) = tx.reports().get(report_id)?
                && !report.sla.auto_forward_checked
            {
                report.sla.auto_forward_checked = true;
                tx.reports().save(&report)?;
            }
            Ok(Committed::new(()))
        })
        .await
    }
}

/// Everything due for `report` at `now` that was not announced before.
fn due_now(report: &Report, clock: &ClockSettings, now: DateTime<Utc>) -> Vec<Due> {
    let mut due = Vec::new();
    if let Some(since) = report.paused_since {
        if report.sla.silent_noticed_at.is_none() && since + clock.silent_reporter_after <= now {
            due.push(Due::SilentReporter);
        }
        // The clock stands still while the reporter is asked: nothing else comes due.
        return due;
    }
    for stage in SlaPolicy::pending_stages(report) {
        if report.sla.breached.contains(&stage) {
            continue;
        }
        if clock.sla.due_at(report, stage, now) <= now {
            due.push(Due::Breach(stage));
        } else if !report.sla.warned.contains(&stage)
            && clock.sla.warn_at(report, stage, now) <= now
        {
            due.push(Due::Warning(stage));
        }
    }
    due
}

/// The earliest moment the clock has something to do for `report` while it stays as it is, or
/// `None` when nothing will come due. Consistent with `due_now`: nothing is due before it.
fn next_due_at(report: &Report, clock: &ClockSettings) -> Option<DateTime<Utc>> {
    if let Some(since) = report.paused_since {
        return report
            .sla
            .silent_noticed_at
            .is_none()
            .then(|| since + clock.silent_reporter_after);
    }
    // Not paused: the due times do not depend on the moment they are asked at.
    let now = report.updated_at;
    SlaPolicy::pending_stages(report)
        .filter(|stage| !report.sla.breached.contains(stage))
        .map(|stage| {
            if report.sla.warned.contains(&stage) {
                clock.sla.due_at(report, stage, now)
            } else {
                clock.sla.warn_at(report, stage, now)
            }
        })
        .min()
}

/// The parent of the unit a breached report is assigned to, unless it was escalated there
/// already. Reports not forwarded yet are the command center's own: nothing to escalate.
fn escalation_target(report: &Report, tree: &UnitTree) -> Option<UnitCode> {
    let assigned = report.assigned_unit.as_deref()?;
    let parent = tree.get(assigned)?.parent.clone()?;
    if report.sla.escalated_to.as_ref() == Some(&parent) {
        return None;
    }
    tree.contains(&parent).then_some(parent)
}

#[cfg(test)]
mod tests;
