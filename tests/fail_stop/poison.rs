//! A delivery that makes intake panic, among good ones.

use siaga::domain::ids::Wamid;
use siaga::ledger::Ledger;

use super::common::{run_siaga, spawn_app_with};
use super::{POISON_TEXT, board_entry, text_from};

#[tokio::test]
async fn a_panicking_delivery_fails_alone_its_neighbours_get_200_and_the_thread_lives_on() {
    let app = spawn_app_with(|settings| {
        settings.fault_panic_on_text = Some(POISON_TEXT.into());
    })
    .await;
    // Sent at once, so that they share the ingest thread's groups.
    let mut posts = Vec::new();
    for index in 0..12 {
        let text = if index == 5 {
            POISON_TEXT
        } else {
            "motor saya dicuri di pasar"
        };
        let body = text_from(index, &format!("wamid.poison.{index}"), text);
        let client = app.client.clone();
        let url = app.webhook_url();
        let bytes = siaga::whatsapp::payload::to_wire_bytes(&body);
        posts.push(tokio::spawn(async move {
            client
                .post(url)
                .header("content-type", "application/json")
                .header(
                    "x-hub-signature-256",
                    siaga::whatsapp::signature::sign(super::common::APP_SECRET.as_bytes(), &bytes),
                )
                .body(bytes)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for (index, post) in posts.into_iter().enumerate() {
        let status = post.await.unwrap();
        if index == 5 {
            assert_eq!(status, 503, "the first failure alone: meta retries it");
        } else {
            assert_eq!(
                status, 200,
                "delivery {index} is not failed by its neighbour"
            );
        }
    }
    let store = &app.state.store;
    let poison_wamid = Wamid::parse("wamid.poison.5").unwrap();
    assert_eq!(
        store.messages().id_by_wamid(&poison_wamid).unwrap(),
        None,
        "nothing of the panicking transaction was committed"
    );
    assert_eq!(store.reports().count(), 11);

    // The thread lives on: a later delivery is stored, and the board shows the failure.
    let later = app
        .post_signed_webhook(&text_from(20, "wamid.poison.later", "ada begal di jalan"))
        .await;
    assert_eq!(later.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    let ingest = board_entry(&ready, "ingest");
    assert_ne!(ingest["state"], "failed", "{ingest}");
    assert!(ingest["errors"].as_u64().unwrap() >= 1, "{ingest}");
    assert!(
        ingest["last_error"]
            .as_str()
            .is_some_and(|error| error.contains("injected fault")),
        "{ingest}"
    );
}

#[tokio::test]
async fn a_poison_delivery_is_quarantined_raw_counted_and_acknowledged_when_it_fails_again() {
    let app = spawn_app_with(|settings| {
        settings.fault_panic_on_text = Some(POISON_TEXT.into());
    })
    .await;
    let poison = text_from(1, "wamid.quarantine.1", POISON_TEXT);
    assert_eq!(app.post_signed_webhook(&poison).await.status(), 503);
    assert!(app.state.store.quarantine().is_empty());
    // Meta retries it: it fails alone again, and is poison.
    let retried = app.post_signed_webhook(&poison).await;
    assert_eq!(
        retried.status(),
        200,
        "a poison delivery must not fail forever"
    );

    let quarantined = app.state.store.quarantine().all().unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(
        quarantined[0].body.as_bytes(),
        siaga::whatsapp::payload::to_wire_bytes(&poison).as_slice(),
        "the raw body is kept as evidence"
    );
    assert!(
        quarantined[0].reason.contains("injected fault"),
        "{:?}",
        quarantined[0]
    );
    assert_eq!(app.state.store.reports().count(), 0);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_webhook_poison_total 1"),
        "{metrics}"
    );
    // The next delivery is applied as usual.
    assert_eq!(
        app.post_signed_webhook(&text_from(2, "wamid.quarantine.2", "motor hilang"))
            .await
            .status(),
        200
    );
    assert_eq!(app.state.store.reports().count(), 1);
}

#[tokio::test]
async fn a_quarantined_delivery_is_listed_and_replayed_once_the_bug_is_gone() {
    let data_dir = tempfile::tempdir().unwrap();
    let data_path = data_dir.path().join("data");
    let mut app = spawn_app_with(|settings| {
        settings.data_dir = Some(data_path.clone());
        settings.fault_panic_on_text = Some(POISON_TEXT.into());
    })
    .await;
    let poison = text_from(3, "wamid.replay.1", POISON_TEXT);
    assert_eq!(app.post_signed_webhook(&poison).await.status(), 503);
    assert_eq!(app.post_signed_webhook(&poison).await.status(), 200);
    let id = app.state.store.quarantine().all().unwrap()[0].id;
    app.stop().await;
    // The store is let go with the last handle on it.
    drop(app);

    // The fixed build: the command runs without the fault.
    let listed = run_siaga(&data_path, &["quarantine"], "");
    assert!(listed.status.success(), "{listed:?}");
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(listing.starts_with(&format!("{id}\t")), "{listing}");
    assert!(listing.contains("injected fault"), "{listing}");

    // `siaga check` reads the entry and counts it; a quarantined delivery is not a problem.
    let checked = run_siaga(&data_path, &["check"], "");
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{checked:?}");
    assert!(report.contains("quarantine 1,"), "{report}");
    // The export is of reports: the raw body (numbers and all) stays out of it, and the admin
    // is told it is kept elsewhere.
    let exported = run_siaga(&data_path, &["export"], "");
    assert!(exported.status.success(), "{exported:?}");
    assert!(exported.stdout.is_empty(), "{exported:?}");
    let note = String::from_utf8_lossy(&exported.stderr);
    assert!(
        note.contains("1 quarantined deliveries are not in the export"),
        "{note}"
    );

    let replay = ["quarantine", "--replay", &id.to_string()];
    let replayed = run_siaga(&data_path, &replay, "");
    assert!(replayed.status.success(), "{replayed:?}");
    let again = run_siaga(&data_path, &replay, "");
    assert!(!again.status.success(), "replayed once, then gone");

    let checked = run_siaga(&data_path, &["check"], "");
    assert!(
        String::from_utf8_lossy(&checked.stdout).contains("quarantine 0,"),
        "{checked:?}"
    );

    let app = spawn_app_with(|settings| settings.data_dir = Some(data_path.clone())).await;
    let store = &app.state.store;
    assert!(store.quarantine().is_empty());
    let wamid = Wamid::parse("wamid.replay.1").unwrap();
    assert!(store.messages().id_by_wamid(&wamid).unwrap().is_some());
    assert_eq!(store.reports().count(), 1);
}
