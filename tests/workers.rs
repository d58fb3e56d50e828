//! The background workers as operators and monitoring see them: each listed in `/readyz` and
//! `/metrics`, idle once their work is done, and a failed one visible rather than silently gone.

mod common;

use common::spawn_app;
use serde_json::Value;
use siaga::store::Table;
use siaga::worker::{Worker, WorkerError, WorkerRunner, WorkerState};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn readyz_and_metrics_list_every_worker_as_up() {
    let app = spawn_app().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let names: Vec<&str> = ready["workers"]
        .as_array()
        .expect("a list of workers")
        .iter()
        .map(|worker| worker["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "clock",
            "outbox",
            "media",
            "indexer",
            "retention",
            "ingest",
            "flush"
        ],
        "the workers in the order they stop, then the ingest and flush threads"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for name in names {
        assert!(
            metrics.contains(&format!("siaga_worker_up{{worker=\"{name}\"}} 1")),
            "{metrics}"
        );
        assert!(
            metrics.contains(&format!(
                "siaga_worker_last_progress_seconds{{worker=\"{name}\"}}"
            )),
            "{metrics}"
        );
    }
}

#[tokio::test]
async fn once_a_report_is_answered_and_indexed_every_worker_is_idle() {
    let app = spawn_app().await;
    app.post_fixture("inbound_text").await;
    app.graph
        .wait_for_sent_messages(1, std::time::Duration::from_secs(10))
        .await;
    app.wait_until("the reply is recorded", |app| {
        app.state.store.is_empty(Table::Outbox)
    })
    .await;
    app.wait_for_index().await;
    app.wait_for_workers_idle().await;
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    let outbox = ready["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|worker| worker["name"] == "outbox")
        .cloned()
        .unwrap();
    assert!(outbox["items_done"].as_u64().unwrap() >= 1, "{outbox}");
    assert_eq!(outbox["errors"], 0, "{outbox}");
}

/// Panics in its first step.
struct Doomed;

impl Worker for Doomed {
    fn name(&self) -> &'static str {
        "doomed"
    }

    async fn work(&mut self, _: &CancellationToken) -> Result<WorkerState, WorkerError> {
        panic!("doomed worker gives up");
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        WorkerState::Busy
    }
}

#[tokio::test]
async fn a_worker_that_panics_shows_as_failed_and_readyz_answers_503() {
    let app = spawn_app().await;
    let mut runner = WorkerRunner::new(app.state.workers.clone());
    runner.start(Doomed);
    common::poll_until("the doomed worker failed", || {
        app.state.workers.any_failed()
    })
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "worker_failed");
    let doomed = ready["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|worker| worker["name"] == "doomed")
        .cloned()
        .unwrap();
    assert_eq!(doomed["state"], "failed");
    assert!(
        doomed["last_error"]
            .as_str()
            .is_some_and(|error| error.contains("doomed worker gives up")),
        "{doomed}"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_worker_up{worker=\"doomed\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("siaga_worker_up{worker=\"outbox\"} 1"),
        "{metrics}"
    );
    runner.stop_in_order().await;
}
