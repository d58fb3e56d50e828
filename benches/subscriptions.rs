//! Subscription latency: 200 operators subscribed over WebSockets (graphql-transport-ws); for
//! each of a stream of citizen messages, the time from the webhook's 200 to the REPORT_CREATED
//! event arriving on every socket. Prints p50/p90/p99/max over all (event, subscriber) pairs.
//! With `CLIENTS=process` the sockets are held by a second process (this binary started again
//! as a client), so that reading them does not share the server's runtime; both take their
//! times from the system clock.
//!
//!     cargo bench --bench subscriptions
//!     SUBSCRIBERS=1000 MESSAGES=100 cargo bench --bench subscriptions
//!     SUBSCRIBERS=1000 MESSAGES=100 CLIENTS=process cargo bench --bench subscriptions

/// jemalloc, counted for `siaga_heap_live_bytes` (see `siaga::allocator` for why jemalloc).
#[global_allocator]
static ALLOCATOR: siaga::allocator::CountingAllocator = siaga::allocator::CountingAllocator;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use siaga::app::App;
use siaga::config::{Config, Settings};
use siaga::domain::user::Role;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use clients::SECRET;

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

/// Set for the client process: the WebSocket URL it connects to (its token in
/// `CLIENT_TOKEN`).
const CLIENT_OF: &str = "SUBSCRIPTION_CLIENT_OF";
const CLIENT_TOKEN: &str = "SUBSCRIPTION_CLIENT_TOKEN";

fn main() -> anyhow::Result<()> {
    if let Ok(url) = std::env::var(CLIENT_OF) {
        return tokio::runtime::Runtime::new()?.block_on(clients::run(url));
    }
    siaga::allocator::run_tuned(run())
}

#[path = "support/subscription_clients.rs"]
mod clients;

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

    if std::env::var("CLIENTS").is_ok_and(|clients| clients == "process") {
        let listening_before = state.bus.subscriber_count();
        let registered = async {
            while state.bus.subscriber_count() < listening_before + subscribers {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        let webhooks = clients::Webhooks::new(&base);
        let all = clients::measure_in_another_process(
            &webhooks,
            registered,
            &base,
            &token,
            subscribers,
            messages,
        )
        .await?;
        print_result(subscribers, messages, "clients in another process", all);
        return Ok(());
    }

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
        let (mut socket, _) = tokio_tungstenite::connect_async_with_config(
            request,
            Some(clients::client_config()),
            false,
        )
        .await?;
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
                let Some(ticket) = clients::created_ticket(&message) else {
                    continue;
                };
                // The 200 may be recorded a moment after the event arrives: wait for it.
                let mut sent_at = None;
                for _ in 0..1000 {
                    if let Some(at) = acknowledged.lock().await.get(&ticket) {
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

    let webhooks = clients::Webhooks::new(&base);
    for index in 0..messages {
        let ticket = webhooks.post(index).await?;
        acknowledged.lock().await.insert(ticket, Instant::now());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for reader in readers {
        let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
    }
    let all = latencies.lock().await.clone();
    print_result(subscribers, messages, "clients in this process", all);
    Ok(())
}

fn print_result(subscribers: usize, messages: usize, clients: &str, mut all: Vec<Duration>) {
    all.sort_unstable();
    println!(
        "subscriptions ({clients}): {subscribers} subscribers x {messages} reports = {} deliveries; webhook 200 -> event on socket: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.9),
        percentile(&all, 0.99),
        all.last().map_or(0.0, |max| max.as_secs_f64() * 1e3)
    );
}
