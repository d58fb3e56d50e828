//! The webhook-to-durable path without HTTP: signature check, parse, and intake's `accept` (the
//! transaction on the writer thread, the durable flush, the hand-over), the same path the
//! webhook handler takes, for one message per delivery (the common case) and for batches.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use siaga::domain::phone::PhoneNumber;
use siaga::intake::batcher::IngestBatcher;
use siaga::intake::{Intake, IntakeSettings};
use siaga::ledger::Commit;
use siaga::profile::Profile;
use siaga::store::Store;
use siaga::whatsapp::payload::{self, Citizen};
use siaga::whatsapp::{signature, webhook};

const SECRET: &[u8] = b"bench-secret";

fn delivery(index: u64, batch: usize) -> Vec<u8> {
    let citizen = Citizen {
        phone: PhoneNumber::parse(&format!("0819{:08}", index % 100_000_000)).unwrap(),
        name: "Warga".into(),
    };
    let mut body = payload::text_message(
        &citizen,
        &format!("wamid.bench.{index}.0"),
        1_795_871_700,
        "motor saya dicuri di pasar 16 ilir",
    );
    let first = body["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    let messages = body["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .unwrap();
    for extra in 1..batch {
        let mut message = first.clone();
        message["id"] = format!("wamid.bench.{index}.{extra}").into();
        messages.push(message);
    }
    payload::to_wire_bytes(&body)
}

fn ingest_path(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(directory.path()).unwrap();
    let profile = Profile::load("sumsel").unwrap();
    let intake = Intake::new(
        store.clone(),
        IntakeSettings {
            thread_window: chrono::Duration::hours(24),
            ticket_prefix: "WA".into(),
            follow_up_ack_interval: chrono::Duration::minutes(30),
            mark_read: false,
            replies: profile.replies,
            router: None,
            access: Default::default(),
            category_titles: Default::default(),
            pace_limit: Default::default(),
            channels: Default::default(),
            panic_on_text: None,
        },
    );
    // The sender is not running: what intake hands over waits in the channel, as it would
    // for a moment in the server.
    let (outbox_feed, mut handed_over) = siaga::ledger::outbox_feed();
    let commit = Commit::new(
        store.clone(),
        siaga::bus::Bus::new(64),
        outbox_feed,
        Default::default(),
        Default::default(),
    );
    let intake = runtime.block_on(async { IngestBatcher::start(intake, commit) });
    let mut counter = 0u64;
    let mut group = criterion.benchmark_group("webhook_to_durable");
    group.measurement_time(Duration::from_secs(8));
    for batch in [1usize, 20] {
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{batch}_messages")),
            &batch,
            |bencher, &batch| {
                bencher.iter_batched(
                    || {
                        counter += 1;
                        let body = delivery(counter, batch);
                        let header = signature::sign(SECRET, &body);
                        (body, header)
                    },
                    |(body, header)| {
                        signature::verify_signature(SECRET, Some(&header), &body).unwrap();
                        let items = webhook::parse_notification(&body, chrono::Utc::now()).unwrap();
                        let received_at = chrono::Utc::now();
                        runtime
                            .block_on(intake.accept(body.into(), items, received_at))
                            .unwrap();
                        while handed_over.try_recv().is_ok() {}
                    },
                    criterion::BatchSize::SmallInput,
                );
            },
        );
    }
    group.finish();

    let mut group = criterion.benchmark_group("webhook_parse");
    let body = delivery(1, 1);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("verify_and_parse_one_message", |bencher| {
        let header = signature::sign(SECRET, &body);
        bencher.iter(|| {
            signature::verify_signature(SECRET, Some(&header), &body).unwrap();
            webhook::parse_notification(&body, chrono::Utc::now()).unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, ingest_path);
criterion_main!(benches);
