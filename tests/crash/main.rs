//! The durability promise, end to end with the real binary killed with SIGKILL and restarted:
//! `burst` (every delivery acknowledged before the kill is on disk before Meta redelivers
//! anything; after the redelivery nothing is stored or answered twice; `siaga check` finds the
//! data dir consistent after the kill and at the end) and `replies` (a reply
//! never handed to Meta goes out at once after the restart; one that was is not sent twice).

mod burst;
#[path = "../common/mod.rs"]
mod common;
mod replies;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::mock_graph::MockGraph;
use serde_json::Value;
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::signature;

const SECRET: &str = "crash-test-secret";

/// One private data dir, one port and a mock Graph API, for servers started and killed in
/// turn with the same settings.
struct Rig {
    graph: MockGraph,
    data_dir: tempfile::TempDir,
    port: u16,
    base: String,
    client: reqwest::Client,
    /// `SIAGA_*` variables on top of the test defaults.
    settings: Vec<(&'static str, String)>,
}

impl Rig {
    async fn new(settings: &[(&'static str, &str)]) -> Rig {
        let data_dir = tempfile::tempdir().unwrap();
        // siaga refuses a data dir that others can read.
        std::fs::set_permissions(
            data_dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        let port = free_port();
        Rig {
            graph: MockGraph::start().await,
            data_dir,
            port,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            settings: settings
                .iter()
                .map(|(name, value)| (*name, value.to_string()))
                .collect(),
        }
    }

    /// Starts the server and waits until it is ready.
    async fn start(&self) -> Child {
        let settings: Vec<(&str, &str)> = self
            .settings
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let server = spawn_server(self.data_dir.path(), self.port, &self.graph.url, &settings);
        wait_ready(&self.client, &self.base).await;
        server
    }

    async fn post(&self, body: &[u8]) -> bool {
        post(&self.client, &self.base, body).await
    }

    async fn readiness(&self) -> Value {
        readiness(&self.client, &self.base).await
    }

    /// Waits until the outbox holds `depth` items; false if it does not within `limit`.
    async fn outbox_reaches(&self, depth: u64, limit: Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if self.readiness().await["outbox_depth"] == depth {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real binary, serving `data_dir` on `port` against the mock Graph API at `graph_url`;
/// `settings` are `SIAGA_*` variables on top of the test defaults.
fn spawn_server(
    data_dir: &std::path::Path,
    port: u16,
    graph_url: &str,
    settings: &[(&str, &str)],
) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_siaga"));
    command
        .arg("serve")
        .env("SIAGA_DATA_DIR", data_dir)
        .env("SIAGA_LISTEN", format!("127.0.0.1:{port}"))
        .env("SIAGA_WA_APP_SECRET", SECRET)
        .env("SIAGA_WA_ACCESS_TOKEN", "crash-token")
        .env("SIAGA_WA_PHONE_NUMBER_ID", payload::DEMO_PHONE_NUMBER_ID)
        .env("SIAGA_WA_GRAPH_URL", graph_url)
        .env("SIAGA_WA_RETRY_BASE_MS", "20")
        .env("SIAGA_WA_SEND_RATE", "10000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in settings {
        command.env(name, value);
    }
    command.spawn().expect("the siaga binary starts")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} never became ready");
}

/// `/readyz` as JSON, whatever its status.
async fn readiness(client: &reqwest::Client, base: &str) -> Value {
    client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn citizen(index: usize) -> Citizen {
    Citizen {
        phone: PhoneNumber::parse(&format!("0817{index:08}")).unwrap(),
        name: format!("Warga {index}"),
    }
}

/// The number a reply to `citizen(index)` is sent to, as the Graph API sees it.
fn recipient(index: usize) -> String {
    citizen(index).phone.as_e164().to_string()
}

/// A signed delivery of one text message: its wamid and body.
fn delivery(citizen_index: usize, message_index: usize) -> (String, Vec<u8>) {
    let wamid = format!("wamid.crash.{citizen_index}.{message_index}");
    let text =
        format!("laporan {citizen_index} pesan {message_index}: ada maling mencuri di pasar");
    let body = payload::text_message(
        &citizen(citizen_index),
        &wamid,
        chrono::Utc::now().timestamp(),
        &text,
    );
    (wamid, payload::to_wire_bytes(&body))
}

/// Posts a signed webhook body; true for a 200.
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

/// Meta's `sent` status for a message the mock accepted (its body and the wamid it gave).
fn sent_status(body: &Value, wamid: &str) -> Vec<u8> {
    let recipient = body["to"]
        .as_str()
        .unwrap()
        .trim_start_matches('+')
        .to_string();
    let callback = body["biz_opaque_callback_data"].as_str();
    let status = payload::status(
        wamid,
        "sent",
        &recipient,
        chrono::Utc::now().timestamp(),
        callback,
    );
    payload::to_wire_bytes(&status)
}

/// Kills the server with SIGKILL and reaps it.
fn kill_hard(server: &mut Child) {
    server.kill().expect("SIGKILL");
    let _ = server.wait();
}

/// Stops the server with SIGTERM; it must exit cleanly.
fn stop(server: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "SIGTERM stops the server cleanly: {status:?}"
    );
}

/// Every report of a stopped data dir, through `siaga export` (which opens the store from its
/// log on disk, as a restart does).
fn export(data_dir: &std::path::Path) -> Vec<Value> {
    let export = common::run_siaga(data_dir, &["export", "--format", "jsonl"], "");
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// `siaga check` on a stopped data dir must find it consistent.
fn assert_check_clean(data_dir: &std::path::Path, when: &str) {
    let checked = common::run_siaga(data_dir, &["check"], "");
    assert!(
        checked.status.success(),
        "siaga check {when}:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// How many times each citizen's message (by wamid) is stored in `reports`.
fn inbound_copies(reports: &[Value]) -> HashMap<String, usize> {
    let mut seen = HashMap::<String, usize>::new();
    for report in reports {
        for message in report["messages"].as_array().unwrap() {
            if message["direction"] == "INBOUND" {
                *seen
                    .entry(message["external_id"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
    }
    seen
}

/// Posts every body, sixteen at a time, as Meta's delivery does; returns how many got a 200.
async fn post_concurrently(client: &reqwest::Client, base: &str, bodies: Vec<Vec<u8>>) -> usize {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
    let mut posts = tokio::task::JoinSet::new();
    for body in bodies {
        let (client, base, permits) = (client.clone(), base.to_string(), permits.clone());
        posts.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            post(&client, &base, &body).await
        });
    }
    let mut acknowledged = 0;
    while let Some(posted) = posts.join_next().await {
        acknowledged += usize::from(posted.unwrap());
    }
    acknowledged
}
