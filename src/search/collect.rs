//! One pass over the matching documents that counts them, keeps the best page (score, then
//! newest), and counts facets from fast-field columns, never reading the document store. Facets
//! are counted a block of documents at a time (`columns::BLOCK_DOCS`).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::io;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::columns::{BLOCK_DOCS, FastColumn, OrdinalCounts, count_codes};
use super::schema::PRIORITIES;
use super::segment_cache::SegmentCache;
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

pub(crate) struct HitCollector<'a> {
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    pub(crate) by_score: bool,
    pub(crate) facets: bool,
    /// Each segment's columns, opened once.
    pub(crate) cache: &'a SegmentCache,
}

impl Collector for HitCollector<'_> {
    type Fruit = Collected;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        let columns = self.cache.columns(segment)?;
        let keep = self.offset.saturating_add(self.limit);
        let facets = if self.facets {
            Some(SegmentFacets {
                category: OrdinalCounts::open(columns.category.clone()),
                unit: OrdinalCounts::open(columns.unit.clone()),
                channel: OrdinalCounts::open(columns.channel.clone()),
                status: FastColumn::new(columns.status.clone()),
                priority: FastColumn::new(columns.priority.clone()),
                tally: FacetTally::default(),
                pending: [0; BLOCK_DOCS],
                pending_len: 0,
                scratch: [0; BLOCK_DOCS],
            })
        } else {
            None
        };
        Ok(SegmentHits {
            segment_ord,
            keep,
            by_score: self.by_score,
            created_at: FastColumn::new(columns.created_at.clone()),
            report_id: FastColumn::new(columns.report_id.clone()),
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

impl SegmentHits {
    /// Offers a match to the page; `created_at` is read only when the score could make it.
    #[inline]
    fn offer(&mut self, doc: DocId, score: Score, created_at: Option<i64>) {
        if self.best.len() >= self.keep
            && let Some(Reverse(worst)) = self.best.peek()
            && score < worst.score
        {
            return;
        }
        let created_at = created_at
            .or_else(|| self.created_at.get(doc))
            .unwrap_or(i64::MIN);
        let key = RankKey {
            score,
            created_at,
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
        self.offer(doc, score, None);
    }

    /// Matches without scores (a query without words): every one ranks by its creation time,
    /// read a block at a time like the facets.
    fn collect_block(&mut self, docs: &[DocId]) {
        self.total += docs.len();
        let mut created_at = [0_i64; BLOCK_DOCS];
        for block in docs.chunks(BLOCK_DOCS) {
            if let Some(facets) = self.facets.as_mut() {
                facets.count_block(block);
            }
            if self.keep == 0 {
                continue;
            }
            let created_at = &mut created_at[..block.len()];
            self.created_at.get_block(block, created_at, i64::MIN);
            for (doc, created_at) in block.iter().zip(created_at.iter()) {
                self.offer(*doc, 0.0, Some(*created_at));
            }
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

struct SegmentFacets {
    category: OrdinalCounts,
    unit: OrdinalCounts,
    channel: OrdinalCounts,
    status: FastColumn<u64>,
    priority: FastColumn<u64>,
    tally: FacetTally,
    /// Documents not counted yet, the first `pending_len`.
    pending: [DocId; BLOCK_DOCS],
    pending_len: usize,
    scratch: [u64; BLOCK_DOCS],
}

impl SegmentFacets {
    #[inline]
    fn count(&mut self, doc: DocId) {
        self.pending[self.pending_len] = doc;
        self.pending_len += 1;
        if self.pending_len == BLOCK_DOCS {
            self.count_pending();
        }
    }

    fn count_pending(&mut self) {
        let pending = self.pending;
        let docs = &pending[..self.pending_len];
        self.pending_len = 0;
        self.count_block(docs);
    }

    /// Counts `docs`, at most `BLOCK_DOCS` of them.
    fn count_block(&mut self, docs: &[DocId]) {
        debug_assert!(docs.len() <= BLOCK_DOCS);
        let scratch = &mut self.scratch;
        self.category.count_block(docs, scratch);
        self.unit.count_block(docs, scratch);
        self.channel.count_block(docs, scratch);
        count_codes(&self.status, docs, scratch, &mut self.tally.status);
        count_codes(&self.priority, docs, scratch, &mut self.tally.priority);
    }

    fn into_tally(mut self) -> io::Result<FacetTally> {
        self.count_pending();
        let mut tally = self.tally;
        tally.category = self.category.into_counts()?;
        tally.unit = self.unit.into_counts()?;
        tally.channel = self.channel.into_counts()?;
        Ok(tally)
    }
}

/// `(value, count)` pairs, count descending, then value ascending; zero counts left out.
pub(crate) fn sorted_counts(counts: impl IntoIterator<Item = (String, u64)>) -> Vec<(String, u64)> {
    let mut sorted: Vec<(String, u64)> =
        counts.into_iter().filter(|(_, count)| *count > 0).collect();
    sorted.sort_by(|left, right| right.1.cmp(&left.1).then_with(|| left.0.cmp(&right.0)));
    sorted
}
