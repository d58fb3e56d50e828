//! A whole store copied into a fresh one (for `siaga compact`): every table's keys and values
//! written anew, which leaves sled's dead pages and stale segments behind, and the copy checked
//! against the original by a digest of every table.

use sha2::Digest;

use super::{Store, StoreError, Table};

/// How many entries one batch of the copy writes.
const COPY_BATCH: usize = 4096;

/// One table's fingerprint: its keys and a SHA-256 over every key and value in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: Table,
    pub keys: u64,
    pub sha256: [u8; 32],
}

impl Store {
    /// Copies every table into `target` (a fresh store), moves `target`'s id generator past
    /// this store's (ids stay unique and increasing), and flushes `target` durably. Returns
    /// the entries copied.
    pub fn copy_into(&self, target: &Store) -> Result<u64, StoreError> {
        let mut copied = 0;
        for table in Table::ALL {
            let mut batch = sled::Batch::default();
            let mut in_batch = 0;
            for entry in self.tree(table).iter() {
                let (key, value) = entry?;
                batch.insert(key, value);
                in_batch += 1;
                if in_batch == COPY_BATCH {
                    target.tree(table).apply_batch(std::mem::take(&mut batch))?;
                    copied += in_batch as u64;
                    in_batch = 0;
                }
            }
            target.tree(table).apply_batch(batch)?;
            copied += in_batch as u64;
        }
        let floor = self.generate_id()?;
        while target.generate_id()? <= floor {}
        target.flush_blocking()?;
        Ok(copied)
    }

    /// Every table's fingerprint, in `Table::ALL` order.
    pub fn digests(&self) -> Result<Vec<TableDigest>, StoreError> {
        let mut digests = Vec::with_capacity(Table::ALL.len());
        for table in Table::ALL {
            let mut hasher = sha2::Sha256::new();
            let mut keys = 0;
            for entry in self.tree(table).iter() {
                let (key, value) = entry?;
                hasher.update((key.len() as u64).to_be_bytes());
                hasher.update(&key);
                hasher.update((value.len() as u64).to_be_bytes());
                hasher.update(&value);
                keys += 1;
            }
            digests.push(TableDigest {
                table,
                keys,
                sha256: hasher.finalize().into(),
            });
        }
        Ok(digests)
    }
}
