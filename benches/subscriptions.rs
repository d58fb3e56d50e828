//! Subscription latency: 200 operators subscribed over WebSockets (graphql-transport-ws); for
//! each of a stream of citizen messages, the time from the webhook's 200 to the REPORT_CREATED
//! event arriving on every socket. Prints p50/p90/p99/max over all (event, subscriber) pairs.
//!
//!     cargo bench --bench subscriptions
//!     SUBSCRIBERS=200 MESSAGES=200 cargo bench --bench subscriptions

/// sled allocates heavily on every write; mimalloc handles that far better than glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use siaga::app::App;
use siaga::config::{Config, Settings};
use siaga::domain::phone::PhoneNumber;
use siaga::domain::user::Role;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::signature;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "bench-secret";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize].as_secs_f64() * 1e3
}

fn main() -> anyhow::Result<()> {
    siaga::allocator::run_tuned(run())
}

async fn run() -> anyhow::Result<()> {
    let subscribers = env_number("SUBSCRIBERS", 200);
    let messages = env_number("MESSAGES", 200);
    // As the binary does: a private data dir (0700), private files.
    siaga::data_dir::restrict_new_file_permissions();
    let data_dir = tempfile::tempdir()?;
    let settings = Settings {
        data_dir: Some(data_dir.path().to_path_buf()),
        listen: Some("127.0.0.1:0".into()),
        wa_app_secret: Some(SECRET.into()),
        ..Settings::default()
    };
    let app = App::build(Config::validate(settings)?).await?;
    let base = format!("http://{}", app.local_addr());
    let state = app.state();
    state
        .services
        .auth
        .create_user("bench", "bench-password-1", Role::Operator, None, None)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let token = state
        .services
        .auth
        .login("bench", "bench-password-1")
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?
        .token;
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    // ticket -> instant of the webhook's 200
    let acknowledged: Arc<Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        let mut request =
            format!("{}/graphql/ws", base.replace("http://", "ws://")).into_client_request()?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
        socket.send(WsMessage::Text(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }).to_string().into())).await?;
        let _ack = socket.next().await;
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents { kind report { ticket } } }" } });
        socket
            .send(WsMessage::Text(subscribe.to_string().into()))
            .await?;
        let (acknowledged, latencies) = (Arc::clone(&acknowledged), Arc::clone(&latencies));
        readers.push(tokio::spawn(async move {
            let mut seen = 0;
            while let Some(Ok(message)) = socket.next().await {
                let arrived = Instant::now();
                let WsMessage::Text(text) = message else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                let event = &value["payload"]["data"]["reportEvents"];
                if event["kind"] != "REPORT_CREATED" {
                    continue;
                }
                let Some(ticket) = event["report"]["ticket"].as_str() else {
                    continue;
                };
                // The 200 may be recorded a moment after the event arrives: wait for it.
                let mut sent_at = None;
                for _ in 0..1000 {
                    if let Some(at) = acknowledged.lock().await.get(ticket) {
                        sent_at = Some(*at);
                        break;
                    }
                    tokio::task::yield_now().await;
                }
                if let Some(at) = sent_at {
                    latencies
                        .lock()
                        .await
                        .push(arrived.saturating_duration_since(at));
                }
                seen += 1;
                if seen == messages {
                    return;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let client = reqwest::Client::new();
    for index in 0..messages {
        let citizen = Citizen {
            phone: PhoneNumber::parse(&format!("0815{index:08}"))?,
            name: "Warga".into(),
        };
        let body = payload::to_wire_bytes(&payload::text_message(
            &citizen,
            &format!("wamid.sub.{index}"),
            chrono::Utc::now().timestamp(),
            "ada tawuran",
        ));
        let response = client
            .post(format!("{base}/webhooks/whatsapp"))
            .header(
                "x-hub-signature-256",
                signature::sign(SECRET.as_bytes(), &body),
            )
            .body(body)
            .send()
            .await?;
        let done = Instant::now();
        anyhow::ensure!(
            response.status().is_success(),
            "webhook answered {}",
            response.status()
        );
        let ticket = format!("WA-{}-{:06}", chrono::Utc::now().format("%Y"), index + 1);
        acknowledged.lock().await.insert(ticket, done);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for reader in readers {
        let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
    }
    let mut all = latencies.lock().await.clone();
    all.sort_unstable();
    println!(
        "subscriptions: {subscribers} subscribers x {messages} reports = {} deliveries; webhook 200 -> event on socket: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.9),
        percentile(&all, 0.99),
        all.last().map_or(0.0, |max| max.as_secs_f64() * 1e3)
    );
    Ok(())
}
