//! Poison deliveries: a webhook body whose apply failed alone, twice (a panic or an error in
//! intake), kept raw so that it is evidence and can be replayed once the bug is fixed, and so
//! that Meta can be answered and stops retrying it.

use chrono::{DateTime, Utc};

use crate::store::keys::u64_key;
use crate::store::{Record, Store, StoreError, Table, Tx};

/// One quarantined delivery, as received.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct QuarantinedDelivery {
    pub id: u64,
    pub received_at: DateTime<Utc>,
    pub quarantined_at: DateTime<Utc>,
    /// Why it failed: the panic message or the error (may quote the citizen's text).
    pub reason: String,
    /// The raw webhook body (JSON, so UTF-8; anything else is kept lossily).
    pub body: String,
}

impl Record for QuarantinedDelivery {
    const NAME: &'static str = "quarantined delivery";
}

/// The quarantine (see `Ledger::quarantine`).
pub struct Quarantine<'a, S> {
    pub(super) at: &'a S,
}

impl Quarantine<'_, Tx<'_>> {
    /// Keeps `body` under a fresh id and returns it.
    pub fn keep(
        &self,
        body: &[u8],
        received_at: DateTime<Utc>,
        reason: &str,
    ) -> Result<u64, StoreError> {
        let id = self.at.generate_id()?;
        let entry = QuarantinedDelivery {
            id,
            received_at,
            quarantined_at: Utc::now(),
            reason: reason.to_string(),
            body: String::from_utf8_lossy(body).into_owned(),
        };
        self.at
            .put_record(Table::Quarantine, &u64_key(id), &entry)?;
        Ok(id)
    }

    /// Takes a delivery out of the quarantine (after it was replayed).
    pub fn release(&self, id: u64) -> Result<(), StoreError> {
        self.at.remove(Table::Quarantine, &u64_key(id))
    }
}

impl Quarantine<'_, Store> {
    /// Every quarantined delivery, oldest first.
    pub fn all(&self) -> Result<Vec<QuarantinedDelivery>, StoreError> {
        self.at
            .scan_records::<QuarantinedDelivery>(Table::Quarantine, &[])
            .map(|item| item.map(|(_, entry)| entry))
            .collect()
    }

    /// Every quarantined entry as its id and its decoded value, each decoded on its own, so
    /// that one unreadable entry hides none of the others (`siaga check`).
    pub fn survey(
        &self,
    ) -> impl Iterator<Item = Result<(u64, Result<QuarantinedDelivery, StoreError>), StoreError>>
    {
        self.at.scan_prefix(Table::Quarantine, &[]).map(|entry| {
            entry.map(|(key, value)| {
                let id = key.as_slice().try_into().map_or(0, u64::from_be_bytes);
                (
                    id,
                    crate::store::codec::decode::<QuarantinedDelivery>(&value),
                )
            })
        })
    }

    pub fn len(&self) -> usize {
        self.at.len(Table::Quarantine)
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty(Table::Quarantine)
    }
}
