//! A store full of overdue reports, as a desk finds it after a night without operators or
//! after a restart of a copied store: the SLA clock's worker (its real loop, on its timer)
//! announces each breach once, the index and outbox queues drain, and the later passes write
//! nothing.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use siaga::app::open_core;
use siaga::config::{Config, Settings};
use siaga::domain::phone::PhoneNumber;
use siaga::ledger::Ledger;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::webhook::parse_notification;

use common::spawn_app_with;

/// Reports opened `hours_ago` through intake's batch path (the transaction the webhook's
/// batcher runs), in a store of their own that is closed again before the server opens it.
fn open_reports_hours_ago(data_dir: &Path, count: u64, hours_ago: i64) {
    let settings = Settings {
        data_dir: Some(data_dir.to_path_buf()),
        ..Settings::default()
    };
    let core = open_core(&Config::validate(settings).expect("valid config")).expect("core opens");
    let received_at = Utc::now() - chrono::Duration::hours(hours_ago);
    let ids: Vec<u64> = (0..count).collect();
    for chunk in ids.chunks(250) {
        let bodies: Vec<Vec<u8>> = chunk
            .iter()
            .map(|index| {
                let citizen = Citizen {
                    phone: PhoneNumber::parse(&format!("0813{index:08}")).expect("a number"),
                    name: format!("Warga {index}"),
                };
                let text = "motor saya dicuri di depan warung tadi malam tolong dibantu pak";
                let message = payload::text_message(
                    &citizen,
                    &format!("wamid.backlog.{index}"),
                    received_at.timestamp(),
                    text,
                );
                payload::to_wire_bytes(&message)
            })
            .collect();
        let parsed: Vec<_> = bodies
            .iter()
            .map(|body| parse_notification(body, received_at).expect("a valid delivery"))
            .collect();
        let deliveries: Vec<_> = bodies
            .iter()
            .zip(&parsed)
            .map(|(body, items)| core.intake.delivery(body, items, received_at))
            .collect();
        core.intake
            .ingest_together(&deliveries)
            .expect("the batch applies");
    }
    core.store.flush_blocking().expect("flushed");
}

/// Every open report's change sequence (the one `Reports::save` draws on every write).
fn open_sequences(store: &siaga::store::Store) -> BTreeMap<u64, Option<u64>> {
    store
        .reports()
        .open()
        .map(|entry| {
            let open = entry.expect("readable");
            (open.report_id.get(), open.change)
        })
        .collect()
}

fn clock_checked(app: &common::TestApp) -> u64 {
    app.state
        .workers
        .reports()
        .iter()
        .find(|report| report.name == "clock")
        .map_or(0, |report| report.items_done)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_reports_are_breached_once_the_queues_drain_and_later_passes_write_nothing() {
    let reports: u64 = std::env::var("BACKLOG_REPORTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(600);
    let folder = tempfile::tempdir().expect("temp dir");
    let data_dir = folder.path().join("data");
    open_reports_hours_ago(&data_dir, reports, 3);

    let started = std::time::Instant::now();
    let app = spawn_app_with(|settings| {
        settings.data_dir = Some(data_dir.clone());
        settings.sla_check_seconds = Some(1);
    })
    .await;
    let store = app.state.store.clone();
    // Every report is breached once (the first action, due 30 minutes after it was opened),
    // and the index and outbox have caught up.
    let mut last_print = std::time::Instant::now();
    loop {
        let breached = store
            .reports()
            .oldest_first()
            .filter(|report| {
                report
                    .as_ref()
                    .is_ok_and(|report| !report.sla.breached.is_empty())
            })
            .count() as u64;
        let index = store.index_queue().len();
        let outbox = store.outbox().len();
        if last_print.elapsed() > Duration::from_secs(2) {
            eprintln!(
                "{:>6.1}s breached {breached}/{reports}, index queue {index}, outbox {outbox}, clock checked {}",
                started.elapsed().as_secs_f64(),
                clock_checked(&app)
            );
            last_print = std::time::Instant::now();
        }
        if breached == reports && index == 0 && outbox == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let flushes = store.flush_stats().flushes;
    eprintln!(
        "settled after {:.1}s, {flushes} durable flushes",
        started.elapsed().as_secs_f64()
    );
    // The due reports are settled in batches, one transaction and one flush each, not one
    // per report (which is what held the write path for many minutes at 100,000 reports).
    assert!(
        flushes < reports / 4,
        "{flushes} durable flushes to settle {reports} overdue reports"
    );
    let settled = open_sequences(&store);
    assert_eq!(settled.len() as u64, reports);

    // Three more whole passes: each checks every open report.
    let checked = clock_checked(&app);
    while clock_checked(&app) < checked + 4 * reports {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "four more passes after {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        open_sequences(&store),
        settled,
        "a pass rewrote a report that had nothing new due"
    );
    assert_eq!(store.index_queue().len(), 0);
    assert_eq!(store.outbox().len(), 0);
    let breaches: usize = store
        .reports()
        .oldest_first()
        .map(|report| report.expect("readable").sla.breached.len())
        .sum();
    eprintln!("breaches recorded: {breaches}");
    drop(app);
}
