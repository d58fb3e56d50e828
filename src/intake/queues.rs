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
    /// Since when a send of this item may have left, and in which run of the process (see
    /// `Store::run`). A message to send is marked from the moment it is queued, in the same
    /// transaction, so no separate write is needed before the send. After a crash an item
    /// marked by the crashed run may already have reached Meta: it is reconciled with status
    /// callbacks before it is resent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight_run: Option<u64>,
    /// A send of this item was started (and its outcome was a retry). Such a mark stays when
    /// the run stops cleanly; the marks of items never attempted are cleared then.
    #[serde(default)]
    pub attempted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl Record for OutboxItem {
    const NAME: &'static str = "outbox_item";
}

impl OutboxItem {
    /// Marks the item as possibly sent, by `run` (see `Store::run`), from `at` on.
    pub fn mark_in_flight(&mut self, at: DateTime<Utc>, run: u64) {
        self.in_flight_since = Some(at);
        self.in_flight_run = Some(run);
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
        !self.attempted
            && self.in_flight_run == Some(run)
            && self
                .in_flight_since
                .is_some_and(|since| now - since < grace)
    }
}

/// At a clean stop: clears this run's in-flight marks of the send items that no send was ever
/// started for (they were queued while the run ended), except those `keep` names, so that the
/// next run sends them at once instead of waiting for a status callback that cannot come.
/// Returns how many were cleared.
pub fn clear_unattempted_marks(
    store: &Store,
    keep: impl Fn(u64) -> bool,
) -> Result<usize, StoreError> {
    let mut unattempted = Vec::new();
    for entry in store.scan_records::<OutboxItem>(Table::Outbox, &[]) {
        let (key, mut item) = entry?;
        if item.in_flight_run == Some(store.run()) && !item.attempted && !keep(item.id) {
            item.in_flight_since = None;
            item.in_flight_run = None;
            unattempted.push((key, item));
        }
    }
    store
        .transaction(|tx| -> Result<(), crate::store::TxError<()>> {
            for (key, item) in &unattempted {
                tx.put_record(Table::Outbox, key, item)?;
            }
            Ok(())
        })
        .map_err(|error| match error {
            crate::store::TxError::Store(error) => error,
            crate::store::TxError::Abort(()) => StoreError::Engine("aborted".into()),
        })?;
    Ok(unattempted.len())
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

/// An outbox item as queued, with its key. Intake hands these to the sender once the
/// transaction that queued them is durable, so the sender neither looks for them nor flushes.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub key: Vec<u8>,
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
    pub ticket: String,
}

pub fn enqueue_outbox(
    tx: &Tx<'_>,
    work: OutboxWork,
    now: DateTime<Utc>,
) -> Result<Queued, StoreError> {
    let id = tx.generate_id()?;
    let mut item = OutboxItem {
        id,
        work,
        queued_at: now,
        attempts: 0,
        in_flight_since: None,
        in_flight_run: None,
        attempted: false,
        last_error: None,
    };
    if matches!(item.work, OutboxWork::Deliver { .. }) {
        item.mark_in_flight(now, tx.run());
    }
    let key = queue_key(now, id);
    tx.put_record(Table::Outbox, &key, &item)?;
    Ok(Queued {
        key,
        item,
        known: None,
    })
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

/// The earliest item of `table`, if any: when it is due, and its id.
pub fn next_due(store: &Store, table: Table) -> Result<Option<(DateTime<Utc>, u64)>, StoreError> {
    let first = store.range(table, &[], None).next().transpose()?;
    Ok(first
        .and_then(|(key, _)| parse_queue_key(&key))
        .and_then(|(millis, id)| Some((DateTime::from_timestamp_millis(millis)?, id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh store with `count` messages to send queued in one transaction.
    fn store_with_sends(count: u64) -> (tempfile::TempDir, Store, DateTime<Utc>, Vec<Queued>) {
        let data_dir = tempfile::tempdir().unwrap();
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        let now = Utc::now();
        let queued = store
            .transaction(|tx| -> Result<Vec<Queued>, crate::store::TxError<()>> {
                (1..=count)
                    .map(|message_id| {
                        Ok(enqueue_outbox(tx, OutboxWork::Deliver { message_id }, now)?)
                    })
                    .collect()
            })
            .unwrap();
        (data_dir, store, now, queued)
    }

    #[test]
    fn only_an_unattempted_send_this_run_queued_moments_ago_is_left_for_intake() {
        let (_data_dir, store, now, queued) = store_with_sends(1);
        let run = store.run();
        let grace = chrono::Duration::seconds(10);
        let item = queued[0].item.clone();
        assert!(item.freshly_queued_by(run, now, grace));
        assert!(
            !item.freshly_queued_by(run, now + grace, grace),
            "never handed over in time: the queue's to send"
        );
        assert!(
            !item.freshly_queued_by(run + 1, now, grace),
            "an earlier run's"
        );
        let attempted = OutboxItem {
            attempted: true,
            ..item.clone()
        };
        assert!(!attempted.freshly_queued_by(run, now, grace), "a retry");
        let receipt = OutboxItem {
            in_flight_since: None,
            in_flight_run: None,
            ..item
        };
        assert!(!receipt.freshly_queued_by(run, now, grace), "not marked");
    }

    #[test]
    fn a_queued_send_is_marked_by_this_run_and_only_an_earlier_run_needs_reconciling() {
        let data_dir = tempfile::tempdir().unwrap();
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        let now = Utc::now();
        store
            .transaction(|tx| -> Result<(), crate::store::TxError<()>> {
                enqueue_outbox(tx, OutboxWork::Deliver { message_id: 7 }, now)?;
                enqueue_outbox(
                    tx,
                    OutboxWork::MarkRead {
                        external_id: "wamid.x".into(),
                    },
                    now,
                )?;
                Ok(())
            })
            .unwrap();
        let items: Vec<(Vec<u8>, OutboxItem)> =
            due_items(&store, Table::Outbox, now, 10, |_| true).unwrap();
        let (send, receipt) = (&items[0].1, &items[1].1);
        assert_eq!(send.in_flight_since, Some(now));
        assert_eq!(send.in_flight_run, Some(store.run()));
        assert!(
            !send.maybe_sent_by_earlier_run(store.run()),
            "this run knows its own sends"
        );
        assert_eq!(
            receipt.in_flight_since, None,
            "a read receipt is harmless to repeat"
        );

        let mut from_a_crashed_run = send.clone();
        from_a_crashed_run.in_flight_run = Some(store.run().wrapping_add(1));
        assert!(from_a_crashed_run.maybe_sent_by_earlier_run(store.run()));
        let mut from_before_runs_were_kept = send.clone();
        from_before_runs_were_kept.in_flight_run = None;
        assert!(from_before_runs_were_kept.maybe_sent_by_earlier_run(store.run()));
    }

    #[test]
    fn a_clean_stop_clears_the_marks_of_sends_never_attempted_and_keeps_the_others() {
        let (_data_dir, store, now, queued) = store_with_sends(4);
        // The second was tried and is waiting to retry; the third is from a crashed run.
        let mut retried = queued[1].item.clone();
        retried.attempted = true;
        let mut crashed = queued[2].item.clone();
        crashed.in_flight_run = Some(store.run().wrapping_add(1));
        for (key, item) in [(&queued[1].key, &retried), (&queued[2].key, &crashed)] {
            let value = crate::store::codec::encode(item).unwrap();
            store.put(Table::Outbox, key, &value).unwrap();
        }

        // The fourth is still claimed: its answer could not be recorded.
        let kept = queued[3].item.id;
        assert_eq!(clear_unattempted_marks(&store, |id| id == kept).unwrap(), 1);
        let items: Vec<OutboxItem> = due_items(&store, Table::Outbox, now, 10, |_| true)
            .unwrap()
            .into_iter()
            .map(|(_, item)| item)
            .collect();
        assert_eq!(
            items[0].in_flight_since, None,
            "never attempted: sent at once next run"
        );
        assert!(!items[0].maybe_sent_by_earlier_run(store.run()));
        assert!(
            items[1].in_flight_since.is_some(),
            "tried: reconciled next run"
        );
        assert_eq!(
            items[2].in_flight_run, crashed.in_flight_run,
            "not this run's to clear"
        );
        assert!(items[3].in_flight_since.is_some(), "claimed: kept");
    }

    #[test]
    fn due_items_skips_what_the_claim_refuses_without_reading_it() {
        let (_data_dir, store, now, queued) = store_with_sends(5);
        let ids: Vec<u64> = queued.iter().map(|queued| queued.item.id).collect();
        // An unreadable value under a refused id does not matter.
        store
            .put(Table::Outbox, &queue_key(now, ids[0]), b"\x00\x01not json")
            .unwrap();
        let mut asked = Vec::new();
        let due: Vec<(Vec<u8>, OutboxItem)> = due_items(&store, Table::Outbox, now, 2, |id| {
            asked.push(id);
            id != ids[0] && id != ids[1]
        })
        .unwrap();
        let got: Vec<u64> = due.iter().map(|(_, item)| item.id).collect();
        assert_eq!(got, vec![ids[2], ids[3]]);
        assert_eq!(
            asked,
            ids[..4],
            "no claim is asked for once the limit is reached"
        );
    }
}
