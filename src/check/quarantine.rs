//! The quarantine: poison deliveries kept raw (`ledger::Quarantine`). They are counted, not
//! problems (the ingest thread put them there on purpose, `siaga quarantine` lists and replays
//! them), but each must still be readable, since it is the only copy of what Meta delivered.

use super::{Findings, Group};
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

pub(super) fn check_quarantine(store: &Store, findings: &mut Findings) -> Result<(), StoreError> {
    for entry in store.quarantine().survey() {
        let (id, decoded) = entry?;
        match decoded {
            Ok(delivery) if delivery.id == id => findings.counts.quarantined += 1,
            Ok(delivery) => findings.add(
                Group::Quarantine,
                format!(
                    "quarantined delivery {id} says it is delivery {}",
                    delivery.id
                ),
                None,
            ),
            // The reason may quote the citizen: only the id goes in the report.
            Err(_) => findings.add(
                Group::Quarantine,
                format!("quarantined delivery {id} cannot be read"),
                None,
            ),
        }
    }
    Ok(())
}
