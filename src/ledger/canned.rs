//! Canned replies by id, and the marker that the profile's starter set was seeded once (so
//! that supervisors who delete them all do not get them back at the next start).

use crate::domain::canned::CannedReply;
use crate::store::keys::u64_key;
use crate::store::{Record, Store, StoreError, Table, Tx};

use super::Source;

const SEEDED: &[u8] = b"canned_replies_seeded";

impl Record for CannedReply {
    const NAME: &'static str = "canned reply";
}

/// The canned replies (see `Ledger::canned_replies`).
pub struct CannedReplies<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> CannedReplies<'_, S> {
    pub fn get(&self, id: u64) -> Result<Option<CannedReply>, StoreError> {
        self.at.get_record(Table::CannedReplies, &u64_key(id))
    }

    /// Whether the profile's starter set was ever written.
    pub fn seeded(&self) -> Result<bool, StoreError> {
        Ok(self.at.get_bytes(Table::Meta, SEEDED)?.is_some())
    }
}

impl CannedReplies<'_, Tx<'_>> {
    pub fn new_id(&self) -> Result<u64, StoreError> {
        self.at.generate_id()
    }

    pub fn save(&self, reply: &CannedReply) -> Result<(), StoreError> {
        self.at
            .put_record(Table::CannedReplies, &u64_key(reply.id), reply)
    }

    pub fn delete(&self, id: u64) -> Result<(), StoreError> {
        self.at.remove(Table::CannedReplies, &u64_key(id))
    }

    pub fn mark_seeded(&self) -> Result<(), StoreError> {
        self.at.put(Table::Meta, SEEDED, b"1")
    }
}

impl CannedReplies<'_, Store> {
    /// Every canned reply, by id.
    pub fn all(&self) -> Result<Vec<CannedReply>, StoreError> {
        self.at
            .scan_records::<CannedReply>(Table::CannedReplies, b"")
            .map(|entry| entry.map(|(_, reply)| reply))
            .collect()
    }
}
