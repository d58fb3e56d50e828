//! Where the store's bytes go: keys, key bytes and value bytes per table, and sled's own size
//! on disk (for `examples/store_bytes.rs` and `siaga compact`'s before and after).

use super::{Store, StoreError, Table};

/// One table's share of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableBytes {
    pub table: Table,
    pub keys: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
}

impl TableBytes {
    pub fn bytes(&self) -> u64 {
        self.key_bytes + self.value_bytes
    }
}

impl Store {
    /// Counts every table's keys and bytes by a full scan (an offline tool's pace).
    pub fn table_bytes(&self) -> Result<Vec<TableBytes>, StoreError> {
        let mut tables = Vec::with_capacity(Table::ALL.len());
        for table in Table::ALL {
            let mut counted = TableBytes {
                table,
                keys: 0,
                key_bytes: 0,
                value_bytes: 0,
            };
            for entry in self.tree(table).iter() {
                let (key, value) = entry?;
                counted.keys += 1;
                counted.key_bytes += key.len() as u64;
                counted.value_bytes += value.len() as u64;
            }
            tables.push(counted);
        }
        Ok(tables)
    }

    /// What sled says its files take on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.inner.db.size_on_disk()?)
    }

    /// sled's log as it is: live fragments against the file, pages by their fragments
    /// (the patched sled's `space_report`, `vendor/sled/PATCHED.md`).
    pub fn space_report(&self) -> Result<sled::SpaceReport, StoreError> {
        Ok(self.inner.db.space_report()?)
    }

    /// What sled holds in memory: its page table, the resident nodes and its LRU's charge (the
    /// patched sled's `residency`). Walks every page without paging any in.
    pub fn residency(&self) -> sled::Residency {
        self.inner.db.residency()
    }
}

/// The bytes sled's log took by kind of message since the process started (a whole page,
/// a delta, a page moved by the cleaner, padding): `siaga_store_log_bytes_total`.
pub fn log_write_stats() -> sled::LogWriteStats {
    sled::log_write_stats()
}

/// The bytes of every file under `folder` (0 for a missing one).
pub fn folder_bytes(folder: &std::path::Path) -> u64 {
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => folder_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
