//! Merging a duplicate report into another: its messages move, it is marked DUPLICATE.

use chrono::Utc;

use super::permissions::Action;
use super::{Committed, Workflow, load_existing_report, refuse, report_event, touch};
use crate::bus::ReportEventKind;
use crate::domain::report::{Report, ReportStatus};
use crate::domain::timeline::TimelineKind;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::intake::records::{
    append_timeline, load_message, load_reporter, report_message_key, save_message, save_report,
    save_reporter,
};
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Table, TxError};

/// How often a merge re-reads a report that keeps receiving messages before giving up.
const MERGE_ATTEMPTS: usize = 5;

impl Workflow {
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
