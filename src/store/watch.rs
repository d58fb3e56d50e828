//! Watching tables: a component that keeps a view of a table in memory (the report catalogue)
//! is told which keys were written, right after the write is applied and before the writer
//! returns. A read that follows a write therefore finds the view as up to date as the table.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use super::{Store, Table};

/// Told about the keys written in a watched table.
pub trait TableWatcher: Send + Sync {
    /// `keys` of `table` were written or removed (in the order written, possibly repeated);
    /// `store` already shows the new values. Runs on the writer's thread, after its
    /// transaction: keep it short. Returns false when the watcher is gone for good, and is
    /// then dropped.
    fn written(&self, store: &Store, table: Table, keys: &[Vec<u8>]) -> bool;
}

/// The watchers of one store.
#[derive(Default)]
pub(super) struct Watchers {
    /// One bit per watched table (`Table::index`), read on every write without a lock.
    mask: AtomicU32,
    list: RwLock<Vec<(Table, Arc<dyn TableWatcher>)>>,
}

impl Watchers {
    pub(super) fn add(&self, table: Table, watcher: Arc<dyn TableWatcher>) {
        let mut list = self.list.write().unwrap_or_else(PoisonError::into_inner);
        list.push((table, watcher));
        self.mask.fetch_or(bit(table), Ordering::SeqCst);
    }

    /// An empty log of the keys a write touches in the tables watched now.
    pub(super) fn log(&self) -> WriteLog {
        WriteLog {
            mask: self.mask.load(Ordering::SeqCst),
            keys: RefCell::new(Vec::new()),
        }
    }

    /// Tells each watcher the keys of its table in `log`.
    pub(super) fn notify(&self, store: &Store, log: WriteLog) {
        let written = log.keys.into_inner();
        if written.is_empty() {
            return;
        }
        let mut gone = false;
        {
            let list = self.list.read().unwrap_or_else(PoisonError::into_inner);
            for (table, watcher) in list.iter() {
                let keys: Vec<Vec<u8>> = written
                    .iter()
                    .filter(|(written_table, _)| written_table == table)
                    .map(|(_, key)| key.clone())
                    .collect();
                if !keys.is_empty() && !watcher.written(store, *table, &keys) {
                    gone = true;
                }
            }
        }
        if gone {
            self.drop_gone(store);
        }
    }

    fn drop_gone(&self, store: &Store) {
        let mut list = self.list.write().unwrap_or_else(PoisonError::into_inner);
        list.retain(|(table, watcher)| watcher.written(store, *table, &[]));
        let mask = list.iter().fold(0, |mask, (table, _)| mask | bit(*table));
        self.mask.store(mask, Ordering::SeqCst);
    }
}

/// The keys one write (a transaction, or a single put) touched in watched tables. A
/// transaction body that runs again starts a fresh log.
pub(super) struct WriteLog {
    mask: u32,
    keys: RefCell<Vec<(Table, Vec<u8>)>>,
}

impl WriteLog {
    pub(super) fn note(&self, table: Table, key: &[u8]) {
        if self.mask & bit(table) != 0 {
            self.keys.borrow_mut().push((table, key.to_vec()));
        }
    }

    pub(super) fn clear(&self) {
        self.keys.borrow_mut().clear();
    }
}

fn bit(table: Table) -> u32 {
    debug_assert!(table.index() < 32, "a table index beyond the watch mask");
    1 << table.index()
}
