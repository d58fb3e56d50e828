//! Reports opened, joined and answered: one per citizen and thread window, deduplicated,
//! acknowledged, and ticketed in sequence.

use super::*;

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
    // The answer carries reply buttons (#19): its text is the interactive message's body.
    let body = sent[0]["interactive"]["body"]["text"].as_str().unwrap();
    assert!(
        body.contains(report.ticket.as_str()),
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
                message.external_id.clone().unwrap().into_string(),
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
        // The first message is clear about what happened: no question follows its answer.
        let text = match index {
            0 => "motor saya dicuri kemarin di parkiran pasar 16 ilir",
            _ => "tambahan info",
        };
        let payload = payload::text_message(&budi, &format!("wamid.ack.{index}"), now(), text);
        app.post_signed_webhook(&payload).await;
    }
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    let ticket = app.only_report().ticket;
    assert!(
        sent[1]["text"]["body"]
            .as_str()
            .unwrap()
            .contains(ticket.as_str())
    );
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
async fn a_message_received_after_the_thread_window_opens_a_new_report() {
    let app = spawn_app_with(|settings| settings.thread_window_minutes = Some(60)).await;
    let dewi = citizen("081255556666", "Dewi");
    let two_hours_ago = chrono::Utc::now() - chrono::Duration::hours(2);
    deliver_received_at(
        &app,
        &payload::text_message(
            &dewi,
            "wamid.old",
            two_hours_ago.timestamp(),
            "kemarin ada maling",
        ),
        two_hours_ago,
    )
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
            tx.reports().save(&report)?;
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
        .map(|report| report.ticket.into_string())
        .collect();
    tickets.sort();
    let expected: Vec<String> = (1..=40)
        .map(|n| format!("WA-{}-{n:06}", chrono::Utc::now().format("%Y")))
        .collect();
    assert_eq!(tickets, expected);
}
