//! The bounded queue of one connection's outgoing messages, to its writer task (`socket.rs`):
//! the subscription items the dispatcher (`hub.rs`) and the subscriptions queue (`frames.rs`),
//! and async-graphql's own protocol messages, which the socket loop queues, all in one order.
//!
//! The dispatcher never waits: `offer` queues a subscription's frame or, when the queue is full,
//! drops it and marks the subscription lagged; from then on its frames are dropped until the
//! subscription has queued its RESYNC (`send_resync`, which waits for room). The flags are read
//! and changed only under the queue's lock, so a frame is never queued after the RESYNC that
//! stands for it, nor after its subscription stopped. The socket loop and the subscriptions
//! wait for room (`send`); once the writer is gone, sending fails.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use axum::extract::ws::Message;

use super::frames::{FRAMES_QUEUED, Frame};

/// What the writer task writes, in the order queued.
pub(crate) enum Outgoing {
    /// A subscription item, its frame built from shared bytes.
    Item(Frame),
    /// One of async-graphql's messages, with when the bus event it carries was published.
    Message(Message, Option<Instant>),
    /// Everything queued before it is written, then this close frame (if any), then the socket
    /// is closed.
    Close(Option<Message>),
}

/// A subscription's state on its connection's queue (`Gate`'s bits), changed only under the
/// queue's lock.
const LAGGED: u8 = 1;
const STOPPED: u8 = 2;

/// One subscription's flags on the queue: lagged (its frames are dropped until its RESYNC is
/// queued), stopped (nothing more of it is queued).
#[derive(Default)]
pub(crate) struct Gate(AtomicU8);

impl Gate {
    #[cfg(test)]
    fn is(&self, flag: u8) -> bool {
        self.0.load(Ordering::Relaxed) & flag != 0
    }
}

/// What became of an offered frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Offered {
    Queued,
    /// The queue was full just now: the subscription is lagged from here on (tell it).
    Lagged,
    /// Dropped: the subscription is lagged already, or stopped, or the writer is gone.
    Dropped,
}

#[derive(Default)]
struct State {
    items: VecDeque<Outgoing>,
    /// The writer, while it waits for an item.
    reader: Option<Waker>,
    /// Senders waiting for room.
    writers: Vec<Waker>,
    /// The writer is gone.
    closed: bool,
}

impl State {
    fn push(&mut self, item: Outgoing) -> Option<Waker> {
        self.items.push_back(item);
        self.reader.take()
    }
}

struct Queue {
    state: Mutex<State>,
    capacity: usize,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain data: a panic elsewhere while it was held leaves it usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where a connection's subscriptions, dispatcher and socket loop queue what is to be written.
#[derive(Clone)]
pub(crate) struct FrameSender(Arc<Queue>);

/// The writer task's end.
pub(crate) struct FrameReceiver(Arc<Queue>);

/// A queue of at most `FRAMES_QUEUED` items.
pub(crate) fn frame_queue() -> (FrameSender, FrameReceiver) {
    with_capacity(FRAMES_QUEUED)
}

fn with_capacity(capacity: usize) -> (FrameSender, FrameReceiver) {
    let queue = Arc::new(Queue {
        state: Mutex::default(),
        capacity,
    });
    (FrameSender(Arc::clone(&queue)), FrameReceiver(queue))
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl FrameSender {
    /// Queues `item`, waiting while the queue is full; `Err` once the writer is gone.
    pub async fn send(&self, item: Outgoing) -> Result<(), ()> {
        let mut item = Some(item);
        std::future::poll_fn(|cx| self.poll_send(cx, &mut item, None)).await
    }

    /// Queues a subscription's RESYNC frame once there is room, and ends its lag in the same
    /// step: the frames queued after it are of events after it.
    pub async fn send_resync(&self, frame: Frame, gate: &Gate) -> Result<(), ()> {
        let mut item = Some(Outgoing::Item(frame));
        std::future::poll_fn(|cx| self.poll_send(cx, &mut item, Some(gate))).await
    }

    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        item: &mut Option<Outgoing>,
        resync_of: Option<&Gate>,
    ) -> Poll<Result<(), ()>> {
        let mut state = self.0.lock();
        if state.closed {
            return Poll::Ready(Err(()));
        }
        if state.items.len() >= self.0.capacity {
            if !state
                .writers
                .iter()
                .any(|writer| writer.will_wake(cx.waker()))
            {
                state.writers.push(cx.waker().clone());
            }
            return Poll::Pending;
        }
        let Some(item) = item.take() else {
            return Poll::Ready(Ok(()));
        };
        if let Some(gate) = resync_of {
            gate.0.fetch_and(!LAGGED, Ordering::Relaxed);
        }
        let reader = state.push(item);
        drop(state);
        wake(reader);
        Poll::Ready(Ok(()))
    }

    /// Queues `frame` unless the queue is full or its subscription is lagged or stopped; never
    /// waits.
    pub fn offer(&self, frame: Frame, gate: &Gate) -> Offered {
        let mut state = self.0.lock();
        if state.closed || gate.0.load(Ordering::Relaxed) != 0 {
            return Offered::Dropped;
        }
        if state.items.len() >= self.0.capacity {
            gate.0.fetch_or(LAGGED, Ordering::Relaxed);
            return Offered::Lagged;
        }
        let reader = state.push(Outgoing::Item(frame));
        drop(state);
        wake(reader);
        Offered::Queued
    }

    /// Marks a subscription lagged (its events were lost before they reached the queue);
    /// whether it was not already (nor stopped).
    pub fn lag(&self, gate: &Gate) -> bool {
        let _state = self.0.lock();
        gate.0.fetch_or(LAGGED, Ordering::Relaxed) & (LAGGED | STOPPED) == 0
    }

    /// Nothing more of this subscription is queued.
    pub fn stop(&self, gate: &Gate) {
        let _state = self.0.lock();
        gate.0.fetch_or(STOPPED, Ordering::Relaxed);
    }

    /// Queues the end: the writer writes what is queued, then `close`, and closes the socket.
    /// Not bounded by the capacity (at most twice per connection).
    pub fn finish(&self, close: Option<Message>) {
        let mut state = self.0.lock();
        if state.closed {
            return;
        }
        let reader = state.push(Outgoing::Close(close));
        drop(state);
        wake(reader);
    }
}

impl FrameReceiver {
    /// The next item, waiting for one.
    pub async fn recv(&mut self) -> Outgoing {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Outgoing> {
        let mut state = self.0.lock();
        if let Some(item) = self.take(&mut state) {
            return Poll::Ready(item);
        }
        if !state
            .reader
            .as_ref()
            .is_some_and(|reader| reader.will_wake(cx.waker()))
        {
            state.reader = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// The next item if one is queued.
    pub fn try_recv(&mut self) -> Option<Outgoing> {
        let mut state = self.0.lock();
        self.take(&mut state)
    }

    fn take(&self, state: &mut State) -> Option<Outgoing> {
        let item = state.items.pop_front()?;
        for writer in state.writers.drain(..) {
            writer.wake();
        }
        Some(item)
    }
}

impl Drop for FrameReceiver {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.closed = true;
        state.items.clear();
        for writer in state.writers.drain(..) {
            writer.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::task::Wake;

    use super::super::frames::test_frame;

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        (Arc::clone(&counter), Waker::from(Arc::clone(&counter)))
    }

    fn frame(text: &str) -> Frame {
        test_frame(text, Arc::new(AtomicBool::new(true)))
    }

    fn text_of(item: Option<Outgoing>) -> Option<String> {
        match item? {
            Outgoing::Item(frame) => frame.text(),
            Outgoing::Message(Message::Text(text), _) => Some(text.to_string()),
            Outgoing::Message(..) => Some("<message>".into()),
            Outgoing::Close(_) => Some("<close>".into()),
        }
    }

    #[test]
    fn items_come_out_in_the_order_queued_and_wake_the_writer() {
        let (sender, mut receiver) = with_capacity(4);
        let (reader_wakes, reader) = counting_waker();
        let mut reading = Context::from_waker(&reader);
        assert!(receiver.poll_recv(&mut reading).is_pending());
        let gate = Gate::default();
        assert_eq!(sender.offer(frame("a"), &gate), Offered::Queued);
        assert_eq!(reader_wakes.0.load(Ordering::SeqCst), 1);
        let (_, other) = counting_waker();
        let mut elsewhere = Context::from_waker(&other);
        let mut message = Some(Outgoing::Message(Message::Text("b".into()), None));
        assert_eq!(
            sender.poll_send(&mut elsewhere, &mut message, None),
            Poll::Ready(Ok(()))
        );
        sender.finish(None);
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("a}"));
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("b"));
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("<close>"));
        assert!(receiver.try_recv().is_none());
    }

    #[test]
    fn a_full_queue_lags_a_subscription_until_its_resync_is_queued() {
        let (sender, mut receiver) = with_capacity(2);
        let (slow, other) = (Gate::default(), Gate::default());
        assert_eq!(sender.offer(frame("1"), &slow), Offered::Queued);
        assert_eq!(sender.offer(frame("2"), &other), Offered::Queued);
        // Full: the frame is dropped and the subscription told once.
        assert_eq!(sender.offer(frame("3"), &slow), Offered::Lagged);
        assert_eq!(sender.offer(frame("4"), &slow), Offered::Dropped);
        assert!(slow.is(LAGGED));
        // Room again: a lagged subscription still gets nothing until its RESYNC.
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("1}"));
        assert_eq!(sender.offer(frame("5"), &slow), Offered::Dropped);
        assert_eq!(sender.offer(frame("6"), &other), Offered::Queued);
        // The RESYNC waits for room, and ends the lag in the same step.
        let (writer_wakes, writer) = counting_waker();
        let mut writing = Context::from_waker(&writer);
        let mut resync = Some(Outgoing::Item(frame("resync")));
        assert!(
            sender
                .poll_send(&mut writing, &mut resync, Some(&slow))
                .is_pending()
        );
        assert!(slow.is(LAGGED), "no room yet: still lagged");
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("2}"));
        assert_eq!(writer_wakes.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            sender.poll_send(&mut writing, &mut resync, Some(&slow)),
            Poll::Ready(Ok(()))
        );
        assert!(!slow.is(LAGGED));
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("6}"));
        assert_eq!(sender.offer(frame("7"), &slow), Offered::Queued);
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("resync}"));
        assert_eq!(text_of(receiver.try_recv()).as_deref(), Some("7}"));
    }

    #[test]
    fn a_stopped_subscription_gets_nothing_queued_and_a_gone_writer_fails_its_senders() {
        let (sender, receiver) = with_capacity(1);
        let gate = Gate::default();
        sender.stop(&gate);
        assert_eq!(sender.offer(frame("a"), &gate), Offered::Dropped);
        assert!(!sender.lag(&gate), "a stopped subscription never resyncs");
        let (writer_wakes, writer) = counting_waker();
        let mut writing = Context::from_waker(&writer);
        let mut first = Some(Outgoing::Message(Message::Text("a".into()), None));
        assert_eq!(
            sender.poll_send(&mut writing, &mut first, None),
            Poll::Ready(Ok(()))
        );
        let mut waiting = Some(Outgoing::Message(Message::Text("b".into()), None));
        assert!(
            sender
                .poll_send(&mut writing, &mut waiting, None)
                .is_pending()
        );
        drop(receiver);
        assert_eq!(writer_wakes.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            sender.poll_send(&mut writing, &mut waiting, None),
            Poll::Ready(Err(()))
        );
        assert_eq!(sender.offer(frame("c"), &Gate::default()), Offered::Dropped);
    }
}
