//! The catalogue's summaries by column, in ascending report id: a pass over a list reads
//! only the columns its filter and order need (every request reads the 2-byte facets; the
//! queue adds the creation time and the pause), and the count of every facet word is kept so
//! that a filter of facets alone counts its matches without a pass.
//!
//! 21 bytes a report in the columns every report has (the id's low 32 bits, with its high
//! bits kept once per run; the creation time in nanoseconds; category, unit and holder; the
//! business number; the facets), plus, for the reports that have one, a location (24 bytes)
//! and the seconds of past pauses (12 bytes) by id. The columns grow by a sixteenth of their
//! length, not by doubling, so that a large catalogue keeps little spare room.

use crate::domain::report::GeoPoint;

use super::sparse::{Sparse, SparseCursor};
use super::summary::ReportSummary;

/// Every report's summary, one vector per fact, all in ascending id.
#[derive(Debug)]
pub(super) struct Columns {
    /// The low 32 bits of each id.
    ids: Vec<u32>,
    /// The high 32 bits of the ids, once per run: (index of the run's first report, high
    /// bits), ascending. Report ids stay below 2^32 for billions of ids: one run.
    id_runs: Vec<(usize, u32)>,
    /// Nanoseconds since 1970 (see `listing::nanos`).
    pub created: Vec<i64>,
    pub categories: Vec<u16>,
    pub units: Vec<u16>,
    pub holders: Vec<u16>,
    pub channels: Vec<u8>,
    pub facets: Vec<u16>,
    /// Seconds spent waiting for the reporter in past pauses, of the reports that have any.
    paused_seconds: Sparse<u32>,
    /// The location of the reports that have one.
    locations: Sparse<GeoPoint>,
    /// How many reports have each facet word.
    pub facet_counts: Box<[u32]>,
}

impl Default for Columns {
    fn default() -> Columns {
        Columns {
            ids: Vec::new(),
            id_runs: Vec::new(),
            created: Vec::new(),
            categories: Vec::new(),
            units: Vec::new(),
            holders: Vec::new(),
            channels: Vec::new(),
            facets: Vec::new(),
            paused_seconds: Sparse::default(),
            locations: Sparse::default(),
            facet_counts: vec![0; 1 << 16].into_boxed_slice(),
        }
    }
}

/// Runs `$body` with `$column` bound to each dense column vector in turn.
macro_rules! every_column {
    ($columns:expr, |$column:ident| $body:expr) => {
        every_column!(@each $columns, $column, $body;
            ids created categories units holders channels facets)
    };
    (@each $columns:expr, $column:ident, $body:expr; $($field:ident)*) => {{
        $({
            let $column = &mut $columns.$field;
            $body;
        })*
    }};
}

impl Columns {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id of the report at `index`.
    #[inline]
    pub fn id(&self, index: usize) -> u64 {
        let high = match self.id_runs.as_slice() {
            [(_, high)] => *high,
            runs => runs[runs.partition_point(|(start, _)| *start <= index) - 1].1,
        };
        u64::from(high) << 32 | u64::from(self.ids[index])
    }

    /// The place of `id`, or where it would go.
    pub fn place(&self, id: u64) -> Result<usize, usize> {
        let (high, low) = ((id >> 32) as u32, id as u32);
        let run = self.id_runs.partition_point(|(_, each)| *each < high);
        let Some(&(start, run_high)) = self.id_runs.get(run) else {
            return Err(self.len());
        };
        if run_high != high {
            return Err(start);
        }
        let end = self
            .id_runs
            .get(run + 1)
            .map_or(self.len(), |(next, _)| *next);
        match self.ids[start..end].binary_search(&low) {
            Ok(offset) => Ok(start + offset),
            Err(offset) => Err(start + offset),
        }
    }

    /// How many reports have an id below `id`.
    pub fn count_below(&self, id: u64) -> usize {
        match self.place(id) {
            Ok(index) | Err(index) => index,
        }
    }

    /// The seconds of past pauses, for reports asked in ascending id from `id` up.
    pub fn paused_from(&self, id: u64) -> SparseCursor<'_, u32> {
        self.paused_seconds.from(id)
    }

    /// The locations, for reports asked in ascending id from `id` up.
    pub fn locations_from(&self, id: u64) -> SparseCursor<'_, GeoPoint> {
        self.locations.from(id)
    }

    /// Stores `summary` at `place` (from `place`): over the report's old summary, or new.
    pub fn put(&mut self, place: Result<usize, usize>, summary: &ReportSummary) {
        let index = match place {
            Ok(index) => {
                self.uncount(self.facets[index]);
                index
            }
            Err(index) => {
                if self.ids.len() == self.ids.capacity() {
                    let more = self.ids.len() / 16 + 1024;
                    every_column!(self, |column| column.reserve_exact(more));
                }
                every_column!(self, |column| column.insert(index, Default::default()));
                self.run_grew(index, (summary.id >> 32) as u32);
                index
            }
        };
        self.ids[index] = summary.id as u32;
        self.created[index] = summary.created;
        self.categories[index] = summary.category;
        self.units[index] = summary.unit;
        self.holders[index] = summary.holder;
        self.channels[index] = summary.channel;
        self.facets[index] = summary.facets.0;
        self.facet_counts[summary.facets.0 as usize] += 1;
        let paused = (summary.paused_seconds > 0).then_some(summary.paused_seconds);
        self.paused_seconds.set(summary.id, paused);
        self.locations.set(summary.id, summary.location);
    }

    pub fn remove(&mut self, index: usize) {
        let id = self.id(index);
        self.uncount(self.facets[index]);
        every_column!(self, |column| {
            column.remove(index);
        });
        self.run_shrank(index);
        self.paused_seconds.set(id, None);
        self.locations.set(id, None);
    }

    /// Keeps room for `room` reports, no more.
    pub fn shrink_to(&mut self, room: usize) {
        every_column!(self, |column| column.shrink_to(room));
    }

    /// Bytes held, capacity included.
    pub fn footprint(&self) -> usize {
        self.ids.capacity() * 4
            + self.id_runs.capacity() * std::mem::size_of::<(usize, u32)>()
            + self.created.capacity() * 8
            + self.categories.capacity() * 2
            + self.units.capacity() * 2
            + self.holders.capacity() * 2
            + self.channels.capacity()
            + self.facets.capacity() * 2
            + self.paused_seconds.footprint()
            + self.locations.footprint()
            + self.facet_counts.len() * 4
    }

    /// A report was inserted at `index` with these high bits of its id.
    fn run_grew(&mut self, index: usize, high: u32) {
        let run = self.id_runs.partition_point(|(_, each)| *each < high);
        let shift_from = match self.id_runs.get(run) {
            Some((_, each)) if *each == high => run + 1,
            _ => {
                self.id_runs.insert(run, (index, high));
                run + 1
            }
        };
        for (start, _) in &mut self.id_runs[shift_from..] {
            *start += 1;
        }
    }

    /// The report at `index` was removed.
    fn run_shrank(&mut self, index: usize) {
        let run = self.id_runs.partition_point(|(start, _)| *start <= index) - 1;
        for (start, _) in &mut self.id_runs[run + 1..] {
            *start -= 1;
        }
        let end = self
            .id_runs
            .get(run + 1)
            .map_or(self.len(), |(next, _)| *next);
        if self.id_runs[run].0 == end {
            self.id_runs.remove(run);
        }
    }

    fn uncount(&mut self, facets: u16) {
        let count = &mut self.facet_counts[facets as usize];
        debug_assert!(*count > 0, "a stored facet word is counted");
        *count = count.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::workflow::catalogue::summary::Facets;

    fn summary(id: u64, paused_seconds: u32, located: bool) -> ReportSummary {
        ReportSummary {
            id,
            created: id as i64,
            paused_seconds,
            location: located.then_some(GeoPoint {
                latitude: -3.0,
                longitude: id as f64 / 1e9,
            }),
            category: (id % 7) as u16,
            unit: 0,
            holder: 0,
            channel: 0,
            facets: Facets((id % 5) as u16),
        }
    }

    #[test]
    fn ids_across_high_bits_are_placed_found_and_removed_as_a_sorted_set() {
        // Seeded: the test needs variety, and a failure must replay.
        let mut rng =
            <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0x9e37_79b9_7f4a_7c15_u64);
        let mut next = move |below: u64| rand::Rng::random_range(&mut rng, 0..below);
        let mut columns = Columns::default();
        let mut model: BTreeMap<u64, (u32, bool)> = BTreeMap::new();
        for step in 0..4000 {
            // Ids in a few runs of high bits, including both sides of 2^32.
            let id = (next(4) << 32)
                + next(64)
                + if next(2) == 0 {
                    u32::MAX as u64 - 40
                } else {
                    0
                };
            if next(3) == 0 {
                if let Ok(index) = columns.place(id) {
                    columns.remove(index);
                }
                model.remove(&id);
            } else {
                let (paused, located) = (next(3) as u32, next(2) == 0);
                columns.put(columns.place(id), &summary(id, paused, located));
                model.insert(id, (paused, located));
            }
            let ids: Vec<u64> = (0..columns.len()).map(|index| columns.id(index)).collect();
            let expected: Vec<u64> = model.keys().copied().collect();
            assert_eq!(ids, expected, "step {step}");
        }
        let mut paused = columns.paused_from(0);
        let mut located = columns.locations_from(0);
        for (index, (id, (seconds, has_location))) in model.iter().enumerate() {
            assert_eq!(columns.place(*id), Ok(index));
            assert_eq!(columns.count_below(*id), index);
            assert_eq!(columns.created[index], *id as i64);
            assert_eq!(paused.get(*id).unwrap_or(0), *seconds);
            assert_eq!(located.get(*id).is_some(), *has_location);
        }
        assert_eq!(
            columns.paused_seconds.len(),
            model.values().filter(|v| v.0 > 0).count()
        );
        assert_eq!(
            columns.locations.len(),
            model.values().filter(|v| v.1).count()
        );
        let absent = (7u64 << 32) + 3;
        assert_eq!(columns.place(absent), Err(columns.len()));
        assert_eq!(columns.count_below(0), 0);
    }

    #[test]
    fn a_full_column_grows_by_a_sixteenth_not_by_doubling() {
        let mut columns = Columns::default();
        for id in 0..40_000u64 {
            columns.put(columns.place(id), &summary(id, 0, false));
        }
        let spare = columns.ids.capacity() - columns.len();
        assert!(spare <= columns.len() / 16 + 1024, "{spare} spare slots");
        assert_eq!(columns.facets.capacity(), columns.ids.capacity());
    }
}
