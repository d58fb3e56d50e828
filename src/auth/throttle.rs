//! Slows down repeated failed sign-ins for one username, in memory.
//!
//! After `FREE_FAILURES` failures in a row, every further attempt on that username (right or
//! wrong) waits before its password is checked, the wait doubling with each failure up to a cap.
//! Attempts made in parallel take turns: each reserves the next free slot, so a burst of requests
//! gets no more guesses than a patient client, and an attempt whose slot is further away than the
//! cap is refused at once instead of holding a connection open.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failures in a row that are answered without any wait: a person mistyping.
pub(crate) const FREE_FAILURES: u32 = 3;

/// The first wait; each further failure doubles it.
pub(crate) const DEFAULT_THROTTLE_BASE: Duration = Duration::from_millis(250);

/// The longest wait, in multiples of the base: 5 s with the default base.
const LONGEST_WAIT_IN_BASES: u32 = 20;

/// Usernames remembered at once; the least recently tried is forgotten first, so that a spray of
/// invented usernames cannot grow memory without bound.
pub(crate) const MAX_TRACKED_USERNAMES: usize = 10_000;

/// The wait before an attempt on a username whose last `consecutive_failures` attempts failed:
/// none for the first `FREE_FAILURES`, then `base`, doubling, capped at 20 × `base`.
pub(crate) fn login_delay_after_failures(consecutive_failures: u32, base: Duration) -> Duration {
    if consecutive_failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    // Past 2^5 the cap has long been reached; bounding the exponent keeps the shift defined.
    let doublings = (consecutive_failures - FREE_FAILURES).min(16);
    base.saturating_mul(1 << doublings).min(longest_wait(base))
}

fn longest_wait(base: Duration) -> Duration {
    base.saturating_mul(LONGEST_WAIT_IN_BASES)
}

/// What an attempt must do before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Check the password after waiting this long (often zero).
    WaitThenCheck(Duration),
    /// Too many attempts are already queued for this username; try again after this long.
    Refuse { retry_after: Duration },
}

struct FailureRecord {
    consecutive_failures: u32,
    /// The earliest time the next attempt may start, so that parallel attempts take turns.
    next_free_slot_at: Instant,
    last_activity_at: Instant,
}

pub(crate) struct LoginThrottle {
    base: Duration,
    max_tracked_usernames: usize,
    records: Mutex<HashMap<String, FailureRecord>>,
}

impl LoginThrottle {
    pub(crate) fn new(base: Duration, max_tracked_usernames: usize) -> LoginThrottle {
        debug_assert!(max_tracked_usernames > 0);
        LoginThrottle {
            base,
            max_tracked_usernames,
            records: Mutex::new(HashMap::new()),
        }
    }

    fn lock_records(&self) -> std::sync::MutexGuard<'_, HashMap<String, FailureRecord>> {
        // The map holds plain counters that are valid after any partial update, so a panic
        // elsewhere while it was locked leaves nothing to repair.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides how long an attempt on `username` starting at `now` must wait, and reserves its
    /// slot.
    pub(crate) fn admit(&self, username: &str, now: Instant) -> Admission {
        let mut records = self.lock_records();
        let Some(record) = records.get_mut(username) else {
            return Admission::WaitThenCheck(Duration::ZERO);
        };
        record.last_activity_at = now;
        let delay = login_delay_after_failures(record.consecutive_failures, self.base);
        if delay.is_zero() {
            return Admission::WaitThenCheck(Duration::ZERO);
        }
        let starts_at = (now + delay).max(record.next_free_slot_at);
        let wait = starts_at.saturating_duration_since(now);
        if wait > longest_wait(self.base) {
            return Admission::Refuse {
                retry_after: wait.saturating_sub(delay),
            };
        }
        record.next_free_slot_at = starts_at + delay;
        Admission::WaitThenCheck(wait)
    }

    pub(crate) fn record_failure(&self, username: &str, now: Instant) {
        let mut records = self.lock_records();
        if let Some(record) = records.get_mut(username) {
            record.consecutive_failures = record.consecutive_failures.saturating_add(1);
            record.last_activity_at = now;
            return;
        }
        if records.len() >= self.max_tracked_usernames {
            let least_recently_tried = records
                .iter()
                .min_by_key(|(_, record)| record.last_activity_at)
                .map(|(tracked_username, _)| tracked_username.clone());
            if let Some(evicted_username) = least_recently_tried {
                records.remove(&evicted_username);
            }
        }
        records.insert(
            username.to_string(),
            FailureRecord {
                consecutive_failures: 1,
                next_free_slot_at: now,
                last_activity_at: now,
            },
        );
    }

    /// A successful sign-in (or a password reset) starts the username afresh.
    pub(crate) fn forget(&self, username: &str) {
        self.lock_records().remove(username);
    }

    pub(crate) fn consecutive_failures(&self, username: &str) -> u32 {
        self.lock_records()
            .get(username)
            .map_or(0, |record| record.consecutive_failures)
    }

    #[cfg(test)]
    pub(crate) fn tracked_usernames(&self) -> usize {
        self.lock_records().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_schedule_is_free_for_three_failures_then_doubles_up_to_the_cap() {
        let base = DEFAULT_THROTTLE_BASE;
        let waits: Vec<u128> = (0..=10)
            .map(|failures| login_delay_after_failures(failures, base).as_millis())
            .collect();
        assert_eq!(
            waits,
            [0, 0, 0, 250, 500, 1000, 2000, 4000, 5000, 5000, 5000]
        );
        assert_eq!(
            login_delay_after_failures(u32::MAX, base),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn the_schedule_scales_with_the_base() {
        assert_eq!(login_delay_after_failures(3, MS), MS);
        assert_eq!(login_delay_after_failures(4, MS), 2 * MS);
        assert_eq!(login_delay_after_failures(40, MS), 20 * MS);
        assert_eq!(
            login_delay_after_failures(40, Duration::ZERO),
            Duration::ZERO
        );
    }

    #[test]
    fn a_username_without_failures_is_never_delayed() {
        let throttle = LoginThrottle::new(100 * MS, 10);
        let now = Instant::now();
        assert_eq!(
            throttle.admit("siti", now),
            Admission::WaitThenCheck(Duration::ZERO)
        );
        assert_eq!(throttle.tracked_usernames(), 0);
    }

    #[test]
    fn sequential_attempts_wait_by_the_schedule_and_a_success_resets() {
        let throttle = LoginThrottle::new(100 * MS, 10);
        let mut now = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..6 {
            let Admission::WaitThenCheck(wait) = throttle.admit("budi", now) else {
                panic!("a sequential attempt must never be refused");
            };
            waits.push(wait.as_millis());
            // The client waits, gets its answer 30 ms later, then tries again.
            now += wait + 30 * MS;
            throttle.record_failure("budi", now);
        }
        assert_eq!(waits, [0, 0, 0, 100, 200, 400]);
        assert_eq!(throttle.consecutive_failures("budi"), 6);

        throttle.forget("budi");
        assert_eq!(
            throttle.admit("budi", now),
            Admission::WaitThenCheck(Duration::ZERO)
        );
    }

    #[test]
    fn parallel_attempts_take_turns_and_are_refused_past_the_cap() {
        let throttle = LoginThrottle::new(100 * MS, 10);
        let now = Instant::now();
        for _ in 0..3 {
            throttle.record_failure("budi", now);
        }
        let mut waits = Vec::new();
        let mut refused = 0;
        for _ in 0..30 {
            match throttle.admit("budi", now) {
                Admission::WaitThenCheck(wait) => waits.push(wait.as_millis()),
                Admission::Refuse { retry_after } => {
                    assert!(retry_after > Duration::ZERO);
                    refused += 1;
                }
            }
        }
        // One slot per 100 ms, up to the 2 s cap.
        assert_eq!(
            waits,
            (1..=20).map(|slot| slot * 100).collect::<Vec<u128>>()
        );
        assert_eq!(refused, 10);
        // Other usernames are not affected.
        assert_eq!(
            throttle.admit("siti", now),
            Admission::WaitThenCheck(Duration::ZERO)
        );
    }

    #[test]
    fn the_least_recently_tried_username_is_forgotten_when_the_map_is_full() {
        let throttle = LoginThrottle::new(100 * MS, 3);
        let start = Instant::now();
        throttle.record_failure("first", start);
        throttle.record_failure("second", start + MS);
        throttle.record_failure("third", start + 2 * MS);
        throttle.record_failure("first", start + 3 * MS);
        throttle.record_failure("fourth", start + 4 * MS);
        assert_eq!(throttle.tracked_usernames(), 3);
        assert_eq!(throttle.consecutive_failures("second"), 0);
        assert_eq!(throttle.consecutive_failures("first"), 2);
        assert_eq!(throttle.consecutive_failures("fourth"), 1);
    }
}
