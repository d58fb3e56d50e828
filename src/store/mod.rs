//! The narrow storage interface over sled: named tables, versioned values, serialisable
//! transactions across tables, ordered scans, and a group-committed durable flush.
//!
//! This is the only module that names sled types. The rest of siaga speaks in `Table`s, byte
//! keys (see `keys`) and `Record` values (see `codec`), so that the engine can be replaced by
//! passing the same test suite (`suite`).

pub mod codec;
pub mod compress;
mod copy;
mod flush;
mod key_writes;
pub mod keys;
mod open;
mod stats;
#[cfg(test)]
mod suite;
#[cfg(test)]
mod suite_cache;
#[cfg(test)]
mod suite_cleaning;
#[cfg(test)]
mod suite_leaves;
mod table;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use codec::Record;
pub use copy::TableDigest;
use flush::{DeviceSync, GroupFlush, WriteCount};
pub use key_writes::WriteCounts;
use key_writes::{KeyWrites, TxWrites};
pub use open::DEFAULT_CACHE_CAPACITY;
use open::open_with_retry;
pub use stats::{TableBytes, folder_bytes, log_write_stats};
pub use table::Table;
pub use watch::TableWatcher;
use watch::{Watchers, WriteLog};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the data directory {path} is in use by another siaga process (or not writable): {reason}"
    )]
    Locked { path: PathBuf, reason: String },
    #[error("storage engine failure: {0}")]
    Engine(String),
    #[error("stored {record} value cannot be read: {reason}")]
    Codec {
        record: &'static str,
        reason: String,
    },
    #[error("durable flush failed: {0}")]
    Flush(String),
    #[error("durable flush did not finish within {0:?}")]
    FlushTimeout(Duration),
    #[error("the store is poisoned since a durable flush failed ({0}); restart siaga to recover")]
    Poisoned(String),
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> Self {
        StoreError::Engine(error.to_string())
    }
}

/// Why a transaction closure gave up: a domain rule (returned to the caller as it is) or a
/// storage failure.
#[derive(Debug)]
pub enum TxError<E> {
    Abort(E),
    Store(StoreError),
}

impl<E> From<StoreError> for TxError<E> {
    fn from(error: StoreError) -> Self {
        TxError::Store(error)
    }
}

/// The handle to one open data store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    db: sled::Db,
    /// This run: drawn at random each time the store is opened (see `Store::run`).
    run: u64,
    trees: Vec<sled::Tree>,
    writes: Arc<WriteCount>,
    flusher: GroupFlush,
    /// What sled's flush leaves unsynced (see `flush`).
    device: Arc<DeviceSync>,
    path: PathBuf,
    /// What sled was told to cache.
    cache_capacity: u64,
    watchers: Watchers,
    key_writes: KeyWrites,
}

impl Store {
    /// Opens (or creates) the store at `path` with sled's default cache here
    /// (`DEFAULT_CACHE_CAPACITY`). Fails clearly when another process holds it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(path, DEFAULT_CACHE_CAPACITY)
    }

    /// Opens (or creates) the store at `path`, telling sled to keep `cache_capacity` bytes of
    /// pages (in sled's accounting: serialized sizes; see `crate::memory`).
    pub fn open_with_cache(path: &Path, cache_capacity: u64) -> Result<Store, StoreError> {
        std::fs::create_dir_all(path).map_err(|error| StoreError::Locked {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })?;
        // Durability comes from our own group flush after each write batch; sled's periodic
        // background flush stays on as a second line.
        let db = open_with_retry(path, cache_capacity)?;
        let mut trees = Vec::with_capacity(Table::ALL.len());
        for table in Table::ALL {
            debug_assert_eq!(table.index(), trees.len());
            trees.push(db.open_tree(table.tree_name())?);
        }
        let device = Arc::new(DeviceSync::open(path)?);
        let writes = Arc::new(WriteCount::default());
        let flusher = GroupFlush::start(db.clone(), Arc::clone(&device), Arc::clone(&writes));
        Ok(Store {
            inner: Arc::new(StoreInner {
                db,
                run: rand::random(),
                trees,
                writes,
                flusher,
                device,
                path: path.to_path_buf(),
                cache_capacity,
                watchers: Watchers::default(),
                key_writes: KeyWrites::default(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The cache sled was opened with, in its own accounting (`open_with_cache`).
    pub fn cache_capacity(&self) -> u64 {
        self.inner.cache_capacity
    }

    /// This run of the store: a random id drawn when it was opened. Work marked with another
    /// run's id was left by a process that stopped (or crashed) since.
    pub fn run(&self) -> u64 {
        self.inner.run
    }

    fn tree(&self, table: Table) -> &sled::Tree {
        &self.inner.trees[table.index()]
    }

    /// A fresh id, unique and increasing across restarts (not dense).
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        // sled's ids start at 0; we keep 0 free as "none" in keys.
        Ok(self.inner.db.generate_id()? + 1)
    }

    pub fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree(table).get(key)?.map(|value| value.to_vec()))
    }

    pub fn get_record<T: Record>(&self, table: Table, key: &[u8]) -> Result<Option<T>, StoreError> {
        match self.tree(table).get(key)? {
            Some(bytes) => Ok(Some(codec::decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Writes one value outside a transaction (for data with a single writer, e.g. raw bodies).
    pub fn put(&self, table: Table, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        let _counted = self.inner.writes.begin();
        let log = self.inner.watchers.log();
        log.note(table, key);
        self.tree(table).insert(key, value)?;
        self.inner.key_writes.single(table);
        self.inner.watchers.notify(self, log);
        Ok(())
    }

    /// Committed transactions and the keys they wrote, per table, since the store was opened
    /// (issue 16's writes per report; `/metrics`).
    pub fn write_counts(&self) -> WriteCounts {
        self.inner.key_writes.snapshot()
    }

    pub fn len(&self, table: Table) -> usize {
        self.tree(table).len()
    }

    pub fn is_empty(&self, table: Table) -> bool {
        self.tree(table).is_empty()
    }

    /// Entries whose key starts with `prefix`, in key order.
    pub fn scan_prefix(
        &self,
        table: Table,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), StoreError>> + use<> {
        self.tree(table).scan_prefix(prefix).map(|entry| {
            entry
                .map(|(key, value)| (key.to_vec(), value.to_vec()))
                .map_err(StoreError::from)
        })
    }

    /// Entries with `start <= key < end` in key order (`end: None` means to the last key).
    pub fn range(
        &self,
        table: Table,
        start: &[u8],
        end: Option<&[u8]>,
    ) -> impl DoubleEndedIterator<Item = Result<(Vec<u8>, Vec<u8>), StoreError>> + use<> {
        let tree = self.tree(table);
        let iter = match end {
            Some(end) => tree.range(start.to_vec()..end.to_vec()),
            None => tree.range(start.to_vec()..),
        };
        iter.map(|entry| {
            entry
                .map(|(key, value)| (key.to_vec(), value.to_vec()))
                .map_err(StoreError::from)
        })
    }

    /// Decoded records of a prefix scan, in key order.
    pub fn scan_records<T: Record>(
        &self,
        table: Table,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, T), StoreError>> + use<T> {
        self.scan_prefix(table, prefix)
            .map(|entry| entry.and_then(|(key, value)| Ok((key, codec::decode::<T>(&value)?))))
    }

    /// Runs `body` as one serialisable transaction over every table: all of its writes become
    /// visible together or not at all. `body` may run more than once, so it must not do I/O.
    /// The result is in memory only until `flush` returns.
    pub fn transaction<R, E>(
        &self,
        body: impl Fn(&mut Tx<'_>) -> Result<R, TxError<E>>,
    ) -> Result<R, TxError<E>> {
        use sled::Transactional;
        use sled::transaction::{ConflictableTransactionError, TransactionError};

        // After a failed flush nothing written can be made durable (see `flush`).
        if let Some(cause) = self.inner.device.poisoned() {
            return Err(TxError::Store(StoreError::Poisoned(cause)));
        }
        let _counted = self.inner.writes.begin();
        let run = self.inner.run;
        let log = self.inner.watchers.log();
        let written = TxWrites::default();
        let outcome = self.inner.trees.as_slice().transaction(|trees| {
            log.clear();
            written.clear();
            let mut tx = Tx {
                trees,
                run,
                log: &log,
                written: &written,
            };
            body(&mut tx).map_err(ConflictableTransactionError::Abort)
        });
        match outcome {
            Ok(result) => {
                self.inner.key_writes.committed(&written);
                self.inner.watchers.notify(self, log);
                Ok(result)
            }
            Err(TransactionError::Abort(error)) => Err(error),
            Err(TransactionError::Storage(engine_error)) => {
                Err(TxError::Store(engine_error.into()))
            }
        }
    }

    /// Makes every write that returned before this call durable. Concurrent callers share one
    /// fsync (group commit).
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.inner.flusher.flush().await
    }

    /// Tells `watcher` the keys of `table` that every later write touches, right after the
    /// write is applied (see `watch`).
    pub fn watch(&self, table: Table, watcher: Arc<dyn TableWatcher>) {
        self.inner.watchers.add(table, watcher);
    }

    /// A blocking flush for shutdown and command-line tools.
    pub fn flush_blocking(&self) -> Result<(), StoreError> {
        flush::flush_durably(&self.inner.db, &self.inner.device)
    }

    /// Tells `observer` the duration of every later successful group flush (the metrics'
    /// histogram). Only the first observer set is kept.
    pub fn observe_flushes(&self, observer: flush::FlushObserver) {
        self.inner.flusher.observe(observer);
    }

    /// The latency of recent group flushes, for metrics.
    pub fn flush_stats(&self) -> flush::FlushStats {
        self.inner.flusher.stats()
    }

    /// The flush thread's liveness, and the poison if a flush failed.
    pub fn flush_health(&self) -> FlushHealth {
        self.inner.flusher.health()
    }

    /// Why the store is poisoned (a flush failed), if it is: then nothing is acknowledged any
    /// more and the server must restart.
    pub fn poisoned(&self) -> Option<String> {
        self.inner.device.poisoned()
    }

    /// Resolves once the store is poisoned, with the cause.
    pub async fn wait_until_poisoned(&self) -> String {
        self.inner.flusher.poisoned().await
    }

    /// Test hook: every fsync fails with `EIO` once `trigger` exists (set by the hidden
    /// `--fault-fsync-trigger` setting; tests create the file).
    #[doc(hidden)]
    pub fn fail_fsync_when(&self, trigger: PathBuf) {
        self.inner.device.fail_when(trigger);
    }
}

pub use flush::{FlushHealth, FlushStats};

/// The view of the store inside a transaction. When the body returns an error, none of its
/// writes are applied.
pub struct Tx<'a> {
    trees: &'a [sled::transaction::TransactionalTree],
    run: u64,
    /// The keys written in watched tables, told to their watchers once the transaction is in.
    log: &'a WriteLog,
    /// Every key written, counted once the transaction is in.
    written: &'a TxWrites,
}

impl Tx<'_> {
    /// The run of the store this transaction belongs to (see `Store::run`).
    pub fn run(&self) -> u64 {
        self.run
    }

    fn tree(&self, table: Table) -> &sled::transaction::TransactionalTree {
        &self.trees[table.index()]
    }

    pub fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let value = self.tree(table).get(key).map_err(unabortable)?;
        Ok(value.map(|bytes| bytes.to_vec()))
    }

    pub fn contains(&self, table: Table, key: &[u8]) -> Result<bool, StoreError> {
        Ok(self.tree(table).get(key).map_err(unabortable)?.is_some())
    }

    pub fn get_record<T: Record>(&self, table: Table, key: &[u8]) -> Result<Option<T>, StoreError> {
        match self.tree(table).get(key).map_err(unabortable)? {
            Some(bytes) => Ok(Some(codec::decode(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Writes `value` under `key`. The value replaced is not read: sled's own `insert` looks
    /// it up in the tree first (a second traversal per write, its result thrown away here), so
    /// the patched sled's `insert_without_reading` is used (`vendor/sled/PATCHED.md`).
    pub fn put(&self, table: Table, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.tree(table).insert_without_reading(key, value);
        self.log.note(table, key);
        self.written.note(table, key);
        Ok(())
    }

    pub fn put_record<T: Record>(
        &self,
        table: Table,
        key: &[u8],
        value: &T,
    ) -> Result<(), StoreError> {
        self.put(table, key, &codec::encode(value)?)
    }

    pub fn remove(&self, table: Table, key: &[u8]) -> Result<(), StoreError> {
        self.tree(table).remove_without_reading(key);
        self.log.note(table, key);
        self.written.note(table, key);
        Ok(())
    }

    /// Increments the named counter and returns its new value (the first call returns 1).
    pub fn next_in_sequence(&self, name: &str) -> Result<u64, StoreError> {
        let current = match self.get(Table::Counters, name.as_bytes())? {
            Some(bytes) => keys::read_u64(&bytes, 0).unwrap_or(0),
            None => 0,
        };
        let next = current + 1;
        self.put(Table::Counters, name.as_bytes(), &keys::u64_key(next))?;
        Ok(next)
    }

    /// A fresh unique id (see `Store::generate_id`); may skip values if the body re-runs.
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        Ok(self.trees[0].generate_id()? + 1)
    }
}

fn unabortable(error: sled::transaction::UnabortableTransactionError) -> StoreError {
    StoreError::Engine(error.to_string())
}
