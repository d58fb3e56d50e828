//! Statistics over the matching reports, from fast-field columns in one pass: counts by
//! category, status, unit and WIB day, handling-time percentiles and SLA breaches.

use std::collections::{BTreeMap, HashMap};
use std::io;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::collect::{merge_counts, sorted_counts};
use super::columns::{FastColumn, OrdinalCounts, count_code};
use super::dates::{wib_day_date, wib_day_number};
use super::schema::{SLA_STAGES, names, sla_stage_bit};
use super::{DurationStats, SatisfactionStats, Stats};
use crate::domain::report::ReportStatus;
use crate::domain::satisfaction::SatisfactionRating;

const MILLIS_PER_SECOND: i64 = 1000;

pub(crate) struct StatsCollector;

#[derive(Debug, Default)]
pub(crate) struct StatsTally {
    total: u64,
    category: HashMap<String, u64>,
    status: [u64; ReportStatus::ALL.len()],
    unit: HashMap<String, u64>,
    channel: HashMap<String, u64>,
    /// Reports per WIB day number.
    days: HashMap<i64, u64>,
    first_action: Vec<i64>,
    forward: Vec<i64>,
    resolution: Vec<i64>,
    breaches: [u64; SLA_STAGES.len()],
    /// Answers to the satisfaction question by rating, and by rating and unit or category.
    satisfaction: [u64; RATINGS],
    satisfaction_by_unit: [HashMap<String, u64>; RATINGS],
    satisfaction_by_category: [HashMap<String, u64>; RATINGS],
}

const RATINGS: usize = SatisfactionRating::ALL.len();

impl Collector for StatsCollector {
    type Fruit = StatsTally;
    type Child = SegmentStats;

    fn for_segment(
        &self,
        _segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentStats> {
        let fast_fields = segment.fast_fields();
        Ok(SegmentStats {
            category: OrdinalCounts::open(fast_fields.str(names::CATEGORY)?),
            unit: OrdinalCounts::open(fast_fields.str(names::UNIT)?),
            channel: OrdinalCounts::open(fast_fields.str(names::CHANNEL)?),
            status: FastColumn::new(fast_fields.column_opt(names::STATUS)?),
            created_at: FastColumn::new(fast_fields.column_opt(names::CREATED_AT)?),
            first_action: FastColumn::new(fast_fields.column_opt(names::FIRST_ACTION_SECS)?),
            forward: FastColumn::new(fast_fields.column_opt(names::FORWARD_SECS)?),
            resolution: FastColumn::new(fast_fields.column_opt(names::RESOLVE_SECS)?),
            breaches: FastColumn::new(fast_fields.column_opt(names::SLA_BREACHES)?),
            satisfaction: FastColumn::new(fast_fields.column_opt(names::SATISFACTION)?),
            satisfaction_by_unit: per_rating(|| {
                Ok(OrdinalCounts::open(fast_fields.str(names::UNIT)?))
            })?,
            satisfaction_by_category: per_rating(|| {
                Ok(OrdinalCounts::open(fast_fields.str(names::CATEGORY)?))
            })?,
            tally: StatsTally::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<io::Result<StatsTally>>) -> tantivy::Result<StatsTally> {
        let mut all = StatsTally::default();
        for fruit in fruits {
            let fruit = fruit?;
            all.total += fruit.total;
            merge_counts(&mut all.category, fruit.category);
            merge_counts(&mut all.unit, fruit.unit);
            merge_counts(&mut all.channel, fruit.channel);
            for (mine, theirs) in all.status.iter_mut().zip(fruit.status) {
                *mine += theirs;
            }
            for (day, count) in fruit.days {
                *all.days.entry(day).or_default() += count;
            }
            all.first_action.extend(fruit.first_action);
            all.forward.extend(fruit.forward);
            all.resolution.extend(fruit.resolution);
            for (mine, theirs) in all.breaches.iter_mut().zip(fruit.breaches) {
                *mine += theirs;
            }
            for (index, count) in fruit.satisfaction.into_iter().enumerate() {
                all.satisfaction[index] += count;
            }
            for (mine, theirs) in all
                .satisfaction_by_unit
                .iter_mut()
                .zip(fruit.satisfaction_by_unit)
            {
                merge_counts(mine, theirs);
            }
            for (mine, theirs) in all
                .satisfaction_by_category
                .iter_mut()
                .zip(fruit.satisfaction_by_category)
            {
                merge_counts(mine, theirs);
            }
        }
        Ok(all)
    }
}

pub(crate) struct SegmentStats {
    category: OrdinalCounts,
    unit: OrdinalCounts,
    channel: OrdinalCounts,
    status: FastColumn<u64>,
    created_at: FastColumn<i64>,
    first_action: FastColumn<i64>,
    forward: FastColumn<i64>,
    resolution: FastColumn<i64>,
    breaches: FastColumn<u64>,
    satisfaction: FastColumn<u64>,
    satisfaction_by_unit: [OrdinalCounts; RATINGS],
    satisfaction_by_category: [OrdinalCounts; RATINGS],
    tally: StatsTally,
}

/// One column per rating, each opened by `open`.
fn per_rating<T>(mut open: impl FnMut() -> tantivy::Result<T>) -> tantivy::Result<[T; RATINGS]> {
    Ok([open()?, open()?, open()?])
}

fn push_value(column: &FastColumn<i64>, doc: DocId, values: &mut Vec<i64>) {
    if let Some(value) = column.get(doc) {
        values.push(value);
    }
}

impl SegmentCollector for SegmentStats {
    type Fruit = io::Result<StatsTally>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let tally = &mut self.tally;
        tally.total += 1;
        self.category.count(doc);
        self.unit.count(doc);
        self.channel.count(doc);
        count_code(&self.status, doc, &mut tally.status);
        if let Some(created_at) = self.created_at.get(doc) {
            let day = wib_day_number(created_at.div_euclid(MILLIS_PER_SECOND));
            *tally.days.entry(day).or_default() += 1;
        }
        push_value(&self.first_action, doc, &mut tally.first_action);
        push_value(&self.forward, doc, &mut tally.forward);
        push_value(&self.resolution, doc, &mut tally.resolution);
        if let Some(bits) = self.breaches.get(doc) {
            for (count, stage) in tally.breaches.iter_mut().zip(SLA_STAGES) {
                if bits & sla_stage_bit(stage) != 0 {
                    *count += 1;
                }
            }
        }
        if let Some(code) = self.satisfaction.get(doc)
            && let Some(count) = tally.satisfaction.get_mut(code as usize)
        {
            *count += 1;
            self.satisfaction_by_unit[code as usize].count(doc);
            self.satisfaction_by_category[code as usize].count(doc);
        }
    }

    fn harvest(self) -> io::Result<StatsTally> {
        let mut tally = self.tally;
        tally.category = self.category.into_counts()?;
        tally.unit = self.unit.into_counts()?;
        tally.channel = self.channel.into_counts()?;
        for (counts, column) in tally
            .satisfaction_by_unit
            .iter_mut()
            .zip(self.satisfaction_by_unit)
        {
            *counts = column.into_counts()?;
        }
        for (counts, column) in tally
            .satisfaction_by_category
            .iter_mut()
            .zip(self.satisfaction_by_category)
        {
            *counts = column.into_counts()?;
        }
        Ok(tally)
    }
}

impl StatsTally {
    pub(crate) fn into_stats(self) -> Stats {
        let by_status = ReportStatus::ALL
            .iter()
            .zip(self.status)
            .map(|(status, count)| (status.as_str().to_owned(), count));
        let days: BTreeMap<i64, u64> = self.days.into_iter().collect();
        Stats {
            total_reports: self.total,
            by_category: sorted_counts(self.category),
            by_status: sorted_counts(by_status),
            by_unit: sorted_counts(self.unit),
            by_channel: sorted_counts(self.channel),
            by_day: days
                .into_iter()
                .filter(|(_, count)| *count > 0)
                .map(|(day, count)| (wib_day_date(day).format("%Y-%m-%d").to_string(), count))
                .collect(),
            first_action: duration_stats(self.first_action),
            forward: duration_stats(self.forward),
            resolution: duration_stats(self.resolution),
            sla_breaches: SLA_STAGES.iter().copied().zip(self.breaches).collect(),
            satisfaction: SatisfactionStats {
                by_rating: self.satisfaction,
                by_unit: by_key_and_rating(self.satisfaction_by_unit),
                by_category: by_key_and_rating(self.satisfaction_by_category),
            },
        }
    }
}

/// Counts by rating then key, turned into counts by key then rating: most answers first, then
/// by key.
fn by_key_and_rating(counts: [HashMap<String, u64>; RATINGS]) -> Vec<(String, [u64; RATINGS])> {
    let mut by_key: HashMap<String, [u64; RATINGS]> = HashMap::new();
    for (rating, counts) in counts.into_iter().enumerate() {
        for (key, count) in counts {
            by_key.entry(key).or_default()[rating] += count;
        }
    }
    let mut sorted: Vec<(String, [u64; RATINGS])> = by_key.into_iter().collect();
    let total = |counts: &[u64; RATINGS]| counts.iter().sum::<u64>();
    sorted.sort_by(|left, right| {
        total(&right.1)
            .cmp(&total(&left.1))
            .then_with(|| left.0.cmp(&right.0))
    });
    sorted
}

/// Median and 90th percentile by linear interpolation between the two nearest ranks (the
/// quantile at `p` sits at zero-based rank `p * (n - 1)`), exact over every value.
pub(crate) fn duration_stats(mut values: Vec<i64>) -> DurationStats {
    DurationStats {
        count: values.len() as u64,
        median_secs: quantile(&mut values, 0.5),
        p90_secs: quantile(&mut values, 0.9),
    }
}

fn quantile(values: &mut [i64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = p * (values.len() - 1) as f64;
    let lower_rank = rank.floor() as usize;
    let (_, lower, above) = values.select_nth_unstable(lower_rank);
    let lower = *lower as f64;
    let fraction = rank - lower_rank as f64;
    if fraction == 0.0 {
        return Some(lower);
    }
    // The next rank is the smallest value above the lower one.
    let upper = above.iter().min().map_or(lower, |upper| *upper as f64);
    Some(lower + (upper - lower) * fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let stats = duration_stats(vec![40, 10, 30, 20]);
        assert_eq!(stats.count, 4);
        assert_eq!(stats.median_secs, Some(25.0));
        assert_eq!(stats.p90_secs, Some(37.0));
        let single = duration_stats(vec![7]);
        assert_eq!(
            (single.median_secs, single.p90_secs),
            (Some(7.0), Some(7.0))
        );
        let none = duration_stats(Vec::new());
        assert_eq!(
            (none.count, none.median_secs, none.p90_secs),
            (0, None, None)
        );
        let odd = duration_stats((1..=11).collect());
        assert_eq!((odd.median_secs, odd.p90_secs), (Some(6.0), Some(10.0)));
    }
}
