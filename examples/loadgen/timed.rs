//! The timed mode of the load generator: a fixed rate for a fixed time, each delivery built
//! when it is due (memory stays flat however long the run), and the webhook latencies of every
//! window written to a CSV as the run goes, so that a long run can be watched and graphed.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::{Args, citizen_of, percentile, report, signed_delivery};

/// The latencies of the current window, and the whole run's counts.
#[derive(Default)]
struct Tally {
    window: Mutex<Vec<Duration>>,
    window_failed: AtomicU64,
    /// Every latency of the run, in microseconds (4 bytes each: 1.4 MB for 30 minutes at 200/s).
    all_micros: Mutex<Vec<u32>>,
    failed: AtomicU64,
    /// Deliveries that could not start on time because every connection was busy.
    late: AtomicU64,
}

pub async fn run(
    args: &Args,
    client: reqwest::Client,
    target: &str,
    secret: &str,
    duration: Duration,
) -> anyhow::Result<()> {
    if args.rate == 0 {
        anyhow::bail!("--duration-seconds needs a --rate");
    }
    if args.window_seconds == 0 {
        anyhow::bail!("--window-seconds must be at least 1");
    }
    let mut windows = match &args.windows {
        Some(path) => {
            let mut file = std::fs::File::create(path)?;
            writeln!(file, "elapsed_s,ok,failed,p50_ms,p99_ms,max_ms")?;
            Some(file)
        }
        None => None,
    };
    let url = format!("{target}/webhooks/whatsapp");
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    let total = (duration.as_secs_f64() * args.rate as f64) as usize;
    let tally = Arc::new(Tally::default());
    let connections = Arc::new(Semaphore::new(args.concurrency));
    let run: u32 = rand::random();
    let secret: Arc<str> = Arc::from(secret);
    let started = Instant::now();

    let sampler = {
        let tally = Arc::clone(&tally);
        let window = Duration::from_secs(args.window_seconds);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + window, window);
            loop {
                tick.tick().await;
                let mut latencies = std::mem::take(&mut *tally.window.lock().unwrap());
                latencies.sort_unstable();
                let failed = tally.window_failed.swap(0, Ordering::Relaxed);
                let ms = |fraction: f64| percentile(&latencies, fraction).as_secs_f64() * 1e3;
                let line = format!(
                    "{:.0},{},{failed},{:.2},{:.2},{:.2}",
                    started.elapsed().as_secs_f64(),
                    latencies.len(),
                    ms(0.5),
                    ms(0.99),
                    latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
                );
                println!("window {line}");
                // Flushed at once: a run that is stopped early keeps every window so far.
                if let Some(file) = windows.as_mut() {
                    let _ = writeln!(file, "{line}");
                    let _ = file.flush();
                }
            }
        })
    };

    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..total {
        tokio::time::sleep_until(tokio::time::Instant::from_std(
            started + interval.mul_f64(index as f64),
        ))
        .await;
        while tasks.try_join_next().is_some() {}
        let permit = match Arc::clone(&connections).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                tally.late.fetch_add(1, Ordering::Relaxed);
                Arc::clone(&connections).acquire_owned().await?
            }
        };
        let writer = citizen_of(args, index);
        let (client, url, tally, secret) = (
            client.clone(),
            url.clone(),
            Arc::clone(&tally),
            Arc::clone(&secret),
        );
        tasks.spawn(async move {
            let delivery = signed_delivery(run, index, writer, &secret);
            let sent_at = Instant::now();
            let response = client
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", delivery.signature)
                .body(delivery.body)
                .send()
                .await;
            let latency = sent_at.elapsed();
            match response {
                Ok(response) if response.status().is_success() => {
                    tally.window.lock().unwrap().push(latency);
                    let micros = latency.as_micros().min(u128::from(u32::MAX)) as u32;
                    tally.all_micros.lock().unwrap().push(micros);
                }
                _ => {
                    tally.failed.fetch_add(1, Ordering::Relaxed);
                    tally.window_failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            drop(permit);
        });
    }
    while tasks.join_next().await.is_some() {}
    sampler.abort();
    let elapsed = started.elapsed();
    let latencies: Vec<Duration> = tally
        .all_micros
        .lock()
        .unwrap()
        .iter()
        .map(|&micros| Duration::from_micros(u64::from(micros)))
        .collect();
    println!(
        "webhooks: {} ok, {} failed, {} started late in {:.2}s = {:.0} messages/s (offered {}/s)",
        latencies.len(),
        tally.failed.load(Ordering::Relaxed),
        tally.late.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        args.rate,
    );
    report("webhook 200 latency", latencies);
    Ok(())
}
