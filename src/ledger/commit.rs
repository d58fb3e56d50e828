//! The one commit path. A change is one transaction; it becomes durable in the shared group
//! flush; only then is it handed over: queued sends to the sender, a wake to the media
//! fetcher, and its events to the bus. Nothing is announced that a crash could still undo.
//!
//! Intake's writer thread applies webhook deliveries in batches and settles each delivery's
//! effects here; workflow and the workers run their transactions through `run`, which keeps
//! sled's lock waits off the async runtime's worker threads.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use crate::bus::{Bus, ReportEvent};
use crate::store::{Store, StoreError, Tx, TxError};

use super::Queued;

/// What a transaction leaves for others, announced once it is durable.
#[derive(Debug, Default)]
pub struct Effects {
    pub events: Vec<ReportEvent>,
    /// Queued sends described in full: the sender takes them as they are, without reading
    /// its queue or flushing.
    pub sends: Vec<Queued>,
    /// Outbox items were queued beyond `sends`: the sender finds them in its queue.
    pub outbox_queued: bool,
    /// Media downloads were queued.
    pub media_queued: bool,
}

impl Effects {
    pub fn event(mut self, event: ReportEvent) -> Effects {
        self.events.push(event);
        self
    }
}

/// Why a change was not made: refused by a rule of the body, or a storage failure.
#[derive(Debug)]
pub enum CommitError<E> {
    Refused(E),
    Store(StoreError),
}

impl<E> From<StoreError> for CommitError<E> {
    fn from(error: StoreError) -> Self {
        CommitError::Store(error)
    }
}

impl From<CommitError<std::convert::Infallible>> for StoreError {
    fn from(error: CommitError<std::convert::Infallible>) -> StoreError {
        match error {
            CommitError::Store(error) => error,
            CommitError::Refused(never) => match never {},
        }
    }
}

/// Batches of sends (one per settled transaction, up to a group's worth each) that may wait
/// between the commit path and the outbox sender. When the sender is this far behind, a
/// further batch is not handed over but left in the durable queue, where the sender's next
/// look finds it: the queue between intake and the sender stays bounded under overload.
pub const OUTBOX_FEED_BATCHES: usize = 64;

/// The bounded hand-over from the commit path to the outbox sender.
pub fn outbox_feed() -> (mpsc::Sender<Vec<Queued>>, mpsc::Receiver<Vec<Queued>>) {
    mpsc::channel(OUTBOX_FEED_BATCHES)
}

/// The commit path: cheap to clone.
#[derive(Clone)]
pub struct Commit {
    store: Store,
    bus: Bus,
    outbox_feed: mpsc::Sender<Vec<Queued>>,
    outbox_wake: Arc<Notify>,
    media_wake: Arc<Notify>,
}

impl Commit {
    pub fn new(
        store: Store,
        bus: Bus,
        outbox_feed: mpsc::Sender<Vec<Queued>>,
        outbox_wake: Arc<Notify>,
        media_wake: Arc<Notify>,
    ) -> Commit {
        Commit {
            store,
            bus,
            outbox_feed,
            outbox_wake,
            media_wake,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn bus(&self) -> &Bus {
        &self.bus
    }

    /// Runs `body` as one transaction on a blocking thread, then settles its effects and
    /// returns its value. `body` may run more than once (on a write conflict), so it reads
    /// everything it decides on from the transaction.
    pub async fn run<R, E>(
        &self,
        body: impl Fn(&Tx<'_>) -> Result<(R, Effects), TxError<E>> + Send + 'static,
    ) -> Result<R, CommitError<E>>
    where
        R: Send + 'static,
        E: Send + 'static,
    {
        let (value, effects) = transaction_off_the_runtime(&self.store, body).await?;
        self.settle(effects).await?;
        Ok(value)
    }

    /// Runs `body` as one transaction on a blocking thread, for bookkeeping whose loss in a
    /// crash is harmless (a queue item's retry time, its attempt count, a finished read
    /// receipt): it is neither flushed nor announced, and becomes durable with the next flush.
    pub async fn bookkeep<R, E>(
        &self,
        body: impl Fn(&Tx<'_>) -> Result<R, TxError<E>> + Send + 'static,
    ) -> Result<R, CommitError<E>>
    where
        R: Send + 'static,
        E: Send + 'static,
    {
        transaction_off_the_runtime(&self.store, body).await
    }

    /// Makes what was applied durable, then hands its effects over. When the flush fails (or
    /// the caller goes away meanwhile) nothing is announced, and the sender is told to look in
    /// its queue: whatever of it is durable is found there.
    pub async fn settle(&self, mut effects: Effects) -> Result<(), StoreError> {
        let queued_any = effects.outbox_queued || !effects.sends.is_empty();
        let mut hand_over = HandOverGuard {
            wake: queued_any.then_some(&*self.outbox_wake),
        };
        self.store.flush().await?;
        let sends = std::mem::take(&mut effects.sends);
        // A full feed (the sender is behind) or a closed one leaves the sends to the queue.
        let handed_over = sends.is_empty() || self.outbox_feed.try_send(sends).is_ok();
        if effects.outbox_queued || !handed_over {
            self.outbox_wake.notify_one();
        }
        hand_over.wake = None;
        if effects.media_queued {
            self.media_wake.notify_one();
        }
        self.bus.publish_all(effects.events);
        Ok(())
    }
}

/// Runs `body` as one transaction on a blocking thread: it may wait for sled's lock while
/// intake's writer holds it, and the runtime's workers must go on serving meanwhile.
async fn transaction_off_the_runtime<R, E>(
    store: &Store,
    body: impl Fn(&Tx<'_>) -> Result<R, TxError<E>> + Send + 'static,
) -> Result<R, CommitError<E>>
where
    R: Send + 'static,
    E: Send + 'static,
{
    let store = store.clone();
    let applied = tokio::task::spawn_blocking(move || store.transaction(|tx| body(tx)))
        .await
        .map_err(|error| StoreError::Engine(format!("the writer task failed: {error}")))?;
    match applied {
        Ok(value) => Ok(value),
        Err(TxError::Abort(refusal)) => Err(CommitError::Refused(refusal)),
        Err(TxError::Store(error)) => Err(CommitError::Store(error)),
    }
}

/// Wakes the outbox sender when dropped armed: work that was queued but not handed over is
/// left for the sender to find in its queue.
struct HandOverGuard<'a> {
    wake: Option<&'a Notify>,
}

impl Drop for HandOverGuard<'_> {
    fn drop(&mut self) {
        if let Some(wake) = self.wake {
            wake.notify_one();
        }
    }
}
