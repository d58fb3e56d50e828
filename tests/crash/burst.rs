//! A burst of concurrent deliveries, SIGKILL once a third of them are acknowledged, and a slow
//! restart. First, before Meta redelivers anything, every delivery that got a 200 is on disk.
//! Then Meta posts the `sent` statuses of the replies it accepted and redelivers everything;
//! afterwards every delivery is stored exactly once and every report was answered exactly once.
//! `siaga check` finds the data dir consistent right after the kill and at the end.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::*;

const CITIZENS: usize = 120;
const MESSAGES_PER_CITIZEN: usize = 2;
/// How long a reply that may have reached Meta waits for its status callback after a restart.
const RECONCILE_SECONDS: u64 = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_acknowledged_is_lost_or_doubled_across_a_kill_and_restart() {
    let reconcile = RECONCILE_SECONDS.to_string();
    let rig = Rig::new(&[("SIAGA_WA_RECONCILE_SECONDS", &reconcile)]).await;
    let mut server = rig.start().await;

    // The first message of each citizen, then the follow-ups, all concurrently; the server is
    // killed once a third of them are acknowledged.
    let deliveries: Vec<(String, Vec<u8>)> = (0..MESSAGES_PER_CITIZEN)
        .flat_map(|message| (0..CITIZENS).map(move |citizen| delivery(citizen, message)))
        .collect();
    let acknowledged = Arc::new(Mutex::new(HashSet::<String>::new()));
    let acknowledged_count = Arc::new(AtomicUsize::new(0));
    let kill_after = deliveries.len() / 3;
    let server_pid = server.id();
    let killer = {
        let acknowledged_count = Arc::clone(&acknowledged_count);
        tokio::spawn(async move {
            while acknowledged_count.load(Ordering::SeqCst) < kill_after {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let _ = Command::new("kill")
                .args(["-9", &server_pid.to_string()])
                .status();
        })
    };
    let semaphore = Arc::new(tokio::sync::Semaphore::new(16));
    let mut tasks = Vec::new();
    for (wamid, body) in deliveries.clone() {
        let (client, base, acknowledged, acknowledged_count, semaphore) = (
            rig.client.clone(),
            rig.base.clone(),
            Arc::clone(&acknowledged),
            Arc::clone(&acknowledged_count),
            Arc::clone(&semaphore),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = semaphore.acquire().await.unwrap();
            if post(&client, &base, &body).await {
                acknowledged.lock().unwrap().insert(wamid);
                acknowledged_count.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    killer.await.unwrap();
    let _ = server.wait();
    let acknowledged_before_kill = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged_before_kill.len() >= kill_after,
        "the burst ran into the kill"
    );
    assert!(
        acknowledged_before_kill.len() < deliveries.len(),
        "the kill interrupted the burst"
    );

    // Before Meta redelivers anything: what was acknowledged is on disk, once. A delivery lost
    // after its 200 would otherwise be stored again by the redelivery, and the loss unseen.
    let on_disk = inbound_copies(&export(rig.data_dir.path()));
    for wamid in &acknowledged_before_kill {
        assert_eq!(
            on_disk.get(wamid),
            Some(&1),
            "{wamid} got a 200 before the kill and must be on disk, once, before any redelivery"
        );
    }
    assert_check_clean(rig.data_dir.path(), "right after the kill");

    // A restart slower than the reconcile wait: a wait counted from before the crash would be
    // over at start, and a reply that had reached Meta would go again before its status could
    // arrive (the doubled reply this test used to show under load).
    tokio::time::sleep(Duration::from_secs(RECONCILE_SECONDS + 1)).await;
    let restarted_at = Instant::now();
    let mut server = rig.start().await;
    // Meta delivers the sent statuses of what it accepted, then retries every delivery.
    let statuses: Vec<Vec<u8>> = rig
        .graph
        .accepted_sends()
        .iter()
        .map(|(body, wamid)| sent_status(body, wamid))
        .collect();
    let status_count = statuses.len();
    assert_eq!(
        post_concurrently(&rig.client, &rig.base, statuses).await,
        status_count,
        "every status is acknowledged"
    );
    let statuses_in = restarted_at.elapsed();
    assert!(
        statuses_in < Duration::from_secs(RECONCILE_SECONDS),
        "the restart and the statuses took {statuses_in:?}, longer than the reconcile wait this \
         test relies on; the machine is too slow for it"
    );
    let redeliveries: Vec<Vec<u8>> = deliveries.iter().map(|(_, body)| body.clone()).collect();
    assert_eq!(
        post_concurrently(&rig.client, &rig.base, redeliveries).await,
        deliveries.len(),
        "every redelivery after the restart is acknowledged"
    );

    // Let the outbox drain: a send marked attempting that never reached Meta waits for the
    // reconcile wait before it goes.
    let drain_limit = Duration::from_secs(RECONCILE_SECONDS + 20);
    assert!(
        rig.outbox_reaches(0, drain_limit).await,
        "the outbox drains after the restart"
    );
    stop(&mut server);
    assert_check_clean(rig.data_dir.path(), "after the restart and the redelivery");

    let reports = export(rig.data_dir.path());
    let stored = inbound_copies(&reports);
    for (wamid, _) in &deliveries {
        assert_eq!(
            stored.get(wamid),
            Some(&1),
            "{wamid} was acknowledged and must be stored exactly once"
        );
    }
    assert_eq!(reports.len(), CITIZENS, "one report per citizen");

    let mut replies_per_number = HashMap::<String, usize>::new();
    for body in rig.graph.sent_messages() {
        *replies_per_number
            .entry(body["to"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(
        replies_per_number.len(),
        CITIZENS,
        "every report was answered"
    );
    let doubled: Vec<_> = replies_per_number
        .iter()
        .filter(|(_, count)| **count != 1)
        .collect();
    assert!(
        doubled.is_empty(),
        "every report answered exactly once, but: {doubled:?}"
    );
}
