//! One pass over the matching documents that counts them, keeps the best page (score, then
//! newest), and counts facets from fast-field columns, never reading the document store.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, ColumnValues, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema::{NO_VALUE, PRIORITIES, names};
use crate::domain::report::ReportStatus;

/// A hit before its snippet: where it lives and how it ranks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RankedDoc {
    pub(crate) score: Score,
    /// Unix milliseconds.
    pub(crate) created_at: i64,
    pub(crate) address: DocAddress,
    pub(crate) report_id: u64,
}

/// Better first: higher score, then newer, then the lower address (for a stable order).
fn rank_order(left: &RankKey, right: &RankKey) -> Ordering {
    left.score
        .total_cmp(&right.score)
        .then(left.created_at.cmp(&right.created_at))
        .then(right.address.cmp(&left.address))
}

#[derive(Debug, Clone, Copy)]
struct RankKey {
    score: Score,
    created_at: i64,
    address: (SegmentOrdinal, DocId),
}

impl PartialEq for RankKey {
    fn eq(&self, other: &RankKey) -> bool {
        rank_order(self, other) == Ordering::Equal
    }
}
impl Eq for RankKey {}
impl PartialOrd for RankKey {
    fn partial_cmp(&self, other: &RankKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for RankKey {
    fn cmp(&self, other: &RankKey) -> Ordering {
        rank_order(self, other)
    }
}

/// Counts per value of the four facets.
#[derive(Debug, Default)]
pub(crate) struct FacetTally {
    pub(crate) category: HashMap<String, u64>,
    pub(crate) status: [u64; ReportStatus::ALL.len()],
    pub(crate) unit: HashMap<String, u64>,
    pub(crate) priority: [u64; PRIORITIES.len()],
    pub(crate) channel: HashMap<String, u64>,
}

impl FacetTally {
    fn absorb(&mut self, other: FacetTally) {
        merge_counts(&mut self.category, other.category);
        merge_counts(&mut self.unit, other.unit);
        merge_counts(&mut self.channel, other.channel);
        for (mine, theirs) in self.status.iter_mut().zip(other.status) {
            *mine += theirs;
        }
        for (mine, theirs) in self.priority.iter_mut().zip(other.priority) {
            *mine += theirs;
        }
    }
}

pub(crate) fn merge_counts(into: &mut HashMap<String, u64>, from: HashMap<String, u64>) {
    for (value, count) in from {
        *into.entry(value).or_default() += count;
    }
}

/// What the collector found.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) total: usize,
    /// The page asked for, best first.
    pub(crate) page: Vec<RankedDoc>,
    pub(crate) facets: Option<FacetTally>,
}

pub(crate) struct HitCollector {
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    pub(crate) by_score: bool,
    pub(crate) facets: bool,
}

impl Collector for HitCollector {
    type Fruit = Collected;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        let fast_fields = segment.fast_fields();
        let keep = self.offset.saturating_add(self.limit);
        let facets = if self.facets {
            Some(SegmentFacets {
                category: OrdinalCounts::open(fast_fields.str(names::CATEGORY)?),
                unit: OrdinalCounts::open(fast_fields.str(names::UNIT)?),
                channel: OrdinalCounts::open(fast_fields.str(names::CHANNEL)?),
                status: FastColumn::new(fast_fields.column_opt(names::STATUS)?),
                priority: FastColumn::new(fast_fields.column_opt(names::PRIORITY)?),
                tally: FacetTally::default(),
            })
        } else {
            None
        };
        Ok(SegmentHits {
            segment_ord,
            keep,
            by_score: self.by_score,
            created_at: FastColumn::new(fast_fields.column_opt(names::CREATED_AT)?),
            report_id: FastColumn::new(fast_fields.column_opt(names::REPORT_ID)?),
            best: BinaryHeap::with_capacity(keep.min(1024) + 1),
            total: 0,
            facets,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.by_score
    }

    fn merge_fruits(&self, fruits: Vec<io::Result<SegmentFruit>>) -> tantivy::Result<Collected> {
        let mut collected = Collected {
            facets: self.facets.then(FacetTally::default),
            ..Collected::default()
        };
        let mut candidates: Vec<RankedDoc> = Vec::new();
        for fruit in fruits {
            let fruit = fruit?;
            collected.total += fruit.total;
            candidates.extend(fruit.best);
            if let (Some(all), Some(segment)) = (collected.facets.as_mut(), fruit.facets) {
                all.absorb(segment);
            }
        }
        candidates.sort_by(|left, right| rank_order(&key_of(right), &key_of(left)));
        collected.page = candidates
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        Ok(collected)
    }
}

fn key_of(doc: &RankedDoc) -> RankKey {
    RankKey {
        score: doc.score,
        created_at: doc.created_at,
        address: (doc.address.segment_ord, doc.address.doc_id),
    }
}

pub(crate) struct SegmentFruit {
    total: usize,
    best: Vec<RankedDoc>,
    facets: Option<FacetTally>,
}

pub(crate) struct SegmentHits {
    segment_ord: SegmentOrdinal,
    keep: usize,
    by_score: bool,
    created_at: FastColumn<i64>,
    report_id: FastColumn<u64>,
    /// The `keep` best so far, worst on top.
    best: BinaryHeap<Reverse<RankKey>>,
    total: usize,
    facets: Option<SegmentFacets>,
}

impl SegmentCollector for SegmentHits {
    type Fruit = io::Result<SegmentFruit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if let Some(facets) = self.facets.as_mut() {
            facets.count(doc);
        }
        if self.keep == 0 {
            return;
        }
        let score = if self.by_score { score } else { 0.0 };
        if self.best.len() >= self.keep
            && let Some(Reverse(worst)) = self.best.peek()
            && score < worst.score
        {
            return;
        }
        let key = RankKey {
            score,
            created_at: self.created_at.get(doc).unwrap_or(i64::MIN),
            address: (self.segment_ord, doc),
        };
        if self.best.len() < self.keep {
            self.best.push(Reverse(key));
        } else if let Some(Reverse(worst)) = self.best.peek()
            && key > *worst
        {
            self.best.pop();
            self.best.push(Reverse(key));
        }
    }

    fn harvest(self) -> io::Result<SegmentFruit> {
        let best = self
            .best
            .into_iter()
            .map(|Reverse(key)| RankedDoc {
                score: key.score,
                created_at: key.created_at,
                address: DocAddress::new(key.address.0, key.address.1),
                report_id: self.report_id.get(key.address.1).unwrap_or_default(),
            })
            .collect();
        let facets = match self.facets {
            Some(facets) => Some(facets.into_tally()?),
            None => None,
        };
        Ok(SegmentFruit {
            total: self.total,
            best,
            facets,
        })
    }
}

/// A fast-field column, read the quickest way its shape allows.
pub(crate) enum FastColumn<T> {
    /// Every document has one value: read by document id, no presence lookup.
    Dense(Arc<dyn ColumnValues<T>>),
    Sparse(Column<T>),
    Absent,
}

impl<T> FastColumn<T>
where
    T: PartialOrd + Copy + std::fmt::Debug + Send + Sync + 'static,
{
    pub(crate) fn new(column: Option<Column<T>>) -> FastColumn<T> {
        match column {
            Some(column) if column.get_cardinality() == Cardinality::Full => {
                FastColumn::Dense(column.values)
            }
            Some(column) => FastColumn::Sparse(column),
            None => FastColumn::Absent,
        }
    }

    #[inline]
    pub(crate) fn get(&self, doc: DocId) -> Option<T> {
        match self {
            FastColumn::Dense(values) => Some(values.get_val(doc)),
            FastColumn::Sparse(column) => column.first(doc),
            FastColumn::Absent => None,
        }
    }
}

/// Counts per term ordinal of a string column, turned into strings once per segment.
pub(crate) struct OrdinalCounts {
    column: Option<StrColumn>,
    ordinals: FastColumn<u64>,
    counts: Vec<u64>,
}

impl OrdinalCounts {
    pub(crate) fn open(column: Option<StrColumn>) -> OrdinalCounts {
        let terms = column.as_ref().map_or(0, |column| column.num_terms());
        let ordinals = FastColumn::new(column.as_ref().map(|column| column.ords().clone()));
        OrdinalCounts {
            column,
            ordinals,
            counts: vec![0; terms],
        }
    }

    #[inline]
    pub(crate) fn count(&mut self, doc: DocId) {
        if let Some(ordinal) = self.ordinals.get(doc)
            && let Some(count) = self.counts.get_mut(ordinal as usize)
        {
            *count += 1;
        }
    }

    pub(crate) fn into_counts(self) -> io::Result<HashMap<String, u64>> {
        let mut counts = HashMap::new();
        let Some(column) = self.column else {
            return Ok(counts);
        };
        for (ordinal, count) in self.counts.into_iter().enumerate() {
            if count == 0 {
                continue;
            }
            let mut value = String::new();
            if column.ord_to_str(ordinal as u64, &mut value)? && value != NO_VALUE {
                *counts.entry(value).or_default() += count;
            }
        }
        Ok(counts)
    }
}

struct SegmentFacets {
    category: OrdinalCounts,
    unit: OrdinalCounts,
    channel: OrdinalCounts,
    status: FastColumn<u64>,
    priority: FastColumn<u64>,
    tally: FacetTally,
}

impl SegmentFacets {
    #[inline]
    fn count(&mut self, doc: DocId) {
        self.category.count(doc);
        self.unit.count(doc);
        self.channel.count(doc);
        count_code(&self.status, doc, &mut self.tally.status);
        count_code(&self.priority, doc, &mut self.tally.priority);
    }

    fn into_tally(self) -> io::Result<FacetTally> {
        let mut tally = self.tally;
        tally.category = self.category.into_counts()?;
        tally.unit = self.unit.into_counts()?;
        tally.channel = self.channel.into_counts()?;
        Ok(tally)
    }
}

/// Counts the document's code; codes beyond `counts` (no value) are not counted.
#[inline]
pub(crate) fn count_code(column: &FastColumn<u64>, doc: DocId, counts: &mut [u64]) {
    if let Some(code) = column.get(doc)
        && let Some(count) = counts.get_mut(code as usize)
    {
        *count += 1;
    }
}

/// `(value, count)` pairs, count descending, then value ascending; zero counts left out.
pub(crate) fn sorted_counts(counts: impl IntoIterator<Item = (String, u64)>) -> Vec<(String, u64)> {
    let mut sorted: Vec<(String, u64)> =
        counts.into_iter().filter(|(_, count)| *count > 0).collect();
    sorted.sort_by(|left, right| right.1.cmp(&left.1).then_with(|| left.0.cmp(&right.0)));
    sorted
}
