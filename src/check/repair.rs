//! `siaga check --repair`: writes again the derived entries a check found wrong or missing,
//! removes lookups and queue entries that point at nothing, and rebuilds the search index
//! when it disagrees with the store. Never removes evidence: messages, raw bodies, timeline
//! entries and reports are only read.

use std::path::Path;

use super::{Findings, Fix};
use crate::ledger::{Ledger, write};
use crate::search::from_store::rebuild_from_store;
use crate::search::indexer::{DocSource, IndexerError};
use crate::store::{Store, StoreError, Tx};

/// Fixes applied per transaction.
const FIXES_PER_TRANSACTION: usize = 500;

/// What a repair did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repaired {
    /// Entries of the store written again or removed.
    pub entries: usize,
    /// Documents of the rebuilt index, if it was rebuilt.
    pub reindexed: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rebuilding the search index: {0}")]
    Index(#[from] IndexerError),
}

/// Applies every fix of `findings` to `store`, durably, then rebuilds the index in
/// `index_dir` from `source` if any fix asks for it. The caller checks again afterwards.
pub fn repair(
    store: &Store,
    index_dir: &Path,
    source: &DocSource,
    findings: &Findings,
) -> Result<Repaired, RepairError> {
    let fixes: Vec<&Fix> = findings
        .problems
        .iter()
        .filter_map(|problem| problem.fix.as_ref())
        .collect();
    let mut repaired = Repaired::default();
    let (rebuilds, entries): (Vec<&Fix>, Vec<&Fix>) = fixes
        .into_iter()
        .partition(|fix| **fix == Fix::RebuildIndex);
    for chunk in entries.chunks(FIXES_PER_TRANSACTION) {
        write(store, |tx| {
            for fix in chunk {
                apply(tx, fix)?;
            }
            Ok(())
        })?;
        repaired.entries += chunk.len();
    }
    store.flush_blocking()?;
    if !rebuilds.is_empty() {
        repaired.reindexed = Some(rebuild_from_store(
            index_dir,
            source,
            store,
            crate::search::IndexMemory::default(),
            |_, _| {},
        )?);
    }
    Ok(repaired)
}

fn apply(tx: &Tx<'_>, fix: &Fix) -> Result<(), StoreError> {
    let survey = tx.survey();
    match fix {
        Fix::LinkMessage(report_id, message_id) => survey.link_message(*report_id, *message_id),
        Fix::UnlinkMessage(report_id, message_id) => survey.unlink_message(*report_id, *message_id),
        Fix::PointTicket(ticket, report_id) => survey.point_ticket(ticket, *report_id),
        Fix::DropTicket(ticket) => survey.drop_ticket(ticket),
        Fix::PointWamid(wamid, message_id) => survey.point_wamid(wamid, *message_id),
        Fix::DropWamid(wamid) => survey.drop_wamid(wamid),
        Fix::PointIdentity(identity, reporter_id) => survey.point_identity(identity, *reporter_id),
        Fix::DropIdentity(identity) => survey.drop_identity(identity),
        Fix::SyncOpen(report_id) => match tx.reports().get(*report_id)? {
            Some(report) => survey.sync_open(&report),
            None => survey.drop_open(*report_id),
        },
        Fix::DropOpen(report_id) => survey.drop_open(*report_id),
        Fix::DropIndexEntry(report_id) => survey.drop_index_entry(*report_id),
        Fix::DropOutboxItem(key) => survey.drop_outbox_item(key),
        Fix::DropMediaJob(key) => survey.drop_media_job(key),
        Fix::RebuildIndex => Ok(()),
    }
}
