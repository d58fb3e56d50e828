//! `siaga check` on a stopped data dir, through the binary: a demo-like store is clean; a
//! running server's data dir is refused; every kind of problem planted through the ledger is
//! listed (ids only, no phone number) with a non-zero exit, and `--repair` rebuilds what can
//! be derived, leaves evidence alone and checks again.

mod common;

use std::path::Path;
use std::time::Duration;

use siaga::domain::ids::{MessageId, ReportId};
use siaga::domain::message::Direction;
use siaga::domain::report::{Report, ReportStatus};
use siaga::domain::reporter::phone_identity;
use siaga::domain::templates::{PurposeMapping, TemplatePurpose};
use siaga::domain::timeline::{Actor, TimelineEvent, TimelineKind};
use siaga::ledger::{Ledger, OutboxWork, write};
use siaga::store::Store;
use siaga::whatsapp::payload::{self, Citizen};

fn citizen(index: usize) -> Citizen {
    Citizen {
        phone: siaga::domain::phone::PhoneNumber::parse(&format!("0812{:08}", 5_550_000 + index))
            .unwrap(),
        name: format!("Warga {index}"),
    }
}

fn siaga_check(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let output = common::run_siaga(data_dir, &all, "");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A help desk that has seen some traffic: citizens writing (some twice, with locations,
/// photos, reactions, a changed number), replies and their statuses, and a supervisor
/// forwarding reports through GraphQL as the demo's does. Returns the running app.
async fn busy_help_desk(data_dir: &Path) -> common::TestApp {
    let app = common::spawn_app_with(|settings| {
        settings.data_dir = Some(data_dir.to_path_buf());
    })
    .await;
    // The profile's samples that name a place, so the suggestions have a unit to forward to.
    let samples: Vec<String> = siaga::profile::Profile::load("sumsel")
        .unwrap()
        .samples
        .into_iter()
        .filter(|sample| sample.place.is_some() && !sample.urgent)
        .map(|sample| sample.text)
        .take(12)
        .collect();
    assert_eq!(samples.len(), 12);
    for (index, text) in samples.iter().enumerate() {
        let now = chrono::Utc::now().timestamp();
        let body = payload::text_message(
            &citizen(index % 8),
            &format!("wamid.check.{index}"),
            now,
            text,
        );
        assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
        if index % 4 == 0 {
            let body = payload::location_message(
                &citizen(index % 8),
                &format!("wamid.check.{index}.loc"),
                now,
                -2.98,
                104.75,
                None,
            );
            assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
        }
    }
    for fixture in [
        "inbound_text",
        "inbound_image_caption",
        "inbound_reaction",
        "inbound_system_user_changed_number",
    ] {
        let mut body = common::fixture(fixture);
        common::refresh_timestamps(&mut body, chrono::Utc::now().timestamp());
        assert_eq!(
            app.post_signed_webhook(&body).await.status(),
            200,
            "{fixture}"
        );
    }
    siaga::demo::create_demo_users(&app.state.services.auth)
        .await
        .unwrap();
    let supervisor = tokio::spawn(siaga::demo::work_some_reports(
        app.base_url.clone(),
        Duration::from_millis(200),
    ));
    common::poll_until("the supervisor forwarded a report", || {
        app.reports()
            .iter()
            .any(|report| report.status == ReportStatus::Forwarded)
    })
    .await;
    supervisor.abort();
    // Meta's statuses for the replies it accepted.
    for (body, wamid) in app.graph.accepted_sends() {
        let to = body["to"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('+')
            .to_owned();
        let status = payload::status(
            &wamid,
            "delivered",
            &to,
            chrono::Utc::now().timestamp(),
            body["biz_opaque_callback_data"].as_str(),
        );
        assert_eq!(app.post_signed_webhook(&status).await.status(), 200);
    }
    app.wait_for_workers_idle().await;
    app.wait_for_index().await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_store_is_clean_and_a_running_server_is_refused() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = busy_help_desk(data_dir.path()).await;
    let forwarded = app
        .reports()
        .iter()
        .filter(|report| report.status == ReportStatus::Forwarded)
        .count();
    assert!(forwarded > 0, "the supervisor forwarded some reports");

    let (clean, stdout, stderr) = siaga_check(data_dir.path(), &[]);
    assert!(!clean, "a running server's data dir is refused: {stdout}");
    assert!(
        stderr.contains("is it still running") && stderr.contains("in use"),
        "{stderr}"
    );

    let reports = app.reports().len();
    app.stop().await;
    drop(app);
    let (clean, stdout, stderr) = siaga_check(data_dir.path(), &[]);
    assert!(clean, "{stdout}\n{stderr}");
    assert!(stdout.contains("clean: "), "{stdout}");
    assert!(stdout.contains(&format!("{reports} reports")), "{stdout}");

    let missing = tempfile::tempdir().unwrap();
    let (clean, _, stderr) = siaga_check(&missing.path().join("nothing"), &[]);
    assert!(!clean);
    assert!(stderr.contains("holds no siaga store"), "{stderr}");
}

/// The first report with an inbound message that has a wamid, and that message.
fn report_with_inbound(store: &Store) -> (Report, siaga::domain::message::Message) {
    for report in store.reports().oldest_first() {
        let report = report.unwrap();
        for message in store.reports().messages(report.id).unwrap() {
            if message.direction == Direction::Inbound && message.external_id.is_some() {
                return (report, message);
            }
        }
    }
    panic!("no report with an inbound message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derivable_problems_are_listed_and_repaired() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = busy_help_desk(data_dir.path()).await;
    app.stop().await;
    drop(app);
    let messages_before;
    {
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        messages_before = store.messages().count();
        let (report, message) = report_with_inbound(&store);
        let reporter = store.reporters().get(report.reporter_id).unwrap().unwrap();
        let wamid = message.external_id.clone().unwrap();
        write(&store, |tx| {
            let survey = tx.survey();
            survey.unlink_message(report.id, message.id)?;
            survey.drop_ticket(report.ticket.as_str())?;
            survey.drop_wamid(wamid.as_str())?;
            survey.drop_identity(&phone_identity(reporter.phone.as_ref().unwrap()))?;
            survey.drop_open(report.id)?;
            survey.queue_for_index(ReportId::new(454_545))?;
            tx.outbox().enqueue(
                OutboxWork::Deliver {
                    message_id: MessageId::new(424_242),
                },
                chrono::Utc::now(),
            )?;
            tx.media_queue()
                .enqueue(MessageId::new(434_343), chrono::Utc::now())?;
            Ok(())
        })
        .unwrap();
        store.flush_blocking().unwrap();
    }
    std::fs::remove_dir_all(data_dir.path().join("index")).unwrap();

    let (clean, stdout, _) = siaga_check(data_dir.path(), &[]);
    assert!(!clean, "{stdout}");
    for expected in [
        "is missing from the list of report",
        "does not find its report",
        "the channel id of message",
        "identity of reporter",
        "missing from the open set",
        "report 454545 is queued for indexing but does not exist",
        "sends message 424242, which does not exist",
        "downloads for message 434343, which does not exist",
        "the index cannot be used",
        "9 problems (9 repairable with --repair)",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    assert!(
        !stdout.contains("+62") && !stdout.contains("6281"),
        "no phone number in clear:\n{stdout}"
    );

    let (clean, stdout, stderr) = siaga_check(data_dir.path(), &["--repair"]);
    assert!(clean, "{stdout}\n{stderr}");
    assert!(stdout.contains("repaired: 8 entries"), "{stdout}");
    assert!(stdout.contains("index rebuilt with"), "{stdout}");
    let (clean, stdout, _) = siaga_check(data_dir.path(), &[]);
    assert!(clean, "{stdout}");
    let store = Store::open(&data_dir.path().join("store")).unwrap();
    assert_eq!(
        store.messages().count(),
        messages_before,
        "no message removed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_evidence_is_listed_and_never_hidden_by_a_repair() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut app = busy_help_desk(data_dir.path()).await;
    app.stop().await;
    drop(app);
    {
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        let (report, message) = report_with_inbound(&store);
        write(&store, |tx| {
            // A message whose report is gone.
            let mut orphan = message.clone();
            orphan.id = tx.messages().new_id()?;
            orphan.report_id = Some(ReportId::new(999_999));
            orphan.external_id = None;
            tx.messages().save(&orphan)?;
            // A second report under the same ticket.
            let mut twin = report.clone();
            twin.id = tx.reports().new_id()?;
            twin.timeline_len = 0;
            tx.reports().save(&twin)?;
            // A timeline entry out of sequence and back in time.
            tx.survey().plant_timeline_event(&TimelineEvent {
                report_id: report.id,
                sequence: report.timeline_len + 2,
                at: report.created_at - chrono::Duration::days(2),
                kind: TimelineKind::Note,
                actor: Actor::System,
                note: None,
                message_id: None,
            })?;
            // A raw body lost.
            tx.survey()
                .plant_lost_raw_payload(message.raw_payload_id.unwrap())?;
            // Purposes mapped to a template Meta paused, and to one it deleted.
            let paused = siaga::domain::templates::MessageTemplate::new(
                "laporan_selesai".into(),
                "id".into(),
                "UTILITY".into(),
                "PAUSED".into(),
                Some("Laporan {{1}} selesai".into()),
            );
            tx.templates()
                .save_catalogue(&siaga::domain::templates::TemplateCatalogue {
                    templates: vec![paused],
                    ..Default::default()
                })?;
            for (purpose, name) in [
                (TemplatePurpose::Resolved, "laporan_selesai"),
                (TemplatePurpose::Forwarded, "laporan_diteruskan"),
            ] {
                tx.templates().save_mapping(&PurposeMapping {
                    purpose,
                    name: name.into(),
                    language: "id".into(),
                    set_by: "admin1".into(),
                    set_at: chrono::Utc::now(),
                })?;
            }
            // Status changed without the index or the open set being told.
            let mut spam = report.clone();
            spam.status = ReportStatus::Spam;
            tx.reports().save_bookkeeping(&spam)?;
            Ok(())
        })
        .unwrap();
        store.flush_blocking().unwrap();
    }
    let (clean, stdout, _) = siaga_check(data_dir.path(), &[]);
    assert!(!clean, "{stdout}");
    for expected in [
        "belongs to report 999999, which does not exist",
        "ticket ",
        "is held by reports",
        "timeline entries",
        "goes back in time",
        "the raw webhook body",
        "is SPAM but in the open set",
        "is SPAM but indexed as",
        "RESOLVED is mapped to template laporan_selesai (id), which is PAUSED: it is not sent",
        "FORWARDED is mapped to template laporan_diteruskan (id), which the cached template list no longer has",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    let count_before = Store::open(&data_dir.path().join("store"))
        .unwrap()
        .messages()
        .count();
    let (clean, stdout, _) = siaga_check(data_dir.path(), &["--repair"]);
    assert!(!clean, "lost evidence stays a problem: {stdout}");
    let after = stdout.split("after the repair:").nth(1).unwrap();
    assert!(after.contains("belongs to report 999999"), "{after}");
    assert!(after.contains("the raw webhook body"), "{after}");
    assert!(after.contains("is held by reports"), "{after}");
    assert!(!after.contains("open set"), "{after}");
    assert!(!after.contains("indexed as"), "{after}");
    assert!(after.contains("(0 repairable with --repair)"), "{after}");
    let store = Store::open(&data_dir.path().join("store")).unwrap();
    assert_eq!(
        store.messages().count(),
        count_before,
        "evidence is never removed"
    );
}

fn folder_bytes(folder: &Path) -> u64 {
    siaga::store::folder_bytes(folder)
}

/// A data dir an older build wrote (raw bodies kept plain, seen events without a time) reads
/// and checks clean; the retention pass stamps those entries, later removes them with the ones
/// past their retention, and the check does not count what it removed as lost; `siaga compact`
/// refuses a running server, then gives the space back, and everything still reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruned_evidence_is_no_problem_and_compact_gives_the_space_back() {
    use siaga::retention::{Retention, RetentionPass};
    let data_dir = tempfile::tempdir().unwrap();
    let legacy_body = serde_json::to_vec_pretty(&common::fixture("inbound_text")).unwrap();
    let legacy_ids: Vec<u64> = {
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        let ids: Vec<u64> = (0..3_000).map(|_| store.generate_id().unwrap()).collect();
        write(&store, |tx| {
            for id in &ids {
                tx.survey().plant_legacy_raw_body(*id, &legacy_body)?;
            }
            tx.survey().plant_legacy_seen_event("wamid.old#delivered")
        })
        .unwrap();
        store.flush_blocking().unwrap();
        ids
    };
    let mut app = busy_help_desk(data_dir.path()).await;
    let store = app.state.store.clone();
    let first = store
        .channel_log()
        .raw_body(legacy_ids[0])
        .unwrap()
        .unwrap();
    assert_eq!(first.bytes, legacy_body);
    let (_, message) = report_with_inbound(&store);
    let kept = store
        .channel_log()
        .raw_body(message.raw_payload_id.unwrap())
        .unwrap()
        .unwrap();
    assert!(kept.received_at.is_some(), "a new body carries its time");
    assert!(
        String::from_utf8(kept.bytes)
            .unwrap()
            .contains("whatsapp_business_account"),
        "and reads back whole"
    );

    let retention = Retention {
        raw_bodies: Some(chrono::Duration::days(30)),
        dedupe: chrono::Duration::days(7),
    };
    let now = chrono::Utc::now();
    let tally = RetentionPass::new(app.state.commit.clone(), retention, now)
        .run()
        .await
        .unwrap();
    assert_eq!(
        (tally.raw_bodies_removed, tally.seen_events_removed),
        (0, 0),
        "nothing is past its retention yet"
    );
    let stamped = store
        .channel_log()
        .raw_body(legacy_ids[0])
        .unwrap()
        .unwrap();
    assert_eq!(
        stamped.bytes, legacy_body,
        "an old body is compressed, not changed"
    );
    assert!(stamped.received_at.is_some());

    let later = RetentionPass::new(
        app.state.commit.clone(),
        retention,
        now + chrono::Duration::days(31),
    )
    .run()
    .await
    .unwrap();
    assert!(later.raw_bodies_removed > 3_000, "{later:?}");
    assert!(later.seen_events_removed > 1, "{later:?}");
    assert!(
        store
            .channel_log()
            .raw_body(legacy_ids[0])
            .unwrap()
            .is_none()
    );

    let refused = common::run_siaga(data_dir.path(), &["compact"], "");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("server stopped"), "{stderr}");

    let reports = app.reports().len();
    app.stop().await;
    drop((app, store));
    let (clean, stdout, stderr) = siaga_check(data_dir.path(), &[]);
    assert!(
        clean,
        "pruned raw bodies are no problem: {stdout}\n{stderr}"
    );

    let before = folder_bytes(&data_dir.path().join("store"));
    let compacted = common::run_siaga(data_dir.path(), &["compact"], "");
    let stderr = String::from_utf8_lossy(&compacted.stderr);
    assert!(compacted.status.success(), "{stderr}");
    assert!(stderr.contains("compacted"), "{stderr}");
    let after = folder_bytes(&data_dir.path().join("store"));
    assert!(after < before, "{after} bytes after, {before} before");
    assert!(!data_dir.path().join("store.compact").exists());

    let (clean, stdout, stderr) = siaga_check(data_dir.path(), &[]);
    assert!(clean, "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{reports} reports")), "{stdout}");
    let app = common::spawn_app_with(|settings| {
        settings.data_dir = Some(data_dir.path().to_path_buf());
    })
    .await;
    assert_eq!(app.reports().len(), reports);
    let fresh = app.state.store.generate_id().unwrap();
    assert!(
        fresh > *legacy_ids.last().unwrap(),
        "ids keep growing after a compact"
    );
}
