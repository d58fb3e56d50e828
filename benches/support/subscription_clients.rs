//! The subscription bench's other half: signed webhooks, and the subscribers held by a second
//! process (the bench binary started again with `SUBSCRIPTION_CLIENT_OF`). The client process
//! prints `ready` once every socket has subscribed, then one `ticket micros` line per
//! REPORT_CREATED event and socket, with the arrival time from the system clock; the server
//! side takes the webhook's 200 from the same clock.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use siaga::domain::ids::Ticket;
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::signature;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub const SECRET: &str = "bench-secret";

/// How long the client process waits for every event before it reports what it has.
const CLIENT_PATIENCE: Duration = Duration::from_secs(60);

fn unix_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_micros() as u64)
}

/// The clients read in small chunks: tungstenite zero-fills its whole read buffer (128 KiB by
/// default) before every read, which on a shared machine would take CPU from the server being
/// measured.
pub fn client_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4 * 1024)
}

/// A `next` frame as far as the bench reads it (other fields are skipped, not built).
#[derive(serde::Deserialize)]
struct Frame<'a> {
    #[serde(borrow)]
    payload: Option<Payload<'a>>,
}

#[derive(serde::Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    data: Option<Data<'a>>,
}

#[derive(serde::Deserialize)]
struct Data<'a> {
    #[serde(borrow, rename = "reportEvents")]
    report_events: Option<Event<'a>>,
}

#[derive(serde::Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    report: Option<Report<'a>>,
}

#[derive(serde::Deserialize)]
struct Report<'a> {
    #[serde(borrow)]
    ticket: std::borrow::Cow<'a, str>,
}

/// The ticket of a REPORT_CREATED event, if `message` is one (parsed into the few fields read).
pub fn created_ticket(message: &WsMessage) -> Option<String> {
    let WsMessage::Text(text) = message else {
        return None;
    };
    let frame: Frame<'_> = serde_json::from_str(text).ok()?;
    let event = frame.payload?.data?.report_events?;
    if event.kind != "REPORT_CREATED" {
        return None;
    }
    Some(event.report?.ticket.into_owned())
}

/// Citizens' messages, signed as Meta signs them.
pub struct Webhooks {
    client: reqwest::Client,
    base: String,
    /// The ticket sequence the first new report gets (tickets run on within the year).
    first_sequence: usize,
    /// Citizens and wamids of this run, so that a run on a kept store opens new reports.
    run: u32,
}

impl Webhooks {
    /// For an empty store: the reports are numbered from 1, with citizens of their own.
    pub fn new(base: &str) -> Webhooks {
        Webhooks::continuing(base, 1, 0)
    }

    /// For a store whose next ticket this year is `first_sequence`; `run` sets this run's
    /// citizens and wamids apart from other runs'.
    pub fn continuing(base: &str, first_sequence: usize, run: u32) -> Webhooks {
        Webhooks {
            client: reqwest::Client::new(),
            base: base.to_string(),
            first_sequence,
            run,
        }
    }

    /// Posts the `index`th citizen's message; its ticket, once the webhook answered 200 (one
    /// new report each, numbered in order).
    pub async fn post(&self, index: usize) -> anyhow::Result<String> {
        let number = (self.run as usize * 10_000 + index) % 100_000_000;
        let citizen = Citizen {
            phone: PhoneNumber::parse(&format!("0815{number:08}"))?,
            name: "Warga".into(),
        };
        let body = payload::to_wire_bytes(&payload::text_message(
            &citizen,
            &format!("wamid.sub.{}.{index}", self.run),
            chrono::Utc::now().timestamp(),
            "ada tawuran",
        ));
        let response = self
            .client
            .post(format!("{}/webhooks/whatsapp", self.base))
            .header(
                "x-hub-signature-256",
                signature::sign(SECRET.as_bytes(), &body),
            )
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "webhook answered {}",
            response.status()
        );
        let year = chrono::Datelike::year(&chrono::Utc::now());
        let sequence = (self.first_sequence + index) as u64;
        Ok(Ticket::format("WA", year, sequence).as_str().to_string())
    }
}

/// Starts this binary again as the client process (`subscribers` sockets, each until it has
/// seen `messages` new reports) and returns once it says every socket has subscribed, with
/// its remaining output.
pub async fn start_client_process(
    base: &str,
    token: &str,
    subscribers: usize,
    messages: usize,
) -> anyhow::Result<(Child, Lines<BufReader<ChildStdout>>)> {
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .env(
            super::CLIENT_OF,
            format!("{}/graphql/ws", base.replace("http://", "ws://")),
        )
        .env(super::CLIENT_TOKEN, token)
        .env("SUBSCRIBERS", subscribers.to_string())
        .env("MESSAGES", messages.to_string())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut lines = BufReader::new(stdout).lines();
    anyhow::ensure!(
        lines.next_line().await?.as_deref() == Some("ready"),
        "the client process did not get ready"
    );
    Ok((child, lines))
}

/// The server side: starts the client process, waits until its subscriptions are registered
/// (`registered` completes), posts the messages, and pairs each arrival with its webhook's
/// 200.
pub async fn measure_in_another_process(
    webhooks: &Webhooks,
    registered: impl std::future::Future<Output = ()>,
    base: &str,
    token: &str,
    subscribers: usize,
    messages: usize,
) -> anyhow::Result<Vec<Duration>> {
    let (mut child, mut lines) = start_client_process(base, token, subscribers, messages).await?;
    registered.await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut acknowledged = HashMap::new();
    let posting = std::time::Instant::now();
    for index in 0..messages {
        let ticket = webhooks.post(index).await?;
        acknowledged.insert(ticket, unix_micros());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let posted = posting.elapsed();
    println!(
        "posted {messages} reports in {:.0} ms: one every {:.1} ms (10 ms pause and the webhook)",
        posted.as_secs_f64() * 1e3,
        posted.as_secs_f64() * 1e3 / messages.max(1) as f64
    );
    let mut latencies = Vec::with_capacity(subscribers * messages);
    while let Some(line) = lines.next_line().await? {
        let Some((ticket, arrived)) = line.split_once(' ') else {
            continue;
        };
        let (Some(sent), Ok(arrived)) = (acknowledged.get(ticket), arrived.parse::<u64>()) else {
            continue;
        };
        latencies.push(Duration::from_micros(arrived.saturating_sub(*sent)));
    }
    child.wait().await?;
    Ok(latencies)
}

/// The client process: `SUBSCRIBERS` sockets, each until it has seen `MESSAGES` new reports.
pub async fn run(url: String) -> anyhow::Result<()> {
    let token = std::env::var(super::CLIENT_TOKEN)?;
    let subscribers = super::env_number("SUBSCRIBERS", 200);
    let messages = super::env_number("MESSAGES", 200);
    let mut readers = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let mut request = url.as_str().into_client_request()?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
        let (mut socket, _) =
            tokio_tungstenite::connect_async_with_config(request, Some(client_config()), false)
                .await?;
        let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
        socket
            .send(WsMessage::Text(init.to_string().into()))
            .await?;
        let _ack = socket.next().await;
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents { kind report { ticket } } }" } });
        socket
            .send(WsMessage::Text(subscribe.to_string().into()))
            .await?;
        // Each reader has its own arrivals behind a plain mutex that nobody else takes until
        // the end: no lock shared between readers, no await to record one.
        let arrivals = Arc::new(std::sync::Mutex::new(Vec::with_capacity(messages)));
        let kept = Arc::clone(&arrivals);
        readers.push((
            kept,
            tokio::spawn(async move {
                let mut seen = 0;
                while let Some(Ok(message)) = socket.next().await {
                    // The arrival is taken before the frame is parsed.
                    let arrived = unix_micros();
                    let Some(ticket) = created_ticket(&message) else {
                        continue;
                    };
                    arrivals
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((ticket, arrived));
                    seen += 1;
                    if seen == messages {
                        return;
                    }
                }
            }),
        ));
    }
    println!("ready");
    let deadline = tokio::time::Instant::now() + CLIENT_PATIENCE;
    let mut out = String::new();
    for (arrivals, reader) in readers {
        let _ = tokio::time::timeout_at(deadline, reader).await;
        let arrivals = arrivals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (ticket, arrived) in arrivals.iter() {
            out.push_str(&format!("{ticket} {arrived}\n"));
        }
    }
    print!("{out}");
    Ok(())
}
