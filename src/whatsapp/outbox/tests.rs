//! The sender's pure parts.

use super::*;

#[test]
fn backoff_doubles_with_jitter_and_is_capped() {
    let base = Duration::from_millis(100);
    for attempts in 1..=5u32 {
        let full = base * (1 << (attempts - 1));
        let delay = backoff(base, attempts);
        assert!(
            delay >= full / 2 && delay <= full,
            "attempt {attempts}: {delay:?}"
        );
    }
    assert!(backoff(Duration::from_secs(10), 40) <= Duration::from_secs(3600));
}
