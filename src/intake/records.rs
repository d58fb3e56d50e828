//! Reading and writing the report-side records inside a transaction, shared by intake, the
//! workers and workflow so that every path keys them the same way.

use chrono::{DateTime, Utc};

use crate::domain::message::Message;
use crate::domain::report::Report;
use crate::domain::reporter::Reporter;
use crate::domain::timeline::{Actor, TimelineEvent, TimelineKind};
use crate::store::keys::{KeyBuilder, u64_key};
use crate::store::{Store, StoreError, Table, Tx};

pub fn load_report(tx: &Tx<'_>, report_id: u64) -> Result<Option<Report>, StoreError> {
    tx.get_record(Table::Reports, &u64_key(report_id))
}

/// Saves a report and, in the same transaction, the two things every change owes the workers:
/// an entry in the index queue (so search catches up) and its place in the set of open reports
/// (which the SLA watcher walks).
pub fn save_report(tx: &Tx<'_>, report: &Report) -> Result<(), StoreError> {
    let key = u64_key(report.id);
    tx.put_record(Table::Reports, &key, report)?;
    // The value is a fresh sequence: the indexer removes an entry only if it still holds the
    // sequence it indexed, so a change made while indexing is never dropped. The SLA watcher
    // uses the same sequence to tell an unchanged open report from a changed one.
    let sequence = u64_key(tx.generate_id()?);
    tx.put(Table::IndexQueue, &key, &sequence)?;
    if report.status.is_final() {
        tx.remove(Table::OpenReports, &key)
    } else {
        tx.put(Table::OpenReports, &key, &sequence)
    }
}

/// Saves a change that neither search nor the SLA reads (a reply went out: one more timeline
/// entry), without queueing the report for indexing. The status must not have changed.
pub fn save_report_bookkeeping(tx: &Tx<'_>, report: &Report) -> Result<(), StoreError> {
    tx.put_record(Table::Reports, &u64_key(report.id), report)
}

pub fn load_reporter(tx: &Tx<'_>, reporter_id: u64) -> Result<Option<Reporter>, StoreError> {
    tx.get_record(Table::Reporters, &u64_key(reporter_id))
}

pub fn save_reporter(tx: &Tx<'_>, reporter: &Reporter) -> Result<(), StoreError> {
    tx.put_record(Table::Reporters, &u64_key(reporter.id), reporter)
}

pub fn load_message(tx: &Tx<'_>, message_id: u64) -> Result<Option<Message>, StoreError> {
    tx.get_record(Table::Messages, &u64_key(message_id))
}

pub fn save_message(tx: &Tx<'_>, message: &Message) -> Result<(), StoreError> {
    tx.put_record(Table::Messages, &u64_key(message.id), message)
}

/// Stores a new message, indexes its channel id and links it to its report.
pub fn insert_message(tx: &Tx<'_>, message: &Message) -> Result<(), StoreError> {
    save_message(tx, message)?;
    if let Some(external_id) = &message.external_id {
        tx.put(
            Table::MessageExternalIds,
            external_id.as_bytes(),
            &u64_key(message.id),
        )?;
    }
    if let Some(report_id) = message.report_id {
        tx.put(
            Table::ReportMessages,
            &report_message_key(report_id, message.id),
            &[],
        )?;
    }
    Ok(())
}

pub fn message_id_by_external_id(
    tx: &Tx<'_>,
    external_id: &str,
) -> Result<Option<u64>, StoreError> {
    Ok(tx
        .get(Table::MessageExternalIds, external_id.as_bytes())?
        .and_then(|bytes| crate::store::keys::read_u64(&bytes, 0)))
}

pub fn report_message_key(report_id: u64, message_id: u64) -> Vec<u8> {
    KeyBuilder::new().u64(report_id).u64(message_id).build()
}

/// Appends an event to the report's timeline. The caller saves the report afterwards (its
/// `timeline_len` is the sequence counter).
pub fn append_timeline(
    tx: &Tx<'_>,
    report: &mut Report,
    kind: TimelineKind,
    actor: Actor,
    note: Option<String>,
    message_id: Option<u64>,
    at: DateTime<Utc>,
) -> Result<TimelineEvent, StoreError> {
    report.timeline_len += 1;
    let event = TimelineEvent {
        report_id: report.id,
        sequence: report.timeline_len,
        at,
        kind,
        actor,
        note,
        message_id,
    };
    let key = KeyBuilder::new().u64(report.id).u64(event.sequence).build();
    tx.put_record(Table::Timeline, &key, &event)?;
    Ok(event)
}

/// Read-only views outside transactions, for the API, export and tests.
pub fn report_messages(store: &Store, report_id: u64) -> Result<Vec<Message>, StoreError> {
    let mut messages = Vec::new();
    for entry in store.scan_prefix(Table::ReportMessages, &u64_key(report_id)) {
        let (key, _) = entry?;
        let Some(message_id) = crate::store::keys::read_u64(&key, 8) else {
            continue;
        };
        if let Some(message) = store.get_record::<Message>(Table::Messages, &u64_key(message_id))? {
            messages.push(message);
        }
    }
    Ok(messages)
}

pub fn report_timeline(store: &Store, report_id: u64) -> Result<Vec<TimelineEvent>, StoreError> {
    store
        .scan_records::<TimelineEvent>(Table::Timeline, &u64_key(report_id))
        .map(|entry| entry.map(|(_, event)| event))
        .collect()
}

pub fn report_by_ticket(store: &Store, ticket: &str) -> Result<Option<Report>, StoreError> {
    let Some(id_bytes) = store.get(Table::ReportTickets, ticket.as_bytes())? else {
        return Ok(None);
    };
    let Some(report_id) = crate::store::keys::read_u64(&id_bytes, 0) else {
        return Ok(None);
    };
    store.get_record(Table::Reports, &u64_key(report_id))
}

/// Every report, oldest first (report ids increase with time).
pub fn all_reports(store: &Store) -> impl Iterator<Item = Result<Report, StoreError>> + use<> {
    store
        .scan_records::<Report>(Table::Reports, &[])
        .map(|entry| entry.map(|(_, report)| report))
}

pub fn load_message_readonly(store: &Store, message_id: u64) -> Option<Message> {
    store
        .get_record(Table::Messages, &u64_key(message_id))
        .ok()
        .flatten()
}

pub fn report_by_id(store: &Store, report_id: u64) -> Option<Report> {
    store
        .get_record(Table::Reports, &u64_key(report_id))
        .ok()
        .flatten()
}
