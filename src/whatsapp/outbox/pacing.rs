//! Spacing of sends under the per-number rate, and the backoff of retries.

use super::*;

/// Exponential backoff with full jitter in [delay/2, delay], capped at one hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(20);
    let delay = base
        .saturating_mul(1u32 << exponent)
        .min(Duration::from_secs(3600));
    let half = delay / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// Spaces sends evenly to stay under the per-number throughput limit.
pub(super) struct Pacer {
    interval: Duration,
    next_slot: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    pub(super) fn new(rate_per_second: u32) -> Pacer {
        Pacer {
            interval: Duration::from_secs(1) / rate_per_second.max(1),
            next_slot: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    pub(super) async fn wait_turn(&self) {
        let slot = {
            let mut next = self.next_slot.lock().await;
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
