//! The SLA clock's memo: the open reports a pass found nothing due for, so that the next pass
//! need not read them again while they stay unchanged (`Workflow::run_clock`).
//!
//! 12 bytes an open report (`Packed`): the report id and its change sequence as 32-bit offsets
//! from bases the memo keeps, the next due time in 32-bit Unix seconds, and one bit for the
//! pass that last found it quiet. An entry whose offsets do not fit (a report left unchanged
//! while more than two billion ids were drawn) is simply not kept: the pass reads it again.

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
        let bases = memos.bases;
        // Both the open reports (big-endian keys) and the memo are in id order: one walk
        // through each, no lookups.
        let mut cursor = 0;
        for open in self.store.reports().open().filter_map(|entry| entry.ok()) {
            let id = open.report_id.get();
            let memo = &mut memos.memo;
            while cursor < memo.len() && memo[cursor].id(bases) < id {
                cursor += 1;
            }
            if let Some(sequence) = open.change
                && let Some(known) = memo.get_mut(cursor)
                && known.id(bases) == id
                && known.sequence(bases) == sequence
                && i64::from(known.next_due) > now
            {
                known.mark(this_pass);
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

    /// The clock memo's entries and the bytes it holds (capacity included), for measurements.
    #[doc(hidden)]
    pub fn clock_memo_size(&self) -> (usize, usize) {
        let memos = self.lock_clock_memo();
        (memos.memo.len(), memos.footprint())
    }
}

/// What the watcher remembers of the open reports it found nothing due for, kept between
/// passes in one vector sorted by report id, never copied during a pass. (A hash map took 33
/// bytes a bucket, up to two buckets an entry; full-width entries took 32 bytes and, grown by
/// doubling, about 51 bytes an open report.)
#[derive(Debug, Default)]
pub(crate) struct ClockMemos {
    /// Sorted by report id, each id once.
    memo: Vec<Packed>,
    /// Reports this pass found quiet, in the order it found them (id order, as it reads them),
    /// merged into `memo` when the pass finishes.
    found: Vec<(u64, ClockMemo)>,
    /// What `memo`'s offsets count from.
    bases: Bases,
    /// The number of the latest pass (wrapping).
    pass: u32,
    /// A pass was begun and has not finished (it failed midway).
    unfinished: bool,
}

/// The report id and change sequence the entries' offsets count from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Bases {
    id: u64,
    sequence: u64,
}

/// One memo entry in 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    /// The report id less `Bases::id`.
    id: u32,
    /// The change sequence less `Bases::sequence`, shifted left by one; the low bit is the
    /// parity of the pass that last found the report quiet.
    sequence_and_mark: u32,
    /// When something falls due, in Unix seconds (`u32::MAX`: nothing will).
    next_due: u32,
}

impl Packed {
    /// `None` when the offsets do not fit.
    fn new(id: u64, memo: ClockMemo, bases: Bases, pass: u32) -> Option<Packed> {
        let id = u32::try_from(id.checked_sub(bases.id)?).ok()?;
        let sequence = u32::try_from(memo.sequence.checked_sub(bases.sequence)?).ok()?;
        if sequence > u32::MAX >> 1 {
            return None;
        }
        Some(Packed {
            id,
            sequence_and_mark: sequence << 1 | (pass & 1),
            next_due: memo.next_due,
        })
    }

    fn id(self, bases: Bases) -> u64 {
        bases.id + u64::from(self.id)
    }

    fn sequence(self, bases: Bases) -> u64 {
        bases.sequence + u64::from(self.sequence_and_mark >> 1)
    }

    fn marked_by(self, pass: u32) -> bool {
        self.sequence_and_mark & 1 == pass & 1
    }

    fn mark(&mut self, pass: u32) {
        self.sequence_and_mark = self.sequence_and_mark & !1 | (pass & 1);
    }

    fn unpack(self, bases: Bases) -> (u64, ClockMemo) {
        let memo = ClockMemo {
            sequence: self.sequence(bases),
            next_due: self.next_due,
        };
        (self.id(bases), memo)
    }
}

impl ClockMemos {
    /// Starts a pass and returns its number. What an unfinished pass found is dropped: the
    /// memo is only a shortcut, and the next pass reads those reports again. After an
    /// unfinished pass the marks (one bit, the pass's parity) cannot tell who marked them:
    /// the memo starts afresh.
    fn begin_pass(&mut self) -> u32 {
        self.found.clear();
        if self.unfinished {
            self.memo.clear();
        }
        self.unfinished = true;
        self.pass = self.pass.wrapping_add(1);
        self.pass
    }

    /// Remembers that this pass found `report_id` quiet.
    pub(super) fn remember(&mut self, report_id: ReportId, memo: ClockMemo) {
        self.found.push((report_id.get(), memo));
    }

    /// Forgets every report this pass did not find quiet (closed, changed, or due), and merges
    /// in the ones it found quiet anew, in place. The offsets are counted again from the
    /// smallest id and sequence kept, so that they stay small as old reports close.
    pub(super) fn finish_pass(&mut self, this_pass: u32) {
        let mut found = std::mem::take(&mut self.found);
        found.sort_unstable_by_key(|(id, _)| *id);
        let old = self.bases;
        let kept = || self.memo.iter().filter(|entry| entry.marked_by(this_pass));
        let smallest_id = kept()
            .map(|entry| entry.id(old))
            .next()
            .into_iter()
            .chain(found.first().map(|(id, _)| *id))
            .min();
        let smallest_sequence = kept()
            .map(|entry| entry.sequence(old))
            .chain(found.iter().map(|(_, memo)| memo.sequence))
            .min();
        let bases = Bases {
            id: smallest_id.unwrap_or(0),
            sequence: smallest_sequence.unwrap_or(0),
        };
        self.memo.retain_mut(|entry| {
            if !entry.marked_by(this_pass) {
                return false;
            }
            let (id, memo) = entry.unpack(old);
            match Packed::new(id, memo, bases, this_pass) {
                Some(packed) => {
                    *entry = packed;
                    true
                }
                None => false,
            }
        });
        self.bases = bases;
        let more: Vec<Packed> = found
            .iter()
            .filter_map(|(id, memo)| Packed::new(*id, *memo, bases, this_pass))
            .collect();
        merge_sorted(&mut self.memo, &more);
        found.clear();
        self.found = found;
        // Grown by a sixteenth, not doubled: the spare room a large memo keeps stays small.
        let room = self.memo.len() + self.memo.len() / 16 + 1024;
        if self.memo.capacity() > room + self.memo.len() / 16 {
            self.memo.shrink_to(room);
        }
        if self.found.capacity() > 4096 {
            self.found = Vec::new();
        }
        self.unfinished = false;
    }

    /// Bytes held, capacity included.
    fn footprint(&self) -> usize {
        self.memo.capacity() * std::mem::size_of::<Packed>()
            + self.found.capacity() * std::mem::size_of::<(u64, ClockMemo)>()
    }

    /// The memo entry of a report, if it has one.
    #[cfg(test)]
    fn get(&self, report_id: u64) -> Option<ClockMemo> {
        let at = self
            .memo
            .binary_search_by_key(&report_id, |entry| entry.id(self.bases))
            .ok()?;
        Some(self.memo[at].unpack(self.bases).1)
    }
}

/// Merges `more` (sorted by id) into `memo` (sorted by id, the same bases), from the back,
/// without a second vector. An id in both keeps the entry of `more`, the newer.
fn merge_sorted(memo: &mut Vec<Packed>, more: &[Packed]) {
    let Some(first_new) = more.first() else {
        return;
    };
    if memo.capacity() < memo.len() + more.len() {
        memo.reserve_exact(more.len() + memo.len() / 16);
    }
    if memo.last().is_none_or(|last| last.id < first_new.id) {
        memo.extend_from_slice(more);
        return;
    }
    let old_len = memo.len();
    memo.extend_from_slice(more);
    let (mut old, mut new, mut end) = (old_len, more.len(), memo.len());
    while new > 0 {
        if old > 0 && memo[old - 1].id > more[new - 1].id {
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
        let same = later.id == earlier.id;
        if same {
            *earlier = *later;
        }
        same
    });
}

/// What the watcher remembers of an open report it found nothing due for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClockMemo {
    sequence: u64,
    /// When something falls due, in Unix seconds (`u32::MAX`: nothing will).
    next_due: u32,
}

impl ClockMemo {
    pub(super) fn new(sequence: u64, next_due: Option<DateTime<Utc>>) -> ClockMemo {
        // In whole seconds, compared with `now`'s whole seconds by `clock_work`: a memo is
        // trusted only while its second is later than now's, so never past its due time. A
        // due time beyond 2106 is kept as the last second before it, which comes too early,
        // never too late; one before 1970 as 0, always due.
        let next_due = next_due.map_or(u32::MAX, |due| {
            due.timestamp().clamp(0, i64::from(u32::MAX - 1)) as u32
        });
        ClockMemo { sequence, next_due }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn memo(sequence: u64) -> ClockMemo {
        ClockMemo {
            sequence,
            next_due: u32::MAX,
        }
    }

    /// The memo's entries as (id, sequence), in order.
    fn entries(memos: &ClockMemos) -> Vec<(u64, u64)> {
        memos
            .memo
            .iter()
            .map(|entry| {
                let (id, memo) = entry.unpack(memos.bases);
                (id, memo.sequence)
            })
            .collect()
    }

    /// Marks the entries of `ids` as `clock_work` does when it finds them unchanged.
    fn mark(memos: &mut ClockMemos, ids: &[u64], pass: u32) {
        let bases = memos.bases;
        for entry in memos.memo.iter_mut() {
            if ids.contains(&entry.id(bases)) {
                entry.mark(pass);
            }
        }
    }

    #[test]
    fn an_entry_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<Packed>(), 12);
    }

    #[test]
    fn merging_keeps_the_ids_sorted_once_each_with_the_newer_entry() {
        // Seeded: the test needs variety, and a failure must replay.
        let mut rng =
            <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0x2545_f491_4f6c_dd1d_u64);
        let mut next = move |below: u64| rand::Rng::random_range(&mut rng, 0..below);
        let bases = Bases::default();
        let packed = |id: u64, sequence: u64| Packed::new(id, memo(sequence), bases, 0).unwrap();
        for round in 0..200 {
            let mut model: BTreeMap<u64, u64> = BTreeMap::new();
            let mut old: Vec<Packed> = Vec::new();
            for _ in 0..next(40) {
                model.insert(next(100), 1);
            }
            for (&id, &sequence) in &model {
                old.push(packed(id, sequence));
            }
            let mut more: BTreeMap<u64, u64> = BTreeMap::new();
            // Some rounds add only ids above the old ones (new reports), the common case.
            let floor = if round % 3 == 0 { 100 } else { 0 };
            for _ in 0..next(20) {
                more.insert(floor + next(100), 2);
            }
            let more: Vec<Packed> = more
                .into_iter()
                .map(|(id, sequence)| {
                    model.insert(id, sequence);
                    packed(id, sequence)
                })
                .collect();
            merge_sorted(&mut old, &more);
            let merged: Vec<(u64, u64)> = old
                .iter()
                .map(|entry| (entry.id(bases), entry.sequence(bases)))
                .collect();
            let expected: Vec<(u64, u64)> = model.into_iter().collect();
            assert_eq!(merged, expected, "round {round}");
        }
    }

    #[test]
    fn a_pass_keeps_what_it_marked_and_what_it_found_and_forgets_the_rest() {
        let mut memos = ClockMemos::default();
        let first = memos.begin_pass();
        for id in [3, 1, 7, 5] {
            memos.remember(ReportId::new(id), memo(id * 10));
        }
        memos.finish_pass(first);
        assert_eq!(entries(&memos), [(1, 10), (3, 30), (5, 50), (7, 70)]);

        // The second pass finds 1 and 7 quiet again (as `clock_work` marks them), reads 3
        // (changed) and finds it quiet with its new sequence, finds 9 new, and 5 is closed.
        let second = memos.begin_pass();
        mark(&mut memos, &[1, 7], second);
        memos.remember(ReportId::new(9), memo(90));
        memos.remember(ReportId::new(3), memo(31));
        memos.finish_pass(second);
        assert_eq!(entries(&memos), [(1, 10), (3, 31), (7, 70), (9, 90)]);
        assert_eq!(memos.get(3).map(|m| m.sequence), Some(31));
        assert!(
            memos.get(5).is_none(),
            "a report no pass found quiet is forgotten"
        );

        // A pass that never finishes (an error midway) leaves nothing behind that a later
        // pass could mistake for its own marks: the memo starts afresh.
        let broken = memos.begin_pass();
        mark(&mut memos, &[1], broken);
        memos.remember(ReportId::new(11), memo(110));
        let third = memos.begin_pass();
        assert!(memos.memo.is_empty());
        memos.remember(ReportId::new(3), memo(31));
        memos.finish_pass(third);
        assert_eq!(entries(&memos), [(3, 31)]);

        // Unmarked entries of the pass before the last are forgotten, whatever the parity.
        let fourth = memos.begin_pass();
        memos.finish_pass(fourth);
        assert!(memos.memo.is_empty());
    }

    #[test]
    fn large_ids_and_sequences_are_kept_exactly_and_the_bases_follow_the_oldest() {
        let mut memos = ClockMemos::default();
        let far = 1u64 << 40;
        let first = memos.begin_pass();
        memos.remember(ReportId::new(far + 5), memo(far * 3 + 9));
        memos.remember(ReportId::new(far + 2), memo(far * 3 + 1));
        memos.finish_pass(first);
        assert_eq!(
            entries(&memos),
            [(far + 2, far * 3 + 1), (far + 5, far * 3 + 9)]
        );
        // The oldest closes: the offsets count from the next one.
        let second = memos.begin_pass();
        mark(&mut memos, &[far + 5], second);
        memos.remember(ReportId::new(far + 8), memo(far * 3 + 20));
        memos.finish_pass(second);
        assert_eq!(memos.bases.id, far + 5);
        assert_eq!(memos.bases.sequence, far * 3 + 9);
        assert_eq!(
            entries(&memos),
            [(far + 5, far * 3 + 9), (far + 8, far * 3 + 20)]
        );
    }

    #[test]
    fn an_entry_whose_offsets_do_not_fit_is_not_kept_and_so_is_read_again() {
        let mut memos = ClockMemos::default();
        let first = memos.begin_pass();
        memos.remember(ReportId::new(10), memo(100));
        // Two billion sequences later: too far from the oldest kept to fit in 31 bits.
        memos.remember(ReportId::new(11), memo(100 + (1 << 31)));
        // Four billion ids later.
        memos.remember(ReportId::new(10 + (1 << 32)), memo(101));
        memos.finish_pass(first);
        assert_eq!(entries(&memos), [(10, 100)]);
        assert!(memos.get(11).is_none());
    }

    #[test]
    fn due_times_are_whole_seconds_and_never_later_than_the_truth() {
        let at = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap();
        assert_eq!(
            ClockMemo::new(1, Some(at(1_800_000_000))).next_due,
            1_800_000_000
        );
        assert_eq!(ClockMemo::new(1, None).next_due, u32::MAX);
        assert_eq!(ClockMemo::new(1, Some(at(-5))).next_due, 0);
        assert_eq!(
            ClockMemo::new(1, Some(at(1 << 33))).next_due,
            u32::MAX - 1,
            "past 2106: too early, never too late"
        );
    }
}
