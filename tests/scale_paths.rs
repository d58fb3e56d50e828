//! The scale example builds its store through intake's batch path (`Intake::ingest_together`
//! with hundreds of deliveries a transaction, no HTTP); this checks that the path writes the
//! same records as the real one (signed webhooks through HTTP, one by one), for the example's
//! own stories: reports, their messages (the citizen's and ours) and their timelines, equal
//! ids included, except for times (the HTTP path receives at the clock's time, the batch path
//! at the story's) and for what the server's workers write afterwards, which the batch path
//! has no workers for: the sender's mark on our replies (`delivery`), the media fetcher's on
//! the citizen's photos (`media`), their timeline entries, and so the timeline's length and
//! numbering.

mod common;

#[allow(dead_code)]
#[path = "../examples/scale/build.rs"]
mod build;
#[allow(dead_code)]
#[path = "../benches/support/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../examples/scale/stories.rs"]
mod stories;

use serde_json::Value;
use siaga::app::open_core;
use siaga::config::Config;
use siaga::domain::report::Report;
use siaga::ledger::Ledger;
use siaga::store::Store;

use common::spawn_app_with;

const STORIES: u64 = 200;

/// Every field that holds a time, removed (at any depth), so that the rest can be compared.
fn without_times(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|key, _| {
                    !(key.ends_with("_at") || key.ends_with("_since") || key == "at")
                });
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

/// Timeline entries the sender and the media fetcher write, not intake.
const WORKERS_KINDS: &[&str] = &["REPLY_SENT", "REPLY_FAILED", "MEDIA_STORED", "MEDIA_FAILED"];

/// Every report of the store with its messages and timeline, by ticket, as intake wrote them
/// (see the module's note), times removed.
fn records(store: &Store, reports: Vec<Report>) -> Vec<Value> {
    let mut all: Vec<Value> = reports
        .into_iter()
        .map(|report| {
            let mut messages =
                serde_json::to_value(store.reports().messages(report.id).expect("messages"))
                    .expect("json");
            for message in messages.as_array_mut().into_iter().flatten() {
                if let Some(message) = message.as_object_mut() {
                    message.remove("delivery");
                    message.remove("media");
                }
            }
            let timeline: Vec<Value> = store
                .reports()
                .timeline(report.id)
                .expect("timeline")
                .into_iter()
                .map(|event| serde_json::to_value(event).expect("json"))
                .filter(|event| {
                    !WORKERS_KINDS.contains(&event["kind"].as_str().unwrap_or_default())
                })
                .map(|mut event| {
                    // Numbered after the workers' entries, where there are some.
                    if let Some(event) = event.as_object_mut() {
                        event.remove("sequence");
                    }
                    event
                })
                .collect();
            let mut report = serde_json::to_value(report).expect("json");
            if let Some(report) = report.as_object_mut() {
                report.remove("timeline_len");
            }
            without_times(serde_json::json!({
                "report": report,
                "messages": messages,
                "timeline": timeline,
            }))
        })
        .collect();
    all.sort_by_key(|record| record["report"]["ticket"].as_str().map(str::to_string));
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_path_writes_the_same_records_as_signed_webhooks_through_http() {
    let corpus = corpus::Corpus::load();
    let now = chrono::Utc::now();
    let all: Vec<stories::Story> =
        stories::stories(&corpus, STORIES, build::SEED, Some(now)).collect();
    let deliveries: usize = all.iter().map(|story| story.deliveries.len()).sum();
    assert!(
        deliveries > 250,
        "a few hundred deliveries, got {deliveries}"
    );
    assert!(
        all.iter().any(|story| story.deliveries.len() >= 3),
        "locations, photos and follow-ups among them"
    );

    // The real path: sandbox mode, so that no reply is sent and changes its message.
    let mut app = spawn_app_with(|settings| settings.wa_access_token = None).await;
    for story in &all {
        for delivery in &story.deliveries {
            let response = app.post_signed_bytes(&delivery.body).await;
            assert_eq!(response.status(), 200, "{}", delivery.wamid);
        }
    }
    app.stop().await;
    let through_http = records(&app.state.store, app.reports());

    // The batch path, as the example runs it, in batches of 64 stories.
    siaga::data_dir::restrict_new_file_permissions();
    let folder = tempfile::tempdir().expect("temp dir");
    let config =
        Config::validate(build::store_settings(&folder.path().join("data"))).expect("config");
    let core = open_core(&config).expect("store opens");
    for chunk in all.chunks(64) {
        build::ingest(&core.intake, chunk).expect("batch applied");
    }
    let reports: Vec<Report> = core
        .store
        .reports()
        .oldest_first()
        .collect::<Result<_, _>>()
        .expect("reports");
    let through_batch = records(&core.store, reports);

    assert_eq!(through_http.len(), STORIES as usize, "one report per story");
    assert_eq!(through_batch.len(), through_http.len());
    for (batch, http) in through_batch.iter().zip(&through_http) {
        assert_eq!(
            batch, http,
            "the records of {} differ",
            http["report"]["ticket"]
        );
    }
}
