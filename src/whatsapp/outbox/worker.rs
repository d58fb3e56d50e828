//! The sender as a `Worker`: what wakes it (intake's hand-over, a wake, the timed look), one
//! step of sending, and a clean stop.

use super::*;

/// What the sender waits for when it next waits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum OutboxWait {
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
/// the queue when woken or when the next item comes due. Before any send leaves, one marker
/// task writes its attempting mark, many per transaction, and waits for the shared flush,
/// which also makes durable the transaction that queued it. Accepted sends are recorded by
/// one recorder task, many per transaction. On shutdown, sends already started are finished
/// first.
pub struct OutboxWorker {
    pub(super) sender: OutboxSender,
    pub(super) feed: mpsc::Receiver<Vec<Queued>>,
    pub(super) feed_open: bool,
    pub(super) fed: Vec<Queued>,
    pub(super) permits: Arc<Semaphore>,
    pub(super) accepted_tx: mpsc::Sender<Accepted>,
    pub(super) recorder: tokio::task::JoinHandle<()>,
    pub(super) marks_tx: mpsc::Sender<AttemptRequest>,
    pub(super) marker: tokio::task::JoinHandle<()>,
    pub(super) running: tokio::task::JoinSet<()>,
    pub(super) read_queue: QueueLook,
    /// The last look left sends for intake to hand over: no need to look again soon.
    pub(super) awaiting_hand_over: bool,
    pub(super) next_timed_look: Option<tokio::time::Instant>,
    pub(super) next_wait: OutboxWait,
    pub(super) claimed_total: u64,
}

impl Worker for OutboxWorker {
    fn name(&self) -> &'static str {
        "outbox"
    }

    /// Claims what intake handed over and, when asked, what is due in the queue; starts a send
    /// task for each (up to `send_concurrency` at once).
    async fn work(&mut self, _shutdown: &CancellationToken) -> Result<WorkerState, WorkerError> {
        let paused_for = self.sender.health.pause_remaining();
        if !paused_for.is_zero() && self.sender.clients.is_some() {
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
            mut running,
            accepted_tx,
            recorder,
            marks_tx,
            marker,
            ..
        } = self;
        while running.join_next().await.is_some() {}
        // The recorder and the marker end once every send task (and so every sender handle)
        // is gone. A send whose answer could not be recorded keeps its mark and is reconciled
        // by the next run; a send never attempted has no mark and goes out at once then.
        drop(accepted_tx);
        drop(marks_tx);
        let _ = recorder.await;
        let _ = marker.await;
        tracing::info!("outbox sender stopped");
    }
}

impl OutboxWorker {
    /// Decides what each claimed item needs and starts a task for each send or read receipt.
    pub(super) async fn start_sends(&mut self, claimed: Vec<Claimed>) {
        let mut sends = Vec::new();
        for claimed in claimed {
            let item_id = claimed.item.id;
            match self
                .sender
                .prepare(claimed.key, claimed.item, claimed.known)
                .await
            {
                Ok(Step::Send(send)) => sends.push(*send),
                Ok(Step::ReadReceipt(receipt)) => {
                    let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await else {
                        self.sender.release(item_id);
                        continue;
                    };
                    let sender = self.sender.clone();
                    self.running.spawn(async move {
                        let outcome = sender.mark_read(&receipt).await;
                        let retry = matches!(outcome, Ok(Outcome::RetryAt(_)));
                        sender.settle(&receipt.key, &receipt.item, outcome).await;
                        sender.release(receipt.item.id);
                        drop(permit);
                        if retry {
                            sender.wake.notify_one();
                        }
                    });
                }
                Ok(Step::Settled { key, item, outcome }) => {
                    self.sender.settle(&key, &item, Ok(outcome)).await;
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
            let marks_tx = self.marks_tx.clone();
            let accepted_tx = self.accepted_tx.clone();
            self.running.spawn(async move {
                // Concurrent sends share the transaction and flush of their attempting marks,
                // and the worker goes on meanwhile.
                sender.transmit(send, marks_tx, accepted_tx).await;
                drop(permit);
            });
        }
    }
}
