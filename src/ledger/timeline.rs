//! A report's timeline: append-only events keyed by (report id, sequence).

use chrono::{DateTime, Utc};

use crate::domain::ids::{MessageId, ReportId};
use crate::domain::report::Report;
use crate::domain::timeline::{Actor, TimelineEvent, TimelineKind};
use crate::store::keys::{KeyBuilder, u64_key};
use crate::store::{Store, StoreError, Table, Tx};

use super::Reports;

impl Reports<'_, Tx<'_>> {
    /// Appends an event to the report's timeline. The caller saves the report afterwards (its
    /// `timeline_len` is the sequence counter).
    pub fn append_timeline(
        &self,
        report: &mut Report,
        kind: TimelineKind,
        actor: Actor,
        note: Option<String>,
        message_id: Option<MessageId>,
        at: DateTime<Utc>,
    ) -> Result<TimelineEvent, StoreError> {
        report.timeline_len += 1;
        report.note_timeline_entry(kind, &actor, at);
        let event = TimelineEvent {
            report_id: report.id,
            sequence: report.timeline_len,
            at,
            kind,
            actor,
            note,
            message_id,
        };
        let key = KeyBuilder::new()
            .u64(report.id.get())
            .u64(event.sequence)
            .build();
        self.at.put_record(Table::Timeline, &key, &event)?;
        Ok(event)
    }
}

impl Reports<'_, Store> {
    /// The report's timeline, oldest first.
    pub fn timeline(&self, report_id: ReportId) -> Result<Vec<TimelineEvent>, StoreError> {
        self.at
            .scan_records::<TimelineEvent>(Table::Timeline, &u64_key(report_id.get()))
            .map(|entry| entry.map(|(_, event)| event))
            .collect()
    }
}
