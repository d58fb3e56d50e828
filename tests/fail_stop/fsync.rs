//! A failed fsync poisons the store: nothing is acknowledged any more, `/readyz` says why, and
//! the binary exits non-zero so that its supervisor restarts it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::{APP_SECRET, mock_graph::MockGraph, spawn_app_with};
use super::{board_entry, text_from};
use siaga::whatsapp::{payload, signature};

#[tokio::test]
async fn after_a_failed_fsync_no_webhook_is_acknowledged_and_readyz_names_the_cause() {
    let trigger_dir = tempfile::tempdir().unwrap();
    let trigger = trigger_dir.path().join("fail-fsync");
    let app = spawn_app_with(|settings| {
        settings.fault_fsync_trigger = Some(trigger.clone());
    })
    .await;
    let before = text_from(1, "wamid.fsync.1", "motor saya dicuri");
    assert_eq!(app.post_signed_webhook(&before).await.status(), 200);

    std::fs::write(&trigger, b"").unwrap();
    let during = text_from(2, "wamid.fsync.2", "ada begal");
    assert_eq!(app.post_signed_webhook(&during).await.status(), 503);
    // The disk answers again; nothing is acknowledged before a restart all the same.
    std::fs::remove_file(&trigger).unwrap();
    let after = text_from(3, "wamid.fsync.3", "macet di ampera");
    assert_eq!(app.post_signed_webhook(&after).await.status(), 503);
    assert_eq!(app.post_signed_webhook(&before).await.status(), 503);

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "store_poisoned");
    assert!(
        ready["store"]
            .as_str()
            .is_some_and(|store| store.contains("fdatasync")),
        "{ready}"
    );
    assert_eq!(board_entry(&ready, "flush")["state"], "failed");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("siaga_store_poisoned 1"), "{metrics}");
    assert!(
        metrics.contains("siaga_worker_up{worker=\"flush\"} 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_binary_exits_non_zero_soon_after_a_failed_fsync() {
    let graph = MockGraph::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        data_dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let trigger = data_dir.path().join("fail-fsync");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_siaga"))
        .arg("serve")
        .env("SIAGA_DATA_DIR", data_dir.path().join("data"))
        .env("SIAGA_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIAGA_WA_APP_SECRET", APP_SECRET)
        .env("SIAGA_WA_ACCESS_TOKEN", "fsync-token")
        .env("SIAGA_WA_PHONE_NUMBER_ID", payload::DEMO_PHONE_NUMBER_ID)
        .env("SIAGA_WA_GRAPH_URL", &graph.url)
        .env("SIAGA_FAULT_FSYNC_TRIGGER", &trigger)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the siaga binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let post = |wamid: &'static str| {
        let bytes = payload::to_wire_bytes(&text_from(7, wamid, "motor saya dicuri"));
        client
            .post(format!("{base}/webhooks/whatsapp"))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                signature::sign(APP_SECRET.as_bytes(), &bytes),
            )
            .body(bytes)
            .send()
    };
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server became ready");
    assert_eq!(post("wamid.exit.1").await.unwrap().status(), 200);

    std::fs::write(&trigger, b"").unwrap();
    let failed = post("wamid.exit.2").await;
    // Either refused, or the connection closed as the server stops: never a 200.
    if let Ok(response) = failed {
        assert_eq!(response.status(), 503);
    }
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the poisoned server is still running"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success(), "exit status {status}");
    eprintln!(
        "the poisoned server exited ({status}) {:?} after the refused webhook",
        started.elapsed()
    );
    let mut log = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut log).unwrap();
    assert!(log.contains("poisoned"), "{log}");
}
