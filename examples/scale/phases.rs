//! The measures of a scale run, in order, on the built store: the first start (the search
//! index built from its queue), disk per report, RSS at rest, the queries, RSS under
//! subscribers, the fan-out, RSS under intake, the load generator beside an empty store, and
//! the restart.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::json;

use super::build::Built;
use super::clients::{self, Webhooks};
use super::server::{self, ACCOUNTS, Resident, Server, Session};
use super::table::{Row, percentile_ms};
use super::{Args, Binaries, SETTLE_LIMIT, queries};

pub async fn run(
    args: &Args,
    bins: &Binaries,
    work: &Path,
    built: &Built,
) -> anyhow::Result<Vec<Row>> {
    let siaga = bins.siaga.clone();
    let data = work.join("data");
    let log = work.join("serve.log");
    let mut rows = Vec::new();
    let reports = built.reports;
    server::add_accounts(&siaga, &data)?;

    let server = Server::start(&siaga, &data, &log).await?;
    let settled = server.wait_quiet(SETTLE_LIMIT).await;
    rows.push(Row::new(
        "first start on the built store: `/readyz` 200, then settled (index caught up, SLA pass)",
        format!(
            "{:.1} s, then {:.0} s",
            server.ready_after.as_secs_f64(),
            settled.as_secs_f64()
        ),
        "-",
    ));
    let store_bytes = server::folder_bytes(&data.join("store"), "");
    let all_bytes = server::folder_bytes(&data, "media");
    rows.push(Row::new(
        "bytes per report (data dir without media / N; store alone)",
        format!(
            "{:.0} B ({:.2} GB); store {:.0} B",
            all_bytes as f64 / reports as f64,
            all_bytes as f64 / 1e9,
            store_bytes as f64 / reports as f64
        ),
        "<= 4 KB per one-message report",
    ));
    rows.push(Row::new(
        "RSS at rest (after the first start settled, and 15 s idle)",
        server.memory_at_rest().await.to_string(),
        "<= 300 MB",
    ));

    let mut sessions = HashMap::new();
    for (username, _, _) in ACCOUNTS {
        sessions.insert(*username, Session::sign_in(&server.base, username).await?);
    }
    rows.extend(queries::measure(&sessions, args.runs).await?);
    rows.push(Row::new(
        format!("RSS after the queries ({} calls)", queries_calls(args)),
        server.memory().to_string(),
        "<= 300 MB",
    ));
    rows.push(Row::new(
        "RSS at rest after the queries (15 s idle)",
        server.memory_at_rest().await.to_string(),
        "<= 300 MB",
    ));

    let operator = &sessions["scale_operator"];
    let (_, rss_under_subscribers) = fanout(&server, operator, args.rss_subscribers, 20, 1).await?;
    rows.push(Row::new(
        format!(
            "RSS under {} subscribers (peak while 20 reports fan out)",
            args.rss_subscribers
        ),
        rss_under_subscribers.to_string(),
        "<= 300 MB",
    ));
    if !args.skip_fanout {
        let (fanout_rows, rss_fanout) =
            fanout(&server, operator, args.subscribers, args.fanout_messages, 2).await?;
        rows.extend(fanout_rows);
        rows.push(Row::new(
            format!("RSS under {} subscribers (peak)", args.subscribers),
            rss_fanout.to_string(),
            "-",
        ));
    }

    rows.push(intake_rss(args, bins, &server, operator).await?);
    rows.push(Row::new(
        "RSS at rest after the intake (15 s idle)",
        server.memory_at_rest().await.to_string(),
        "<= 300 MB",
    ));
    if args.loadgen_rounds > 0 {
        rows.extend(loadgen_beside_empty(args, bins, &server, &siaga, work).await?);
    }

    server.stop()?;
    let restarted = Server::start(&siaga, &data, &log).await?;
    rows.push(Row::new(
        "restart (SIGTERM, start again) to `/readyz` 200",
        format!("{:.1} s", restarted.ready_after.as_secs_f64()),
        "-",
    ));
    restarted.wait_quiet(Duration::from_secs(60)).await;
    rows.push(Row::new(
        "RSS at rest after the restart (settled, and 15 s idle)",
        restarted.memory_at_rest().await.to_string(),
        "<= 300 MB",
    ));
    restarted.stop()?;
    Ok(rows)
}

fn queries_calls(args: &Args) -> usize {
    (args.runs + 1) * 19
}

/// Peak RSS of the server while `during` runs, sampled every 100 ms, with its anonymous and
/// file parts at that sample.
async fn peak_rss<T>(server: &Server, during: impl Future<Output = T>) -> (T, Resident) {
    let peak = Arc::new(Mutex::new(Resident::default()));
    let pid = server.pid();
    let sampler = {
        let peak = Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                let now = Resident::of(pid);
                {
                    let mut peak = peak.lock().unwrap_or_else(PoisonError::into_inner);
                    if now.rss > peak.rss {
                        *peak = now;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = during.await;
    sampler.abort();
    let peak = *peak.lock().unwrap_or_else(PoisonError::into_inner);
    (result, peak)
}

/// The next ticket number this year, from the newest report.
async fn next_sequence(operator: &Session) -> anyhow::Result<usize> {
    let answer = operator
        .query(
            "query { reports(first: 1, order: NEWEST_FIRST) { edges { node { ticket } } } }",
            &json!({}),
        )
        .await?;
    let ticket = answer["data"]["reports"]["edges"][0]["node"]["ticket"]
        .as_str()
        .unwrap_or_default();
    let year = chrono::Datelike::year(&chrono::Utc::now()).to_string();
    let mut parts = ticket.rsplitn(2, '-');
    let sequence: usize = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let same_year = parts.next().is_some_and(|rest| rest.ends_with(&year));
    Ok(if same_year { sequence + 1 } else { 1 })
}

/// The subscription measure of the benches, with the clients in this binary started again:
/// webhook 200 to the event on every socket, and the server's peak RSS meanwhile.
async fn fanout(
    server: &Server,
    operator: &Session,
    subscribers: usize,
    messages: usize,
    run: u32,
) -> anyhow::Result<(Vec<Row>, Resident)> {
    let first = next_sequence(operator).await?;
    let salt = (chrono::Utc::now().timestamp() % 1000) as u32;
    let webhooks = Webhooks::continuing(&server.base, first, salt * 10 + run);
    // The server tells no one how many subscriptions it holds; the client process says
    // `ready` once every socket has sent its subscribe, and two seconds more let the server
    // register them (the bench in-process waits on the bus instead).
    let registered = tokio::time::sleep(Duration::from_secs(2));
    let (latencies, rss) = peak_rss(
        server,
        clients::measure_in_another_process(
            &webhooks,
            registered,
            &server.base,
            operator.token(),
            subscribers,
            messages,
        ),
    )
    .await;
    let mut latencies = latencies?;
    latencies.sort_unstable();
    let expected = subscribers * messages;
    let row = Row::new(
        format!(
            "a report event on every subscriber's socket after the webhook's 200: {subscribers} subscribers (another process) x {messages} reports"
        ),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} of {expected} events arrived)",
            percentile_ms(&latencies, 0.5),
            percentile_ms(&latencies, 0.99),
            latencies.last().map_or(0.0, |max| max.as_secs_f64() * 1e3),
            latencies.len(),
        ),
        "p99 <= 50 ms with 1,000 subscribers",
    );
    Ok((vec![row], rss))
}

/// Peak RSS while the load generator (its own process, signed webhooks) offers
/// `--intake-rate` for `--intake-seconds` and `--rss-subscribers` sockets follow every new
/// report.
async fn intake_rss(
    args: &Args,
    bins: &Binaries,
    server: &Server,
    operator: &Session,
) -> anyhow::Result<Row> {
    // Each socket follows every new report until the process is killed.
    let (mut holder, _output) = clients::start_client_process(
        &server.base,
        operator.token(),
        args.rss_subscribers,
        usize::MAX,
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loadgen = loadgen_command(bins, &server.base)
        .args(["--rate", &args.intake_rate.to_string()])
        .args(["--duration-seconds", &args.intake_seconds.to_string()])
        .args(["--concurrency", "256"])
        .args(["--first-citizen", &citizen_start(0).to_string()])
        .output();
    let (output, rss) = peak_rss(server, loadgen).await;
    let output = output?;
    holder.kill().await?;
    let text = String::from_utf8_lossy(&output.stdout);
    let summary = text
        .lines()
        .filter(|line| !line.starts_with("window"))
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Row::new(
        format!(
            "peak RSS under {} msg/s of signed webhooks (load generator process) for {} s, with {} subscribers",
            args.intake_rate, args.intake_seconds, args.rss_subscribers
        ),
        format!("{rss} ({summary})"),
        "<= 300 MB",
    ))
}

/// A number range of the load generator's citizens no earlier run on a kept store used.
fn citizen_start(run: usize) -> usize {
    let minutes = (chrono::Utc::now().timestamp() / 60) as usize;
    (minutes % 1000) * 100_000 + run * 10_000
}

fn loadgen_command(bins: &Binaries, base: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(&bins.loadgen);
    command
        .args(["--target", base, "--secret", server::SECRET])
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// One unpaced load generator run: its `webhooks:` line's rate and its p99.
async fn loadgen_rate(
    bins: &Binaries,
    base: &str,
    messages: usize,
    first_citizen: usize,
) -> anyhow::Result<(f64, String)> {
    let output = loadgen_command(bins, base)
        .args(["--messages", &messages.to_string(), "--concurrency", "64"])
        .args(["--first-citizen", &first_citizen.to_string()])
        .output()
        .await?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let rate = text
        .lines()
        .find(|line| line.starts_with("webhooks:"))
        .and_then(|line| line.split(" = ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|rate| rate.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("the load generator printed no rate: {text}"))?;
    let latency = text
        .lines()
        .find(|line| line.starts_with("webhook 200 latency"))
        .unwrap_or_default()
        .to_string();
    Ok((rate, latency))
}

/// The load generator's unpaced rate against this store and against an empty one (a second
/// server on a fresh data dir), alternating.
async fn loadgen_beside_empty(
    args: &Args,
    bins: &Binaries,
    server: &Server,
    siaga: &Path,
    work: &Path,
) -> anyhow::Result<Vec<Row>> {
    let empty_dir = tempfile::Builder::new()
        .prefix("siaga-scale-empty-")
        .tempdir()?;
    let empty_data = empty_dir.path().join("data");
    let empty = Server::start(siaga, &empty_data, &work.join("serve-empty.log")).await?;
    let (mut at_n, mut at_empty) = (Vec::new(), Vec::new());
    for round in 0..args.loadgen_rounds {
        let first = citizen_start(round + 1);
        at_n.push(loadgen_rate(bins, &server.base, args.loadgen_messages, first).await?);
        at_empty.push(loadgen_rate(bins, &empty.base, args.loadgen_messages, first).await?);
    }
    empty.stop()?;
    let describe = |runs: &[(f64, String)]| {
        runs.iter()
            .map(|(rate, _)| format!("{rate:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mean =
        |runs: &[(f64, String)]| runs.iter().map(|(rate, _)| rate).sum::<f64>() / runs.len() as f64;
    let ratio = mean(&at_n) / mean(&at_empty);
    Ok(vec![Row::new(
        format!(
            "ingest through HTTP (load generator process, concurrency 64, {} webhooks a run), alternating runs",
            args.loadgen_messages
        ),
        format!(
            "{} msg/s at the stored reports; {} msg/s on an empty store ({:.0}% of the empty store's rate)",
            describe(&at_n),
            describe(&at_empty),
            ratio * 100.0
        ),
        ">= 5,000 msg/s; at 1M within 20% of the empty store",
    )])
}
