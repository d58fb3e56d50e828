//! A report's timeline: append-only events, kept as one value per report.
//!
//! Since issue 16 the whole timeline of a report is one record under the report's id (8-byte
//! key), its events in sequence order: an intake transaction that writes three entries writes
//! one key instead of three. Builds before kept one key per entry, (report id, sequence)
//! (16 bytes); those entries stay where they are and are read together with the record (a
//! report may have both: its old entries under their own keys, the later ones in the record).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{MessageId, ReportId};
use crate::domain::report::Report;
use crate::domain::timeline::{Actor, TimelineEvent, TimelineKind};
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Record, Store, StoreError, Table, Tx, codec};

use super::Reports;

/// A report's timeline entries written since issue 16, oldest first, under the report's id.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct TimelineRecord {
    pub(super) events: Vec<TimelineEvent>,
}

impl Record for TimelineRecord {
    const NAME: &'static str = "timeline";
}

/// The length of a key of the timeline table that holds one report's record; the longer keys
/// are single entries of older builds.
const RECORD_KEY_LEN: usize = 8;

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
        append_event(self.at, &event)?;
        Ok(event)
    }
}

/// Adds `event` at the end of its report's timeline record (which a transaction that appends
/// several reads back from its own writes).
pub(super) fn append_event(tx: &Tx<'_>, event: &TimelineEvent) -> Result<(), StoreError> {
    let key = u64_key(event.report_id.get());
    let mut record: TimelineRecord = tx.get_record(Table::Timeline, &key)?.unwrap_or_default();
    record.events.push(event.clone());
    tx.put_record(Table::Timeline, &key, &record)
}

impl Reports<'_, Store> {
    /// The report's timeline, oldest first.
    pub fn timeline(&self, report_id: ReportId) -> Result<Vec<TimelineEvent>, StoreError> {
        let mut events = Vec::new();
        for entry in self
            .at
            .scan_prefix(Table::Timeline, &u64_key(report_id.get()))
        {
            let (key, bytes) = entry?;
            decode_entry(&key, &bytes, &mut events)?;
        }
        sort_merged(&mut events);
        Ok(events)
    }
}

/// Decodes one entry of the timeline table into `events`: a report's record (every event of
/// it) or a single event of an older build.
fn decode_entry(
    key: &[u8],
    bytes: &[u8],
    events: &mut Vec<TimelineEvent>,
) -> Result<(), StoreError> {
    if key.len() == RECORD_KEY_LEN {
        events.extend(codec::decode::<TimelineRecord>(bytes)?.events);
    } else {
        events.push(codec::decode::<TimelineEvent>(bytes)?);
    }
    Ok(())
}

/// Puts a report's events in sequence order when it has both a record and older single
/// entries (each part is already in order; the sort is stable, so equal sequences keep their
/// order for the check to report).
fn sort_merged(events: &mut [TimelineEvent]) {
    if !events.is_sorted_by_key(|event| event.sequence) {
        events.sort_by_key(|event| event.sequence);
    }
}

/// Every timeline event of the store, report by report (in id order) and in sequence order
/// within a report, each with the report id of the key it was found under.
pub(super) fn every_event(
    store: &Store,
) -> impl Iterator<Item = Result<(ReportId, TimelineEvent), StoreError>> + use<> {
    let mut entries = store.scan_prefix(Table::Timeline, &[]).peekable();
    let mut pending: std::vec::IntoIter<(ReportId, TimelineEvent)> = Vec::new().into_iter();
    std::iter::from_fn(move || {
        loop {
            if let Some(next) = pending.next() {
                return Some(Ok(next));
            }
            let (key, bytes) = match entries.next()? {
                Ok(entry) => entry,
                Err(error) => return Some(Err(error)),
            };
            let report_id = ReportId::new(read_u64(&key, 0).unwrap_or_default());
            let mut events = Vec::new();
            if let Err(error) = decode_entry(&key, &bytes, &mut events) {
                return Some(Err(error));
            }
            // The rest of this report's entries (older builds' single ones).
            while let Some(Ok((next_key, _))) = entries.peek() {
                if next_key.len() <= RECORD_KEY_LEN || read_u64(next_key, 0) != read_u64(&key, 0) {
                    break;
                }
                let Some(Ok((next_key, next_bytes))) = entries.next() else {
                    unreachable!("peeked");
                };
                if let Err(error) = decode_entry(&next_key, &next_bytes, &mut events) {
                    return Some(Err(error));
                }
            }
            sort_merged(&mut events);
            pending = events
                .into_iter()
                .map(|event| (report_id, event))
                .collect::<Vec<_>>()
                .into_iter();
        }
    })
}

/// Test hook (see `Survey::plant_timeline_event`): writes `event` as an older build did, under
/// its own (report id, sequence) key.
pub(super) fn plant_single_entry(tx: &Tx<'_>, event: &TimelineEvent) -> Result<(), StoreError> {
    let key = crate::store::keys::KeyBuilder::new()
        .u64(event.report_id.get())
        .u64(event.sequence)
        .build();
    tx.put_record(Table::Timeline, &key, event)
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
