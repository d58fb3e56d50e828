//! In-process fan-out of report events (new reports, messages, delivery changes) to whoever
//! listens: subscriptions, the demo's live feed. Publishing never blocks; a slow listener
//! lags and is told so by the channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::ids::{MessageId, ReportId, Ticket};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportEventKind {
    ReportCreated,
    MessageAdded,
    ReplyQueued,
    DeliveryUpdated,
    DeliveryFailed,
    MediaStored,
    CallReceived,
    StatusChanged,
    /// Forwarded (or re-forwarded) to a unit.
    Assigned,
    Triaged,
    NoteAdded,
    CallLogged,
    /// Another report was merged into this one (or this one into another).
    Merged,
    /// Linked into an incident, or unlinked from one.
    Linked,
    /// Someone opened an original media file of this report.
    MediaViewed,
    /// A report judged urgent: every operator and supervisor hears of it at once.
    UrgentReport,
    /// A service-level target is 80% used up.
    SlaWarning,
    /// A service-level target was missed.
    SlaBreached,
    /// A breached forwarded report was escalated to the parent of its unit.
    SlaEscalated,
    /// The reporter did not answer a question in time.
    ReporterSilent,
    /// The citizen answered the satisfaction question "Tidak puas": for supervisors.
    Dissatisfied,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEvent {
    pub kind: ReportEventKind,
    pub report_id: ReportId,
    pub ticket: Ticket,
    pub at: DateTime<Utc>,
    pub message_id: Option<MessageId>,
    /// When it was published on the bus (set by `Bus::publish`): subscriptions measure from it
    /// how long an event takes to reach a socket.
    #[serde(skip)]
    pub published_at: Option<std::time::Instant>,
}

#[derive(Clone)]
pub struct Bus {
    sender: broadcast::Sender<ReportEvent>,
    /// Subscriptions ever opened: lets a test wait for its own subscription even while an
    /// earlier one is still being dropped.
    opened: Arc<AtomicU64>,
    /// Listeners served by a receiver of someone else's (the subscriptions' dispatcher).
    listening: Arc<AtomicUsize>,
}

/// One listener served by another's receiver, counted while it is held (`Bus::listen`).
pub struct Listening(Arc<AtomicUsize>);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Bus {
    pub fn new(capacity: usize) -> Bus {
        let (sender, _) = broadcast::channel(capacity);
        Bus {
            sender,
            opened: Arc::default(),
            listening: Arc::default(),
        }
    }

    pub fn publish(&self, mut event: ReportEvent) {
        event.published_at = Some(std::time::Instant::now());
        // No listener is not an error: events are a convenience over the store, not the truth.
        let _ = self.sender.send(event);
    }

    pub fn publish_all(&self, events: impl IntoIterator<Item = ReportEvent>) {
        for event in events {
            self.publish(event);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ReportEvent> {
        let receiver = self.sender.subscribe();
        self.opened.fetch_add(1, Ordering::SeqCst);
        receiver
    }

    /// A receiver that is not counted as a subscription: for a dispatcher that serves the
    /// listeners it registers with `listen`.
    pub fn receiver(&self) -> broadcast::Receiver<ReportEvent> {
        self.sender.subscribe()
    }

    /// Counts one listener served by a dispatcher's receiver (as `subscribe` counts its own),
    /// once it gets every event published from now on; it stops counting when dropped.
    pub fn listen(&self) -> Listening {
        self.listening.fetch_add(1, Ordering::SeqCst);
        self.opened.fetch_add(1, Ordering::SeqCst);
        Listening(Arc::clone(&self.listening))
    }

    /// Subscriptions opened since the start, counted once each is registered (it receives
    /// every event published after that).
    pub fn subscriptions_opened(&self) -> u64 {
        self.opened.load(Ordering::SeqCst)
    }

    /// Receivers and listeners currently subscribed: lets tests wait until a subscription is
    /// registered.
    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count() + self.listening.load(Ordering::SeqCst)
    }
}
