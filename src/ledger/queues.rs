//! The durable work queues that intake and workflow fill and the workers drain: the outbox
//! (messages to send, read receipts) and media downloads. An item is keyed by (due time, id),
//! so a worker reads what is due in order; it is removed only after its work is done.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{MessageId, Ticket, Wamid};
use crate::store::keys::{KeyBuilder, read_i64, read_u64};
use crate::store::{Record, Store, StoreError, Table, Tx};

use super::Source;

/// Where a queued item sits: its due time and id. Opaque outside the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueueKey(pub(super) Vec<u8>);

impl QueueKey {
    fn new(due: DateTime<Utc>, id: u64) -> QueueKey {
        QueueKey(
            KeyBuilder::new()
                .i64(due.timestamp_millis())
                .u64(id)
                .build(),
        )
    }

    /// The item id encoded in the key.
    pub fn item_id(&self) -> Option<u64> {
        QueueKey::parse(&self.0).map(|(_, id)| id)
    }

    /// The due time and id encoded in a key.
    fn parse(key: &[u8]) -> Option<(i64, u64)> {
        Some((read_i64(key, 0)?, read_u64(key, 8)?))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OutboxWork {
    /// Send the outbound message with this id.
    Deliver { message_id: MessageId },
    /// Tell the citizen's phone that their message was read.
    MarkRead { external_id: Wamid },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: u64,
    pub work: OutboxWork,
    pub queued_at: DateTime<Utc>,
    /// The run of the process that queued the item (see `Store::run`); `None` in items queued
    /// before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_run: Option<u64>,
    #[serde(default)]
    pub attempts: u32,
    /// The attempting mark: since when a send of this item may have reached Meta, and which
    /// run of the process (see `Store::run`) made it. The sender writes it durably, for a
    /// batch of sends in one group-committed transaction, just before it hands them to the
    /// HTTP client. After a crash an item marked by the crashed run may have reached Meta: it
    /// waits for a status callback before it is sent again. An item without the mark was
    /// never handed to Meta and goes out at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight_run: Option<u64>,
    /// A send of this item was attempted at least once.
    #[serde(default)]
    pub attempted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The business number (phone number id) it goes out from, so that a restart sends from
    /// the same one; `None` on items from before channels were kept: the default number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

impl Record for OutboxItem {
    const NAME: &'static str = "outbox_item";
}

impl OutboxItem {
    /// Marks the item as possibly sent, by `run` (see `Store::run`), from `at` on.
    pub fn mark_attempting(&mut self, at: DateTime<Utc>, run: u64) {
        self.in_flight_since = Some(at);
        self.in_flight_run = Some(run);
        self.attempted = true;
    }

    /// Whether a run other than `run` (the current one) may have sent this item and stopped
    /// before it recorded the answer. The current run keeps every send it made claimed until
    /// it is recorded, so its own marks never mean that.
    pub fn maybe_sent_by_earlier_run(&self, run: u64) -> bool {
        self.in_flight_since.is_some() && self.in_flight_run != Some(run)
    }

    /// Whether this is a send queued by `run` (the current one) less than `grace` before
    /// `now` and never attempted: intake hands such items to the sender itself once its flush
    /// is done, so a look at the queue need not take them.
    pub fn freshly_queued_by(&self, run: u64, now: DateTime<Utc>, grace: chrono::Duration) -> bool {
        matches!(self.work, OutboxWork::Deliver { .. })
            && !self.attempted
            && self.in_flight_since.is_none()
            && self.queued_run == Some(run)
            && now - self.queued_at < grace
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaJob {
    pub id: u64,
    pub message_id: MessageId,
    pub queued_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

impl Record for MediaJob {
    const NAME: &'static str = "media_job";
}

/// An outbox item as queued, with its key. Intake hands these to the sender once the
/// transaction that queued them is durable, so the sender neither looks for them nor flushes.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub key: QueueKey,
    pub item: OutboxItem,
    /// For an automatic reply: the records as the queuing transaction wrote them, so that the
    /// sender need not read them back. Kept in memory only; an item read from the queue has
    /// none, and the sender reads the store instead.
    pub known: Option<Box<KnownSend>>,
}

/// A reply's message, its reporter and its report's ticket, as the transaction that queued
/// the reply wrote them. Nothing changes a queued message before the sender takes it: only
/// the sender (which claims the item) moves its delivery state, and status callbacks need
/// the wamid that only the send brings.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownSend {
    pub message: crate::domain::message::Message,
    pub reporter: crate::domain::reporter::Reporter,
    pub ticket: Ticket,
}

/// The outbox (see `Ledger::outbox`).
pub struct Outbox<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> Outbox<'_, S> {
    pub fn get(&self, key: &QueueKey) -> Result<Option<OutboxItem>, StoreError> {
        self.at.get_record(Table::Outbox, &key.0)
    }
}

impl Outbox<'_, Tx<'_>> {
    /// Queues work due now, by this run, not yet attempted, from the default number.
    pub fn enqueue(&self, work: OutboxWork, now: DateTime<Utc>) -> Result<Queued, StoreError> {
        self.enqueue_from(work, None, now)
    }

    /// Queues work due now, by this run, not yet attempted, to go out from `channel` (a
    /// phone number id; `None`: the default number).
    pub fn enqueue_from(
        &self,
        work: OutboxWork,
        channel: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Queued, StoreError> {
        let tx = self.at;
        let id = tx.generate_id()?;
        let item = OutboxItem {
            id,
            work,
            queued_at: now,
            queued_run: Some(tx.run()),
            attempts: 0,
            in_flight_since: None,
            in_flight_run: None,
            attempted: false,
            last_error: None,
            channel,
        };
        let key = QueueKey::new(now, id);
        tx.put_record(Table::Outbox, &key.0, &item)?;
        Ok(Queued {
            key,
            item,
            known: None,
        })
    }

    /// Marks the item under `key` as attempting, by this transaction's run, from `at` on (see
    /// `OutboxItem::in_flight_since`). Returns false when the item is no longer queued.
    pub fn mark_attempting(&self, key: &QueueKey, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let Some(mut item) = self.get(key)? else {
            return Ok(false);
        };
        item.mark_attempting(at, self.at.run());
        self.update(key, &item)?;
        Ok(true)
    }

    /// Rewrites the item in its place.
    pub fn update(&self, key: &QueueKey, item: &OutboxItem) -> Result<(), StoreError> {
        self.at.put_record(Table::Outbox, &key.0, item)
    }

    /// Moves the item to `due` (a retry).
    pub fn reschedule(
        &self,
        key: &QueueKey,
        due: DateTime<Utc>,
        item: &OutboxItem,
    ) -> Result<(), StoreError> {
        self.remove(key)?;
        self.at
            .put_record(Table::Outbox, &QueueKey::new(due, item.id).0, item)
    }

    /// The work is done.
    pub fn remove(&self, key: &QueueKey) -> Result<(), StoreError> {
        self.at.remove(Table::Outbox, &key.0)
    }
}

impl Outbox<'_, Store> {
    pub fn len(&self) -> usize {
        self.at.len(Table::Outbox)
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty(Table::Outbox)
    }

    /// Up to `limit` items due at or before `now`, oldest first, among those whose id `claim`
    /// accepts (see `due_items`).
    pub fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        claim: impl FnMut(u64) -> bool,
    ) -> Result<Vec<(QueueKey, OutboxItem)>, StoreError> {
        due_items(self.at, Table::Outbox, now, limit, claim)
    }

    /// When the earliest item is due, and its id.
    pub fn next_due(&self) -> Result<Option<(DateTime<Utc>, u64)>, StoreError> {
        next_due(self.at, Table::Outbox)
    }
}

/// The media download queue (see `Ledger::media_queue`).
pub struct MediaQueue<'a, S> {
    pub(super) at: &'a S,
}

impl MediaQueue<'_, Tx<'_>> {
    /// Queues the download of a message's media, due now; returns the job id.
    pub fn enqueue(&self, message_id: MessageId, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let id = self.at.generate_id()?;
        let job = MediaJob {
            id,
            message_id,
            queued_at: now,
            attempts: 0,
            last_error: None,
        };
        self.at
            .put_record(Table::MediaQueue, &QueueKey::new(now, id).0, &job)?;
        Ok(id)
    }

    /// Moves the job to `due` (a retry).
    pub fn reschedule(
        &self,
        key: &QueueKey,
        due: DateTime<Utc>,
        job: &MediaJob,
    ) -> Result<(), StoreError> {
        self.remove(key)?;
        self.at
            .put_record(Table::MediaQueue, &QueueKey::new(due, job.id).0, job)
    }

    pub fn remove(&self, key: &QueueKey) -> Result<(), StoreError> {
        self.at.remove(Table::MediaQueue, &key.0)
    }
}

impl MediaQueue<'_, Store> {
    pub fn len(&self) -> usize {
        self.at.len(Table::MediaQueue)
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty(Table::MediaQueue)
    }

    /// Up to `limit` jobs due at or before `now`, oldest first, among those `claim` accepts.
    pub fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        claim: impl FnMut(u64) -> bool,
    ) -> Result<Vec<(QueueKey, MediaJob)>, StoreError> {
        due_items(self.at, Table::MediaQueue, now, limit, claim)
    }

    /// When the earliest job is due, and its id.
    pub fn next_due(&self) -> Result<Option<(DateTime<Utc>, u64)>, StoreError> {
        next_due(self.at, Table::MediaQueue)
    }
}

/// Up to `limit` entries of `table` due at or before `now`, oldest first, among those whose
/// item id `claim` accepts. `claim` sees the id from the key, before the value is decoded, so
/// items already being worked on cost nothing; it is not called again once `limit` is reached.
fn due_items<T: Record>(
    store: &Store,
    table: Table,
    now: DateTime<Utc>,
    limit: usize,
    mut claim: impl FnMut(u64) -> bool,
) -> Result<Vec<(QueueKey, T)>, StoreError> {
    let end = KeyBuilder::new().i64(now.timestamp_millis() + 1).build();
    let mut items = Vec::new();
    if limit == 0 {
        return Ok(items);
    }
    for entry in store.range(table, &[], Some(&end)) {
        let (key, value) = entry?;
        let Some((_, id)) = QueueKey::parse(&key) else {
            continue;
        };
        if !claim(id) {
            continue;
        }
        items.push((QueueKey(key), crate::store::codec::decode(&value)?));
        if items.len() >= limit {
            break;
        }
    }
    Ok(items)
}

/// The earliest item of `table`, if any: when it is due, and its id.
fn next_due(store: &Store, table: Table) -> Result<Option<(DateTime<Utc>, u64)>, StoreError> {
    let first = store.range(table, &[], None).next().transpose()?;
    Ok(first
        .and_then(|(key, _)| QueueKey::parse(&key))
        .and_then(|(millis, id)| Some((DateTime::from_timestamp_millis(millis)?, id))))
}

#[cfg(test)]
#[path = "queues_tests.rs"]
mod tests;
