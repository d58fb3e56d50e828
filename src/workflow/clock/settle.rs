//! What a clock pass records for the reports it found something due for: warnings, breaches
//! (with escalation), silent reporters and their reminders. The due reports of a pass are
//! settled together, up to `SETTLE_BATCH` in one transaction and one durable flush: a store
//! with a hundred thousand overdue reports (a desk after a night without operators, a copied
//! store started again) once took one transaction and one flush per report, in turn, and its
//! first pass held the write path for many minutes while the index and outbox queues waited.

use chrono::{DateTime, Utc};

use super::{ClockPass, Due, REPORTER_SILENT_FLAG, due_now, escalation_target};
use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::ids::ReportId;
use crate::domain::message::{OutboundContent, OutboundPurpose};
use crate::domain::report::Report;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::domain::unit::UnitTree;
use crate::error::UserError;
use crate::intake::outbound::queue_reply;
use crate::ledger::Ledger;
use crate::store::{Tx, TxError};
use crate::workflow::{Committed, Workflow, report_event};

/// Due reports settled in one transaction (and one flush) at most.
pub(super) const SETTLE_BATCH: usize = 128;

impl ClockPass {
    fn add(&mut self, found: &ClockPass) {
        self.warnings += found.warnings;
        self.breaches += found.breaches;
        self.escalations += found.escalations;
        self.silent_reporters += found.silent_reporters;
        self.reminders += found.reminders;
    }
}

/// What settling a batch produced, announced once it is durable.
#[derive(Default)]
struct Settled {
    found: ClockPass,
    events: Vec<ReportEvent>,
    outbox_queued: bool,
}

impl Workflow {
    /// Records and announces what is due at `now` for `report_ids`, in one transaction. Should
    /// that fail, each report is tried alone, so that one unreadable report holds up only
    /// itself; its failure fails the pass, as before, and the next pass tries again.
    pub(super) async fn settle_due(
        &self,
        pass: &mut ClockPass,
        report_ids: Vec<ReportId>,
        now: DateTime<Utc>,
    ) -> Result<(), UserError> {
        if report_ids.is_empty() {
            return Ok(());
        }
        if report_ids.len() == 1 {
            pass.add(&self.settle_together(report_ids, now).await?);
            return Ok(());
        }
        match self.settle_together(report_ids.clone(), now).await {
            Ok(found) => pass.add(&found),
            Err(error) => {
                tracing::warn!(%error, reports = report_ids.len(), "sla watcher: a batch failed; settling its reports one by one");
                for report_id in report_ids {
                    pass.add(&self.settle_together(vec![report_id], now).await?);
                }
            }
        }
        Ok(())
    }

    async fn settle_together(
        &self,
        report_ids: Vec<ReportId>,
        now: DateTime<Utc>,
    ) -> Result<ClockPass, UserError> {
        let tree = self.units.tree();
        self.commit(move |this, tx| {
            let mut settled = Settled::default();
            for report_id in &report_ids {
                this.settle_one(tx, *report_id, now, &tree, &mut settled)?;
            }
            Ok(Committed {
                value: settled.found,
                events: settled.events,
                outbox_queued: settled.outbox_queued,
            })
        })
        .await
    }

    /// Records what is due for one report at `now`, in `tx`.
    fn settle_one(
        &self,
        tx: &Tx<'_>,
        report_id: ReportId,
        now: DateTime<Utc>,
        tree: &UnitTree,
        settled: &mut Settled,
    ) -> Result<(), TxError<UserError>> {
        let Some(mut report) = tx.reports().get(report_id)? else {
            return Ok(());
        };
        let due = due_now(&report, &self.clock, now);
        if due.is_empty() {
            return Ok(());
        }
        let Settled {
            found,
            events,
            outbox_queued,
        } = settled;
        // Only a warning leaves the search document as it was.
        let reindex = due.iter().any(|item| !matches!(item, Due::Warning(_)));
        for item in due {
            match item {
                Due::Warning(stage) => {
                    report.sla.warned.push(stage);
                    events.push(report_event(
                        ReportEventKind::SlaWarning,
                        &report,
                        now,
                        None,
                    ));
                    found.warnings += 1;
                }
                Due::Breach(stage) => {
                    if !report.sla.warned.contains(&stage) {
                        report.sla.warned.push(stage);
                    }
                    report.sla.breached.push(stage);
                    let due_at = self.clock.sla.due_at(&report, stage, now);
                    let note = format!(
                        "{} target missed: due {}",
                        stage.as_str(),
                        due_at.format("%Y-%m-%d %H:%M UTC")
                    );
                    let kinds = (TimelineKind::SlaBreached, ReportEventKind::SlaBreached);
                    events.push(note_by_the_clock(tx, &mut report, kinds, note, now)?);
                    found.breaches += 1;
                    if let Some(parent) = escalation_target(&report, tree) {
                        let note = format!(
                            "escalated to {parent}, the unit above {}",
                            report.assigned_unit.as_deref().unwrap_or("-")
                        );
                        report.sla.escalated_to = Some(parent);
                        let kinds = (TimelineKind::Escalated, ReportEventKind::SlaEscalated);
                        events.push(note_by_the_clock(tx, &mut report, kinds, note, now)?);
                        found.escalations += 1;
                    }
                }
                Due::SilentReporter => {
                    report.sla.silent_noticed_at = Some(now);
                    report.add_flag(REPORTER_SILENT_FLAG);
                    let window_open =
                        tx.reporters()
                            .get(report.reporter_id)?
                            .is_some_and(|reporter| {
                                self.intake
                                    .window_open(&reporter, report.channel.as_deref(), now)
                            });
                    let mut note = format!(
                        "no answer from the reporter after {} hours",
                        self.clock.silent_reporter_after.num_minutes() as f64 / 60.0
                    );
                    if !window_open {
                        note.push_str("; no reminder: the 24-hour window is closed");
                    }
                    let kinds = (
                        TimelineKind::ReporterSilent,
                        ReportEventKind::ReporterSilent,
                    );
                    events.push(note_by_the_clock(tx, &mut report, kinds, note, now)?);
                    found.silent_reporters += 1;
                    if window_open {
                        let body = crate::workflow::contact::fill_placeholders(
                            &self
                                .intake
                                .replies_for(report.channel.as_deref())
                                .reporter_reminder,
                            &report,
                            None,
                        );
                        let queued = queue_reply(
                            tx,
                            &mut report,
                            OutboundContent::Text { body },
                            OutboundPurpose::StatusNotice,
                            Actor::System,
                            now,
                        )?;
                        events.push(queued.event);
                        *outbox_queued = true;
                        found.reminders += 1;
                    }
                }
            }
        }
        if reindex {
            tx.reports().save(&report)?;
        } else {
            tx.reports().save_unindexed(&report)?;
        }
        Ok(())
    }
}

/// Appends the clock's timeline entry to the report and returns the event that announces it.
fn note_by_the_clock(
    tx: &Tx<'_>,
    report: &mut Report,
    (timeline, event): (TimelineKind, ReportEventKind),
    note: String,
    now: DateTime<Utc>,
) -> Result<ReportEvent, TxError<UserError>> {
    tx.reports()
        .append_timeline(report, timeline, Actor::System, Some(note), None, now)?;
    Ok(report_event(event, report, now, None))
}
