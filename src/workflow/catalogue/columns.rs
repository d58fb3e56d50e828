//! The catalogue's summaries by column, in ascending report id: a pass over a list reads
//! only the columns its filter and order need (every request reads the 2-byte facets; the
//! queue adds the creation time and the pause), and the count of every facet word is kept so
//! that a filter of facets alone counts its matches without a pass.

use super::summary::ReportSummary;

/// Every report's summary, one vector per fact, all in ascending id.
#[derive(Debug)]
pub(super) struct Columns {
    pub ids: Vec<u64>,
    pub created: Vec<i64>,
    pub paused_seconds: Vec<u32>,
    pub locations: Vec<u32>,
    pub categories: Vec<u16>,
    pub units: Vec<u16>,
    pub holders: Vec<u16>,
    pub channels: Vec<u8>,
    pub facets: Vec<u16>,
    /// How many reports have each facet word.
    pub facet_counts: Box<[u32]>,
}

impl Default for Columns {
    fn default() -> Columns {
        Columns {
            ids: Vec::new(),
            created: Vec::new(),
            paused_seconds: Vec::new(),
            locations: Vec::new(),
            categories: Vec::new(),
            units: Vec::new(),
            holders: Vec::new(),
            channels: Vec::new(),
            facets: Vec::new(),
            facet_counts: vec![0; 1 << 16].into_boxed_slice(),
        }
    }
}

/// Runs `$body` with `$column` bound to each column vector in turn.
macro_rules! every_column {
    ($columns:expr, |$column:ident| $body:expr) => {
        every_column!(@each $columns, $column, $body;
            ids created paused_seconds locations categories units holders channels facets)
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

    /// The place of `id`, or where it would go.
    pub fn place(&self, id: u64) -> Result<usize, usize> {
        self.ids.binary_search(&id)
    }

    pub fn location(&self, index: usize) -> u32 {
        self.locations[index]
    }

    /// Stores `summary` at `place` (from `place`): over the report's old summary, or new.
    pub fn put(&mut self, place: Result<usize, usize>, summary: &ReportSummary) {
        let index = match place {
            Ok(index) => {
                self.uncount(self.facets[index]);
                index
            }
            Err(index) => {
                every_column!(self, |column| column.insert(index, Default::default()));
                index
            }
        };
        self.ids[index] = summary.id;
        self.created[index] = summary.created;
        self.paused_seconds[index] = summary.paused_seconds;
        self.locations[index] = summary.location;
        self.categories[index] = summary.category;
        self.units[index] = summary.unit;
        self.holders[index] = summary.holder;
        self.channels[index] = summary.channel;
        self.facets[index] = summary.facets.0;
        self.facet_counts[summary.facets.0 as usize] += 1;
    }

    pub fn remove(&mut self, index: usize) {
        self.uncount(self.facets[index]);
        every_column!(self, |column| {
            column.remove(index);
        });
    }

    /// Keeps room for `room` reports, no more.
    pub fn shrink_to(&mut self, room: usize) {
        every_column!(self, |column| column.shrink_to(room));
    }

    /// Bytes held, capacity included.
    pub fn footprint(&self) -> usize {
        self.ids.capacity() * 8
            + self.created.capacity() * 8
            + self.paused_seconds.capacity() * 4
            + self.locations.capacity() * 4
            + self.categories.capacity() * 2
            + self.units.capacity() * 2
            + self.holders.capacity() * 2
            + self.channels.capacity()
            + self.facets.capacity() * 2
            + self.facet_counts.len() * 4
    }

    fn uncount(&mut self, facets: u16) {
        let count = &mut self.facet_counts[facets as usize];
        debug_assert!(*count > 0, "a stored facet word is counted");
        *count = count.saturating_sub(1);
    }
}
