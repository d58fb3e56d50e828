//! The reports search has not caught up with: report id → the sequence of its last change.
//! `Reports::save` fills it; the indexer drains it.

use crate::domain::ids::ReportId;
use crate::ledger::Ledger;
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Store, StoreError, Table, Tx};

/// The index queue (see `Ledger::index_queue`).
pub struct IndexQueue<'a, S> {
    pub(super) at: &'a S,
}

/// A report waiting to be indexed, and the change it waits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub report_id: ReportId,
    pub change: u64,
}

/// Queue entries taken off in one transaction after a rebuild. sled holds a transaction's
/// whole write set in memory until it commits: one transaction over a 100,000-report queue
/// held 391 MB of live heap (heaptrack; about 290 MB more RSS for 10 s with mimalloc) at the
/// first start on a store built offline, and would take gigabytes at a million. A crash
/// between two transactions leaves entries that the indexer indexes again (a replace is
/// idempotent).
const QUEUE_DONE_PER_TRANSACTION: usize = 1024;

fn take_off_in_chunks(
    store: &Store,
    queued: &[Pending],
    per_transaction: usize,
) -> Result<(), StoreError> {
    for chunk in queued.chunks(per_transaction.max(1)) {
        crate::ledger::write(store, |tx| {
            for pending in chunk {
                tx.index_queue().done(*pending)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

impl IndexQueue<'_, Tx<'_>> {
    /// Takes the report off the queue unless it changed again since `pending` was read: a
    /// change made while indexing keeps its entry and is indexed next.
    pub fn done(&self, pending: Pending) -> Result<(), StoreError> {
        let key = u64_key(pending.report_id.get());
        let current = self.at.get(Table::IndexQueue, &key)?;
        // An entry without a sequence (written by an early version) reads as change 0.
        let current_change = current.map(|bytes| read_u64(&bytes, 0).unwrap_or(0));
        if current_change == Some(pending.change) {
            self.at.remove(Table::IndexQueue, &key)?;
        }
        Ok(())
    }
}

impl IndexQueue<'_, Store> {
    pub fn len(&self) -> usize {
        self.at.len(Table::IndexQueue)
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty(Table::IndexQueue)
    }

    /// Takes `queued` off the queue (each unless it changed since), in transactions of
    /// `QUEUE_DONE_PER_TRANSACTION`: after a rebuild of the search index from the store.
    pub fn take_off(&self, queued: &[Pending]) -> Result<(), StoreError> {
        take_off_in_chunks(self.at, queued, QUEUE_DONE_PER_TRANSACTION)
    }

    /// Up to `limit` waiting reports, by id.
    pub fn first(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        let mut taken = Vec::new();
        for entry in self.at.range(Table::IndexQueue, &[], None) {
            let (key, sequence) = entry?;
            let Some(report_id) = read_u64(&key, 0) else {
                continue;
            };
            taken.push(Pending {
                report_id: ReportId::new(report_id),
                change: read_u64(&sequence, 0).unwrap_or(0),
            });
            if taken.len() >= limit {
                break;
            }
        }
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Ledger, write};

    #[test]
    fn done_takes_off_what_was_indexed_and_keeps_a_later_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .put(Table::IndexQueue, &u64_key(1), &u64_key(10))
            .unwrap();
        store
            .put(Table::IndexQueue, &u64_key(2), &u64_key(20))
            .unwrap();
        // Written by an early version, without a sequence.
        store.put(Table::IndexQueue, &u64_key(3), &[]).unwrap();
        let taken = store.index_queue().first(10).unwrap();
        assert_eq!(taken.len(), 3);
        // Report 2 changes again while the batch is indexed.
        store
            .put(Table::IndexQueue, &u64_key(2), &u64_key(21))
            .unwrap();
        write(&store, |tx| {
            for pending in &taken {
                tx.index_queue().done(*pending)?;
            }
            Ok(())
        })
        .unwrap();
        let left = store.index_queue().first(10).unwrap();
        assert_eq!(
            left,
            vec![Pending {
                report_id: ReportId::new(2),
                change: 21
            }]
        );
    }

    #[test]
    fn the_queue_is_taken_off_in_transactions_of_the_chunk_and_a_later_change_stays() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for id in 1..=5u64 {
            store
                .put(Table::IndexQueue, &u64_key(id), &u64_key(id * 10))
                .unwrap();
        }
        let queued = store.index_queue().first(usize::MAX).unwrap();
        // Report 4 changes again after the rebuild read it.
        store
            .put(Table::IndexQueue, &u64_key(4), &u64_key(41))
            .unwrap();
        take_off_in_chunks(&store, &queued, 2).unwrap();
        let left = store.index_queue().first(usize::MAX).unwrap();
        assert_eq!(
            left,
            vec![Pending {
                report_id: ReportId::new(4),
                change: 41
            }]
        );
    }
}
