//! A stand-in for Meta's Graph API as a separate process, for long runs against a release
//! build (`scripts/soak.sh`): slow, sometimes failing, and optionally posting the delivery
//! statuses back as Meta would.
//!
//!     cargo run --release --example mock_meta -- --listen 127.0.0.1:9100 \
//!         --latency-p50-ms 300 --latency-sigma 0.6 --failure-rate 0.1
//!
//! - `POST /{version}/{phone_id}/messages`: a mark-read body (`"status": "read"`) gets
//!   `{"success": true}` at once. A message waits a latency drawn from a log-normal
//!   distribution (median `--latency-p50-ms`, shape `--latency-sigma`, capped at
//!   `--latency-max-ms`), then fails with a 500 and Graph's transient error code 2 with
//!   probability `--failure-rate`, or is accepted with a fresh wamid.
//! - With `--status-webhook URL --secret S`, each accepted message is followed by signed
//!   `sent` and `delivered` statuses, carrying the send's callback data, posted to `URL`.
//! - `GET /{version}/{waba_id}/message_templates`: a fixed set of sample templates in Meta's
//!   shape (APPROVED, PENDING and REJECTED; positional `{{1}}` and named parameters; `id` and
//!   `en_US`), two per page with `paging.cursors.after` and a `next` link while more remain.
//! - `GET /stats`: JSON counters (accepted, failed, read receipts, in flight, most in flight,
//!   statuses posted and failed): how many sends the server kept in flight, and its errors.
//! - Anything else: 404 with a Graph-style error body.
//!
//! The first line on stdout is `listening on http://ADDR` (with `--listen 127.0.0.1:0`, the
//! port the system chose).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Parser;
use serde_json::{Value, json};
use siaga::whatsapp::{payload, signature};

#[derive(Parser, Debug, Clone)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Median latency of a message send.
    #[arg(long, default_value_t = 300.0)]
    latency_p50_ms: f64,
    /// Shape of the log-normal latency: 0 is constant; 0.6 puts p90 near 2.2 x the median.
    #[arg(long, default_value_t = 0.6)]
    latency_sigma: f64,
    /// No send waits longer than this (keep it under the server's Graph timeout).
    #[arg(long, default_value_t = 5_000)]
    latency_max_ms: u64,
    /// Share of message sends answered 500 (Graph error code 2, transient).
    #[arg(long, default_value_t = 0.1)]
    failure_rate: f64,
    /// Post `sent` and `delivered` statuses for every accepted message to this webhook url.
    #[arg(long)]
    status_webhook: Option<String>,
    /// App secret that signs the statuses.
    #[arg(long, default_value = "")]
    secret: String,
    /// Delay between the accepted send and its `sent` status (`delivered` follows as late).
    #[arg(long, default_value_t = 200)]
    status_delay_ms: u64,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    failed: AtomicU64,
    read_receipts: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    statuses_posted: AtomicU64,
    statuses_failed: AtomicU64,
}

struct Mock {
    args: Args,
    counters: Counters,
    http: reqwest::Client,
}

/// A log-normal draw by Box-Muller: `median * exp(sigma * z)`, z standard normal.
fn latency(args: &Args) -> Duration {
    let (u1, u2): (f64, f64) = (rand::random::<f64>().max(1e-12), rand::random());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let millis = (args.latency_p50_ms * (args.latency_sigma * z).exp())
        .clamp(0.0, args.latency_max_ms as f64);
    Duration::from_secs_f64(millis / 1e3)
}

async fn messages(State(mock): State<Arc<Mock>>, Json(body): Json<Value>) -> Response {
    if body.get("status").and_then(Value::as_str) == Some("read") {
        mock.counters.read_receipts.fetch_add(1, Ordering::Relaxed);
        return Json(json!({ "success": true })).into_response();
    }
    let now_in_flight = mock.counters.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    mock.counters
        .max_in_flight
        .fetch_max(now_in_flight, Ordering::Relaxed);
    tokio::time::sleep(latency(&mock.args)).await;
    mock.counters.in_flight.fetch_sub(1, Ordering::Relaxed);
    if rand::random::<f64>() < mock.args.failure_rate {
        mock.counters.failed.fetch_add(1, Ordering::Relaxed);
        let error = json!({ "error": {
            "message": "Service temporarily unavailable",
            "type": "OAuthException",
            "code": 2,
            "is_transient": true,
            "fbtrace_id": "mock-meta",
        }});
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(error)).into_response();
    }
    mock.counters.accepted.fetch_add(1, Ordering::Relaxed);
    let to = body.get("to").and_then(Value::as_str).unwrap_or_default();
    let digits = to.trim_start_matches('+').to_string();
    let wamid = format!("wamid.mock.{:016x}", rand::random::<u64>());
    if mock.args.status_webhook.is_some() {
        let callback = body
            .get("biz_opaque_callback_data")
            .and_then(Value::as_str)
            .map(str::to_string);
        tokio::spawn(post_statuses(
            Arc::clone(&mock),
            wamid.clone(),
            digits.clone(),
            callback,
        ));
    }
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": digits }],
        "messages": [{ "id": wamid }]
    }))
    .into_response()
}

/// `sent`, then `delivered`, each signed as Meta signs its webhooks.
async fn post_statuses(mock: Arc<Mock>, wamid: String, digits: String, callback: Option<String>) {
    let Some(url) = mock.args.status_webhook.as_deref() else {
        return;
    };
    for status in ["sent", "delivered"] {
        tokio::time::sleep(Duration::from_millis(mock.args.status_delay_ms)).await;
        let body = payload::to_wire_bytes(&payload::status(
            &wamid,
            status,
            &digits,
            chrono::Utc::now().timestamp(),
            callback.as_deref(),
        ));
        let signed = signature::sign(mock.args.secret.as_bytes(), &body);
        let posted = mock
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signed)
            .body(body)
            .send()
            .await;
        let counter = match posted {
            Ok(response) if response.status().is_success() => &mock.counters.statuses_posted,
            _ => &mock.counters.statuses_failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

async fn stats(State(mock): State<Arc<Mock>>) -> Json<Value> {
    let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    let counters = &mock.counters;
    Json(json!({
        "accepted": read(&counters.accepted),
        "failed": read(&counters.failed),
        "read_receipts": read(&counters.read_receipts),
        "in_flight": read(&counters.in_flight),
        "max_in_flight": read(&counters.max_in_flight),
        "statuses_posted": read(&counters.statuses_posted),
        "statuses_failed": read(&counters.statuses_failed),
    }))
}

/// (name, language, category, status, body) of the sample templates.
const SAMPLE_TEMPLATES: [(&str, &str, &str, &str, &str); 5] = [
    (
        "status_laporan",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan Anda {{1}} sedang kami tangani. Balas pesan ini untuk menambah keterangan.",
    ),
    (
        "laporan_diteruskan",
        "id",
        "UTILITY",
        "APPROVED",
        "Yth. {{nama}}, laporan {{ticket}} diteruskan ke {{satuan}}.",
    ),
    (
        "laporan_selesai",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan {{1}} telah {{3}} oleh {{2}}. Terima kasih.",
    ),
    (
        "survei_kepuasan",
        "id",
        "UTILITY",
        "PENDING",
        "Bagaimana layanan kami untuk laporan {{1}}?",
    ),
    (
        "promo_lama",
        "en_US",
        "MARKETING",
        "REJECTED",
        "Hello {{1}}",
    ),
];

const TEMPLATES_PER_PAGE: usize = 2;

#[derive(serde::Deserialize)]
struct TemplatePaging {
    after: Option<String>,
}

async fn message_templates(
    Path((version, waba_id)): Path<(String, String)>,
    Query(paging): Query<TemplatePaging>,
) -> Json<Value> {
    let start = paging
        .after
        .and_then(|cursor| cursor.strip_prefix("cursor-").and_then(|n| n.parse().ok()))
        .unwrap_or(0usize)
        .min(SAMPLE_TEMPLATES.len());
    let end = (start + TEMPLATES_PER_PAGE).min(SAMPLE_TEMPLATES.len());
    let data: Vec<Value> = SAMPLE_TEMPLATES[start..end]
        .iter()
        .enumerate()
        .map(|(offset, (name, language, category, status, body))| {
            let named = body.contains("{{nama}}");
            json!({
                "name": name,
                "parameter_format": if named { "NAMED" } else { "POSITIONAL" },
                "components": [{ "type": "BODY", "text": body }],
                "language": language,
                "status": status,
                "category": category,
                "id": (1_000 + start + offset).to_string(),
            })
        })
        .collect();
    let mut paging = json!({
        "cursors": { "before": format!("cursor-{start}"), "after": format!("cursor-{end}") }
    });
    if end < SAMPLE_TEMPLATES.len() {
        paging["next"] = json!(format!(
            "/{version}/{waba_id}/message_templates?limit={TEMPLATES_PER_PAGE}&after=cursor-{end}"
        ));
    }
    Json(json!({ "data": data, "paging": paging }))
}

async fn not_found() -> Response {
    let error = json!({ "error": {
        "message": "Unknown path components",
        "type": "OAuthException",
        "code": 2500,
        "fbtrace_id": "mock-meta",
    }});
    (StatusCode::NOT_FOUND, Json(error)).into_response()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.failure_rate) {
        anyhow::bail!("--failure-rate must be between 0 and 1");
    }
    if args.latency_p50_ms < 0.0 || args.latency_sigma < 0.0 {
        anyhow::bail!("--latency-p50-ms and --latency-sigma must not be negative");
    }
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let mock = Arc::new(Mock {
        args,
        counters: Counters::default(),
        http: reqwest::Client::new(),
    });
    let app = Router::new()
        .route("/{version}/{phone}/messages", post(messages))
        .route(
            "/{version}/{waba_id}/message_templates",
            get(message_templates),
        )
        .route("/stats", get(stats))
        .fallback(not_found)
        .with_state(mock);
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
