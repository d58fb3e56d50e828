//! The durability promise, end to end with the real binary: a burst of concurrent deliveries,
//! SIGKILL in the middle, a restart, Meta redelivering everything; afterwards every delivery
//! that got a 200 is in the export exactly once and every report was answered exactly once.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::mock_graph::MockGraph;
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::signature;

const SECRET: &str = "crash-test-secret";
const CITIZENS: usize = 120;
const MESSAGES_PER_CITIZEN: usize = 2;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_server(data_dir: &std::path::Path, port: u16, graph_url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_siaga"))
        .arg("serve")
        .env("SIAGA_DATA_DIR", data_dir)
        .env("SIAGA_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIAGA_WA_APP_SECRET", SECRET)
        .env("SIAGA_WA_ACCESS_TOKEN", "crash-token")
        .env("SIAGA_WA_PHONE_NUMBER_ID", payload::DEMO_PHONE_NUMBER_ID)
        .env("SIAGA_WA_GRAPH_URL", graph_url)
        .env("SIAGA_WA_RETRY_BASE_MS", "20")
        .env("SIAGA_WA_SEND_RATE", "10000")
        .env("SIAGA_WA_RECONCILE_SECONDS", "4")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the siaga binary starts")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} never became ready");
}

fn delivery(citizen_index: usize, message_index: usize) -> (String, Vec<u8>) {
    let citizen = Citizen {
        phone: PhoneNumber::parse(&format!("0817{:08}", citizen_index)).unwrap(),
        name: format!("Warga {citizen_index}"),
    };
    let wamid = format!("wamid.crash.{citizen_index}.{message_index}");
    let text = format!("laporan {citizen_index} pesan {message_index}: ada pencurian di pasar");
    let body = payload::text_message(&citizen, &wamid, chrono::Utc::now().timestamp(), &text);
    (wamid, payload::to_wire_bytes(&body))
}

async fn post(client: &reqwest::Client, base: &str, body: &[u8]) -> bool {
    let response = client
        .post(format!("{base}/webhooks/whatsapp"))
        .header(
            "x-hub-signature-256",
            signature::sign(SECRET.as_bytes(), body),
        )
        .body(body.to_vec())
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    matches!(response, Ok(response) if response.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_or_doubled_across_a_kill_and_restart() {
    let graph = MockGraph::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    // siaga refuses a data dir that others can read.
    std::fs::set_permissions(
        data_dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();

    let mut server = spawn_server(data_dir.path(), port, &graph.url);
    wait_ready(&client, &base).await;

    // The first message of each citizen, then the follow-ups, all concurrently; the server is
    // killed once a third of them are acknowledged.
    let deliveries: Vec<(String, Vec<u8>)> = (0..MESSAGES_PER_CITIZEN)
        .flat_map(|message| (0..CITIZENS).map(move |citizen| delivery(citizen, message)))
        .collect();
    let acknowledged = Arc::new(std::sync::Mutex::new(HashSet::<String>::new()));
    let acknowledged_count = Arc::new(AtomicUsize::new(0));
    let kill_after = deliveries.len() / 3;
    let server_pid = server.id();
    let killer = {
        let acknowledged_count = Arc::clone(&acknowledged_count);
        tokio::spawn(async move {
            while acknowledged_count.load(Ordering::SeqCst) < kill_after {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let _ = Command::new("kill")
                .args(["-9", &server_pid.to_string()])
                .status();
        })
    };
    let semaphore = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = Vec::new();
    for (wamid, body) in deliveries.clone() {
        let (client, base, acknowledged, acknowledged_count, semaphore) = (
            client.clone(),
            base.clone(),
            Arc::clone(&acknowledged),
            Arc::clone(&acknowledged_count),
            Arc::clone(&semaphore),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = semaphore.acquire().await.unwrap();
            if post(&client, &base, &body).await {
                acknowledged.lock().unwrap().insert(wamid);
                acknowledged_count.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    killer.await.unwrap();
    let _ = server.wait();
    let acknowledged_before_kill = acknowledged.lock().unwrap().len();
    assert!(
        acknowledged_before_kill >= kill_after,
        "the burst ran into the kill"
    );
    assert!(
        acknowledged_before_kill < deliveries.len(),
        "the kill interrupted the burst"
    );

    // Restart; Meta delivers the sent statuses of what it accepted, and retries everything.
    let mut server = spawn_server(data_dir.path(), port, &graph.url);
    wait_ready(&client, &base).await;
    for (body, wamid) in graph.accepted_sends() {
        let recipient = body["to"]
            .as_str()
            .unwrap()
            .trim_start_matches('+')
            .to_string();
        let callback = body["biz_opaque_callback_data"]
            .as_str()
            .map(str::to_string);
        let status = payload::status(
            &wamid,
            "sent",
            &recipient,
            chrono::Utc::now().timestamp(),
            callback.as_deref(),
        );
        assert!(post(&client, &base, &payload::to_wire_bytes(&status)).await);
    }
    for (wamid, body) in &deliveries {
        assert!(
            post(&client, &base, body).await,
            "redelivery of {wamid} after the restart"
        );
        acknowledged.lock().unwrap().insert(wamid.clone());
    }

    // Let the outbox drain (reconciliation waits a few seconds for uncertain sends).
    let mut drained = false;
    for _ in 0..400 {
        let ready: serde_json::Value = client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ready["outbox_depth"] == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(drained, "the outbox drains after the restart");
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "SIGTERM stops the server cleanly: {status:?}"
    );

    let export = Command::new(env!("CARGO_BIN_EXE_siaga"))
        .args(["export", "--format", "jsonl"])
        .env("SIAGA_DATA_DIR", data_dir.path())
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let reports: Vec<serde_json::Value> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();

    let mut seen = HashMap::<String, usize>::new();
    for report in &reports {
        for message in report["messages"].as_array().unwrap() {
            if message["direction"] == "INBOUND" {
                *seen
                    .entry(message["external_id"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
    }
    for wamid in acknowledged.lock().unwrap().iter() {
        assert_eq!(
            seen.get(wamid),
            Some(&1),
            "{wamid} got a 200 and must be stored exactly once"
        );
    }
    assert_eq!(reports.len(), CITIZENS, "one report per citizen");

    let mut replies_per_number = HashMap::<String, usize>::new();
    for body in graph.sent_messages() {
        *replies_per_number
            .entry(body["to"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(
        replies_per_number.len(),
        CITIZENS,
        "every report was answered"
    );
    let doubled: Vec<_> = replies_per_number
        .iter()
        .filter(|(_, count)| **count != 1)
        .collect();
    assert!(
        doubled.is_empty(),
        "every report answered exactly once, but: {doubled:?}"
    );
}
