//! The long crash run behind `scripts/crash-cycles.sh N`: a release `siaga serve` on one temp
//! data dir, a mock Graph API in this process that accepts sends (as Meta would) and lets us
//! post their `sent`/`delivered` statuses back, and N cycles of:
//!
//! 1. start the server; drive a burst of signed deliveries from new citizens (two messages
//!    each, sixteen in flight); SIGKILL the server once a random number of them got a 200;
//! 2. on the stopped data dir, before any redelivery: every delivery that got a 200 is stored
//!    exactly once (`siaga export`), and `siaga check` is clean;
//! 3. restart; post the statuses of every send the mock accepted and not yet reported, then
//!    redeliver every delivery of the cycle (Meta retries the unacknowledged, and sometimes the
//!    acknowledged); wait for the outbox to drain; post the new statuses; stop with SIGTERM;
//! 4. every delivery stored exactly once, every citizen answered, no reply sent twice
//!    (counting the sends the mock received per outbound message), and `siaga check` clean.
//!
//! Prints one line per cycle and a summary; exits non-zero on any failure.
//!     cargo build --release --bin siaga --example crash_cycles
//!     target/release/examples/crash_cycles --cycles 100 --siaga target/release/siaga

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::Rng;
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::payload::{self, Citizen};

mod rig;

use rig::{Accepted, Mock, Rig, post, start_mock};

#[derive(Parser, Debug)]
struct Args {
    /// How many kill-and-restart cycles.
    #[arg(long, default_value_t = 10)]
    cycles: usize,
    /// The siaga binary (a release build).
    #[arg(long, default_value = "target/release/siaga")]
    siaga: PathBuf,
    /// New citizens per cycle (two messages each).
    #[arg(long, default_value_t = 60)]
    citizens: usize,
    /// How long a send that may have reached Meta waits for its status after a restart.
    #[arg(long, default_value_t = 5)]
    reconcile_seconds: u64,
    /// Keep the data dir and the server's log after a clean run too (they are always kept
    /// after a failure), e.g. to count the search index's repairs in the log.
    #[arg(long)]
    keep: bool,
}

/// The deliveries of one cycle: (wamid, signed body), first messages then follow-ups.
fn deliveries(cycle: usize, citizens: usize) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for message in 0..2 {
        for index in 0..citizens {
            let citizen = Citizen {
                phone: PhoneNumber::parse(&format!("0818{:08}", cycle * 1000 + index)).unwrap(),
                name: format!("Warga {cycle}.{index}"),
            };
            let wamid = format!("wamid.cycles.{cycle}.{index}.{message}");
            let text = format!("laporan {cycle}.{index} pesan {message}: motor dicuri di pasar");
            let body =
                payload::text_message(&citizen, &wamid, chrono::Utc::now().timestamp(), &text);
            all.push((wamid, payload::to_wire_bytes(&body)));
        }
    }
    all
}

/// Posts `bodies` sixteen at a time; calls `acknowledged(index)` for each 200.
async fn post_all(
    rig: &Rig,
    bodies: &[Vec<u8>],
    on_ack: impl Fn(usize) + Send + Sync + 'static,
) -> usize {
    let permits = Arc::new(tokio::sync::Semaphore::new(16));
    let on_ack = Arc::new(on_ack);
    let mut posts = tokio::task::JoinSet::new();
    for (index, body) in bodies.iter().cloned().enumerate() {
        let (client, base, permits, on_ack) = (
            rig.client.clone(),
            rig.base.clone(),
            permits.clone(),
            on_ack.clone(),
        );
        posts.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            let ok = post(&client, &base, &body).await;
            if ok {
                on_ack(index);
            }
            ok
        });
    }
    let mut count = 0;
    while let Some(ok) = posts.join_next().await {
        count += usize::from(ok.unwrap_or(false));
    }
    count
}

/// Posts Meta's `sent` and `delivered` statuses of the sends accepted since `from`; returns
/// the new position.
async fn post_statuses(rig: &Rig, mock: &Mock, from: usize) -> anyhow::Result<usize> {
    let accepted: Vec<Accepted> = mock.accepted.lock().unwrap()[from..].to_vec();
    let mut bodies = Vec::new();
    for send in &accepted {
        let recipient = send.body["to"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('+');
        let callback = send.body["biz_opaque_callback_data"].as_str();
        for status in ["sent", "delivered"] {
            let now = chrono::Utc::now().timestamp();
            let body = payload::status(&send.wamid, status, recipient, now, callback);
            bodies.push(payload::to_wire_bytes(&body));
        }
    }
    let acknowledged = post_all(rig, &bodies, |_| {}).await;
    anyhow::ensure!(
        acknowledged == bodies.len(),
        "a status was refused after the restart"
    );
    Ok(from + accepted.len())
}

fn kill_hard(server: &mut Child) {
    let _ = server.kill();
    let _ = server.wait();
}

fn stop(server: &mut Child) -> anyhow::Result<()> {
    // SAFETY: kill(2) with a pid we spawned and still own (not yet reaped).
    let sent = unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGTERM) };
    anyhow::ensure!(sent == 0, "SIGTERM could not be sent");
    let status = server.wait()?;
    anyhow::ensure!(
        status.success(),
        "SIGTERM did not stop the server cleanly: {status}"
    );
    Ok(())
}

#[derive(Default)]
struct Tally {
    acknowledged_before_kill: usize,
    deliveries: usize,
    lost: usize,
    stored_twice: usize,
    replies_doubled: usize,
    unanswered: usize,
    check_failures: usize,
}

impl Tally {
    fn failures(&self) -> usize {
        self.lost + self.stored_twice + self.replies_doubled + self.unanswered + self.check_failures
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let temp = tempfile::Builder::new()
        .prefix("siaga-crash-cycles-")
        .tempdir()?;
    let data_dir = temp.path().join("data");
    std::fs::create_dir(&data_dir)?;
    std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )?;
    let (graph_url, mock) = start_mock().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let rig = Rig {
        siaga: args.siaga.clone(),
        data_dir,
        log: temp.path().join("server.log"),
        port,
        base: format!("http://127.0.0.1:{port}"),
        graph_url,
        reconcile_seconds: args.reconcile_seconds,
        client: reqwest::Client::new(),
    };
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut statuses_posted = 0;
    let mut random = rand::rng();
    for cycle in 0..args.cycles {
        let before = tally.failures();
        let line = run_cycle(
            &rig,
            &mock,
            cycle,
            args.citizens,
            &mut random,
            &mut statuses_posted,
            &mut tally,
        )
        .await?;
        let verdict = if tally.failures() == before {
            "ok"
        } else {
            "FAILED"
        };
        println!("cycle {:>3}: {line} {verdict}", cycle + 1);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "crash cycles: {} cycles in {seconds:.0} s; {} deliveries, {} acknowledged before a kill; \
         lost {}, stored twice {}, replies doubled {}, unanswered {}, check failures {}",
        args.cycles,
        tally.deliveries,
        tally.acknowledged_before_kill,
        tally.lost,
        tally.stored_twice,
        tally.replies_doubled,
        tally.unanswered,
        tally.check_failures
    );
    if tally.failures() > 0 {
        let kept = temp.keep();
        eprintln!("FAILED; data dir and server log kept in {}", kept.display());
        std::process::exit(1);
    }
    if args.keep {
        eprintln!("data dir and server log kept in {}", temp.keep().display());
    }
    Ok(())
}

async fn run_cycle(
    rig: &Rig,
    mock: &Mock,
    cycle: usize,
    citizens: usize,
    random: &mut impl Rng,
    statuses_posted: &mut usize,
    tally: &mut Tally,
) -> anyhow::Result<String> {
    let cycle_started = Instant::now();
    let mut server = rig.start().await?;
    let deliveries = deliveries(cycle, citizens);
    let bodies: Vec<Vec<u8>> = deliveries.iter().map(|(_, body)| body.clone()).collect();
    tally.deliveries += deliveries.len();

    // The burst, and a SIGKILL once a random number of deliveries are acknowledged.
    let kill_after = random.random_range(0..deliveries.len());
    let acknowledged = Arc::new(Mutex::new(HashSet::<usize>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let pid = server.id() as libc::pid_t;
    let killer = {
        let count = count.clone();
        tokio::spawn(async move {
            while count.load(Ordering::SeqCst) < kill_after {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            // SAFETY: kill(2) on the server we spawned; it is reaped only after this task ends.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        })
    };
    let (seen, counted) = (acknowledged.clone(), count.clone());
    post_all(rig, &bodies, move |index| {
        seen.lock().unwrap().insert(index);
        counted.fetch_add(1, Ordering::SeqCst);
    })
    .await;
    killer.await?;
    kill_hard(&mut server);
    let acknowledged: Vec<usize> = acknowledged.lock().unwrap().iter().copied().collect();
    tally.acknowledged_before_kill += acknowledged.len();

    // Before any redelivery: every 200 is on disk, once, and the store is consistent.
    let copies = rig.stored_copies()?;
    for index in &acknowledged {
        let wamid = &deliveries[*index].0;
        match copies.get(wamid).copied().unwrap_or(0) {
            0 => {
                tally.lost += 1;
                eprintln!(
                    "cycle {}: {wamid} got a 200 and is not on disk after the kill",
                    cycle + 1
                );
            }
            1 => {}
            _ => tally.stored_twice += 1,
        }
    }
    if let Some(report) = rig.check()? {
        tally.check_failures += 1;
        eprintln!("cycle {}: siaga check after the kill:\n{report}", cycle + 1);
    }

    // Restart; Meta reports what it accepted and redelivers everything of the cycle.
    let mut server = rig.start().await?;
    *statuses_posted = post_statuses(rig, mock, *statuses_posted).await?;
    let redelivered = post_all(rig, &bodies, |_| {}).await;
    anyhow::ensure!(
        redelivered == bodies.len(),
        "a redelivery was refused after the restart"
    );
    let deadline = Instant::now() + Duration::from_secs(rig.reconcile_seconds + 60);
    while rig.outbox_depth().await != Some(0) {
        anyhow::ensure!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    *statuses_posted = post_statuses(rig, mock, *statuses_posted).await?;
    stop(&mut server)?;

    // Stored once, answered once, consistent.
    let copies = rig.stored_copies()?;
    for (wamid, _) in &deliveries {
        match copies.get(wamid).copied().unwrap_or(0) {
            0 => {
                tally.lost += 1;
                eprintln!(
                    "cycle {}: {wamid} is not stored after the redelivery",
                    cycle + 1
                );
            }
            1 => {}
            _ => {
                tally.stored_twice += 1;
                eprintln!("cycle {}: {wamid} is stored more than once", cycle + 1);
            }
        }
    }
    let accepted = mock.accepted.lock().unwrap().clone();
    let mut sends_per_message = HashMap::<String, usize>::new();
    let mut answered = HashSet::new();
    for send in &accepted {
        let callback = send.body["biz_opaque_callback_data"]
            .as_str()
            .unwrap_or_default();
        *sends_per_message.entry(callback.to_owned()).or_default() += 1;
        answered.insert(send.body["to"].as_str().unwrap_or_default().to_owned());
    }
    let doubled: Vec<_> = sends_per_message
        .iter()
        .filter(|(_, sends)| **sends > 1)
        .collect();
    if !doubled.is_empty() {
        eprintln!(
            "cycle {}: replies sent more than once: {doubled:?}",
            cycle + 1
        );
        // Counted once, in the cycle that doubled them.
        tally.replies_doubled += doubled.len().saturating_sub(tally.replies_doubled);
    }
    for index in 0..citizens {
        let phone = PhoneNumber::parse(&format!("0818{:08}", cycle * 1000 + index)).unwrap();
        if !answered.contains(phone.as_e164())
            && !answered.contains(phone.as_e164().trim_start_matches('+'))
        {
            tally.unanswered += 1;
            eprintln!("cycle {}: citizen {index} got no reply", cycle + 1);
        }
    }
    if let Some(report) = rig.check()? {
        tally.check_failures += 1;
        eprintln!(
            "cycle {}: siaga check after the cycle:\n{report}",
            cycle + 1
        );
    }
    Ok(format!(
        "{} of {} acknowledged before the kill (kill after {kill_after}), {:.1} s",
        acknowledged.len(),
        deliveries.len(),
        cycle_started.elapsed().as_secs_f64()
    ))
}
