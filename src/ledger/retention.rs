//! What the retention worker (`crate::retention`) may remove, decided entry by entry inside its
//! transaction: raw webhook bodies past their retention, and the seen-event entries (the dedupe
//! of statuses and calls) past Meta's retry horizon.
//!
//! Both carry the time they were written: a raw body in its header (`raw_bodies`), a seen event
//! as its value (8 bytes, milliseconds). Entries written before the time was kept have none;
//! the worker stamps them with the time of its first look (and compresses such a body), so
//! their retention counts from then: nothing is removed earlier than its setting allows.
//! Nothing else refers to a raw body or a seen event except `siaga check`, which is told up to
//! which id raw bodies were pruned (`raw_bodies_pruned_through`).

use chrono::{DateTime, TimeZone, Utc};

use crate::store::keys::{read_u64, u64_key};
use crate::store::{Store, StoreError, Table, Tx};

use super::ChannelLog;
use super::raw_bodies;

/// The Meta key of the highest raw body id the retention worker removed.
const RAW_BODIES_PRUNED_THROUGH: &[u8] = b"raw_bodies_pruned_through";

/// What became of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retained {
    /// Still within its retention.
    Kept,
    /// Had no time: now stamped with this look's.
    Stamped,
    Removed,
    /// Gone already (removed by someone else since it was listed).
    Missing,
}

/// An entry listed for the worker, with the time written on it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    pub key: Vec<u8>,
    pub at: Option<DateTime<Utc>>,
}

impl Dated {
    /// The id at the head of the key (a raw body's delivery id).
    pub fn leading_id(&self) -> Option<u64> {
        read_u64(&self.key, 0)
    }
}

/// The time a seen-event entry carries (`None` for one written before it was kept).
pub(super) fn seen_at(value: &[u8]) -> Option<DateTime<Utc>> {
    let millis = read_u64(value, 0)?;
    Utc.timestamp_millis_opt(i64::try_from(millis).ok()?)
        .single()
}

pub(super) fn seen_stamp(at: DateTime<Utc>) -> [u8; 8] {
    u64_key(u64::try_from(at.timestamp_millis()).unwrap_or(0))
}

impl ChannelLog<'_, Store> {
    /// Up to `limit` raw bodies from the id `after` on (exclusive), in id order, with their
    /// receive times, read from their headers.
    pub fn raw_bodies_after(&self, after: u64, limit: usize) -> Result<Vec<Dated>, StoreError> {
        self.dated(
            Table::RawPayloads,
            &u64_key(after.saturating_add(1)),
            limit,
            raw_bodies::received_at,
        )
    }

    /// Up to `limit` seen events from the key `from` on (inclusive), in key order.
    pub fn seen_events_from(&self, from: &[u8], limit: usize) -> Result<Vec<Dated>, StoreError> {
        self.dated(Table::SeenEvents, from, limit, seen_at)
    }

    fn dated(
        &self,
        table: Table,
        from: &[u8],
        limit: usize,
        time_of: impl Fn(&[u8]) -> Option<DateTime<Utc>>,
    ) -> Result<Vec<Dated>, StoreError> {
        let mut listed = Vec::with_capacity(limit);
        for entry in self.at.range(table, from, None).take(limit) {
            let (key, value) = entry?;
            listed.push(Dated {
                at: time_of(&value),
                key,
            });
        }
        Ok(listed)
    }

    /// The highest raw body id removed for its age: a message whose raw body id is at most
    /// this may have lost it to the retention setting.
    pub fn raw_bodies_pruned_through(&self) -> Result<u64, StoreError> {
        Ok(self
            .at
            .get(Table::Meta, RAW_BODIES_PRUNED_THROUGH)?
            .and_then(|bytes| read_u64(&bytes, 0))
            .unwrap_or(0))
    }
}

impl ChannelLog<'_, Tx<'_>> {
    /// Removes the raw body `id` when it was received before `older_than` (`None`: kept
    /// forever); stamps and compresses one that has no time.
    pub fn retain_raw_body(
        &self,
        id: u64,
        older_than: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Retained, StoreError> {
        let key = u64_key(id);
        let Some(stored) = self.at.get(Table::RawPayloads, &key)? else {
            return Ok(Retained::Missing);
        };
        let Some(received_at) = raw_bodies::received_at(&stored) else {
            let body = raw_bodies::unpack(&stored)?;
            self.at.put(
                Table::RawPayloads,
                &key,
                &raw_bodies::pack(&body.bytes, now),
            )?;
            return Ok(Retained::Stamped);
        };
        if older_than.is_none_or(|horizon| received_at >= horizon) {
            return Ok(Retained::Kept);
        }
        self.at.remove(Table::RawPayloads, &key)?;
        let through = self
            .at
            .get(Table::Meta, RAW_BODIES_PRUNED_THROUGH)?
            .and_then(|bytes| read_u64(&bytes, 0))
            .unwrap_or(0);
        if id > through {
            self.at
                .put(Table::Meta, RAW_BODIES_PRUNED_THROUGH, &u64_key(id))?;
        }
        Ok(Retained::Removed)
    }

    /// Removes the seen event `key` when it was applied before `older_than`; stamps one that
    /// has no time.
    pub fn retain_seen_event(
        &self,
        key: &[u8],
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Retained, StoreError> {
        let Some(value) = self.at.get(Table::SeenEvents, key)? else {
            return Ok(Retained::Missing);
        };
        match seen_at(&value) {
            None => {
                self.at.put(Table::SeenEvents, key, &seen_stamp(now))?;
                Ok(Retained::Stamped)
            }
            Some(at) if at < older_than => {
                self.at.remove(Table::SeenEvents, key)?;
                Ok(Retained::Removed)
            }
            Some(_) => Ok(Retained::Kept),
        }
    }
}
