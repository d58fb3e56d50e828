//! Reporters (the citizens who write) and the identities that find them: `bsuid:<id>` and
//! `phone:<e164>`.

use crate::domain::reporter::Reporter;
use crate::store::keys::{read_u64, u64_key};
use crate::store::{StoreError, Table, Tx};

use super::Source;

/// The reporters area (see `Ledger::reporters`).
pub struct Reporters<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> Reporters<'_, S> {
    pub fn get(&self, reporter_id: u64) -> Result<Option<Reporter>, StoreError> {
        self.at.get_record(Table::Reporters, &u64_key(reporter_id))
    }

    /// The reporter an identity (see `domain::reporter::identity_keys`) points to.
    pub fn id_by_identity(&self, identity: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .at
            .get_bytes(Table::ReporterIdentities, identity.as_bytes())?
            .and_then(|bytes| read_u64(&bytes, 0)))
    }
}

impl Reporters<'_, Tx<'_>> {
    pub fn save(&self, reporter: &Reporter) -> Result<(), StoreError> {
        self.at
            .put_record(Table::Reporters, &u64_key(reporter.id), reporter)
    }

    /// Makes an identity find the reporter (first contact, a new number, a new user id).
    pub fn map_identity(&self, identity: &str, reporter_id: u64) -> Result<(), StoreError> {
        self.at.put(
            Table::ReporterIdentities,
            identity.as_bytes(),
            &u64_key(reporter_id),
        )
    }
}
