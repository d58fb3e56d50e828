//! The ingest and flush threads on the board of `/readyz` and `/metrics`.

use super::board_entry;
use super::common::spawn_app;

#[tokio::test]
async fn the_ingest_and_flush_threads_are_listed_as_up_with_their_progress() {
    let app = spawn_app().await;
    app.post_fixture("inbound_text").await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["store"], "ok");
    let ingest = board_entry(&ready, "ingest");
    assert!(ingest["items_done"].as_u64().unwrap() >= 1, "{ingest}");
    assert_eq!(ingest["errors"], 0, "{ingest}");
    let flush = board_entry(&ready, "flush");
    assert!(flush["items_done"].as_u64().unwrap() >= 1, "{flush}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for name in ["ingest", "flush"] {
        assert!(
            metrics.contains(&format!("siaga_worker_up{{worker=\"{name}\"}} 1")),
            "{metrics}"
        );
    }
    assert!(metrics.contains("siaga_store_poisoned 0"), "{metrics}");
    assert!(
        metrics.contains("siaga_webhook_poison_total 0"),
        "{metrics}"
    );
}
