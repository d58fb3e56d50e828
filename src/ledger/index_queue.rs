//! The reports search has not caught up with: report id → the sequence of its last change.
//! `Reports::save` fills it; the indexer drains it.

use crate::store::keys::{read_u64, u64_key};
use crate::store::{Store, StoreError, Table, Tx};

/// The index queue (see `Ledger::index_queue`).
pub struct IndexQueue<'a, S> {
    pub(super) at: &'a S,
}

/// A report waiting to be indexed, and the change it waits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub report_id: u64,
    pub change: u64,
}

impl IndexQueue<'_, Tx<'_>> {
    /// Takes the report off the queue unless it changed again since `pending` was read: a
    /// change made while indexing keeps its entry and is indexed next.
    pub fn done(&self, pending: Pending) -> Result<(), StoreError> {
        let key = u64_key(pending.report_id);
        let current = self.at.get(Table::IndexQueue, &key)?;
        if current.as_deref().and_then(|bytes| read_u64(bytes, 0)) == Some(pending.change) {
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

    /// Up to `limit` waiting reports, by id.
    pub fn first(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        let mut taken = Vec::new();
        for entry in self.at.range(Table::IndexQueue, &[], None) {
            let (key, sequence) = entry?;
            let Some(report_id) = read_u64(&key, 0) else {
                continue;
            };
            taken.push(Pending {
                report_id,
                change: read_u64(&sequence, 0).unwrap_or(0),
            });
            if taken.len() >= limit {
                break;
            }
        }
        Ok(taken)
    }
}
