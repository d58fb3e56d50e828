//! Whether each business number can send: a token Meta rejects (error 190, OAuthException)
//! pauses the sends of that number only, until the pause ends or one of its sends succeeds.
//! Shown per number in `/readyz`, `/metrics` and the log.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The key of sends whose number is not known (a sandbox without numbers).
const NO_NUMBER: &str = "";

#[derive(Default)]
pub struct ChannelHealth {
    numbers: Mutex<BTreeMap<String, NumberState>>,
}

#[derive(Debug, Clone, Default)]
struct NumberState {
    unhealthy: Option<Unhealthy>,
    sent: u64,
    failed: u64,
}

#[derive(Debug, Clone)]
struct Unhealthy {
    reason: String,
    paused_until: Instant,
}

/// One number's state, as `/readyz` and `/metrics` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberHealth {
    pub phone_number_id: String,
    /// Why its sends are paused, while they are.
    pub problem: Option<String>,
    pub paused_for: Duration,
    /// Sends Meta accepted, and sends failed for good, since the start.
    pub sent: u64,
    pub failed: u64,
}

impl ChannelHealth {
    /// Health for these numbers, each shown from the start (healthy until Meta says not).
    pub fn for_numbers<'a>(numbers: impl IntoIterator<Item = &'a str>) -> ChannelHealth {
        let numbers = numbers
            .into_iter()
            .map(|id| (id.to_string(), NumberState::default()))
            .collect();
        ChannelHealth {
            numbers: Mutex::new(numbers),
        }
    }

    fn with_number<T>(
        &self,
        number: &str,
        change: impl FnOnce(&mut NumberState) -> T,
    ) -> Option<T> {
        let mut numbers = self.numbers.lock().ok()?;
        Some(change(numbers.entry(number.to_string()).or_default()))
    }

    pub fn mark_unhealthy(&self, number: &str, reason: String, pause: Duration) {
        tracing::error!(phone_number_id = number, %reason, pause_seconds = pause.as_secs(), "whatsapp number unhealthy: its sends are paused; fix its access token");
        self.with_number(number, |state| {
            state.unhealthy = Some(Unhealthy {
                reason,
                paused_until: Instant::now() + pause,
            });
        });
    }

    /// A send from `number` was accepted: the number works.
    pub fn mark_healthy(&self, number: &str) {
        let recovered = self
            .with_number(number, |state| {
                state.sent += 1;
                state.unhealthy.take().is_some()
            })
            .unwrap_or(false);
        if recovered {
            tracing::info!(
                phone_number_id = number,
                "whatsapp number healthy again: its sends resumed"
            );
        }
    }

    /// A send from `number` failed for good.
    pub fn count_failure(&self, number: &str) {
        self.with_number(number, |state| state.failed += 1);
    }

    /// The reasons, while any number is unhealthy ("number 123: …").
    pub fn problem(&self) -> Option<String> {
        let problems: Vec<String> = self
            .report()
            .into_iter()
            .filter_map(|number| {
                number
                    .problem
                    .map(|problem| match number.phone_number_id.as_str() {
                        NO_NUMBER => problem,
                        id => format!("number {id}: {problem}"),
                    })
            })
            .collect();
        (!problems.is_empty()).then(|| problems.join("; "))
    }

    /// Whether every number is unhealthy (none can send).
    pub fn all_unhealthy(&self) -> bool {
        let report = self.report();
        !report.is_empty() && report.iter().all(|number| number.problem.is_some())
    }

    /// How long the sends of `number` stay paused from now (zero when not paused).
    pub fn pause_remaining_for(&self, number: &str) -> Duration {
        self.numbers
            .lock()
            .ok()
            .and_then(|numbers| {
                numbers
                    .get(number)
                    .and_then(|state| state.unhealthy.as_ref())
                    .map(|unhealthy| {
                        unhealthy
                            .paused_until
                            .saturating_duration_since(Instant::now())
                    })
            })
            .unwrap_or_default()
    }

    /// How long every send stays paused: zero unless every number is paused, then until the
    /// first pause ends.
    pub fn pause_remaining(&self) -> Duration {
        let report = self.report();
        if report.is_empty() || report.iter().any(|number| number.paused_for.is_zero()) {
            return Duration::ZERO;
        }
        report
            .iter()
            .map(|number| number.paused_for)
            .min()
            .unwrap_or_default()
    }

    /// Every number's state, by phone number id.
    pub fn report(&self) -> Vec<NumberHealth> {
        let Ok(numbers) = self.numbers.lock() else {
            return Vec::new();
        };
        let now = Instant::now();
        numbers
            .iter()
            .map(|(id, state)| NumberHealth {
                phone_number_id: id.clone(),
                problem: state
                    .unhealthy
                    .as_ref()
                    .map(|unhealthy| unhealthy.reason.clone()),
                paused_for: state
                    .unhealthy
                    .as_ref()
                    .map(|unhealthy| unhealthy.paused_until.saturating_duration_since(now))
                    .unwrap_or_default(),
                sent: state.sent,
                failed: state.failed,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_paused_leaves_the_other_sending() {
        let health = ChannelHealth::for_numbers(["111", "222"]);
        health.mark_unhealthy("111", "token expired".into(), Duration::from_secs(60));
        assert!(!health.pause_remaining_for("111").is_zero());
        assert!(health.pause_remaining_for("222").is_zero());
        assert!(health.pause_remaining().is_zero());
        assert!(!health.all_unhealthy());
        assert_eq!(
            health.problem().as_deref(),
            Some("number 111: token expired")
        );
        health.mark_healthy("111");
        assert!(health.problem().is_none());
    }

    #[test]
    fn every_number_paused_pauses_the_sender() {
        let health = ChannelHealth::for_numbers(["111"]);
        health.mark_unhealthy("111", "token expired".into(), Duration::from_secs(60));
        assert!(health.all_unhealthy());
        assert!(!health.pause_remaining().is_zero());
    }
}
