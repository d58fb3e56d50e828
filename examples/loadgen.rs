//! Load generator: posts unique signed webhooks (one new citizen each, so every message opens
//! a report and is answered) at a chosen concurrency and rate, then prints throughput and
//! latency percentiles of the webhook's 200 and of the automatic reply reaching the Graph API.
//!
//! Self-hosted (default): starts siaga in this process on a temporary data dir, with a mock
//! Graph API on loopback, durability on.
//!     cargo run --release --example loadgen -- --messages 30000 --concurrency 64
//!     cargo run --release --example loadgen -- --messages 15000 --rate 500
//! A fixed rate needs enough connections to keep it coming while requests queue: 3,000/s
//! with latencies near 100 ms takes more than 300 (Little's law), hence 512 here.
//!     cargo run --release --example loadgen -- --messages 60000 --concurrency 512 --rate 3000
//! Against a running server (reply latency is then not measured):
//!     cargo run --release --example loadgen -- --target http://127.0.0.1:8080 --secret APP_SECRET
//! For a fixed time at a fixed rate (`scripts/soak.sh`), building each delivery as it is due
//! instead of all up front, and writing the webhook latencies of every window to a CSV:
//!     cargo run --release --example loadgen -- --target http://127.0.0.1:8080 \
//!         --secret APP_SECRET --rate 200 --duration-seconds 1800 --windows soak-windows.csv
//! Spread over two business numbers (self-hosted: both configured, each reply checked to come
//! from the number its citizen wrote to; against a server: its configured numbers' ids):
//!     cargo run --release --example loadgen -- --messages 10000 --numbers 112233445566778,112233445566779

/// jemalloc, counted for `siaga_heap_live_bytes` (see `siaga::allocator` for why jemalloc).
#[global_allocator]
static ALLOCATOR: siaga::allocator::CountingAllocator = siaga::allocator::CountingAllocator;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use clap::Parser;
use dashmap_free::LatencyMap;
use siaga::app::App;
use siaga::config::{Config, Settings};
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::signature;

#[derive(Parser, Debug)]
struct Args {
    /// Base url of a running siaga; when absent, one is started in this process.
    #[arg(long)]
    target: Option<String>,
    /// App secret of the target (self-hosted uses its own).
    #[arg(long, default_value = "loadgen-secret")]
    secret: String,
    #[arg(long, default_value_t = 20_000)]
    messages: usize,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Messages per second to offer; 0 means as fast as the server takes them.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Run for this many seconds at `--rate` instead of posting `--messages`.
    #[arg(long)]
    duration_seconds: Option<u64>,
    /// With `--duration-seconds`: the CSV that gets one line per window of webhook latencies.
    #[arg(long)]
    windows: Option<std::path::PathBuf>,
    /// With `--duration-seconds`: the length of a window.
    #[arg(long, default_value_t = 10)]
    window_seconds: u64,
    /// The first citizen's number (`0819` and eight digits): runs against one kept store with
    /// different starts each open new reports instead of following up the earlier run's
    /// (the scale example alternates runs this way).
    #[arg(long, default_value_t = 0)]
    first_citizen: usize,
    /// Citizens who write, in turn: 0 (the default) makes every message a new citizen's, who
    /// opens a report; N > 0 cycles over N citizens, so after the first N messages each one
    /// follows up its writer's open report. The soak uses it for a help line's steady state
    /// (`SOAK_CITIZENS`). Keep N above the rate times 30 s, or the per-reporter rate limit
    /// (20 messages in 10 minutes by default) slows the citizens down.
    #[arg(long, default_value_t = 0)]
    citizens: usize,
    /// Follow-ups per citizen (without `--citizens`): of every 1 + F messages one comes from a
    /// new citizen, who opens a report and is answered, and the others follow up the reports of
    /// citizens who wrote first 1,000, 2,000, ... F x 1,000 new citizens earlier (at 200 msg/s
    /// and F = 4, 25 to 100 seconds earlier), as a citizen sends a photo, a location or more
    /// words after the first message. The soak uses it (`SOAK_FOLLOW_UPS`).
    #[arg(long, default_value_t = 0)]
    follow_ups: usize,
    /// Business numbers (phone number ids, comma-separated) to spread the messages over, in
    /// turn; the demo number alone when absent.
    #[arg(long, value_delimiter = ',')]
    numbers: Vec<String>,
}

/// The business numbers of this run (`--numbers`), set once at start.
static NUMBERS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Replies that came from another number than the one their citizen wrote to.
static WRONG_NUMBER_REPLIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The business number citizen `index` writes to.
fn number_of(index: usize) -> &'static str {
    match NUMBERS.get() {
        Some(numbers) if !numbers.is_empty() => &numbers[index % numbers.len()],
        _ => payload::DEMO_PHONE_NUMBER_ID,
    }
}

#[path = "loadgen/timed.rs"]
mod timed;

/// A tiny map from citizen number to the instant their webhook got its 200, shared with the
/// mock Graph API that sees the replies.
mod dashmap_free {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    /// Both sides of the race (the 200 seen by the client, the reply seen by the mock) are
    /// matched under one lock, so that neither can miss the other.
    #[derive(Default)]
    struct Pending {
        acknowledged: HashMap<String, Instant>,
        early_replies: HashMap<String, Instant>,
    }

    #[derive(Default)]
    pub struct LatencyMap {
        pending: Mutex<Pending>,
        pub reply_latencies: Mutex<Vec<Duration>>,
        pub last_reply: Mutex<Option<Instant>>,
    }

    impl LatencyMap {
        pub fn acknowledged(&self, to: String, at: Instant) {
            let mut pending = self.pending.lock().unwrap();
            if pending.early_replies.remove(&to).is_some() {
                // The reply reached Graph before our client saw the 200: zero latency.
                self.reply_latencies.lock().unwrap().push(Duration::ZERO);
                return;
            }
            pending.acknowledged.insert(to, at);
        }

        pub fn replied(&self, to: String, at: Instant) {
            *self.last_reply.lock().unwrap() = Some(at);
            let mut pending = self.pending.lock().unwrap();
            match pending.acknowledged.remove(&to) {
                Some(acknowledged) => self
                    .reply_latencies
                    .lock()
                    .unwrap()
                    .push(at.saturating_duration_since(acknowledged)),
                None => {
                    pending.early_replies.insert(to, at);
                }
            }
        }
    }
}

/// The one field of an outgoing message the mock needs.
#[derive(serde::Deserialize)]
struct Outgoing {
    to: String,
}

async fn mock_send(
    State(map): State<Arc<LatencyMap>>,
    axum::extract::Path((_version, phone)): axum::extract::Path<(String, String)>,
    Json(Outgoing { to }): Json<Outgoing>,
) -> Json<serde_json::Value> {
    // Citizen `index` is 0819 and eight digits of it (see `signed_delivery`).
    let index = to
        .trim_start_matches('+')
        .get(5..)
        .and_then(|digits| digits.parse::<usize>().ok());
    if index.is_some_and(|index| number_of(index) != phone) {
        WRONG_NUMBER_REPLIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    map.replied(to.clone(), Instant::now());
    Json(serde_json::json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": to.trim_start_matches('+') }],
        "messages": [{ "id": format!("wamid.load.{}", rand::random::<u64>()) }]
    }))
}

/// One webhook POST, ready to send: a new citizen's text message and its signature.
struct Delivery {
    e164: String,
    body: bytes::Bytes,
    signature: String,
}

/// `count` deliveries from distinct citizens, with wamids unique to this run.
fn signed_deliveries(count: usize, args: &Args, secret: &str) -> Vec<Delivery> {
    let run: u32 = rand::random();
    (0..count)
        .map(|message| signed_delivery(run, message, citizen_of(args, message), secret))
        .collect()
}

/// New citizens between a citizen's first message and each of its follow-ups
/// (`--follow-ups`).
const FOLLOW_UP_GAP: usize = 1000;

/// The citizen who writes message `message` of a run (`--first-citizen`, `--citizens`,
/// `--follow-ups`).
fn citizen_of(args: &Args, message: usize) -> usize {
    let round = message / (args.follow_ups + 1);
    let nth = message % (args.follow_ups + 1);
    args.first_citizen
        + match (args.citizens, nth) {
            (0, 0) => round,
            // A follow-up of the citizen who wrote first `nth` gaps earlier; early in the run,
            // before there is one, a citizen of its own, numbered after every other.
            (0, nth) => match round.checked_sub(nth * FOLLOW_UP_GAP) {
                Some(earlier) => earlier,
                None => 50_000_000 + message,
            },
            (citizens, _) => message % citizens,
        }
}

/// Message `message` of run `run`, written by citizen `index`.
fn signed_delivery(run: u32, message: usize, index: usize, secret: &str) -> Delivery {
    let text = "Pak, motor saya dicuri di parkiran pasar 16 Ilir, tolong dibantu";
    let number = index % 100_000_000;
    let phone = PhoneNumber::parse(&format!("0819{number:08}")).expect("generated number");
    let e164 = phone.as_e164().to_string();
    let citizen = Citizen {
        phone,
        name: format!("Warga {index}"),
    };
    let wamid = format!("wamid.loadgen.{run}.{message}");
    let message = payload::text_message(&citizen, &wamid, chrono::Utc::now().timestamp(), text);
    let body = payload::to_wire_bytes(&payload::addressed_to(
        message,
        number_of(index),
        payload::DEMO_DISPLAY_NUMBER,
    ));
    let signature = signature::sign(secret.as_bytes(), &body);
    Delivery {
        e164,
        body: body.into(),
        signature,
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index]
}

fn report(label: &str, mut latencies: Vec<Duration>) {
    latencies.sort_unstable();
    println!(
        "{label}: n={} p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms",
        latencies.len(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

fn main() -> anyhow::Result<()> {
    siaga::allocator::run_tuned(run())
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = NUMBERS.set(args.numbers.clone());
    let map = Arc::new(LatencyMap::default());
    let mut _data_dir = None;
    let (target, secret) = match &args.target {
        Some(target) => (
            target.trim_end_matches('/').to_string(),
            args.secret.clone(),
        ),
        None => {
            let mock = axum::Router::new()
                .route("/{version}/{phone}/messages", post(mock_send))
                .with_state(Arc::clone(&map));
            let mock_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let mock_url = format!("http://{}", mock_listener.local_addr()?);
            tokio::spawn(async move { axum::serve(mock_listener, mock).await });
            // As the binary does: a private data dir (0700), private files.
            siaga::data_dir::restrict_new_file_permissions();
            let data_dir = tempfile::tempdir()?;
            let settings = Settings {
                data_dir: Some(data_dir.path().to_path_buf()),
                listen: Some("127.0.0.1:0".into()),
                wa_app_secret: Some(args.secret.clone()),
                wa_access_token: Some("loadgen-token".into()),
                wa_phone_number_id: args
                    .numbers
                    .is_empty()
                    .then(|| payload::DEMO_PHONE_NUMBER_ID.into()),
                wa_graph_url: Some(mock_url),
                wa_send_rate: Some(100_000),
                whatsapp: (!args.numbers.is_empty()).then(|| siaga::config::WhatsAppSection {
                    numbers: args
                        .numbers
                        .iter()
                        .enumerate()
                        .map(|(place, id)| siaga::config::NumberSettings {
                            phone_number_id: id.clone(),
                            label: format!("Nomor {}", place + 1),
                            ..Default::default()
                        })
                        .collect(),
                }),
                ..Settings::default()
            };
            _data_dir = Some(data_dir);
            let app = App::build(Config::validate(settings)?).await?;
            let url = format!("http://{}", app.local_addr());
            tokio::spawn(app.run_until_stopped(std::future::pending()));
            (url, args.secret.clone())
        }
    };

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    if let Some(seconds) = args.duration_seconds {
        return timed::run(
            &args,
            client,
            &target,
            &secret,
            Duration::from_secs(seconds),
        )
        .await;
    }
    // Every delivery is built and signed before the clock starts, so that the generator's own
    // work takes as little as possible from the server it measures on the same cores.
    let deliveries = Arc::new(signed_deliveries(args.messages, &args, &secret));
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let interval = (args.rate > 0).then(|| Duration::from_secs_f64(1.0 / args.rate as f64));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, target, deliveries, next, map) = (
            client.clone(),
            format!("{target}/webhooks/whatsapp"),
            Arc::clone(&deliveries),
            Arc::clone(&next),
            Arc::clone(&map),
        );
        let total = args.messages;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if index >= total {
                    break;
                }
                if let Some(interval) = interval {
                    tokio::time::sleep_until(tokio::time::Instant::from_std(
                        started + interval * index as u32,
                    ))
                    .await;
                }
                let delivery = &deliveries[index];
                let sent_at = Instant::now();
                let response = client
                    .post(&target)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", delivery.signature.clone())
                    .body(delivery.body.clone())
                    .send()
                    .await;
                let done = Instant::now();
                match response {
                    Ok(response) if response.status().is_success() => {
                        latencies.push(done - sent_at);
                        map.acknowledged(delivery.e164.clone(), done);
                    }
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        let (worker_latencies, worker_failures) = worker.await?;
        latencies.extend(worker_latencies);
        failures += worker_failures;
    }
    let elapsed = started.elapsed();
    println!(
        "webhooks: {} ok, {failures} failed in {:.2}s = {:.0} messages/s (concurrency {}, offered rate {})",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        args.concurrency,
        if args.rate == 0 {
            "unlimited".to_string()
        } else {
            format!("{}/s", args.rate)
        }
    );
    report("webhook 200 latency", latencies.clone());
    if args.target.is_none() {
        let deadline = Instant::now() + Duration::from_secs(60);
        while map.reply_latencies.lock().unwrap().len() < latencies.len()
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let reply_latencies = map.reply_latencies.lock().unwrap().clone();
        let answered = reply_latencies.len();
        report("auto-reply at graph api after the 200", reply_latencies);
        if args.numbers.len() > 1 {
            println!(
                "numbers: {} in turn; replies from another number than the citizen wrote to: {}",
                args.numbers.len(),
                WRONG_NUMBER_REPLIES.load(std::sync::atomic::Ordering::Relaxed)
            );
        }
        // How often the store made writes durable, and how long each fsync took.
        if let Ok(metrics) = client.get(format!("{target}/metrics")).send().await
            && let Ok(text) = metrics.text().await
        {
            let value = |name: &str| {
                text.lines()
                    .find_map(|line| line.strip_prefix(name)?.trim().parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            let (sum, count) = (
                value("siaga_store_flush_seconds_sum "),
                value("siaga_store_flush_seconds_count "),
            );
            if count > 0.0 {
                println!(
                    "store: {count:.0} durable flushes, {:.2}ms each on average",
                    sum / count * 1e3
                );
            }
        }
        // The rate the whole help desk kept up with: every message stored and answered.
        if let Some(last) = *map.last_reply.lock().unwrap() {
            let until_last = last.saturating_duration_since(started).max(elapsed);
            println!(
                "end to end: {answered} messages stored and answered in {:.2}s = {:.0} messages/s",
                until_last.as_secs_f64(),
                answered as f64 / until_last.as_secs_f64()
            );
        }
    }
    Ok(())
}
