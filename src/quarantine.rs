//! `siaga quarantine`: the poison deliveries kept by the ingest thread (`intake/poison.rs`),
//! listed for an operator, and replayed through intake once the bug that made them fail is
//! fixed. On a stopped server's data dir, like every command that opens the store.

use std::fmt::Write as _;

use anyhow::Context as _;

use crate::app::Core;
use crate::domain::redact::mask_phone_numbers;
use crate::intake::IngestOutcome;
use crate::ledger::{Ledger, QuarantinedDelivery};

/// One line per quarantined delivery: id, times, size and reason (numbers masked).
pub fn listing(entries: &[QuarantinedDelivery]) -> String {
    let mut out = String::new();
    for entry in entries {
        let _ = writeln!(
            out,
            "{}\treceived {}\tquarantined {}\t{} bytes\t{}",
            entry.id,
            entry.received_at.to_rfc3339(),
            entry.quarantined_at.to_rfc3339(),
            entry.body.len(),
            mask_phone_numbers(&entry.reason)
        );
    }
    out
}

/// Applies the quarantined delivery `id` as if it had just arrived (at its first receive
/// time), makes it durable, and takes it out of the quarantine. A delivery applied before is
/// deduplicated as any redelivery is. Fails, changing nothing, if it still fails.
pub fn replay(core: &Core, id: u64) -> anyhow::Result<IngestOutcome> {
    let entry = core
        .store
        .quarantine()
        .all()?
        .into_iter()
        .find(|entry| entry.id == id)
        .with_context(|| format!("no quarantined delivery with id {id}"))?;
    let body = entry.body.as_bytes();
    let items = crate::whatsapp::webhook::parse_notification(body, entry.received_at)
        .map_err(|error| anyhow::anyhow!("the quarantined body does not parse: {error}"))?;
    let outcome = core
        .intake
        .ingest(body, &items, entry.received_at)
        .with_context(|| format!("replaying quarantined delivery {id}"))?;
    crate::ledger::write(&core.store, |tx| tx.quarantine().release(id))?;
    core.store.flush_blocking()?;
    Ok(outcome)
}
