//! Whether the WhatsApp channel works: an expired or revoked token (error 190) pauses sending
//! until the pause ends or a send succeeds, and shows in `/readyz`, `/metrics` and the log.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct ChannelHealth {
    state: Mutex<Option<Unhealthy>>,
}

#[derive(Debug, Clone)]
struct Unhealthy {
    reason: String,
    paused_until: Instant,
}

impl ChannelHealth {
    pub fn mark_unhealthy(&self, reason: String, pause: Duration) {
        tracing::error!(%reason, pause_seconds = pause.as_secs(), "whatsapp channel unhealthy: sending paused; fix the access token");
        if let Ok(mut state) = self.state.lock() {
            *state = Some(Unhealthy {
                reason,
                paused_until: Instant::now() + pause,
            });
        }
    }

    pub fn mark_healthy(&self) {
        if let Ok(mut state) = self.state.lock()
            && state.take().is_some()
        {
            tracing::info!("whatsapp channel healthy again: sending resumed");
        }
    }

    /// The reason, while the channel is unhealthy.
    pub fn problem(&self) -> Option<String> {
        self.state
            .lock()
            .ok()
            .and_then(|state| state.as_ref().map(|unhealthy| unhealthy.reason.clone()))
    }

    /// How long sending stays paused from now (zero when not paused).
    pub fn pause_remaining(&self) -> Duration {
        self.state
            .lock()
            .ok()
            .and_then(|state| {
                state.as_ref().map(|unhealthy| {
                    unhealthy
                        .paused_until
                        .saturating_duration_since(Instant::now())
                })
            })
            .unwrap_or_default()
    }
}
