//! The audit trail: append-only entries keyed by (time, id), written in the transaction of the
//! action they record.

use chrono::Utc;

use crate::domain::audit::AuditEntry;
use crate::store::keys::KeyBuilder;
use crate::store::{Store, StoreError, Table, Tx, codec};

/// The audit log (see `Ledger::audit_log`).
pub struct AuditLog<'a, S> {
    pub(super) at: &'a S,
}

impl AuditLog<'_, Tx<'_>> {
    /// Appends `entry`; its id and time are set here.
    pub fn append(&self, mut entry: AuditEntry) -> Result<AuditEntry, StoreError> {
        entry.id = self.at.generate_id()?;
        entry.at = Utc::now();
        let key = KeyBuilder::new()
            .u64(entry.at.timestamp_millis().max(0) as u64)
            .u64(entry.id)
            .build();
        self.at.put_record(Table::Audit, &key, &entry)?;
        Ok(entry)
    }
}

impl AuditLog<'_, Store> {
    /// Every entry newest first, each with its position: an opaque cursor that orders like the
    /// entries (a later entry has a greater position).
    pub fn newest_first(
        &self,
    ) -> impl Iterator<Item = Result<(Vec<u8>, AuditEntry), StoreError>> + use<> {
        self.at
            .range(Table::Audit, &[], None)
            .rev()
            .map(|item| item.and_then(|(key, bytes)| Ok((key, codec::decode(&bytes)?))))
    }

    /// The whole trail, oldest first (tests and tools).
    pub fn all(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.at
            .scan_records::<AuditEntry>(Table::Audit, &[])
            .map(|item| item.map(|(_, entry)| entry))
            .collect()
    }
}
