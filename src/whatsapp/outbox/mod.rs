//! The outbox sender: drains the durable outbox to the Graph API. Retries transient errors
//! with backoff and jitter, falls back to a template outside the 24-hour window, pauses the
//! channel on an invalid token, and makes every failure visible on the report.
//!
//! Exactly-once toward the citizen: just before sends are handed to the HTTP client, they
//! are marked attempting, with the id of the process run, in one transaction that is made
//! durable (in the shared group flush) before any of them leaves. This run keeps every send
//! claimed until its answer is recorded. An item that an earlier run marked may already have
//! reached Meta before a crash, so it waits for a status callback carrying its callback data
//! (`siaga:<message id>`) before it is sent again; the wait is counted from the start of this
//! run's sender, as no callback can arrive while the process is down. An item that no run
//! marked was never handed to Meta, and goes out at once after a restart.

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::bus::{ReportEvent, ReportEventKind};
use crate::config::WhatsAppConfig;
use crate::domain::ids::{MessageId, Ticket, Wamid};
use crate::domain::inbound::{ApiError, DeliveryStatus};
use crate::domain::message::{Message, MessageBody, OutboundContent};
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::IntakeSettings;
use crate::intake::{CALLBACK_PREFIX, DeliveryChange, apply_status_to_message};
use crate::ledger::{Commit, Effects, KnownSend, Ledger, OutboxItem, OutboxWork, QueueKey, Queued};
use crate::metrics::{Metrics, add};
use crate::store::{Store, StoreError, Tx, TxError};
use crate::whatsapp::WorkerContext;
use crate::whatsapp::graph::{Disposition, GraphClient, GraphError, OutgoingMessage, Recipient};
use crate::whatsapp::health::ChannelHealth;
use crate::whatsapp::numbers::NumberClients;
use crate::worker::{InFlight, Worker, WorkerError, WorkerState, WorkerStatus};

/// Accepted sends stored together in one transaction (and one flush).
const MAX_ACCEPTANCES_PER_TRANSACTION: usize = 256;
/// How long a send queued by this run is left for intake to hand over before a look at the
/// queue takes it (intake hands it over once its flush is done: milliseconds, unless the
/// request that queued it failed or went away).
const HAND_OVER_GRACE: chrono::Duration = chrono::Duration::seconds(10);
/// After a look that left sends for intake, the next timed look waits at least this long.
const HAND_OVER_RECHECK: Duration = Duration::from_millis(100);

/// Why the sender looks at its queue.
#[derive(Debug, Clone, Copy, PartialEq)]
enum QueueLook {
    /// Nothing asks for it.
    No,
    /// Something was queued outside intake (an operator's message, a retry, a send intake could
    /// not hand over), or the run starts: take everything due.
    Everything,
    /// A timer, or the previous look filled every free slot: take what is due except the
    /// sends intake queued moments ago and will hand over itself. Under load there are always
    /// some, and taking them would only repeat the look without end.
    LeftBehind,
}

#[derive(Clone)]
pub struct OutboxSender {
    pub store: Store,
    /// Shared, not copied: a sender handle is cloned into every send task.
    pub intake: Arc<IntakeSettings>,
    pub whatsapp: Arc<WhatsAppConfig>,
    /// One Graph client per business number; `None` in sandbox mode.
    pub clients: Option<Arc<NumberClients>>,
    pub metrics: Arc<Metrics>,
    pub writer: Commit,
    pub health: Arc<ChannelHealth>,
    pub wake: Arc<Notify>,
    in_flight: Arc<Mutex<HashSet<u64>>>,
    pacer: Arc<Pacer>,
    /// When this run's sender started: a send an earlier run may have made waits for its
    /// status callback from then on (see `reconcile_wait`).
    started_at: DateTime<Utc>,
    /// Where operators' attachments are stored, to upload them to the Graph API.
    media_dir: Arc<std::path::PathBuf>,
}

enum Outcome {
    Done,
    RetryAt(DateTime<Utc>),
}

/// What a claimed item needs, decided from the store before anything is sent.
enum Step {
    Send(Box<PendingSend>),
    ReadReceipt(ReadReceipt),
    /// Nothing to send now: finished, or to be tried again at a later time.
    Settled {
        key: QueueKey,
        item: OutboxItem,
        outcome: Outcome,
    },
}

/// What a look at the queue claimed, and how many sends it left for intake to hand over.
struct Look {
    claimed: Vec<(QueueKey, OutboxItem)>,
    left_for_intake: usize,
}

/// An outbox item this run has taken to work on.
struct Claimed {
    key: QueueKey,
    item: OutboxItem,
    known: Option<Box<KnownSend>>,
}

struct PendingSend {
    key: QueueKey,
    item: OutboxItem,
    message: Message,
    /// The report's ticket, when intake gave it (for the acceptance's event).
    ticket: Option<Ticket>,
    recipient: Recipient,
    outgoing: OutgoingMessage,
    /// For a media message: its file, and whether Meta's id of it was reused.
    media: Option<media_send::MediaSend>,
}

struct ReadReceipt {
    key: QueueKey,
    item: OutboxItem,
    external_id: Wamid,
}

/// A send that Meta accepted, on its way to the recorder.
struct Accepted {
    key: QueueKey,
    item_id: u64,
    message_id: MessageId,
    wamid: Wamid,
    ticket: Option<Ticket>,
}

mod attempts;
mod failures;
mod media_send;
mod pacing;
mod send;
#[cfg(test)]
mod tests;
mod worker;

use attempts::{AttemptRequest, Mark};
use failures::{error_text, outside_window_error};
use pacing::Pacer;
pub use pacing::backoff;
use worker::OutboxWait;
pub use worker::OutboxWorker;

impl OutboxSender {
    pub fn new(
        context: WorkerContext,
        intake: IntakeSettings,
        health: Arc<ChannelHealth>,
        wake: Arc<Notify>,
    ) -> OutboxSender {
        let WorkerContext {
            store,
            whatsapp,
            clients,
            metrics,
            writer,
        } = context;
        let pacer = Arc::new(Pacer::new(whatsapp.send_rate_per_second));
        OutboxSender {
            store,
            intake: Arc::new(intake),
            whatsapp: Arc::new(whatsapp),
            clients,
            metrics,
            writer,
            health,
            wake,
            in_flight: Arc::default(),
            pacer,
            started_at: Utc::now(),
            media_dir: Arc::default(),
        }
    }

    /// The media store the operators' attachments are read from (see `media_send`).
    pub fn with_media_dir(mut self, media_dir: std::path::PathBuf) -> OutboxSender {
        self.media_dir = Arc::new(media_dir);
        self
    }

    /// The sender as a worker for the runner (see `OutboxWorker`).
    pub fn into_worker(mut self, feed: mpsc::Receiver<Vec<Queued>>) -> OutboxWorker {
        self.started_at = Utc::now();
        // Every queue inside the sender is bounded by its send slots: a send task holds its
        // slot while it waits for its mark and while it hands its acceptance to the recorder.
        let slots = self.whatsapp.send_concurrency.max(1);
        let permits = Arc::new(Semaphore::new(slots));
        let (accepted_tx, accepted_rx) = mpsc::channel(slots);
        let recorder = tokio::spawn(self.clone().record_acceptances(accepted_rx));
        let (marks_tx, marks_rx) = mpsc::channel(slots);
        let marker = tokio::spawn(self.clone().write_attempting_marks(marks_rx));
        OutboxWorker {
            sender: self,
            feed,
            feed_open: true,
            fed: Vec::new(),
            permits,
            accepted_tx,
            recorder,
            marks_tx,
            marker,
            running: tokio::task::JoinSet::new(),
            // Read the queue at start: what an earlier run left is found only there.
            read_queue: QueueLook::Everything,
            awaiting_hand_over: false,
            next_timed_look: None,
            next_wait: OutboxWait::ForWork,
            claimed_total: 0,
        }
    }

    /// Claims up to `limit` due items that no task is working on; with `everything` false,
    /// not the sends intake has just queued and will hand over (they are let go again).
    fn claim_due(&self, limit: usize, everything: bool) -> Result<Look, StoreError> {
        let mut claimed = Vec::new();
        let now = Utc::now();
        let due = self.store.outbox().due(now, limit, |id| {
            let fresh = self.claim(id);
            if fresh {
                claimed.push(id);
            }
            fresh
        });
        let due = match due {
            Ok(due) => due,
            Err(error) => {
                // An unreadable item: let go of the claims taken so far.
                for id in claimed {
                    self.release(id);
                }
                return Err(error);
            }
        };
        if everything {
            return Ok(Look {
                claimed: due,
                left_for_intake: 0,
            });
        }
        let run = self.store.run();
        let (to_hand_over, left_behind): (Vec<_>, Vec<_>) = due
            .into_iter()
            .partition(|(_, item)| item.freshly_queued_by(run, now, HAND_OVER_GRACE));
        for (_, item) in &to_hand_over {
            self.release(item.id);
        }
        Ok(Look {
            claimed: left_behind,
            left_for_intake: to_hand_over.len(),
        })
    }

    /// The client of the number an item goes out from: its own, else its message's, else the
    /// default number's; `None` in sandbox mode.
    fn client_for(&self, item: &OutboxItem, message: Option<&Message>) -> Option<&GraphClient> {
        let clients = self.clients.as_ref()?;
        let channel = item
            .channel
            .as_deref()
            .or_else(|| message.and_then(|message| message.channel.as_deref()));
        Some(clients.client(channel))
    }

    fn claim(&self, item_id: u64) -> bool {
        self.in_flight
            .lock()
            .map(|mut set| set.insert(item_id))
            .unwrap_or(false)
    }

    fn release(&self, item_id: u64) {
        if let Ok(mut set) = self.in_flight.lock() {
            set.remove(&item_id);
        }
    }

    /// How long the queue can go unread. Items in flight sit at its head; while they do, it is
    /// read at least once a second, which also finds an item released after an error.
    fn time_until_next_read(&self) -> Duration {
        let fallback = Duration::from_secs(60);
        let Ok(Some((due, id))) = self.store.outbox().next_due() else {
            return fallback;
        };
        if self.is_claimed(id) {
            return Duration::from_secs(1);
        }
        // At least a few milliseconds: an item due now that cannot be read is not spun on.
        (due - Utc::now())
            .to_std()
            .unwrap_or_default()
            .clamp(Duration::from_millis(5), fallback)
    }

    fn is_claimed(&self, item_id: u64) -> bool {
        self.in_flight
            .lock()
            .map(|set| set.contains(&item_id))
            .unwrap_or(true)
    }

    /// Finishes an item (removes it) or moves it to its retry time, off the runtime. Neither
    /// is flushed: a finished item found again after a crash is a read receipt sent twice or
    /// a send reconciled by its status, and a lost retry time only makes the retry earlier.
    async fn settle(
        &self,
        key: &QueueKey,
        item: &OutboxItem,
        outcome: Result<Outcome, StoreError>,
    ) {
        let key = key.clone();
        let result = match outcome {
            Ok(Outcome::Done) => {
                self.writer
                    .bookkeep(move |tx| -> Result<(), TxError<Infallible>> {
                        tx.outbox().remove(&key)?;
                        Ok(())
                    })
                    .await
            }
            Ok(Outcome::RetryAt(due)) => {
                let (item, run) = (item.clone(), self.store.run());
                self.writer
                    .bookkeep(move |tx| -> Result<(), TxError<Infallible>> {
                        // The attempting mark was written under the same key: re-read.
                        let mut current = tx.outbox().get(&key)?.unwrap_or_else(|| item.clone());
                        // A send may have left in this attempt, or in an earlier run's that is
                        // being reconciled: the item stays marked, now by this run, which sends
                        // it again when it comes due.
                        if matches!(current.work, OutboxWork::Deliver { .. })
                            && current.in_flight_since.is_some()
                        {
                            current.mark_attempting(Utc::now(), run);
                        }
                        tx.outbox().reschedule(&key, due, &current)?;
                        Ok(())
                    })
                    .await
            }
            Err(error) => {
                tracing::error!(%error, item = item.id, "outbox item could not be processed; will retry");
                return;
            }
        };
        if let Err(error) = result {
            let error = StoreError::from(error);
            tracing::error!(%error, item = item.id, "outbox bookkeeping failed");
        }
    }
}
