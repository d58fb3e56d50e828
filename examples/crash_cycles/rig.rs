//! The mock Graph API the crash cycles run against, and the server they kill and restart: its
//! settings, start, webhook posts, `/readyz`, and `siaga check` / `siaga export` on its stopped
//! data dir.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use siaga::whatsapp::payload;
use siaga::whatsapp::signature;

const SECRET: &str = "crash-cycles-secret";

/// One send the mock accepted: the body siaga posted and the wamid the mock gave it.
#[derive(Clone)]
pub struct Accepted {
    pub body: Value,
    pub wamid: String,
}

#[derive(Default)]
pub struct Mock {
    pub accepted: Mutex<Vec<Accepted>>,
}

async fn mock_messages(State(mock): State<Arc<Mock>>, Json(body): Json<Value>) -> Json<Value> {
    if body["status"] == "read" {
        return Json(json!({ "success": true }));
    }
    let mut accepted = mock.accepted.lock().unwrap();
    let wamid = format!("wamid.cycles.sent.{}", accepted.len());
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    accepted.push(Accepted {
        body,
        wamid: wamid.clone(),
    });
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": to.trim_start_matches('+') }],
        "messages": [{ "id": wamid }]
    }))
}

pub async fn start_mock() -> anyhow::Result<(String, Arc<Mock>)> {
    let mock = Arc::new(Mock::default());
    let router = axum::Router::new()
        .route(
            "/{version}/{phone}/messages",
            axum::routing::post(mock_messages),
        )
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((url, mock))
}

/// The data dir, port and settings every start of the server shares.
pub struct Rig {
    pub siaga: PathBuf,
    pub data_dir: PathBuf,
    pub log: PathBuf,
    pub port: u16,
    pub base: String,
    pub graph_url: String,
    pub reconcile_seconds: u64,
    pub client: reqwest::Client,
}

impl Rig {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.siaga);
        command
            .args(args)
            .env("SIAGA_DATA_DIR", &self.data_dir)
            .env("SIAGA_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("SIAGA_WA_APP_SECRET", SECRET)
            .env("SIAGA_WA_ACCESS_TOKEN", "cycles-token")
            .env("SIAGA_WA_PHONE_NUMBER_ID", payload::DEMO_PHONE_NUMBER_ID)
            .env("SIAGA_WA_GRAPH_URL", &self.graph_url)
            .env("SIAGA_WA_RETRY_BASE_MS", "20")
            .env("SIAGA_WA_SEND_RATE", "10000")
            .env(
                "SIAGA_WA_RECONCILE_SECONDS",
                self.reconcile_seconds.to_string(),
            )
            // The search index says at info when it removed a crash's leftover files.
            .env("RUST_LOG", "warn,siaga::search=info");
        command
    }

    pub async fn start(&self) -> anyhow::Result<Child> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let mut server = self
            .command(&["serve"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        for _ in 0..1200 {
            if let Ok(response) = self
                .client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                && response.status() == 200
            {
                return Ok(server);
            }
            if let Some(status) = server.try_wait()? {
                anyhow::bail!(
                    "the server exited at start ({status}); see {}",
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = server.kill();
        anyhow::bail!("the server never became ready; see {}", self.log.display())
    }

    pub async fn outbox_depth(&self) -> Option<u64> {
        let response = self
            .client
            .get(format!("{}/readyz", self.base))
            .send()
            .await
            .ok()?;
        let value: Value = response.json().await.ok()?;
        value["outbox_depth"].as_u64()
    }

    /// `siaga check` on the stopped data dir: its report when it is not clean.
    pub fn check(&self) -> anyhow::Result<Option<String>> {
        let output = self.command(&["check"]).output()?;
        Ok((!output.status.success()).then(|| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        }))
    }

    /// How many times each inbound wamid is stored, through `siaga export`.
    pub fn stored_copies(&self) -> anyhow::Result<HashMap<String, usize>> {
        let output = self.command(&["export", "--format", "jsonl"]).output()?;
        anyhow::ensure!(
            output.status.success(),
            "siaga export failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut copies = HashMap::new();
        for line in String::from_utf8(output.stdout)?.lines() {
            let report: Value = serde_json::from_str(line)?;
            for message in report["messages"].as_array().into_iter().flatten() {
                if message["direction"] == "INBOUND"
                    && let Some(wamid) = message["external_id"].as_str()
                {
                    *copies.entry(wamid.to_owned()).or_default() += 1;
                }
            }
        }
        Ok(copies)
    }
}

pub async fn post(client: &reqwest::Client, base: &str, body: &[u8]) -> bool {
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
