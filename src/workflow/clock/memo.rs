//! The SLA clock's memo: the open reports a pass found nothing due for, so that the next pass
//! need not read them again while they stay unchanged (`Workflow::run_clock`).

use chrono::{DateTime, Utc};

use crate::domain::ids::ReportId;
use crate::ledger::Ledger;
use crate::workflow::Workflow;

impl Workflow {
    /// The open reports this pass must read, the pass's number, and how many it need not
    /// read. Every memoised report still open, unchanged and with nothing due by `now` is
    /// marked as seen by this pass instead; `ClockMemos::finish_pass` then forgets the rest
    /// (closed, changed or due).
    pub(super) fn clock_work(
        &self,
        now: DateTime<Utc>,
    ) -> (Vec<(ReportId, Option<u64>)>, u32, usize) {
        let mut memos = self.lock_clock_memo();
        let this_pass = memos.begin_pass();
        let now = now.timestamp();
        let mut work = Vec::new();
        let mut quiet = 0;
        // Both the open reports (big-endian keys) and the memo are in id order: one walk
        // through each, no lookups.
        let mut cursor = 0;
        for open in self.store.reports().open().filter_map(|entry| entry.ok()) {
            let id = open.report_id.get();
            let memo = &mut memos.memo;
            while cursor < memo.len() && memo[cursor].0 < id {
                cursor += 1;
            }
            if let Some(sequence) = open.change
                && let Some((known_id, known)) = memo.get_mut(cursor)
                && *known_id == id
                && known.sequence == sequence
                && known.next_due > now
            {
                known.pass = this_pass;
                quiet += 1;
                continue;
            }
            work.push((open.report_id, open.change));
        }
        (work, this_pass, quiet)
    }

    pub(super) fn lock_clock_memo(&self) -> std::sync::MutexGuard<'_, ClockMemos> {
        // The memo is only a shortcut: a poisoned one is as good as an empty one.
        self.clock_memo
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What the watcher remembers of the open reports it found nothing due for, kept between
/// passes: 32 bytes an open report in one vector sorted by report id (a hash map took 33 bytes
/// per bucket, up to twice as many buckets as entries, every one of them touched), never
/// copied during a pass.
#[derive(Debug, Default)]
pub(crate) struct ClockMemos {
    /// Sorted by report id, each id once.
    memo: Vec<(u64, ClockMemo)>,
    /// Reports this pass found quiet, in the order it found them (id order, as it reads them),
    /// merged into `memo` when the pass finishes.
    found: Vec<(u64, ClockMemo)>,
    /// The number of the latest pass (wrapping).
    pass: u32,
}

impl ClockMemos {
    /// Starts a pass and returns its number. What an unfinished pass found is dropped: the
    /// memo is only a shortcut, and the next pass reads those reports again.
    fn begin_pass(&mut self) -> u32 {
        self.found.clear();
        self.pass = self.pass.wrapping_add(1);
        self.pass
    }

    /// Remembers that this pass found `report_id` quiet.
    pub(super) fn remember(&mut self, report_id: ReportId, memo: ClockMemo) {
        self.found.push((report_id.get(), memo));
    }

    /// Forgets every report this pass did not find quiet (closed, changed, or due), and merges
    /// in the ones it found quiet anew, in place.
    pub(super) fn finish_pass(&mut self, this_pass: u32) {
        self.memo.retain(|(_, memo)| memo.pass == this_pass);
        let mut found = std::mem::take(&mut self.found);
        found.sort_unstable_by_key(|(id, _)| *id);
        merge_sorted(&mut self.memo, &found);
        found.clear();
        self.found = found;
        if self.memo.capacity() > 2 * self.memo.len().max(1024) {
            self.memo.shrink_to_fit();
        }
        if self.found.capacity() > 4096 {
            self.found = Vec::new();
        }
    }

    /// The memo entry of a report, if it has one.
    #[cfg(test)]
    fn get(&self, report_id: u64) -> Option<&ClockMemo> {
        let at = self
            .memo
            .binary_search_by_key(&report_id, |(id, _)| *id)
            .ok()?;
        Some(&self.memo[at].1)
    }
}

/// Merges `more` (sorted by id) into `memo` (sorted by id), from the back, without a second
/// vector. An id in both keeps the entry of `more`, the newer.
fn merge_sorted(memo: &mut Vec<(u64, ClockMemo)>, more: &[(u64, ClockMemo)]) {
    let Some(&(first_new, _)) = more.first() else {
        return;
    };
    if memo.last().is_none_or(|(last, _)| *last < first_new) {
        memo.extend_from_slice(more);
        return;
    }
    let old_len = memo.len();
    memo.extend_from_slice(more);
    let (mut old, mut new, mut end) = (old_len, more.len(), memo.len());
    while new > 0 {
        if old > 0 && memo[old - 1].0 > more[new - 1].0 {
            memo[end - 1] = memo[old - 1];
            old -= 1;
        } else {
            memo[end - 1] = more[new - 1];
            new -= 1;
        }
        end -= 1;
    }
    // An id in both is now twice in a row, the old entry first: keep the newer.
    memo.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            *earlier = *later;
        }
        same
    });
}

/// What the watcher remembers of an open report it found nothing due for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClockMemo {
    sequence: u64,
    /// When something falls due, in Unix seconds (`i64::MAX`: nothing will).
    next_due: i64,
    /// The pass that last found it quiet.
    pass: u32,
}

impl ClockMemo {
    pub(super) fn new(sequence: u64, next_due: Option<DateTime<Utc>>, pass: u32) -> ClockMemo {
        // In whole seconds, compared with `now`'s whole seconds by `clock_work`: a memo is
        // trusted only while its second is later than now's, so never past its due time.
        let next_due = next_due.map_or(i64::MAX, |due| due.timestamp());
        ClockMemo {
            sequence,
            next_due,
            pass,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn memo(sequence: u64, pass: u32) -> ClockMemo {
        ClockMemo {
            sequence,
            next_due: i64::MAX,
            pass,
        }
    }

    #[test]
    fn merging_keeps_the_ids_sorted_once_each_with_the_newer_entry() {
        // A small deterministic generator: the test needs variety, not randomness.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        for round in 0..200 {
            let mut model: BTreeMap<u64, u64> = BTreeMap::new();
            let mut old: Vec<(u64, ClockMemo)> = Vec::new();
            for _ in 0..next(40) {
                model.insert(next(100), 1);
            }
            for (&id, &sequence) in &model {
                old.push((id, memo(sequence, 0)));
            }
            let mut more: BTreeMap<u64, u64> = BTreeMap::new();
            // Some rounds add only ids above the old ones (new reports), the common case.
            let floor = if round % 3 == 0 { 100 } else { 0 };
            for _ in 0..next(20) {
                more.insert(floor + next(100), 2);
            }
            let more: Vec<(u64, ClockMemo)> = more
                .into_iter()
                .map(|(id, sequence)| {
                    model.insert(id, sequence);
                    (id, memo(sequence, 0))
                })
                .collect();
            merge_sorted(&mut old, &more);
            let merged: Vec<(u64, u64)> = old.iter().map(|(id, m)| (*id, m.sequence)).collect();
            let expected: Vec<(u64, u64)> = model.into_iter().collect();
            assert_eq!(merged, expected, "round {round}");
        }
    }

    #[test]
    fn a_pass_keeps_what_it_marked_and_what_it_found_and_forgets_the_rest() {
        let mut memos = ClockMemos::default();
        let first = memos.begin_pass();
        for id in [3, 1, 7, 5] {
            memos.remember(ReportId::new(id), memo(id * 10, first));
        }
        memos.finish_pass(first);
        let ids: Vec<u64> = memos.memo.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [1, 3, 5, 7]);

        // The second pass finds 1 and 7 quiet again (as `clock_work` marks them), reads 3
        // (changed) and finds it quiet with its new sequence, finds 9 new, and 5 is closed.
        let second = memos.begin_pass();
        for entry in memos.memo.iter_mut().filter(|(id, _)| *id == 1 || *id == 7) {
            entry.1.pass = second;
        }
        memos.remember(ReportId::new(9), memo(90, second));
        memos.remember(ReportId::new(3), memo(31, second));
        memos.finish_pass(second);
        let kept: Vec<(u64, u64)> = memos.memo.iter().map(|(id, m)| (*id, m.sequence)).collect();
        assert_eq!(kept, [(1, 10), (3, 31), (7, 70), (9, 90)]);
        assert_eq!(memos.get(3).map(|m| m.sequence), Some(31));
        assert!(
            memos.get(5).is_none(),
            "a report no pass found quiet is forgotten"
        );

        // A pass that never finishes (an error midway) leaves no half-found entries behind:
        // the next pass drops them and marks afresh.
        let broken = memos.begin_pass();
        memos.remember(ReportId::new(11), memo(110, broken));
        let third = memos.begin_pass();
        for entry in memos.memo.iter_mut() {
            entry.1.pass = third;
        }
        memos.finish_pass(third);
        let ids: Vec<u64> = memos.memo.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [1, 3, 7, 9]);
    }
}
