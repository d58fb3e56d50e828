//! Merging a duplicate report into another: its messages move, it is marked DUPLICATE.

use chrono::Utc;

use super::permissions::Action;
use super::{Committed, Workflow, load_existing_report, refuse, report_event, touch};
use crate::bus::ReportEventKind;
use crate::domain::ids::{MessageId, ReportId};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::timeline::TimelineKind;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::TxError;

/// How often a merge re-reads a report that keeps receiving messages before giving up.
const MERGE_ATTEMPTS: usize = 5;

impl Workflow {
    /// Moves every message of `from` to `into` and marks `from` DUPLICATE (whatever its
    /// status, as long as it is not final: a merge is its own decision, not a status move).
    /// Returns `into`.
    pub async fn merge_reports(
        &self,
        who: &Principal,
        into: ReportId,
        from: ReportId,
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
            let snapshot = self.store.reports().get(from)?;
            let expected_timeline_len = snapshot.map_or(0, |report| report.timeline_len);
            let message_ids = self.store.reports().message_ids(from)?;
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
        into: ReportId,
        from: ReportId,
        expected_timeline_len: u64,
        message_ids: &[MessageId],
    ) -> Result<Option<Report>, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        let message_ids_owned = message_ids.to_vec();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let message_ids = message_ids_owned.as_slice();
            let mut target = load_existing_report(tx, into)?;
            let mut source = load_existing_report(tx, from)?;
            this.require(who, Action::Merge, &target, &tree)?;
            this.require(who, Action::Merge, &source, &tree)?;
            this.rules
                .check_merge(&target, &source)
                .map_err(TxError::Abort)?;
            if source.reporter_id != target.reporter_id {
                // Merging would leave the second citizen without notices of the case.
                return refuse(UserError::bad_input(format!(
                    "reports {} and {} come from different reporters: a merge is for one \
                     citizen's reports; group reports of one event with linkReports, which keeps \
                     each reporter's conversation and notices",
                    target.ticket, source.ticket
                )));
            }
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
                tx.reports()
                    .move_message(source.id, target.id, message_id)?;
                if let Some(mut message) = tx.messages().get(message_id)? {
                    message.report_id = Some(target.id);
                    tx.messages().save(&message)?;
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
            tx.reports().append_timeline(
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
            tx.reports().append_timeline(
                &mut source,
                TimelineKind::Merged,
                who.actor(),
                Some(note),
                None,
                now,
            )?;
            let note = format!("merged from {}: {moved} messages moved here", source.ticket);
            tx.reports().append_timeline(
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
                && let Some(mut reporter) = tx.reporters().get(source.reporter_id)?
                && reporter.open_report == Some(source.id)
            {
                reporter.replace_open_report(source.id, target.id);
                tx.reporters().save(&reporter)?;
            }
            let released = this.release_out_of_reach(tx, &mut source, &tree, now)?;
            tx.reports().save(&source)?;
            tx.reports().save(&target)?;
            let mut committed = Committed::new(Some(target.clone()));
            committed.events = vec![
                report_event(ReportEventKind::Merged, &target, now, None),
                report_event(ReportEventKind::Merged, &source, now, None),
                report_event(ReportEventKind::StatusChanged, &source, now, None),
            ];
            committed.events.extend(released);
            Ok(committed)
        })
        .await
    }
}
