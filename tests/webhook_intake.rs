//! Black-box tests of the webhook path: signature, parsing of every shape Meta sends,
//! dedupe, threading, the automatic reply, and what bad input is refused with.

mod common;

use common::{APP_SECRET, TestApp, VERIFY_TOKEN, fixture, spawn_app, spawn_app_with};
use serde_json::json;
use siaga::domain::inbound::{DeliveryStatus, MessageContent};
use siaga::domain::message::{Direction, MessageBody};
use siaga::domain::phone::PhoneNumber;
use siaga::domain::report::ReportStatus;
use siaga::domain::timeline::TimelineKind;
use siaga::store::Table;
use siaga::whatsapp::payload::{self, Citizen};
use std::time::Duration;

fn citizen(phone: &str, name: &str) -> Citizen {
    Citizen {
        phone: PhoneNumber::parse(phone).unwrap(),
        name: name.into(),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn ticket_pattern_holds(ticket: &str) -> bool {
    let year = chrono::Utc::now().format("%Y").to_string();
    ticket.starts_with(&format!("WA-{year}-")) && ticket.len() == "WA-2026-000001".len()
}

#[tokio::test]
async fn a_text_message_opens_a_report_and_is_answered_with_its_ticket() {
    let app = spawn_app().await;
    let response = app.post_fixture("inbound_text").await;
    assert_eq!(response.text().await.unwrap(), "EVENT_RECEIVED");

    let report = app.only_report();
    assert_eq!(report.status, ReportStatus::New);
    assert!(ticket_pattern_holds(&report.ticket), "{}", report.ticket);
    assert!(report.ticket.ends_with("-000001"));

    let sent = app
        .graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    assert_eq!(sent[0]["to"], "+6281234567890");
    let body = sent[0]["text"]["body"].as_str().unwrap();
    assert!(
        body.contains(&report.ticket),
        "the reply names the ticket: {body}"
    );
    assert!(
        body.contains("110"),
        "the reply points emergencies to 110: {body}"
    );
    assert!(
        sent[0]["biz_opaque_callback_data"]
            .as_str()
            .unwrap()
            .starts_with("siaga:")
    );

    app.wait_until("the reply is recorded as accepted", |app| {
        app.messages(report.id).iter().any(|message| {
            message.direction == Direction::Outbound
                && message
                    .delivery
                    .as_ref()
                    .is_some_and(|delivery| delivery.status == DeliveryStatus::Accepted)
                && message.external_id.is_some()
        })
    })
    .await;
    let messages = app.messages(report.id);
    let inbound = messages
        .iter()
        .find(|message| message.direction == Direction::Inbound)
        .unwrap();
    assert!(inbound.text().unwrap().contains("Motor saya dicuri"));
    let kinds: Vec<TimelineKind> = app
        .timeline(report.id)
        .iter()
        .map(|event| event.kind)
        .collect();
    assert_eq!(
        &kinds[..3],
        &[
            TimelineKind::ReportOpened,
            TimelineKind::MessageReceived,
            TimelineKind::ReplyQueued
        ]
    );
    // The acceptance lives on the message (checked above); the report is not rewritten for it.
    assert!(!kinds.contains(&TimelineKind::ReplySent));
}

#[tokio::test]
async fn every_inbound_message_type_is_stored_and_none_fails_the_batch() {
    let app = spawn_app().await;
    let fixtures = [
        ("inbound_text", "text"),
        ("inbound_image_caption", "image"),
        ("inbound_video", "video"),
        ("inbound_document", "document"),
        ("inbound_audio_voice", "voice"),
        ("inbound_sticker", "sticker"),
        ("inbound_location", "location"),
        ("inbound_location_coords_only", "location"),
        ("inbound_contacts", "contacts"),
        ("inbound_interactive_button_reply", "interactive"),
        ("inbound_interactive_list_reply", "interactive"),
        ("inbound_template_quick_reply_button", "button"),
        ("inbound_reaction", "reaction"),
        ("inbound_reaction_removed", "reaction"),
        ("inbound_unsupported", "unsupported"),
        ("inbound_text_reply_context", "text"),
        ("inbound_text_frequently_forwarded", "text"),
        ("inbound_text_username_only_SPECULATIVE", "text"),
        ("interactive_call_permission_reply", "call_permission_reply"),
        ("inbound_system_user_changed_number", "system"),
    ];
    for (name, _) in fixtures {
        app.post_fixture(name).await;
    }
    let stored: Vec<(String, String)> = app
        .state
        .store
        .scan_records::<siaga::domain::message::Message>(Table::Messages, &[])
        .map(|entry| entry.unwrap().1)
        .filter(|message| message.direction == Direction::Inbound)
        .map(|message| {
            (
                message.external_id.clone().unwrap(),
                message.kind_name().to_string(),
            )
        })
        .collect();
    for (name, kind) in fixtures {
        let wamid = fixture(name)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            stored
                .iter()
                .any(|(id, stored_kind)| *id == wamid && stored_kind == kind),
            "{name}: expected a stored {kind} message {wamid}"
        );
    }
    let hoax = app
        .reports()
        .into_iter()
        .find(|report| report.flags.contains(&"possible_hoax".to_string()));
    assert!(
        hoax.is_some(),
        "a frequently forwarded message flags its report as a possible hoax"
    );
}

#[tokio::test]
async fn a_batch_with_several_contacts_threads_each_message_under_its_own_sender() {
    let app = spawn_app().await;
    app.post_fixture("inbound_batch_two_contacts").await;
    let reports = app.reports();
    assert_eq!(reports.len(), 2, "two citizens, two reports");
    let mut names: Vec<String> = reports
        .iter()
        .map(|report| {
            let reporter: siaga::domain::reporter::Reporter = app
                .state
                .store
                .get_record(Table::Reporters, &report.reporter_id.to_be_bytes())
                .unwrap()
                .unwrap();
            format!("{} {}", reporter.name.unwrap(), reporter.phone.unwrap())
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["Andi Pratama +6281211112222", "Siti Rahayu +6281298765432"]
    );
    let with_location = reports
        .iter()
        .filter(|report| report.location.is_some())
        .count();
    assert_eq!(with_location, 1);
    app.graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
}

#[tokio::test]
async fn a_redelivered_webhook_is_stored_once_and_answered_once() {
    let app = spawn_app().await;
    let payload = fixture("inbound_text");
    for _ in 0..3 {
        assert_eq!(app.post_signed_webhook(&payload).await.status(), 200);
    }
    let report = app.only_report();
    let inbound = app
        .messages(report.id)
        .into_iter()
        .filter(|message| message.direction == Direction::Inbound)
        .count();
    assert_eq!(inbound, 1);
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    app.wait_until("the outbox is empty", |app| {
        app.state.store.is_empty(Table::Outbox)
    })
    .await;
    assert_eq!(
        app.graph.sent_messages().len(),
        1,
        "the citizen gets one reply, not three"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("siaga_duplicates_total 2"), "{metrics}");
    assert!(
        metrics.contains("siaga_messages_ingested_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn follow_ups_join_the_open_report_and_are_acknowledged_at_most_once_per_interval() {
    let app = spawn_app().await;
    let budi = citizen("081234567890", "Budi");
    for (index, text) in ["motor saya hilang", "warnanya hitam", "platnya BG 1234 XY"]
        .iter()
        .enumerate()
    {
        let payload = payload::text_message(&budi, &format!("wamid.follow.{index}"), now(), text);
        assert_eq!(app.post_signed_webhook(&payload).await.status(), 200);
    }
    let report = app.only_report();
    assert_eq!(report.inbound_count, 3);
    app.wait_until("the outbox is empty", |app| {
        app.state.store.is_empty(Table::Outbox)
    })
    .await;
    assert_eq!(
        app.graph.sent_messages().len(),
        1,
        "the new-report reply covers the follow-ups within the interval"
    );
}

#[tokio::test]
async fn with_no_ack_interval_every_follow_up_is_acknowledged() {
    let app = spawn_app_with(|settings| settings.ack_interval_minutes = Some(0)).await;
    let budi = citizen("081234567890", "Budi");
    for index in 0..3 {
        let payload =
            payload::text_message(&budi, &format!("wamid.ack.{index}"), now(), "tambahan info");
        app.post_signed_webhook(&payload).await;
    }
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    let ticket = app.only_report().ticket;
    assert!(sent[1]["text"]["body"].as_str().unwrap().contains(&ticket));
    assert!(
        sent[1]["text"]["body"]
            .as_str()
            .unwrap()
            .contains("tambahan"),
        "the short acknowledgement text"
    );
}

#[tokio::test]
async fn national_international_and_wa_id_forms_of_a_number_are_one_reporter() {
    let app = spawn_app().await;
    for (index, written) in ["081377101001", "+62 813-7710-1001", "6281377101001"]
        .iter()
        .enumerate()
    {
        let payload = payload::text_message(
            &citizen(written, "Rina"),
            &format!("wamid.forms.{index}"),
            now(),
            "halo",
        );
        app.post_signed_webhook(&payload).await;
    }
    assert_eq!(app.only_report().inbound_count, 3);
    assert_eq!(app.state.store.len(Table::Reporters), 1);
}

#[tokio::test]
async fn a_citizen_without_a_phone_number_is_known_and_answered_by_user_id() {
    let app = spawn_app().await;
    app.post_fixture("inbound_text_username_only_SPECULATIVE")
        .await;
    let sent = app
        .graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    assert!(
        sent[0].get("to").is_none(),
        "no phone to send to: {}",
        sent[0]
    );
    assert!(
        sent[0]["recipient"].as_str().unwrap().starts_with("ID."),
        "{}",
        sent[0]
    );
}

#[tokio::test]
async fn a_message_after_the_thread_window_opens_a_new_report() {
    let app = spawn_app_with(|settings| settings.thread_window_minutes = Some(60)).await;
    let dewi = citizen("081255556666", "Dewi");
    let two_hours_ago = now() - 2 * 3600;
    app.post_signed_webhook(&payload::text_message(
        &dewi,
        "wamid.old",
        two_hours_ago,
        "kemarin ada maling",
    ))
    .await;
    app.post_signed_webhook(&payload::text_message(
        &dewi,
        "wamid.new",
        now(),
        "sekarang ada tawuran",
    ))
    .await;
    let reports = app.reports();
    assert_eq!(reports.len(), 2);
    assert_ne!(reports[0].ticket, reports[1].ticket);
    assert_eq!(app.state.store.len(Table::Reporters), 1);
}

#[tokio::test]
async fn a_message_to_a_closed_report_opens_a_new_one() {
    let app = spawn_app().await;
    let siti = citizen("081298765432", "Siti");
    app.post_signed_webhook(&payload::text_message(
        &siti,
        "wamid.c1",
        now(),
        "lapor pencurian",
    ))
    .await;
    let mut report = app.only_report();
    report.status = ReportStatus::Closed;
    app.state
        .store
        .transaction(|tx| -> Result<(), siaga::store::TxError<()>> {
            siaga::intake::records::save_report(tx, &report)?;
            Ok(())
        })
        .unwrap();
    app.post_signed_webhook(&payload::text_message(
        &siti,
        "wamid.c2",
        now(),
        "ada kejadian baru",
    ))
    .await;
    let reports = app.reports();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[1].status, ReportStatus::New);
}

#[tokio::test]
async fn tickets_are_unique_and_sequential_under_concurrent_deliveries() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for index in 0..40 {
        let payload = payload::text_message(
            &citizen(&format!("08127{index:07}"), "Warga"),
            &format!("wamid.conc.{index}"),
            now(),
            "tolong",
        );
        let client = app.client.clone();
        let url = app.webhook_url();
        let body = payload::to_wire_bytes(&payload);
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header(
                    "x-hub-signature-256",
                    siaga::whatsapp::signature::sign(APP_SECRET.as_bytes(), &body),
                )
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let mut tickets: Vec<String> = app
        .reports()
        .into_iter()
        .map(|report| report.ticket)
        .collect();
    tickets.sort();
    let expected: Vec<String> = (1..=40)
        .map(|n| format!("WA-{}-{n:06}", chrono::Utc::now().format("%Y")))
        .collect();
    assert_eq!(tickets, expected);
}

#[tokio::test]
async fn the_signature_test_vector_is_accepted_and_its_reserialised_copy_refused() {
    let app = spawn_app().await;
    let dir = format!("{}/tests/fixtures/signature", env!("CARGO_MANIFEST_DIR"));
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap())
            .unwrap();
    let header = expected["x_hub_signature_256"].as_str().unwrap();
    let wire = std::fs::read(format!("{dir}/inbound_text_wire.body")).unwrap();
    let reserialised = std::fs::read(format!("{dir}/inbound_text_reserialized.body")).unwrap();

    let refused = app
        .client
        .post(app.webhook_url())
        .header("x-hub-signature-256", header)
        .body(reserialised)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(app.reports().is_empty());

    let accepted = app
        .client
        .post(app.webhook_url())
        .header("x-hub-signature-256", header)
        .body(wire)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(app.reports().len(), 1);
}

async fn assert_nothing_stored(app: &TestApp) {
    for table in [
        Table::Reports,
        Table::Messages,
        Table::Reporters,
        Table::RawPayloads,
        Table::Outbox,
    ] {
        assert!(app.state.store.is_empty(table), "{table:?} must stay empty");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_and_change_nothing() {
    let app = spawn_app_with(|settings| settings.body_limit_bytes = Some(4096)).await;
    let body = payload::to_wire_bytes(&fixture("inbound_text"));
    let url = app.webhook_url();

    let missing = app
        .client
        .post(&url)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    let wrong = app
        .client
        .post(&url)
        .header("x-hub-signature-256", "sha256=00")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let other_key = siaga::whatsapp::signature::sign(b"another secret", &body);
    let forged = app
        .client
        .post(&url)
        .header("x-hub-signature-256", other_key)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let not_hex = app
        .client
        .post(&url)
        .header("x-hub-signature-256", "sha256=zz")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(not_hex.status(), 401);

    let malformed = app
        .post_signed_bytes(b"{\"object\": \"whatsapp_business_account\", \"entry\": [")
        .await;
    assert_eq!(malformed.status(), 400);
    let not_object = app.post_signed_bytes(b"[1,2,3]").await;
    assert_eq!(not_object.status(), 400);

    let mut huge = fixture("inbound_text");
    huge["padding"] = json!("x".repeat(10_000));
    let too_large = app.post_signed_webhook(&huge).await;
    assert_eq!(too_large.status(), 413);

    assert_nothing_stored(&app).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_webhooks_refused_total{reason=\"signature\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("siaga_webhooks_refused_total{reason=\"malformed\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("siaga_webhooks_refused_total{reason=\"too_large\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_verification_handshake_echoes_the_challenge_only_for_the_right_token() {
    let app = spawn_app().await;
    let ok = app.get(&format!("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}")).await;
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong_token = app
        .get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess")
        .await;
    assert_eq!(wrong_token.status(), 403);
    let wrong_mode = app.get(&format!("/webhooks/whatsapp?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token={VERIFY_TOKEN}")).await;
    assert_eq!(wrong_mode.status(), 403);
    let nothing = app.get("/webhooks/whatsapp").await;
    assert_eq!(nothing.status(), 403);
}

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
        .get(Table::RawPayloads, &raw_id.to_be_bytes())
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8(raw).unwrap().contains("hologram"),
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
