//! The outbox sender: drains the durable outbox to the Graph API. Retries transient errors
//! with backoff and jitter, falls back to a template outside the 24-hour window, pauses the
//! channel on an invalid token, and makes every failure visible on the report.
//!
//! Exactly-once toward the citizen: a message to send is marked in flight, with the id of the
//! process run, in the transaction that queues it, and nothing leaves before that transaction
//! is durable. This run keeps every send claimed until its answer is recorded. An item that an
//! earlier run marked may already have reached Meta before a crash, so it waits for a status
//! callback carrying its callback data (`siaga:<message id>`) before it is sent again.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::bus::{Bus, ReportEvent, ReportEventKind};
use crate::config::WhatsAppConfig;
use crate::domain::inbound::{ApiError, DeliveryStatus, StatusUpdate};
use crate::domain::message::{Message, MessageBody, OutboundContent};
use crate::domain::reporter::Reporter;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::IntakeSettings;
use crate::intake::queues::{
    KnownSend, OutboxItem, OutboxWork, Queued, clear_unattempted_marks, due_items, next_due,
    queue_key,
};
use crate::intake::records::{
    append_timeline, load_message, load_report, save_message, save_report_bookkeeping,
};
use crate::intake::{CALLBACK_PREFIX, PendingStatuses, apply_status_to_message};
use crate::metrics::{Metrics, add};
use crate::store::keys::u64_key;
use crate::store::{Store, StoreError, Table, Tx, TxError};
use crate::whatsapp::WorkerContext;
use crate::whatsapp::graph::{Disposition, GraphClient, GraphError, OutgoingMessage, Recipient};
use crate::whatsapp::health::ChannelHealth;
use crate::worker::{InFlight, Worker, WorkerError, WorkerState, WorkerStatus};

/// Sends handled at once; the Graph API answers in tens of milliseconds, so this keeps a few
/// hundred messages per second flowing without a large fan-out.
const CONCURRENT_SENDS: usize = 128;
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
    /// `None` in sandbox mode.
    pub client: Option<Arc<GraphClient>>,
    pub metrics: Arc<Metrics>,
    pub bus: Bus,
    pub health: Arc<ChannelHealth>,
    pub wake: Arc<Notify>,
    in_flight: Arc<Mutex<HashSet<u64>>>,
    pacer: Arc<Pacer>,
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
        key: Vec<u8>,
        item: OutboxItem,
        outcome: Outcome,
    },
}

/// What a look at the queue claimed, and how many sends it left for intake to hand over.
struct Look {
    claimed: Vec<(Vec<u8>, OutboxItem)>,
    left_for_intake: usize,
}

/// An outbox item this run has taken to work on.
struct Claimed {
    key: Vec<u8>,
    item: OutboxItem,
    /// Handed over by intake after its flush.
    durable: bool,
    known: Option<Box<KnownSend>>,
}

struct PendingSend {
    key: Vec<u8>,
    item: OutboxItem,
    message: Message,
    /// The report's ticket, when intake gave it (for the acceptance's event).
    ticket: Option<String>,
    recipient: Recipient,
    outgoing: OutgoingMessage,
    /// Handed over by intake after its flush, so no flush is needed before it leaves.
    durable: bool,
}

struct ReadReceipt {
    key: Vec<u8>,
    item: OutboxItem,
    external_id: String,
}

/// A send that Meta accepted, on its way to the recorder.
struct Accepted {
    key: Vec<u8>,
    item_id: u64,
    message_id: u64,
    wamid: String,
    ticket: Option<String>,
}

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
            client,
            metrics,
            bus,
        } = context;
        let pacer = Arc::new(Pacer::new(whatsapp.send_rate_per_second));
        OutboxSender {
            store,
            intake: Arc::new(intake),
            whatsapp: Arc::new(whatsapp),
            client: client.map(Arc::new),
            metrics,
            bus,
            health,
            wake,
            in_flight: Arc::default(),
            pacer,
        }
    }

    /// The sender as a worker for the runner (see `OutboxWorker`).
    pub fn into_worker(self, feed: mpsc::UnboundedReceiver<Vec<Queued>>) -> OutboxWorker {
        let permits = Arc::new(Semaphore::new(CONCURRENT_SENDS));
        let (accepted_tx, accepted_rx) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(self.clone().record_acceptances(accepted_rx));
        OutboxWorker {
            sender: self,
            feed,
            feed_open: true,
            fed: Vec::new(),
            permits,
            accepted_tx,
            recorder,
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
        let due = due_items::<OutboxItem>(&self.store, Table::Outbox, now, limit, |id| {
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
        let Ok(Some((due, id))) = next_due(&self.store, Table::Outbox) else {
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

    /// Finishes an item (removes it) or moves it to its retry time.
    fn settle(&self, key: &[u8], item: &OutboxItem, outcome: Result<Outcome, StoreError>) {
        let result = match outcome {
            Ok(Outcome::Done) => self.store.transaction(|tx| -> Result<(), TxError<()>> {
                tx.remove(Table::Outbox, key)?;
                Ok(())
            }),
            Ok(Outcome::RetryAt(due)) => self.store.transaction(|tx| -> Result<(), TxError<()>> {
                // The in-flight mark may have been written under the same key: re-read it.
                let mut current: OutboxItem = tx
                    .get_record(Table::Outbox, key)?
                    .unwrap_or_else(|| item.clone());
                // A send may have left in this attempt: the item stays marked, by this run.
                if matches!(current.work, OutboxWork::Deliver { .. }) {
                    current.mark_in_flight(Utc::now(), self.store.run());
                    current.attempted = true;
                }
                tx.remove(Table::Outbox, key)?;
                tx.put_record(Table::Outbox, &queue_key(due, current.id), &current)?;
                Ok(())
            }),
            Err(error) => {
                tracing::error!(%error, item = item.id, "outbox item could not be processed; will retry");
                return;
            }
        };
        if let Err(error) = result {
            tracing::error!(error = ?error_text(error), item = item.id, "outbox bookkeeping failed");
        }
    }

    /// Decides what an item needs, from the store (or from what intake `known` wrote, for a
    /// reply it handed over): a send, a read receipt, or nothing more (already sent, sandbox,
    /// failed, or waiting for a reconciling status).
    async fn prepare(
        &self,
        key: Vec<u8>,
        item: OutboxItem,
        known: Option<Box<KnownSend>>,
    ) -> Result<Step, StoreError> {
        let message_id = match &item.work {
            OutboxWork::Deliver { message_id } => *message_id,
            OutboxWork::MarkRead { external_id } => {
                let external_id = external_id.clone();
                return Ok(Step::ReadReceipt(ReadReceipt {
                    key,
                    item,
                    external_id,
                }));
            }
        };
        let settled = |outcome| Step::Settled {
            key: key.clone(),
            item: item.clone(),
            outcome,
        };
        // What intake wrote in the transaction that queued the reply, when it handed it over;
        // otherwise the store.
        let known = known.filter(|known| known.message.id == message_id);
        let (message, known_reporter, ticket) = match known {
            Some(known) => {
                let KnownSend {
                    message,
                    reporter,
                    ticket,
                } = *known;
                (message, Some(reporter), Some(ticket))
            }
            None => {
                let Some(message) = self
                    .store
                    .get_record::<Message>(Table::Messages, &u64_key(message_id))?
                else {
                    return Ok(settled(Outcome::Done));
                };
                (message, None, None)
            }
        };
        let status = message
            .delivery
            .as_ref()
            .map_or(DeliveryStatus::Queued, |delivery| delivery.status);
        if status != DeliveryStatus::Queued || message.external_id.is_some() {
            return Ok(settled(Outcome::Done));
        }
        let MessageBody::Outbound { content, .. } = &message.body else {
            return Ok(settled(Outcome::Done));
        };
        let reporter = known_reporter.or_else(|| {
            message.reporter_id.and_then(|id| {
                self.store
                    .get_record::<Reporter>(Table::Reporters, &u64_key(id))
                    .ok()
                    .flatten()
            })
        });
        let Some(reporter) = reporter else {
            self.fail(&message, "the reporter of this message is unknown", None)
                .await?;
            return Ok(settled(Outcome::Done));
        };
        if self.client.is_none() {
            self.record_sandbox(&message).await?;
            return Ok(settled(Outcome::Done));
        }
        if let Some(since) = item.in_flight_since
            && item.maybe_sent_by_earlier_run(self.store.run())
        {
            // A send that may have reached Meta before a crash: give its status callback time
            // to arrive (it adopts the wamid) before sending again.
            let reconcile_until = since
                + chrono::Duration::from_std(self.whatsapp.reconcile_wait).unwrap_or_default();
            if Utc::now() < reconcile_until {
                return Ok(settled(Outcome::RetryAt(reconcile_until)));
            }
        }
        let is_template = matches!(content, OutboundContent::Template { .. });
        if !is_template && !reporter.window_open(Utc::now()) {
            let error = outside_window_error();
            self.fail(&message, "outside the 24-hour window", Some(error))
                .await?;
            return Ok(settled(Outcome::Done));
        }
        let recipient = match (&reporter.phone, &reporter.bsuid) {
            (Some(phone), _) => Recipient::Phone(phone.clone()),
            (None, Some(bsuid)) => Recipient::Bsuid(bsuid.clone()),
            (None, None) => {
                self.fail(
                    &message,
                    "the reporter has neither phone number nor user id",
                    None,
                )
                .await?;
                return Ok(settled(Outcome::Done));
            }
        };
        let outgoing = to_graph_message(content);
        Ok(Step::Send(Box::new(PendingSend {
            key,
            item,
            message,
            ticket,
            recipient,
            outgoing,
            durable: false,
        })))
    }

    /// Sends one reply. An accepted send goes to the recorder, which keeps the item claimed
    /// until the acceptance is stored; any other answer is settled here.
    async fn transmit(&self, send: PendingSend, accepted: mpsc::UnboundedSender<Accepted>) {
        let Some(client) = &self.client else {
            self.release(send.item.id);
            return;
        };
        self.pacer.wait_turn().await;
        let callback_data = format!("{CALLBACK_PREFIX}{}", send.message.id);
        match client
            .send_message(&send.recipient, &send.outgoing, Some(&callback_data))
            .await
        {
            Ok(receipt) => {
                self.health.mark_healthy();
                let item_id = send.item.id;
                let handed_over = accepted.send(Accepted {
                    key: send.key,
                    item_id,
                    message_id: send.message.id,
                    wamid: receipt.wamid,
                    ticket: send.ticket,
                });
                if handed_over.is_err() {
                    // Only at shutdown: the item stays in flight and is reconciled at start.
                    self.release(item_id);
                }
            }
            Err(error) => {
                let outcome = self
                    .handle_send_error(&send.key, &send.item, &send.message, error)
                    .await;
                self.settle(&send.key, &send.item, outcome);
                self.release(send.item.id);
                // A retry time to wait for: the loop may be asleep for longer.
                self.wake.notify_one();
            }
        }
    }

    /// Stores accepted sends, as many per transaction and flush as have arrived, until every
    /// send task is gone.
    async fn record_acceptances(self, mut accepted: mpsc::UnboundedReceiver<Accepted>) {
        let mut batch = Vec::new();
        while accepted
            .recv_many(&mut batch, MAX_ACCEPTANCES_PER_TRANSACTION)
            .await
            > 0
        {
            // The transaction waits for sled's lock while intake's runs: on a blocking thread,
            // so that the runtime's workers go on serving webhooks meanwhile.
            let recorder = self.clone();
            let taken = std::mem::take(&mut batch);
            let stored =
                tokio::task::spawn_blocking(move || recorder.store_acceptances_or_each(taken))
                    .await;
            let (recorded, events) = match stored {
                Ok(stored) => stored,
                // The runtime is shutting down, or the recording panicked: the items stay
                // claimed and marked in flight, and the next run reconciles them.
                Err(error) => {
                    tracing::error!(%error, "accepted sends could not be recorded");
                    break;
                }
            };
            add(&self.metrics.replies_sent, recorded.len() as u64);
            if let Err(error) = self.store.flush().await {
                tracing::error!(%error, "accepted sends could not be made durable");
            }
            for event in events {
                self.bus.publish(event);
            }
            for one in recorded {
                self.release(one.item_id);
            }
        }
    }

    /// Stores the batch in one transaction; if that fails, each one on its own, so that one
    /// unreadable record does not hold back the others. Returns what was recorded.
    fn store_acceptances_or_each(&self, batch: Vec<Accepted>) -> (Vec<Accepted>, Vec<ReportEvent>) {
        if let Ok(events) = self.store_acceptances(&batch) {
            return (batch, events);
        }
        let mut recorded = Vec::new();
        let mut events = Vec::new();
        for one in batch {
            match self.store_acceptances(std::slice::from_ref(&one)) {
                Ok(more) => {
                    recorded.push(one);
                    events.extend(more);
                }
                // The item stays claimed, so this run never sends it again; the next run waits
                // for its status callback before it would.
                Err(error) => tracing::error!(
                    %error,
                    message = one.message_id,
                    wamid = %one.wamid,
                    "accepted send could not be recorded; it waits for its status callback"
                ),
            }
        }
        (recorded, events)
    }

    fn store_acceptances(&self, batch: &[Accepted]) -> Result<Vec<ReportEvent>, StoreError> {
        let now = Utc::now();
        self.store
            .transaction(|tx| -> Result<Vec<ReportEvent>, TxError<()>> {
                let mut events = Vec::new();
                for accepted in batch {
                    if let Some(event) = record_accepted(tx, &self.intake, accepted, now)? {
                        events.push(event);
                    }
                    tx.remove(Table::Outbox, &accepted.key)?;
                }
                Ok(events)
            })
            .map_err(error_text)
    }

    async fn handle_send_error(
        &self,
        key: &[u8],
        item: &OutboxItem,
        message: &Message,
        error: GraphError,
    ) -> Result<Outcome, StoreError> {
        let attempts = item.attempts + 1;
        tracing::warn!(%error, message = message.id, attempts, "send failed");
        match error.disposition() {
            Disposition::Retry | Disposition::RetryForRecipient
                if attempts < self.whatsapp.max_attempts =>
            {
                add(&self.metrics.send_retries, 1);
                let mut delay = backoff(self.whatsapp.retry_base, attempts);
                if error.disposition() == Disposition::RetryForRecipient {
                    // Meta's pair limit is about one message per six seconds per citizen.
                    delay = delay.max(self.whatsapp.retry_base * 3);
                }
                self.bump_attempts(key, item, &error).await?;
                Ok(Outcome::RetryAt(
                    Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default(),
                ))
            }
            Disposition::ChannelUnhealthy => {
                let pause = self.whatsapp.retry_base * 150;
                self.health.mark_unhealthy(error.to_string(), pause);
                Ok(Outcome::RetryAt(
                    Utc::now() + chrono::Duration::from_std(pause).unwrap_or_default(),
                ))
            }
            Disposition::OutsideWindow => {
                self.fail(
                    message,
                    "outside the 24-hour window",
                    Some(api_error_of(&error)),
                )
                .await?;
                Ok(Outcome::Done)
            }
            _ => {
                self.fail(message, &error.to_string(), Some(api_error_of(&error)))
                    .await?;
                Ok(Outcome::Done)
            }
        }
    }

    async fn bump_attempts(
        &self,
        key: &[u8],
        item: &OutboxItem,
        error: &GraphError,
    ) -> Result<(), StoreError> {
        let text = error.to_string();
        self.store
            .transaction(|tx| -> Result<(), TxError<()>> {
                let mut current: OutboxItem = tx
                    .get_record(Table::Outbox, key)?
                    .unwrap_or_else(|| item.clone());
                current.attempts = item.attempts + 1;
                current.last_error = Some(text.clone());
                tx.put_record(Table::Outbox, key, &current)?;
                Ok(())
            })
            .map_err(error_text)?;
        Ok(())
    }

    async fn record_sandbox(&self, message: &Message) -> Result<(), StoreError> {
        let now = Utc::now();
        let message_id = message.id;
        let event = self
            .store
            .transaction(|tx| -> Result<Option<ReportEvent>, TxError<()>> {
                let Some(mut message) = load_message(tx, message_id)? else {
                    return Ok(None);
                };
                if let Some(delivery) = message.delivery.as_mut() {
                    delivery.status = DeliveryStatus::Sandbox;
                    delivery.updated_at = now;
                }
                save_message(tx, &message)?;
                let Some(mut report) = message
                    .report_id
                    .map(|id| load_report(tx, id))
                    .transpose()?
                    .flatten()
                else {
                    return Ok(None);
                };
                let note = Some("sandbox mode: stored, not sent".to_string());
                append_timeline(
                    tx,
                    &mut report,
                    TimelineKind::ReplySent,
                    Actor::System,
                    note,
                    Some(message_id),
                    now,
                )?;
                save_report_bookkeeping(tx, &report)?;
                Ok(Some(ReportEvent {
                    kind: ReportEventKind::DeliveryUpdated,
                    report_id: report.id,
                    ticket: report.ticket.clone(),
                    at: now,
                    message_id: Some(message_id),
                }))
            })
            .map_err(error_text)?;
        add(&self.metrics.replies_sandboxed, 1);
        if let Some(event) = event {
            self.bus.publish(event);
        }
        Ok(())
    }

    /// Marks the message failed (final), says so on the report's timeline, and for a closed
    /// window queues the configured template instead.
    async fn fail(
        &self,
        message: &Message,
        reason: &str,
        error: Option<ApiError>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let error = error.unwrap_or(ApiError {
            code: 0,
            title: None,
            message: Some(reason.to_string()),
            details: None,
        });
        let update = StatusUpdate {
            external_id: message.external_id.clone().unwrap_or_default(),
            status: DeliveryStatus::Failed,
            at: now,
            recipient: None,
            callback_data: None,
            errors: vec![error],
            raw: serde_json::Value::Null,
        };
        let message_id = message.id;
        let event = self
            .store
            .transaction(|tx| -> Result<Option<ReportEvent>, TxError<()>> {
                Ok(apply_status_to_message(tx, &self.intake, message_id, &update, now)?.event)
            })
            .map_err(error_text)?;
        add(&self.metrics.replies_failed, 1);
        tracing::warn!(message = message_id, reason, "reply failed");
        self.store.flush().await?;
        if let Some(event) = event {
            self.bus.publish(event);
        }
        self.wake.notify_one();
        Ok(())
    }

    async fn mark_read(&self, receipt: &ReadReceipt) -> Result<Outcome, StoreError> {
        let Some(client) = &self.client else {
            return Ok(Outcome::Done);
        };
        self.pacer.wait_turn().await;
        let (key, item) = (&receipt.key, &receipt.item);
        match client.mark_read(&receipt.external_id).await {
            Ok(()) => Ok(Outcome::Done),
            Err(error) => {
                let attempts = item.attempts + 1;
                if error.disposition() == Disposition::ChannelUnhealthy {
                    self.health
                        .mark_unhealthy(error.to_string(), self.whatsapp.retry_base * 150);
                }
                // A read receipt is a courtesy: a few tries, then it is dropped.
                if attempts >= 3 || error.disposition() == Disposition::Permanent {
                    tracing::debug!(%error, "read receipt dropped");
                    return Ok(Outcome::Done);
                }
                self.bump_attempts(key, item, &error).await?;
                Ok(Outcome::RetryAt(
                    Utc::now()
                        + chrono::Duration::from_std(backoff(self.whatsapp.retry_base, attempts))
                            .unwrap_or_default(),
                ))
            }
        }
    }
}

/// What the sender waits for when it next waits.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OutboxWait {
    /// A hand-over from intake, a wake-up, or the next timed look at the queue.
    ForWork,
    /// The channel is paused (invalid token): until the pause ends.
    Pause(Duration),
    /// Every send slot is taken: until one is free.
    FreeSlot,
    /// The queue could not be read: a second before trying again.
    AfterError,
}

/// The sender as a `Worker`. Work arrives two ways. Intake hands over the items of each
/// delivery once it is durable (`feed`): these are sent as they are. Everything else (items
/// left at a restart, retries coming due, replies queued by operators) is found by reading
/// the queue when woken or when the next item comes due; such an item waits for one shared
/// flush before it leaves, so that nothing is sent for a transaction that could still be lost.
/// Accepted sends are recorded by one recorder task, many per transaction. On shutdown, sends
/// already started are finished first.
pub struct OutboxWorker {
    sender: OutboxSender,
    feed: mpsc::UnboundedReceiver<Vec<Queued>>,
    feed_open: bool,
    fed: Vec<Queued>,
    permits: Arc<Semaphore>,
    accepted_tx: mpsc::UnboundedSender<Accepted>,
    recorder: tokio::task::JoinHandle<()>,
    running: tokio::task::JoinSet<()>,
    read_queue: QueueLook,
    /// The last look left sends for intake to hand over: no need to look again soon.
    awaiting_hand_over: bool,
    next_timed_look: Option<tokio::time::Instant>,
    next_wait: OutboxWait,
    claimed_total: u64,
}

impl Worker for OutboxWorker {
    fn name(&self) -> &'static str {
        "outbox"
    }

    /// Claims what intake handed over and, when asked, what is due in the queue; starts a send
    /// task for each (up to `CONCURRENT_SENDS` at once).
    async fn work(&mut self, _shutdown: &CancellationToken) -> Result<WorkerState, WorkerError> {
        let paused_for = self.sender.health.pause_remaining();
        if !paused_for.is_zero() && self.sender.client.is_some() {
            self.next_wait = OutboxWait::Pause(paused_for);
            return Ok(WorkerState::Idle);
        }
        while self.running.try_join_next().is_some() {}
        let room = self.permits.available_permits();
        if room == 0 {
            self.next_wait = OutboxWait::FreeSlot;
            return Ok(WorkerState::Idle);
        }
        while let Ok(more) = self.feed.try_recv() {
            self.fed.extend(more);
        }
        let sender = &self.sender;
        let mut claimed: Vec<Claimed> = self
            .fed
            .drain(..)
            .filter(|queued| sender.claim(queued.item.id))
            .map(|queued| Claimed {
                key: queued.key,
                item: queued.item,
                durable: true,
                known: queued.known,
            })
            .collect();
        if self.read_queue != QueueLook::No && claimed.len() < room {
            let everything = self.read_queue == QueueLook::Everything;
            self.next_timed_look = None;
            match sender.claim_due(room - claimed.len(), everything) {
                Ok(Look {
                    claimed: due,
                    left_for_intake,
                }) => {
                    self.awaiting_hand_over = left_for_intake > 0;
                    // A full read may have left more behind: read again next time round.
                    self.read_queue = if due.len() == room - claimed.len() {
                        QueueLook::LeftBehind
                    } else {
                        QueueLook::No
                    };
                    claimed.extend(due.into_iter().map(|(key, item)| Claimed {
                        key,
                        item,
                        durable: false,
                        known: None,
                    }));
                }
                Err(error) => {
                    for claimed in &claimed {
                        sender.release(claimed.item.id);
                    }
                    self.next_wait = OutboxWait::AfterError;
                    return Err(WorkerError::new("outbox cannot be read", error));
                }
            }
        }
        if claimed.is_empty() {
            self.next_wait = OutboxWait::ForWork;
            return Ok(WorkerState::Idle);
        }
        self.claimed_total += claimed.len() as u64;
        self.start_sends(claimed).await;
        Ok(WorkerState::Busy)
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        match std::mem::replace(&mut self.next_wait, OutboxWait::ForWork) {
            OutboxWait::Pause(paused_for) => tokio::time::sleep(paused_for).await,
            OutboxWait::FreeSlot => drop(self.permits.acquire().await),
            OutboxWait::AfterError => tokio::time::sleep(Duration::from_secs(1)).await,
            OutboxWait::ForWork => {
                // When to look at the queue unasked: worked out after each look, not each
                // time round (under load the worker comes round for every handed-over batch).
                let sender = &self.sender;
                let awaiting_hand_over = self.awaiting_hand_over;
                let look_at = *self.next_timed_look.get_or_insert_with(|| {
                    let mut sleep_for = sender.time_until_next_read();
                    if awaiting_hand_over {
                        sleep_for = sleep_for.max(HAND_OVER_RECHECK);
                    }
                    tokio::time::Instant::now() + sleep_for
                });
                tokio::select! {
                    more = self.feed.recv(), if self.feed_open => match more {
                        Some(more) => self.fed.extend(more),
                        None => self.feed_open = false,
                    },
                    _ = sender.wake.notified() => self.read_queue = QueueLook::Everything,
                    _ = tokio::time::sleep_until(look_at) => self.read_queue = QueueLook::LeftBehind,
                }
            }
        }
        WorkerState::Busy
    }

    fn status(&self) -> WorkerStatus {
        WorkerStatus {
            items_done: self.claimed_total,
        }
    }

    /// Items claimed and not yet settled: sends under way and acceptances not yet recorded.
    fn in_flight(&self) -> Option<InFlight> {
        let claimed = Arc::clone(&self.sender.in_flight);
        Some(InFlight::new(move || {
            claimed.lock().map(|set| set.len()).unwrap_or(0)
        }))
    }

    async fn finish(self) {
        let OutboxWorker {
            sender,
            mut running,
            accepted_tx,
            recorder,
            ..
        } = self;
        while running.join_next().await.is_some() {}
        // The recorder ends once every send task (and so every sender handle) is gone.
        drop(accepted_tx);
        let _ = recorder.await;
        // Replies queued while the run ended were never sent: let the next run send them at
        // once. A send whose answer could not be recorded is still claimed and keeps its mark.
        match clear_unattempted_marks(&sender.store, |id| sender.is_claimed(id)) {
            Ok(cleared) => {
                if let Err(error) = sender.store.flush().await {
                    tracing::warn!(%error, "cleared in-flight marks not flushed");
                } else if cleared > 0 {
                    tracing::info!(cleared, "unsent replies left for the next run");
                }
            }
            Err(error) => {
                tracing::warn!(%error, "in-flight marks not cleared; the next run reconciles them")
            }
        }
        tracing::info!("outbox sender stopped");
    }
}

impl OutboxWorker {
    /// Decides what each claimed item needs and starts a task for each send or read receipt.
    async fn start_sends(&mut self, claimed: Vec<Claimed>) {
        let mut sends = Vec::new();
        for claimed in claimed {
            let item_id = claimed.item.id;
            let durable = claimed.durable;
            match self
                .sender
                .prepare(claimed.key, claimed.item, claimed.known)
                .await
            {
                Ok(Step::Send(mut send)) => {
                    send.durable = durable;
                    sends.push(*send);
                }
                Ok(Step::ReadReceipt(receipt)) => {
                    let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await else {
                        self.sender.release(item_id);
                        continue;
                    };
                    let sender = self.sender.clone();
                    self.running.spawn(async move {
                        let outcome = sender.mark_read(&receipt).await;
                        let retry = matches!(outcome, Ok(Outcome::RetryAt(_)));
                        sender.settle(&receipt.key, &receipt.item, outcome);
                        sender.release(receipt.item.id);
                        drop(permit);
                        if retry {
                            sender.wake.notify_one();
                        }
                    });
                }
                Ok(Step::Settled { key, item, outcome }) => {
                    self.sender.settle(&key, &item, Ok(outcome));
                    self.sender.release(item_id);
                }
                Err(error) => {
                    tracing::error!(%error, item = item_id, "outbox item could not be processed; will retry");
                    self.sender.release(item_id);
                }
            }
        }
        for send in sends {
            let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await else {
                self.sender.release(send.item.id);
                continue;
            };
            let sender = self.sender.clone();
            let accepted_tx = self.accepted_tx.clone();
            self.running.spawn(async move {
                // Marked in flight since it was queued; an item found in the queue (not
                // handed over) waits until the transaction that queued it is durable.
                // Concurrent sends share the flush, and the worker goes on meanwhile.
                let durable = if send.durable {
                    Ok(())
                } else {
                    sender.store.flush().await
                };
                match durable {
                    Ok(()) => sender.transmit(send, accepted_tx).await,
                    Err(error) => {
                        tracing::error!(%error, item = send.item.id, "the store cannot be flushed; the send waits");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        sender.release(send.item.id);
                        sender.wake.notify_one();
                    }
                }
                drop(permit);
            });
        }
    }
}

/// Stores one accepted send inside the recorder's transaction: the wamid (so that status
/// callbacks find the message), the delivery state, the timeline entry, and any statuses that
/// overtook the send's answer.
fn record_accepted(
    tx: &Tx<'_>,
    intake: &IntakeSettings,
    accepted: &Accepted,
    now: DateTime<Utc>,
) -> Result<Option<ReportEvent>, StoreError> {
    let Some(mut message) = load_message(tx, accepted.message_id)? else {
        return Ok(None);
    };
    message.external_id = Some(accepted.wamid.clone());
    if let Some(delivery) = message.delivery.as_mut() {
        delivery.attempts += 1;
        if delivery.status.may_advance_to(DeliveryStatus::Accepted) {
            delivery.status = DeliveryStatus::Accepted;
            delivery.updated_at = now;
        }
    }
    save_message(tx, &message)?;
    tx.put(
        Table::MessageExternalIds,
        accepted.wamid.as_bytes(),
        &u64_key(accepted.message_id),
    )?;
    // The acceptance is recorded on the message (its wamid and delivery state), which the
    // report's REPLY_QUEUED entry points to; the report itself is not rewritten for it, as it
    // would be twice per answered message otherwise. Failures do go on the timeline.
    // The event names the report by its ticket: given by intake for its own replies, read
    // from the report otherwise.
    let ticket = match (message.report_id, &accepted.ticket) {
        (Some(_), Some(ticket)) => Some(ticket.clone()),
        (Some(report_id), None) => load_report(tx, report_id)?.map(|report| report.ticket),
        (None, _) => None,
    };
    let event = message
        .report_id
        .zip(ticket)
        .map(|(report_id, ticket)| ReportEvent {
            kind: ReportEventKind::DeliveryUpdated,
            report_id,
            ticket,
            at: now,
            message_id: Some(accepted.message_id),
        });
    // Statuses that overtook the send answer.
    if let Some(pending) =
        tx.get_record::<PendingStatuses>(Table::PendingStatuses, accepted.wamid.as_bytes())?
    {
        tx.remove(Table::PendingStatuses, accepted.wamid.as_bytes())?;
        for update in &pending.updates {
            apply_status_to_message(tx, intake, accepted.message_id, update, now)?;
        }
    }
    Ok(event)
}

fn error_text<E: std::fmt::Debug>(error: TxError<E>) -> StoreError {
    match error {
        TxError::Store(error) => error,
        TxError::Abort(reason) => StoreError::Engine(format!("{reason:?}")),
    }
}

fn outside_window_error() -> ApiError {
    ApiError {
        code: crate::domain::inbound::OUTSIDE_WINDOW_CODE,
        title: Some("Re-engagement message".into()),
        message: Some("more than 24 hours have passed since the citizen last wrote".into()),
        details: None,
    }
}

fn api_error_of(error: &GraphError) -> ApiError {
    match error {
        GraphError::Api(failure) => ApiError {
            code: failure.code,
            title: None,
            message: failure.message.clone(),
            details: failure.details.clone(),
        },
        other => ApiError {
            code: 0,
            title: None,
            message: Some(other.to_string()),
            details: None,
        },
    }
}

fn to_graph_message(content: &OutboundContent) -> OutgoingMessage {
    match content {
        OutboundContent::Text { body } => OutgoingMessage::Text {
            body: body.clone(),
            reply_to: None,
        },
        OutboundContent::Template {
            name,
            language,
            parameters,
        } => OutgoingMessage::Template {
            name: name.clone(),
            language: language.clone(),
            body_parameters: parameters.clone(),
        },
        OutboundContent::LocationRequest { body } => {
            OutgoingMessage::LocationRequest { body: body.clone() }
        }
        OutboundContent::CallPermissionRequest { body } => {
            OutgoingMessage::CallPermissionRequest { body: body.clone() }
        }
    }
}

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
struct Pacer {
    interval: Duration,
    next_slot: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    fn new(rate_per_second: u32) -> Pacer {
        Pacer {
            interval: Duration::from_secs(1) / rate_per_second.max(1),
            next_slot: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    async fn wait_turn(&self) {
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

#[cfg(test)]
mod tests {
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
}
