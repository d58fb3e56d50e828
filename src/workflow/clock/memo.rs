//! The SLA clock's memo: the open reports a pass found nothing due for, so that the next pass
//! need not read them again while they stay unchanged (`Workflow::run_clock`).

use std::collections::HashMap;

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
        memos.pass = memos.pass.wrapping_add(1);
        let this_pass = memos.pass;
        let now = now.timestamp();
        let mut work = Vec::new();
        let mut quiet = 0;
        for open in self.store.reports().open().filter_map(|entry| entry.ok()) {
            if let Some(sequence) = open.change
                && let Some(known) = memos.memo.get_mut(&open.report_id)
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
/// passes: about 40 bytes an open report, and never copied during a pass.
#[derive(Debug, Default)]
pub(crate) struct ClockMemos {
    pub(super) memo: HashMap<ReportId, ClockMemo>,
    /// The number of the latest pass (wrapping).
    pass: u32,
}

impl ClockMemos {
    /// Forgets every report this pass did not find quiet (closed, changed, or due).
    pub(super) fn finish_pass(&mut self, this_pass: u32) {
        self.memo.retain(|_, memo| memo.pass == this_pass);
        if self.memo.capacity() > 2 * self.memo.len().max(1024) {
            self.memo.shrink_to_fit();
        }
    }
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
