//! What the channel told us beyond messages: the events already applied (so a retried
//! delivery changes nothing twice), statuses that came before their wamid was known, raw
//! webhook bodies, and channel-level errors.

use chrono::{DateTime, Utc};

use crate::domain::inbound::{ChannelError, StatusUpdate};
use crate::store::keys::u64_key;
use crate::store::{Record, StoreError, Table, Tx};

use super::Source;
use super::raw_bodies::{self, RawBody};

/// Statuses that arrived for a wamid we do not know yet (a send whose answer we have not
/// recorded); applied when the wamid is recorded.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PendingStatuses {
    pub updates: Vec<StatusUpdate>,
}

impl Record for PendingStatuses {
    const NAME: &'static str = "pending_statuses";
}

/// A channel error as kept for operators and the IT team.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ChannelErrorRecord {
    pub received_at: DateTime<Utc>,
    pub error: ChannelError,
}

impl Record for ChannelErrorRecord {
    const NAME: &'static str = "channel_error";
}

/// The channel log (see `Ledger::channel_log`).
pub struct ChannelLog<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> ChannelLog<'_, S> {
    /// The raw webhook body kept under `id`, as Meta delivered it.
    pub fn raw_body(&self, id: u64) -> Result<Option<RawBody>, StoreError> {
        match self.at.get_bytes(Table::RawPayloads, &u64_key(id))? {
            Some(stored) => Ok(Some(raw_bodies::unpack(&stored)?)),
            None => Ok(None),
        }
    }

    /// The statuses held for a wamid not yet known.
    pub fn pending_statuses(&self, wamid: &str) -> Result<Option<PendingStatuses>, StoreError> {
        self.at.get_record(Table::PendingStatuses, wamid.as_bytes())
    }
}

impl ChannelLog<'_, Tx<'_>> {
    /// Records that the event (`wamid#status`, `wacid#event`) is applied. `false` when it
    /// already was: a retried delivery, to be skipped.
    /// The entry carries `now`, for the retention worker.
    pub fn first_sighting(&self, event_key: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        if self.at.contains(Table::SeenEvents, event_key.as_bytes())? {
            return Ok(false);
        }
        self.at.put(
            Table::SeenEvents,
            event_key.as_bytes(),
            &super::retention::seen_stamp(now),
        )?;
        Ok(true)
    }

    pub fn hold_statuses(&self, wamid: &str, pending: &PendingStatuses) -> Result<(), StoreError> {
        self.at
            .put_record(Table::PendingStatuses, wamid.as_bytes(), pending)
    }

    /// Takes the statuses held for a wamid that is now known.
    pub fn take_pending_statuses(
        &self,
        wamid: &str,
    ) -> Result<Option<PendingStatuses>, StoreError> {
        let pending = self.pending_statuses(wamid)?;
        if pending.is_some() {
            self.at.remove(Table::PendingStatuses, wamid.as_bytes())?;
        }
        Ok(pending)
    }

    /// Keeps a webhook body that brought something new, under a fresh id, compressed and
    /// stamped with its receive time (`raw_bodies`).
    pub fn keep_raw_body(
        &self,
        id: u64,
        body: &[u8],
        received_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.at.put(
            Table::RawPayloads,
            &u64_key(id),
            &raw_bodies::pack(body, received_at),
        )
    }

    pub fn record_error(&self, error: &ChannelErrorRecord) -> Result<(), StoreError> {
        let id = self.at.generate_id()?;
        self.at
            .put_record(Table::ChannelErrors, &u64_key(id), error)
    }
}
