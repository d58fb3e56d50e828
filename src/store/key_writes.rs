//! How many keys committed writes touched, per table: the measure of issue 16's "sled writes
//! per report" (`siaga_store_key_writes_total` in `/metrics`). A key written twice in one
//! transaction counts once, as sled writes it once; a removal counts as a write.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Table;

/// The counts since the store was opened.
#[derive(Debug, Default)]
pub(super) struct KeyWrites {
    per_table: [AtomicU64; Table::ALL.len()],
    transactions: AtomicU64,
}

impl KeyWrites {
    /// Counts a committed transaction and the keys it wrote.
    pub(super) fn committed(&self, written: &TxWrites) {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        let mut keys = written.keys.borrow_mut();
        // A key written twice counts once.
        keys.sort_unstable_by(|a, b| (a.0.index(), &a.1).cmp(&(b.0.index(), &b.1)));
        keys.dedup();
        for (table, _) in keys.iter() {
            self.per_table[table.index()].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one write outside a transaction.
    pub(super) fn single(&self, table: Table) {
        self.per_table[table.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self) -> WriteCounts {
        WriteCounts {
            transactions: self.transactions.load(Ordering::Relaxed),
            per_table: Table::ALL
                .iter()
                .map(|table| {
                    (
                        *table,
                        self.per_table[table.index()].load(Ordering::Relaxed),
                    )
                })
                .collect(),
        }
    }
}

/// The keys one attempt of a transaction wrote (cleared when sled runs the body again), in
/// the order written, repeats included: they are sorted and counted once at the commit, which
/// costs one copy of the key per write instead of two and a hash.
#[derive(Default)]
pub(super) struct TxWrites {
    keys: RefCell<Vec<(Table, Vec<u8>)>>,
}

impl TxWrites {
    pub(super) fn note(&self, table: Table, key: &[u8]) {
        self.keys.borrow_mut().push((table, key.to_vec()));
    }

    pub(super) fn clear(&self) {
        self.keys.borrow_mut().clear();
    }
}

/// Committed transactions and the keys written per table since the store was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteCounts {
    pub transactions: u64,
    /// Every table, in `Table::ALL` order.
    pub per_table: Vec<(Table, u64)>,
}

impl WriteCounts {
    /// The keys written over all tables.
    pub fn keys(&self) -> u64 {
        self.per_table.iter().map(|(_, count)| count).sum()
    }

    /// The keys of `table` written.
    pub fn of(&self, table: Table) -> u64 {
        self.per_table
            .iter()
            .find(|(counted, _)| *counted == table)
            .map_or(0, |(_, count)| *count)
    }
}
