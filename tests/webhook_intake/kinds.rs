//! Every other kind of item (statuses, channel errors, unknown types, edits, number changes,
//! calls, reactions), sandbox mode, restarts and the health endpoints.

use super::*;
use siaga::ledger::Ledger;

#[tokio::test]
async fn a_status_only_delivery_and_channel_errors_are_acknowledged() {
    let app = spawn_app().await;
    app.post_fixture("value_errors_only").await;
    app.post_fixture("status_sent").await;
    assert!(app.reports().is_empty(), "neither opens a report");
    assert_eq!(app.state.store.len(Table::ChannelErrors), 1);
    assert_eq!(
        app.state.store.len(Table::PendingStatuses),
        1,
        "a status for an unknown wamid waits for it"
    );
}

#[tokio::test]
async fn a_message_of_a_type_unknown_to_siaga_is_kept_raw_and_flagged() {
    let app = spawn_app().await;
    let mut payload = fixture("inbound_text");
    let message = &mut payload["entry"][0]["changes"][0]["value"]["messages"][0];
    message["type"] = json!("hologram");
    message["hologram"] = json!({ "frames": 3 });
    app.post_signed_webhook(&payload).await;
    let report = app.only_report();
    assert!(report.flags.contains(&"unknown_message_type".to_string()));
    let messages = app.messages(report.id);
    let MessageBody::Inbound { content, .. } = &messages[0].body else {
        panic!("inbound")
    };
    assert!(
        matches!(content, MessageContent::Unsupported { original_type, known_to_meta: false } if original_type == "hologram")
    );
    let raw_id = messages[0].raw_payload_id.unwrap();
    let raw = app
        .state
        .store
        .channel_log()
        .raw_body(raw_id)
        .unwrap()
        .expect("the raw body is kept");
    assert!(
        String::from_utf8(raw.bytes).unwrap().contains("hologram"),
        "the raw body is kept"
    );
}

#[tokio::test]
async fn edits_and_deletions_are_recorded_beside_the_untouched_original() {
    let app = spawn_app().await;
    let budi = citizen("081234567890", "Budi");
    app.post_signed_webhook(&payload::text_message(
        &budi,
        "wamid.orig",
        now(),
        "pelaku 3 orang",
    ))
    .await;
    let mut edit = payload::text_message(&budi, "wamid.edit", now(), "");
    edit["entry"][0]["changes"][0]["value"]["messages"][0] = json!({
        "from": "6281234567890", "id": "wamid.edit", "timestamp": now().to_string(), "type": "edit",
        "edit": { "original_message_id": "wamid.orig", "message": { "type": "text", "text": { "body": "pelaku 2 orang" } } }
    });
    app.post_signed_webhook(&edit).await;
    let mut revoke = edit.clone();
    revoke["entry"][0]["changes"][0]["value"]["messages"][0] = json!({
        "from": "6281234567890", "id": "wamid.revoke", "timestamp": now().to_string(), "type": "revoke",
        "revoke": { "original_message_id": "wamid.orig" }
    });
    app.post_signed_webhook(&revoke).await;

    let report = app.only_report();
    let original = app
        .messages(report.id)
        .into_iter()
        .find(|message| message.external_id.as_deref() == Some("wamid.orig"))
        .unwrap();
    assert_eq!(
        original.text(),
        Some("pelaku 3 orang"),
        "the original text is evidence and never changes"
    );
    assert_eq!(original.revisions.len(), 1);
    assert_eq!(
        original.revisions[0].content.as_ref().unwrap().text(),
        Some("pelaku 2 orang")
    );
    assert!(original.revoked_at.is_some());
    let kinds: Vec<TimelineKind> = app
        .timeline(report.id)
        .iter()
        .map(|event| event.kind)
        .collect();
    assert!(
        kinds.contains(&TimelineKind::MessageEdited)
            && kinds.contains(&TimelineKind::MessageRevoked)
    );
    assert_eq!(
        report.inbound_count, 1,
        "edits and deletions are not new messages of the case"
    );
}

#[tokio::test]
async fn a_citizen_changing_number_stays_the_same_reporter() {
    let app = spawn_app().await;
    let dewi = citizen("081255556666", "Dewi Lestari");
    app.post_signed_webhook(&payload::text_message(
        &dewi,
        "wamid.before",
        now(),
        "lapor kehilangan",
    ))
    .await;
    app.post_fixture("inbound_system_user_changed_number").await;
    let new_number = citizen("081277778888", "Dewi Lestari");
    app.post_signed_webhook(&payload::text_message(
        &new_number,
        "wamid.after",
        now(),
        "ini nomor baru saya",
    ))
    .await;
    let report = app.only_report();
    assert_eq!(report.inbound_count, 2);
    assert!(
        app.timeline(report.id)
            .iter()
            .any(|event| event.kind == TimelineKind::ReporterChangedNumber)
    );
}

#[tokio::test]
async fn a_citizen_call_appears_on_their_report_and_a_missed_call_is_flagged() {
    let app = spawn_app().await;
    app.post_fixture("call_connect_user_initiated").await;
    app.post_fixture("call_terminate").await;
    app.post_fixture("call_terminate").await;
    let report = app.only_report();
    let timeline = app.timeline(report.id);
    let ended: Vec<_> = timeline
        .iter()
        .filter(|event| event.kind == TimelineKind::CallEnded)
        .collect();
    assert_eq!(ended.len(), 1, "a redelivered call event is recorded once");
    assert!(ended[0].note.as_deref().unwrap().contains("175 s"));
    assert!(
        timeline
            .iter()
            .any(|event| event.kind == TimelineKind::CallReceived)
    );

    let mut missed = fixture("call_terminate");
    let call = &mut missed["entry"][0]["changes"][0]["value"]["calls"][0];
    call["id"] = json!("wacid.missed");
    call["status"] = json!("FAILED");
    app.post_signed_webhook(&missed).await;
    assert!(app.only_report().flags.contains(&"missed_call".to_string()));
}

#[tokio::test]
async fn in_sandbox_mode_replies_are_stored_and_never_sent() {
    let app = spawn_app_with(|settings| settings.wa_access_token = None).await;
    app.post_fixture("inbound_text").await;
    let report = app.only_report();
    app.wait_until("the reply is stored as a sandbox message", |app| {
        app.messages(report.id).iter().any(|message| {
            message
                .delivery
                .as_ref()
                .is_some_and(|delivery| delivery.status == DeliveryStatus::Sandbox)
        })
    })
    .await;
    assert!(app.graph.sent_messages().is_empty());
    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["whatsapp"], "sandbox");
}

#[tokio::test]
async fn everything_survives_a_restart_and_redeliveries_after_it_are_still_deduplicated() {
    let app = spawn_app().await;
    let payload = fixture("inbound_text");
    app.post_signed_webhook(&payload).await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    let before = app.only_report();

    let app = app.restart().await;
    assert_eq!(app.only_report().ticket, before.ticket);
    app.post_signed_webhook(&payload).await;
    let budi = citizen("081234567890", "Budi");
    app.post_signed_webhook(&payload::text_message(
        &budi,
        "wamid.after.restart",
        now(),
        "ada info tambahan",
    ))
    .await;
    let report = app.only_report();
    assert_eq!(report.inbound_count, 2);
    app.wait_until("the outbox is empty", |app| {
        app.state.store.is_empty(Table::Outbox)
    })
    .await;
    assert_eq!(
        app.graph.sent_messages().len(),
        1,
        "no second reply after the restart"
    );
}

#[tokio::test]
async fn health_endpoints_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.text().await.unwrap(), "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["whatsapp"], "healthy");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("siaga_queue_depth{queue=\"outbox\"}"));
    assert!(metrics.contains("siaga_store_flush_seconds_count"));
}

#[tokio::test]
async fn a_reaction_as_first_contact_stores_the_reporter_that_later_messages_join() {
    let app = spawn_app().await;
    let sari = citizen("081298765432", "Sari");
    let mut reaction = payload::text_message(&sari, "wamid.react", now(), "");
    reaction["entry"][0]["changes"][0]["value"]["messages"][0] = json!({
        "from": "6281298765432", "id": "wamid.react", "timestamp": now().to_string(), "type": "reaction",
        "reaction": { "message_id": "wamid.never.seen", "emoji": "\u{1F44D}" }
    });
    app.post_signed_webhook(&reaction).await;
    let identity = siaga::domain::reporter::phone_identity(&sari.phone);
    let mapped = app
        .state
        .store
        .get(Table::ReporterIdentities, identity.as_bytes())
        .unwrap()
        .expect("the number is known after the reaction");
    let reporter_id = siaga::store::keys::read_u64(&mapped, 0).unwrap();
    let reporter: siaga::domain::reporter::Reporter = app
        .state
        .store
        .get_record(Table::Reporters, &siaga::store::keys::u64_key(reporter_id))
        .unwrap()
        .expect("the reporter the number points to is stored");
    assert!(
        reporter.last_inbound_at.is_some(),
        "a reaction opens the 24-hour window"
    );

    app.post_signed_webhook(&payload::text_message(
        &sari,
        "wamid.text",
        now(),
        "motor saya dicuri",
    ))
    .await;
    assert_eq!(app.only_report().reporter_id, reporter_id);
}
