//! The durable work queues that intake and workflow fill and the workers drain: the outbox
//! (messages to send, read receipts) and media downloads. Keys are (due time, id), so a worker
//! reads what is due in order; an item is removed only after its work is done.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::keys::{KeyBuilder, read_i64, read_u64};
use crate::store::{Record, Store, StoreError, Table, Tx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OutboxWork {
    /// Send the outbound message with this id.
    Deliver { message_id: u64 },
    /// Tell the citizen's phone that their message was read.
    MarkRead { external_id: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: u64,
    pub work: OutboxWork,
    pub queued_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: u32,
    /// Set, and flushed, just before a send leaves: after a crash such an item may already
    /// have reached Meta, so it is reconciled with status callbacks before it is resent.
    #[serde(default)]
    pub in_flight_since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_error: Option<String>,
}

impl Record for OutboxItem {
    const NAME: &'static str = "outbox_item";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaJob {
    pub id: u64,
    pub message_id: u64,
    pub queued_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
}

impl Record for MediaJob {
    const NAME: &'static str = "media_job";
}

pub fn queue_key(due: DateTime<Utc>, id: u64) -> Vec<u8> {
    KeyBuilder::new()
        .i64(due.timestamp_millis())
        .u64(id)
        .build()
}

/// The due time and id encoded in a queue key.
pub fn parse_queue_key(key: &[u8]) -> Option<(i64, u64)> {
    Some((read_i64(key, 0)?, read_u64(key, 8)?))
}

pub fn enqueue_outbox(
    tx: &Tx<'_>,
    work: OutboxWork,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let id = tx.generate_id()?;
    let item = OutboxItem {
        id,
        work,
        queued_at: now,
        attempts: 0,
        in_flight_since: None,
        last_error: None,
    };
    tx.put_record(Table::Outbox, &queue_key(now, id), &item)?;
    Ok(id)
}

pub fn enqueue_media(tx: &Tx<'_>, message_id: u64, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let id = tx.generate_id()?;
    let job = MediaJob {
        id,
        message_id,
        queued_at: now,
        attempts: 0,
        last_error: None,
    };
    tx.put_record(Table::MediaQueue, &queue_key(now, id), &job)?;
    Ok(id)
}

/// Up to `limit` entries of `table` due at or before `now`, oldest first, among those whose
/// item id `claim` accepts. `claim` sees the id from the key, before the value is decoded, so
/// items already being worked on cost nothing; it is not called again once `limit` is reached.
pub fn due_items<T: Record>(
    store: &Store,
    table: Table,
    now: DateTime<Utc>,
    limit: usize,
    mut claim: impl FnMut(u64) -> bool,
) -> Result<Vec<(Vec<u8>, T)>, StoreError> {
    let end = KeyBuilder::new().i64(now.timestamp_millis() + 1).build();
    let mut items = Vec::new();
    if limit == 0 {
        return Ok(items);
    }
    for entry in store.range(table, &[], Some(&end)) {
        let (key, value) = entry?;
        let Some((_, id)) = parse_queue_key(&key) else {
            continue;
        };
        if !claim(id) {
            continue;
        }
        items.push((key, crate::store::codec::decode(&value)?));
        if items.len() >= limit {
            break;
        }
    }
    Ok(items)
}

/// When the earliest item of `table` is due, if any.
pub fn next_due(store: &Store, table: Table) -> Result<Option<DateTime<Utc>>, StoreError> {
    let first = store.range(table, &[], None).next().transpose()?;
    Ok(first
        .and_then(|(key, _)| parse_queue_key(&key))
        .and_then(|(millis, _)| DateTime::from_timestamp_millis(millis)))
}
