//! Abusive numbers: a supervisor's block of a reporter (with its reason and optional end), and
//! the automatic per-reporter pace that quiets the automatic replies of a flood without
//! blocking anyone. Both live on the reporter's record, so a restart changes nothing about
//! them and every update is part of the intake transaction that counted the message.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A reporter blocked by a supervisor: their messages are kept as evidence, in a report hidden
/// from the queue (`Report::blocked`), without automatic replies or alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterBlock {
    pub reason: String,
    /// When the block ends by itself; `None`: until someone unblocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// The username of who blocked.
    pub by: String,
    pub at: DateTime<Utc>,
}

impl ReporterBlock {
    /// Whether the block still holds at `now` (an `until` in the past ends it).
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| now < until)
    }
}

/// The automatic rate limit: more than `max_messages` within `window` is a flood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceLimit {
    /// 0 turns the limit off.
    pub max_messages: u32,
    pub window: Duration,
}

impl Default for PaceLimit {
    fn default() -> PaceLimit {
        PaceLimit {
            max_messages: 20,
            window: Duration::minutes(10),
        }
    }
}

/// What the pace says about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceVerdict {
    /// Within the limit: automatic replies as usual.
    Calm,
    /// The message that crossed the limit: it gets the one "slow down" reply.
    JustFlooding,
    /// Still over the limit after the "slow down" reply: no automatic reply.
    StillFlooding,
}

/// The reporter's recent inbound messages, as seconds since 1970, oldest first: at most
/// `max_messages + 1` of them and none older than the window, so one message costs O(1)
/// (amortised) and the record stays small (a quiet citizen keeps a few numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundPace {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<i64>,
    /// Since when the automatic replies are held back (the "slow down" reply went out then);
    /// cleared by the first message that finds the rate back within the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowed_since: Option<DateTime<Utc>>,
    /// When a status check of this reporter was last answered (see
    /// `answer_status_check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_answered_at: Option<DateTime<Utc>>,
}

/// Over the rate limit, a status check (`STATUS`, `CEK`, a ticket, the "Cek status" button) is
/// still answered, but at most once in this many minutes: the answer is read-only and is what
/// a worried citizen who floods the line needs most, while a flood of checks can make the
/// line send at most 12 answers an hour to one number.
pub const STATUS_CHECK_OVER_LIMIT_MINUTES: i64 = 5;

impl InboundPace {
    /// Whether a status check received at `now` gets its answer, and if so, remembers it.
    /// Within the limit (`calm`) always; over it only when no status check was answered in
    /// the last `STATUS_CHECK_OVER_LIMIT_MINUTES` (a time in the future counts as recent).
    pub fn answer_status_check(&mut self, now: DateTime<Utc>, calm: bool) -> bool {
        let recently = self.status_answered_at.is_some_and(|at| {
            now.signed_duration_since(at) < Duration::minutes(STATUS_CHECK_OVER_LIMIT_MINUTES)
        });
        let answer = calm || !recently;
        if answer {
            self.status_answered_at = Some(now);
        }
        answer
    }

    /// Counts a message received at `now` and says how to answer it.
    ///
    /// Calm means the rate is back within the limit: counting this message, no more than
    /// `max_messages` arrived within the last `window`.
    pub fn count(&mut self, now: DateTime<Utc>, limit: PaceLimit) -> PaceVerdict {
        if limit.max_messages == 0 {
            self.recent.clear();
            self.slowed_since = None;
            return PaceVerdict::Calm;
        }
        let now_secs = now.timestamp();
        let oldest_kept = now_secs - limit.window.num_seconds();
        let stale = self
            .recent
            .iter()
            .take_while(|&&at| at <= oldest_kept)
            .count();
        self.recent.drain(..stale);
        self.recent.push(now_secs);
        let keep = limit.max_messages as usize + 1;
        if self.recent.len() > keep {
            let excess = self.recent.len() - keep;
            self.recent.drain(..excess);
        }
        debug_assert!(self.recent.len() <= keep);
        if self.recent.len() <= limit.max_messages as usize {
            self.slowed_since = None;
            return PaceVerdict::Calm;
        }
        if self.slowed_since.is_some() {
            return PaceVerdict::StillFlooding;
        }
        self.slowed_since = Some(now);
        PaceVerdict::JustFlooding
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn the_twenty_first_message_in_ten_minutes_floods_once_then_calms() {
        let limit = PaceLimit::default();
        let mut pace = InboundPace::default();
        for second in 0..20 {
            assert_eq!(pace.count(at(second), limit), PaceVerdict::Calm);
        }
        assert_eq!(pace.count(at(20), limit), PaceVerdict::JustFlooding);
        assert_eq!(pace.count(at(21), limit), PaceVerdict::StillFlooding);
        assert_eq!(pace.count(at(300), limit), PaceVerdict::StillFlooding);
        // Ten minutes after the burst only the two late messages and this one are recent.
        assert_eq!(pace.count(at(630), limit), PaceVerdict::Calm);
        assert_eq!(pace.slowed_since, None);
        assert!(pace.recent.len() <= 21);
    }

    #[test]
    fn over_the_limit_a_status_check_is_answered_once_every_five_minutes() {
        let limit = PaceLimit::default();
        let mut pace = InboundPace::default();
        for second in 0..20 {
            pace.count(at(second), limit);
        }
        // Within the limit: every check is answered, and remembered.
        assert!(pace.answer_status_check(at(19), true));
        assert!(pace.answer_status_check(at(19), true));
        assert_ne!(pace.count(at(20), limit), PaceVerdict::Calm);
        // Over it: not within five minutes of the last answer...
        assert!(!pace.answer_status_check(at(20), false));
        assert!(!pace.answer_status_check(at(19 + 299), false));
        // ...then once, and again not for five minutes.
        assert!(pace.answer_status_check(at(19 + 300), false));
        assert!(!pace.answer_status_check(at(19 + 301), false));
        assert!(!pace.answer_status_check(at(19 + 599), false));
        assert!(pace.answer_status_check(at(19 + 600), false));
        // A first check over the limit, with none answered before, is answered.
        let mut fresh = InboundPace::default();
        assert!(fresh.answer_status_check(at(0), false));
        assert!(!fresh.answer_status_check(at(1), false));
    }

    #[test]
    fn a_steady_writer_under_the_limit_is_never_slowed() {
        let limit = PaceLimit::default();
        let mut pace = InboundPace::default();
        // One message every 31 seconds: at most 20 in any ten minutes.
        for step in 0..200 {
            assert_eq!(pace.count(at(step * 31), limit), PaceVerdict::Calm);
        }
        assert!(pace.recent.len() <= 20);
    }

    #[test]
    fn a_zero_limit_turns_the_pace_off() {
        let limit = PaceLimit {
            max_messages: 0,
            window: Duration::minutes(10),
        };
        let mut pace = InboundPace::default();
        for second in 0..100 {
            assert_eq!(pace.count(at(second), limit), PaceVerdict::Calm);
        }
        assert!(pace.recent.is_empty());
    }

    #[test]
    fn a_block_ends_at_its_until() {
        let block = ReporterBlock {
            reason: "spam".into(),
            until: Some(at(100)),
            by: "spv".into(),
            at: at(0),
        };
        assert!(block.holds_at(at(99)));
        assert!(!block.holds_at(at(100)));
        let forever = ReporterBlock {
            until: None,
            ..block
        };
        assert!(forever.holds_at(at(1_000_000)));
    }
}
