//! The runner's lifecycle: order of stops, failed steps, panics, tasks in flight.
use std::sync::atomic::AtomicUsize;

use tokio::sync::Notify;

use super::*;

/// Does `steps` steps (failing the ones listed), then waits on `wake`; panics on step
/// `panic_at`; records its name in `finished` when it finishes.
struct Scripted {
    name: &'static str,
    steps: u64,
    done: u64,
    fail_at: Option<u64>,
    panic_at: Option<u64>,
    wake: Arc<Notify>,
    finished: Arc<Mutex<Vec<&'static str>>>,
}

impl Scripted {
    fn new(name: &'static str, steps: u64, finished: &Arc<Mutex<Vec<&'static str>>>) -> Self {
        Scripted {
            name,
            steps,
            done: 0,
            fail_at: None,
            panic_at: None,
            wake: Arc::new(Notify::new()),
            finished: Arc::clone(finished),
        }
    }
}

impl Worker for Scripted {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn work(&mut self, _: &CancellationToken) -> Result<WorkerState, WorkerError> {
        if self.done >= self.steps {
            return Ok(WorkerState::Idle);
        }
        self.done += 1;
        assert_ne!(Some(self.done), self.panic_at, "scripted panic");
        if Some(self.done) == self.fail_at {
            return Err(WorkerError::new("scripted step", "failed"));
        }
        Ok(WorkerState::Busy)
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        self.wake.notified().await;
        WorkerState::Busy
    }

    fn status(&self) -> WorkerStatus {
        WorkerStatus {
            items_done: self.done,
        }
    }

    async fn finish(self) {
        self.finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(self.name);
    }
}

async fn until(board: &WorkerBoard, fact: impl Fn(&WorkerBoard) -> bool) {
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while !fact(board) {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the fact came true");
}

#[tokio::test]
async fn workers_stop_in_the_order_they_were_started() {
    let finished = Arc::default();
    let mut runner = WorkerRunner::new(WorkerBoard::default());
    for name in ["clock", "outbox", "media", "indexer"] {
        runner.start(Scripted::new(name, 3, &finished));
    }
    let board = runner.board().clone();
    until(&board, WorkerBoard::all_idle).await;
    assert!(board.reports().iter().all(|report| report.items_done == 3));
    runner.stop_in_order().await;
    assert_eq!(
        *finished.lock().unwrap(),
        vec!["clock", "outbox", "media", "indexer"]
    );
    assert!(
        board
            .reports()
            .iter()
            .all(|report| report.state == WorkerLiveness::Stopped)
    );
}

#[tokio::test]
async fn a_failed_step_is_counted_and_shown_and_the_worker_goes_on_when_woken() {
    let finished = Arc::default();
    let mut worker = Scripted::new("indexer", 2, &finished);
    worker.fail_at = Some(1);
    let wake = Arc::clone(&worker.wake);
    let mut runner = WorkerRunner::new(WorkerBoard::default());
    runner.start(worker);
    let board = runner.board().clone();
    until(&board, WorkerBoard::all_idle).await;
    let report = &board.reports()[0];
    assert_eq!(report.errors, 1);
    assert_eq!(report.last_error.as_deref(), Some("scripted step: failed"));
    assert_eq!(report.items_done, 0, "nothing counted for the failed step");
    wake.notify_one();
    until(&board, |board| board.reports()[0].items_done == 2).await;
    assert!(!board.any_failed(), "a failed step is not a failed worker");
    runner.stop_in_order().await;
}

#[tokio::test]
async fn a_panicking_worker_shows_as_failed_and_the_others_still_stop_in_order() {
    let finished = Arc::default();
    let mut runner = WorkerRunner::new(WorkerBoard::default());
    let mut doomed = Scripted::new("outbox", 5, &finished);
    doomed.panic_at = Some(2);
    runner.start(doomed);
    runner.start(Scripted::new("media", 1, &finished));
    let board = runner.board().clone();
    until(&board, WorkerBoard::any_failed).await;
    let outbox = &board.reports()[0];
    assert_eq!(outbox.state, WorkerLiveness::Failed);
    assert!(
        outbox
            .last_error
            .as_deref()
            .is_some_and(|error| error.contains("scripted panic"))
    );
    assert!(!board.all_idle());
    runner.stop_in_order().await;
    assert_eq!(*finished.lock().unwrap(), vec!["media"]);
    assert_eq!(board.reports()[0].state, WorkerLiveness::Failed);
}

#[tokio::test]
async fn tasks_in_flight_keep_a_waiting_worker_from_counting_as_idle() {
    struct Waiting(Arc<AtomicUsize>);
    impl Worker for Waiting {
        fn name(&self) -> &'static str {
            "media"
        }
        async fn work(&mut self, _: &CancellationToken) -> Result<WorkerState, WorkerError> {
            Ok(WorkerState::Idle)
        }
        async fn wait_for_work(&mut self) -> WorkerState {
            std::future::pending().await
        }
        fn in_flight(&self) -> Option<InFlight> {
            let count = Arc::clone(&self.0);
            Some(InFlight::new(move || count.load(Ordering::SeqCst)))
        }
    }
    let downloads = Arc::new(AtomicUsize::new(1));
    let mut runner = WorkerRunner::new(WorkerBoard::default());
    runner.start(Waiting(Arc::clone(&downloads)));
    let board = runner.board().clone();
    until(&board, |board| {
        board.reports()[0].state == WorkerLiveness::Idle
    })
    .await;
    assert!(!board.all_idle());
    downloads.store(0, Ordering::SeqCst);
    assert!(board.all_idle());
    runner.stop_in_order().await;
}
