//! Whole-table reads and the rewrites of derived entries, for the offline consistency check
//! (`siaga check`, in `crate::check`): the check reads every record through these and asks
//! for the secondary entries it can recompute (ticket and channel-id lookups, a report's list
//! of messages, the open-reports set, the index queue, identities) to be written again.
//!
//! Nothing here removes a record that is evidence (a message, a raw body, a timeline entry, a
//! report): only lookups and queue entries that point at nothing.

use crate::domain::ids::{MessageId, ReportId, Wamid};
use crate::domain::message::Message;
use crate::domain::report::Report;
use crate::domain::reporter::Reporter;
use crate::domain::timeline::TimelineEvent;
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Store, StoreError, Table, Tx};

use super::Ledger;
use super::queues::QueueKey;
use super::reports::report_message_key;
use super::{MediaJob, OutboxItem};

/// The survey of every table (see `Ledger::survey`).
pub struct Survey<'a, S> {
    pub(super) at: &'a S,
}

/// A lookup entry: its key as text, and the id it points at (`None` when unreadable).
pub type Lookup = (String, Option<u64>);

impl Survey<'_, Store> {
    /// Every message, by id.
    pub fn messages(&self) -> impl Iterator<Item = Result<Message, StoreError>> + use<> {
        self.at
            .scan_records::<Message>(Table::Messages, &[])
            .map(|entry| entry.map(|(_, message)| message))
    }

    /// Every (report, message) link of the reports' conversations.
    pub fn report_messages(
        &self,
    ) -> impl Iterator<Item = Result<(ReportId, MessageId), StoreError>> + use<> {
        self.at
            .scan_prefix(Table::ReportMessages, &[])
            .filter_map(|entry| match entry {
                Ok((key, _)) => Some(Ok((
                    ReportId::new(read_u64(&key, 0)?),
                    MessageId::new(read_u64(&key, 8)?),
                ))),
                Err(error) => Some(Err(error)),
            })
    }

    /// Every ticket lookup: ticket → report id.
    pub fn tickets(&self) -> impl Iterator<Item = Result<Lookup, StoreError>> + use<> {
        lookups(self.at, Table::ReportTickets)
    }

    /// Every channel-id lookup: wamid → message id.
    pub fn wamids(&self) -> impl Iterator<Item = Result<Lookup, StoreError>> + use<> {
        lookups(self.at, Table::MessageExternalIds)
    }

    /// Every identity lookup (`bsuid:…`, `phone:…`) → reporter id.
    pub fn identities(&self) -> impl Iterator<Item = Result<Lookup, StoreError>> + use<> {
        lookups(self.at, Table::ReporterIdentities)
    }

    /// Every reporter, by id.
    pub fn reporters(&self) -> impl Iterator<Item = Result<Reporter, StoreError>> + use<> {
        self.at
            .scan_records::<Reporter>(Table::Reporters, &[])
            .map(|entry| entry.map(|(_, reporter)| reporter))
    }

    /// Every timeline event, report by report and in sequence order, with the report id of the
    /// key it was found under (a report's record, or an older build's single entry).
    pub fn timeline(
        &self,
    ) -> impl Iterator<Item = Result<(ReportId, TimelineEvent), StoreError>> + use<> {
        super::timeline::every_event(self.at)
    }

    /// Every outbox item, due first.
    pub fn outbox(
        &self,
    ) -> impl Iterator<Item = Result<(QueueKey, OutboxItem), StoreError>> + use<> {
        self.at
            .scan_records::<OutboxItem>(Table::Outbox, &[])
            .map(|entry| entry.map(|(key, item)| (QueueKey(key), item)))
    }

    /// Every media download job, due first.
    pub fn media_jobs(
        &self,
    ) -> impl Iterator<Item = Result<(QueueKey, MediaJob), StoreError>> + use<> {
        self.at
            .scan_records::<MediaJob>(Table::MediaQueue, &[])
            .map(|entry| entry.map(|(key, job)| (QueueKey(key), job)))
    }

    /// Whether the raw webhook body `id` is kept.
    pub fn has_raw_payload(&self, id: u64) -> Result<bool, StoreError> {
        Ok(self.at.get(Table::RawPayloads, &u64_key(id))?.is_some())
    }

    /// How many events the timelines hold, over all reports (an unreadable entry counts
    /// none).
    pub fn timeline_len(&self) -> usize {
        self.timeline().filter(Result::is_ok).count()
    }
}

fn lookups(
    store: &Store,
    table: Table,
) -> impl Iterator<Item = Result<Lookup, StoreError>> + use<> {
    store.scan_prefix(table, &[]).map(|entry| {
        entry.map(|(key, value)| {
            (
                String::from_utf8_lossy(&key).into_owned(),
                read_u64(&value, 0),
            )
        })
    })
}

impl Survey<'_, Tx<'_>> {
    /// Makes the report's conversation list the message.
    pub fn link_message(
        &self,
        report_id: ReportId,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        self.at.reports().link_message(report_id, message_id)
    }

    /// Takes a message off a report's conversation list (the message itself stays).
    pub fn unlink_message(
        &self,
        report_id: ReportId,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        self.at.remove(
            Table::ReportMessages,
            &report_message_key(report_id, message_id),
        )
    }

    /// Makes the ticket find the report.
    pub fn point_ticket(&self, ticket: &str, report_id: ReportId) -> Result<(), StoreError> {
        self.at.put(
            Table::ReportTickets,
            ticket.as_bytes(),
            &u64_key(report_id.get()),
        )
    }

    /// Removes a ticket lookup that finds no report with that ticket.
    pub fn drop_ticket(&self, ticket: &str) -> Result<(), StoreError> {
        self.at.remove(Table::ReportTickets, ticket.as_bytes())
    }

    /// Makes the channel id find the message.
    pub fn point_wamid(&self, wamid: &Wamid, message_id: MessageId) -> Result<(), StoreError> {
        self.at.put(
            Table::MessageExternalIds,
            wamid.as_str().as_bytes(),
            &u64_key(message_id.get()),
        )
    }

    /// Removes a channel-id lookup that finds no message.
    pub fn drop_wamid(&self, wamid: &str) -> Result<(), StoreError> {
        self.at.remove(Table::MessageExternalIds, wamid.as_bytes())
    }

    /// Makes the identity find the reporter.
    pub fn point_identity(&self, identity: &str, reporter_id: u64) -> Result<(), StoreError> {
        self.at.put(
            Table::ReporterIdentities,
            identity.as_bytes(),
            &u64_key(reporter_id),
        )
    }

    /// Removes an identity lookup that finds no reporter.
    pub fn drop_identity(&self, identity: &str) -> Result<(), StoreError> {
        self.at
            .remove(Table::ReporterIdentities, identity.as_bytes())
    }

    /// Puts the report in the open-reports set or takes it out, by its status, with a fresh
    /// change sequence (so the SLA clock looks at it again).
    pub fn sync_open(&self, report: &Report) -> Result<(), StoreError> {
        let key = u64_key(report.id.get());
        if report.status.is_final() {
            self.at.remove(Table::OpenReports, &key)
        } else {
            let sequence = u64_key(self.at.generate_id()?);
            self.at.put(Table::OpenReports, &key, &sequence)
        }
    }

    /// Removes an open-reports entry of a report that does not exist.
    pub fn drop_open(&self, report_id: ReportId) -> Result<(), StoreError> {
        self.at
            .remove(Table::OpenReports, &u64_key(report_id.get()))
    }

    /// Queues the report for indexing with a fresh change sequence.
    pub fn queue_for_index(&self, report_id: ReportId) -> Result<(), StoreError> {
        let sequence = u64_key(self.at.generate_id()?);
        self.at
            .put(Table::IndexQueue, &u64_key(report_id.get()), &sequence)
    }

    /// Removes an index-queue entry of a report that does not exist.
    pub fn drop_index_entry(&self, report_id: ReportId) -> Result<(), StoreError> {
        self.at.remove(Table::IndexQueue, &u64_key(report_id.get()))
    }

    /// Removes an outbox item whose work points at nothing.
    pub fn drop_outbox_item(&self, key: &QueueKey) -> Result<(), StoreError> {
        self.at.remove(Table::Outbox, &key.0)
    }

    /// Removes a media job whose message does not exist or has no media.
    pub fn drop_media_job(&self, key: &QueueKey) -> Result<(), StoreError> {
        self.at.remove(Table::MediaQueue, &key.0)
    }

    /// Test hook: writes a timeline event as given, as builds before issue 16 did (under its
    /// own report id and sequence), without touching the report (to plant a disordered or
    /// orphaned timeline, or an older store's entry).
    #[doc(hidden)]
    pub fn plant_timeline_event(&self, event: &TimelineEvent) -> Result<(), StoreError> {
        super::timeline::plant_single_entry(self.at, event)
    }

    /// Test hook: puts a report in the open-reports set whatever its status.
    #[doc(hidden)]
    pub fn plant_open(&self, report_id: ReportId) -> Result<(), StoreError> {
        self.at
            .put(Table::OpenReports, &u64_key(report_id.get()), &u64_key(1))
    }

    /// Test hook: removes a raw webhook body (evidence the check must miss).
    #[doc(hidden)]
    pub fn plant_lost_raw_payload(&self, id: u64) -> Result<(), StoreError> {
        self.at.remove(Table::RawPayloads, &u64_key(id))
    }

    /// Test hook: keeps a raw body as builds before compression did (plain, without a time).
    #[doc(hidden)]
    pub fn plant_legacy_raw_body(&self, id: u64, body: &[u8]) -> Result<(), StoreError> {
        self.at.put(Table::RawPayloads, &u64_key(id), body)
    }

    /// Test hook: records an applied event as builds before the retention setting did (no
    /// time).
    #[doc(hidden)]
    pub fn plant_legacy_seen_event(&self, event_key: &str) -> Result<(), StoreError> {
        self.at.put(Table::SeenEvents, event_key.as_bytes(), &[])
    }
}
