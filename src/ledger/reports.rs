//! Reports: the record, its ticket, its messages, the set of open reports the SLA clock walks,
//! and the index queue entry every change owes search.

use chrono::{DateTime, Datelike, Utc};

use crate::domain::ids::{MessageId, ReportId, Ticket};
use crate::domain::message::Message;
use crate::domain::report::Report;
use crate::store::keys::{KeyBuilder, read_u64, u64_key};
use crate::store::{Store, StoreError, Table, TableWatcher, Tx, codec};

use super::Source;

/// The reports area (see `Ledger::reports`).
pub struct Reports<'a, S> {
    pub(super) at: &'a S,
}

/// An open report as the SLA clock sees it: its id and the sequence of its last change
/// (`None` for entries written before the sequence was kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenReport {
    pub report_id: ReportId,
    pub change: Option<u64>,
}

impl<S: Source> Reports<'_, S> {
    pub fn get(&self, report_id: ReportId) -> Result<Option<Report>, StoreError> {
        self.at
            .get_record(Table::Reports, &u64_key(report_id.get()))
    }

    /// The report with this ticket number.
    pub fn by_ticket(&self, ticket: &Ticket) -> Result<Option<Report>, StoreError> {
        let Some(id_bytes) = self.at.get_bytes(Table::ReportTickets, ticket.as_bytes())? else {
            return Ok(None);
        };
        match read_u64(&id_bytes, 0) {
            Some(report_id) => self.get(ReportId::new(report_id)),
            None => Ok(None),
        }
    }
}

impl Reports<'_, Tx<'_>> {
    /// A number for a new report.
    pub fn new_id(&self) -> Result<ReportId, StoreError> {
        Ok(ReportId::new(self.at.generate_id()?))
    }

    /// The next ticket under `prefix` for a report opened at `at`: the sequence restarts
    /// every year.
    pub fn next_ticket(&self, prefix: &str, at: DateTime<Utc>) -> Result<Ticket, StoreError> {
        // One counter per prefix and year.
        let year = at.year();
        let sequence = self
            .at
            .next_in_sequence(&format!("ticket:{prefix}:{year}"))?;
        Ok(Ticket::format(prefix, year, sequence))
    }

    /// Saves a report and, in the same transaction, the two things every change owes the
    /// workers: an entry in the index queue (so search catches up) and its place in the set of
    /// open reports (which the SLA clock walks).
    pub fn save(&self, report: &Report) -> Result<(), StoreError> {
        self.save_as(report, true)
    }

    /// Saves a change the search document does not hold (the SLA clock's warning: search
    /// keeps due times and breaches, not warnings) without queueing the report for indexing.
    /// The SLA clock still sees it changed. Every 30-minute soak used to double the index's
    /// work from minute 24, when the first NORMAL reports came due for their warning.
    pub fn save_unindexed(&self, report: &Report) -> Result<(), StoreError> {
        self.save_as(report, false)
    }

    fn save_as(&self, report: &Report, index: bool) -> Result<(), StoreError> {
        let tx = self.at;
        let key = u64_key(report.id.get());
        tx.put_record(Table::Reports, &key, report)?;
        // The value is a fresh sequence: the indexer removes an entry only if it still holds
        // the sequence it indexed, so a change made while indexing is never dropped. The SLA
        // clock uses the same sequence to tell an unchanged open report from a changed one.
        let sequence = u64_key(tx.generate_id()?);
        if index {
            tx.put(Table::IndexQueue, &key, &sequence)?;
        }
        if report.status.is_final() {
            tx.remove(Table::OpenReports, &key)
        } else {
            tx.put(Table::OpenReports, &key, &sequence)
        }
    }

    /// Saves a change that neither search nor the SLA reads (a reply went out: one more
    /// timeline entry), without queueing the report for indexing. The status must not have
    /// changed.
    pub fn save_bookkeeping(&self, report: &Report) -> Result<(), StoreError> {
        self.at
            .put_record(Table::Reports, &u64_key(report.id.get()), report)
    }

    /// Makes the ticket number find the report.
    pub fn register_ticket(&self, ticket: &Ticket, report_id: ReportId) -> Result<(), StoreError> {
        let id = u64_key(report_id.get());
        self.at
            .put(Table::ReportTickets, ticket.as_str().as_bytes(), &id)
    }

    /// Moves a message from one report's conversation to another's (a merge).
    pub fn move_message(
        &self,
        from: ReportId,
        to: ReportId,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        self.at
            .remove(Table::ReportMessages, &report_message_key(from, message_id))?;
        self.at.put(
            Table::ReportMessages,
            &report_message_key(to, message_id),
            &[],
        )
    }

    /// Adds a message to the report's conversation.
    pub(super) fn link_message(
        &self,
        report_id: ReportId,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        self.at.put(
            Table::ReportMessages,
            &report_message_key(report_id, message_id),
            &[],
        )
    }
}

impl Reports<'_, Store> {
    /// How many reports there are (reads the whole table: for tools and progress bars).
    pub fn count(&self) -> usize {
        self.at.len(Table::Reports)
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty(Table::Reports)
    }

    /// Every report, oldest first (report ids increase with time).
    pub fn oldest_first(&self) -> impl Iterator<Item = Result<Report, StoreError>> + use<> {
        self.at
            .scan_records::<Report>(Table::Reports, &[])
            .map(|entry| entry.map(|(_, report)| report))
    }

    /// Every report, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = Result<Report, StoreError>> + use<> {
        self.at
            .range(Table::Reports, &[], None)
            .rev()
            .map(|entry| entry.and_then(|(_, bytes)| codec::decode::<Report>(&bytes)))
    }

    /// The ids of the report's messages, oldest first.
    pub fn message_ids(&self, report_id: ReportId) -> Result<Vec<MessageId>, StoreError> {
        let mut ids = Vec::new();
        for entry in self
            .at
            .scan_prefix(Table::ReportMessages, &u64_key(report_id.get()))
        {
            let (key, _) = entry?;
            ids.extend(read_u64(&key, 8).map(MessageId::new));
        }
        Ok(ids)
    }

    /// The report's messages, oldest first.
    pub fn messages(&self, report_id: ReportId) -> Result<Vec<Message>, StoreError> {
        let mut messages = Vec::new();
        for message_id in self.message_ids(report_id)? {
            if let Some(message) = self
                .at
                .get_record::<Message>(Table::Messages, &u64_key(message_id.get()))?
            {
                messages.push(message);
            }
        }
        Ok(messages)
    }

    /// The reports not in a final status, by id.
    pub fn open(&self) -> impl Iterator<Item = Result<OpenReport, StoreError>> + use<> {
        self.at
            .range(Table::OpenReports, &[], None)
            .filter_map(|entry| match entry {
                Ok((key, value)) => Some(Ok(OpenReport {
                    report_id: ReportId::new(read_u64(&key, 0)?),
                    change: read_u64(&value, 0),
                })),
                Err(error) => Some(Err(error)),
            })
    }
}

/// Told which reports changed, right after each write that changed them (see `Reports::watch`).
pub trait ReportWatcher: Send + Sync + 'static {
    /// `report_ids` were saved (or removed) and `store` shows their new state.
    fn changed(&self, store: &Store, report_ids: &[ReportId]);
}

impl Reports<'_, Store> {
    /// Tells `watcher` about every later change of a report, by any writer, right after the
    /// change is applied and before its writer goes on. The store holds the watcher only
    /// weakly: it stops being told when the last `Arc` to it is dropped.
    pub fn watch<W: ReportWatcher>(&self, watcher: &std::sync::Arc<W>) {
        let keys = ReportKeys(std::sync::Arc::downgrade(watcher));
        self.at.watch(Table::Reports, std::sync::Arc::new(keys));
    }
}

/// Turns the keys of the reports table into report ids for a `ReportWatcher`.
struct ReportKeys<W>(std::sync::Weak<W>);

impl<W: ReportWatcher> TableWatcher for ReportKeys<W> {
    fn written(&self, store: &Store, _table: Table, keys: &[Vec<u8>]) -> bool {
        let Some(watcher) = self.0.upgrade() else {
            return false;
        };
        let mut report_ids: Vec<ReportId> = keys
            .iter()
            .filter_map(|key| read_u64(key, 0))
            .map(ReportId::new)
            .collect();
        report_ids.sort_unstable();
        report_ids.dedup();
        if !report_ids.is_empty() {
            watcher.changed(store, &report_ids);
        }
        true
    }
}

pub(super) fn report_message_key(report_id: ReportId, message_id: MessageId) -> Vec<u8> {
    KeyBuilder::new()
        .u64(report_id.get())
        .u64(message_id.get())
        .build()
}
