//! The bounded queue of one connection's subscription frames (`frames.rs`), from its
//! subscriptions to its socket loop (`socket.rs`).
//!
//! The subscriptions are streams inside async-graphql's protocol stream, which the socket loop
//! polls: a frame is almost always queued from the socket's own task, while the loop polls
//! that stream, and the loop reads the queue right after in the same pass. A channel that
//! woke its reader for such a frame would only have the task polled once more, after every
//! other socket's task: with a thousand subscribers, each event's writes then waited for every
//! socket's first pass, and each socket was polled twice per event. So a sender wakes the
//! reader only when it runs in another task (`Waker::will_wake`); in its own task, the socket
//! loop's next read of the queue is already due.
//!
//! A full queue makes its senders wait (they are woken when the loop takes a frame); once the
//! reader is gone, sending fails.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use super::frames::{FRAMES_QUEUED, Frame};

#[derive(Default)]
struct State {
    frames: VecDeque<Frame>,
    /// The socket loop, while it waits for a frame.
    reader: Option<Waker>,
    /// Senders waiting for room.
    writers: Vec<Waker>,
    /// The socket loop is gone.
    closed: bool,
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

/// Where a connection's subscriptions queue their frames.
#[derive(Clone)]
pub(crate) struct FrameSender(Arc<Queue>);

/// The socket loop's end.
pub(crate) struct FrameReceiver(Arc<Queue>);

/// A queue of at most `FRAMES_QUEUED` frames.
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

impl FrameSender {
    /// Queues `frame`, waiting while the queue is full; `Err` once the socket loop is gone.
    pub async fn send(&self, frame: Frame) -> Result<(), ()> {
        let mut frame = Some(frame);
        std::future::poll_fn(|cx| self.poll_send(cx, &mut frame)).await
    }

    fn poll_send(&self, cx: &mut Context<'_>, frame: &mut Option<Frame>) -> Poll<Result<(), ()>> {
        // async-graphql polls a subscription's stream with a waker of its own that stands for
        // the task's; a clone of it is the task's waker itself, which `will_wake` compares.
        let waker = cx.waker().clone();
        let mut state = self.0.lock();
        if state.closed {
            return Poll::Ready(Err(()));
        }
        if state.frames.len() >= self.0.capacity {
            if !state.writers.iter().any(|writer| writer.will_wake(&waker)) {
                state.writers.push(waker);
            }
            return Poll::Pending;
        }
        let Some(frame) = frame.take() else {
            return Poll::Ready(Ok(()));
        };
        state.frames.push_back(frame);
        // From the reader's own task: its loop reads the queue before it waits again.
        let other_task = state
            .reader
            .as_ref()
            .is_some_and(|reader| !reader.will_wake(&waker));
        let reader = if other_task {
            state.reader.take()
        } else {
            None
        };
        drop(state);
        if let Some(reader) = reader {
            reader.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl FrameReceiver {
    /// The next frame, waiting for one.
    pub async fn recv(&mut self) -> Frame {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Frame> {
        let mut state = self.0.lock();
        if let Some(frame) = self.take(&mut state) {
            return Poll::Ready(frame);
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

    /// The next frame if one is queued.
    pub fn try_recv(&mut self) -> Option<Frame> {
        let mut state = self.0.lock();
        self.take(&mut state)
    }

    fn take(&self, state: &mut State) -> Option<Frame> {
        let frame = state.frames.pop_front()?;
        for writer in state.writers.drain(..) {
            writer.wake();
        }
        Some(frame)
    }
}

impl Drop for FrameReceiver {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.closed = true;
        state.frames.clear();
        for writer in state.writers.drain(..) {
            writer.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

    #[test]
    fn frames_come_out_in_order_and_the_reader_is_woken_only_from_another_task() {
        let (sender, mut receiver) = with_capacity(4);
        let (reader_wakes, reader) = counting_waker();
        let (_, other) = counting_waker();
        let mut reading = Context::from_waker(&reader);
        assert!(receiver.poll_recv(&mut reading).is_pending());

        // Sent from the reader's own task: no wake-up.
        assert_eq!(
            sender.poll_send(&mut reading, &mut Some(frame("a"))),
            Poll::Ready(Ok(()))
        );
        assert_eq!(reader_wakes.0.load(Ordering::SeqCst), 0);
        // From another task: woken once.
        let mut elsewhere = Context::from_waker(&other);
        assert_eq!(
            sender.poll_send(&mut elsewhere, &mut Some(frame("b"))),
            Poll::Ready(Ok(()))
        );
        assert_eq!(reader_wakes.0.load(Ordering::SeqCst), 1);

        let Poll::Ready(first) = receiver.poll_recv(&mut reading) else {
            panic!("a frame was queued");
        };
        assert_eq!(first.text().as_deref(), Some("a}"));
        assert_eq!(
            receiver.try_recv().and_then(|f| f.text()).as_deref(),
            Some("b}")
        );
        assert!(receiver.try_recv().is_none());
    }

    #[test]
    fn a_full_queue_holds_its_senders_until_a_frame_is_taken_and_a_gone_reader_fails_them() {
        let (sender, mut receiver) = with_capacity(1);
        let (writer_wakes, writer) = counting_waker();
        let mut writing = Context::from_waker(&writer);
        assert_eq!(
            sender.poll_send(&mut writing, &mut Some(frame("a"))),
            Poll::Ready(Ok(()))
        );
        let mut waiting = Some(frame("b"));
        assert!(sender.poll_send(&mut writing, &mut waiting).is_pending());
        assert!(waiting.is_some(), "the frame stays with its sender");
        assert!(receiver.try_recv().is_some());
        assert_eq!(writer_wakes.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            sender.poll_send(&mut writing, &mut waiting),
            Poll::Ready(Ok(()))
        );
        assert!(
            sender
                .poll_send(&mut writing, &mut Some(frame("c")))
                .is_pending()
        );
        drop(receiver);
        assert_eq!(writer_wakes.0.load(Ordering::SeqCst), 2);
        assert_eq!(
            sender.poll_send(&mut writing, &mut Some(frame("c"))),
            Poll::Ready(Err(()))
        );
    }
}
