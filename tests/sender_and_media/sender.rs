//! The outbox sender: delivery statuses, retries, the 24-hour window and its template fallback,
//! an expired token, read receipts, and replies carried over a restart.

use super::*;

#[tokio::test]
async fn delivery_statuses_only_move_forward_and_failed_is_final() {
    let app = spawn_app().await;
    let (report_id, wamid) = answered_report(&app).await;
    post_status(&app, &wamid, "read", None).await;
    post_status(&app, &wamid, "delivered", None).await;
    post_status(&app, &wamid, "sent", None).await;
    assert_eq!(
        delivery_status(&outbound(&app, report_id)[0]),
        DeliveryStatus::Read,
        "late statuses never move it back"
    );

    let failure = json!([{ "code": 131026, "title": "Message undeliverable" }]);
    post_status(&app, &wamid, "failed", Some(failure)).await;
    post_status(&app, &wamid, "delivered", None).await;
    let reply = &outbound(&app, report_id)[0];
    assert_eq!(delivery_status(reply), DeliveryStatus::Failed);
    assert_eq!(
        reply
            .delivery
            .as_ref()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .code,
        131026
    );
    let report = app.only_report();
    assert!(
        report.flags.contains(&"reply_failed".to_string()),
        "a failed reply is visible on the report"
    );
    assert!(
        app.timeline(report_id)
            .iter()
            .any(|event| event.kind == TimelineKind::ReplyFailed)
    );
}

#[tokio::test]
async fn a_status_that_overtakes_the_send_answer_is_applied_when_the_wamid_arrives() {
    let app = spawn_app().await;
    app.graph.push_send_response(
        200,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": "+6281234567890", "wa_id": "6281234567890" }],
            "messages": [{ "id": "wamid.early.bird" }]
        }),
    );
    post_status(&app, "wamid.early.bird", "delivered", None).await;
    assert_eq!(app.state.store.len(Table::PendingStatuses), 1);
    app.post_fixture("inbound_text").await;
    let report_id = app.only_report().id;
    app.wait_until("the early status is applied", |app| {
        outbound(app, report_id)
            .first()
            .is_some_and(|message| delivery_status(message) == DeliveryStatus::Delivered)
    })
    .await;
    assert!(app.state.store.is_empty(Table::PendingStatuses));
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_statuses_early_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn transient_graph_errors_are_retried_until_the_reply_goes_out() {
    let app = spawn_app().await;
    app.graph
        .push_send_error_fixture("error_130429_rate_limit", 400);
    app.graph.push_send_response(502, json!("bad gateway"));
    app.graph
        .push_send_error_fixture("error_131056_pair_rate_limit", 400);
    let (report_id, _) = answered_report(&app).await;
    let reply = &outbound(&app, report_id)[0];
    assert_eq!(delivery_status(reply), DeliveryStatus::Accepted);
    let attempts = app
        .graph
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/messages"))
        .count();
    assert_eq!(attempts, 4, "three failures, then success");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("siaga_send_retries_total 3"), "{metrics}");
}

#[tokio::test]
async fn a_reply_that_keeps_failing_is_marked_failed_after_the_last_attempt() {
    let app = spawn_app_with(|settings| settings.wa_max_attempts = Some(2)).await;
    for _ in 0..2 {
        app.graph.push_send_response(500, json!("down"));
    }
    app.post_fixture("inbound_text").await;
    let report_id = app.only_report().id;
    // Marking the message failed and removing the queue item are two steps: wait for both.
    app.wait_until("the reply is failed and off the queue", |app| {
        outbound(app, report_id)
            .first()
            .is_some_and(|message| delivery_status(message) == DeliveryStatus::Failed)
            && app.state.store.is_empty(Table::Outbox)
    })
    .await;
    assert!(
        app.only_report()
            .flags
            .contains(&"reply_failed".to_string())
    );
}

#[tokio::test]
async fn a_permanent_error_fails_the_reply_at_once_and_says_why() {
    let app = spawn_app().await;
    app.graph
        .push_send_error_fixture("error_100_invalid_parameter", 400);
    app.post_fixture("inbound_text").await;
    let report_id = app.only_report().id;
    app.wait_until("the reply is failed", |app| {
        outbound(app, report_id)
            .first()
            .is_some_and(|message| delivery_status(message) == DeliveryStatus::Failed)
    })
    .await;
    let reply = &outbound(&app, report_id)[0];
    assert_eq!(
        reply
            .delivery
            .as_ref()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .code,
        100
    );
    let failure = app
        .timeline(report_id)
        .into_iter()
        .find(|event| event.kind == TimelineKind::ReplyFailed)
        .unwrap();
    assert!(failure.note.unwrap().contains("(100)"));
    assert_eq!(
        app.graph
            .requests()
            .iter()
            .filter(|request| request.path.ends_with("/messages"))
            .count(),
        1
    );
}

fn with_fallback_template(settings: &mut siaga::config::Settings) {
    settings.replies = Some(ReplyOverrides {
        fallback_template: Some(TemplateRef {
            name: "status_laporan".into(),
            language: "id".into(),
        }),
        ..ReplyOverrides::default()
    });
}

#[tokio::test]
async fn outside_the_24_hour_window_the_configured_template_is_sent_instead() {
    let app = spawn_app_with(with_fallback_template).await;
    app.graph
        .push_send_error_fixture("error_131047_reengagement", 400);
    app.post_fixture("inbound_text").await;
    let sent = app
        .graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    assert_eq!(sent[0]["type"], "template");
    assert_eq!(sent[0]["template"]["name"], "status_laporan");
    assert_eq!(sent[0]["template"]["language"]["code"], "id");
    let ticket = app.only_report().ticket;
    assert!(
        sent[0].to_string().contains(ticket.as_str()),
        "the template carries the ticket: {}",
        sent[0]
    );
}

#[tokio::test]
async fn an_asynchronous_131047_failure_also_falls_back_to_the_template() {
    let app = spawn_app_with(with_fallback_template).await;
    let (report_id, wamid) = answered_report(&app).await;
    post_status(
        &app,
        &wamid,
        "failed",
        Some(json!([{ "code": 131047, "title": "Re-engagement message" }])),
    )
    .await;
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    assert_eq!(sent[1]["type"], "template");
    let replies = outbound(&app, report_id);
    assert_eq!(replies.len(), 2);
    assert_eq!(
        delivery_status(&replies[0]),
        DeliveryStatus::Failed,
        "the free-text reply stays failed"
    );
}

#[tokio::test]
async fn outside_the_window_without_a_template_the_timeline_says_the_citizen_was_not_reached() {
    let app = spawn_app().await;
    app.graph
        .push_send_error_fixture("error_131047_reengagement", 400);
    app.post_fixture("inbound_text").await;
    let report_id = app.only_report().id;
    app.wait_until("the failure is on the timeline", |app| {
        app.timeline(report_id).iter().any(|event| {
            event
                .note
                .as_deref()
                .is_some_and(|note| note.contains("not reached"))
        })
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_pauses_sending_and_shows_in_readyz_and_metrics() {
    let app = spawn_app_with(|settings| settings.wa_retry_base_ms = Some(2000)).await;
    app.graph
        .push_send_error_fixture("error_190_token_expired", 401);
    app.post_fixture("inbound_text").await;
    app.wait_until("the channel is unhealthy", |app| {
        app.state.channel_health.problem().is_some()
    })
    .await;
    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert!(
        ready["whatsapp"].as_str().unwrap().starts_with("unhealthy"),
        "{ready}"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("siaga_whatsapp_channel_healthy 0"));
    assert_eq!(
        app.state.store.len(Table::Outbox),
        1,
        "the reply waits in the outbox, not lost"
    );
    let report_id = app.only_report().id;
    assert_eq!(
        delivery_status(&outbound(&app, report_id)[0]),
        DeliveryStatus::Queued
    );
}

#[tokio::test]
async fn read_receipts_are_sent_when_enabled() {
    let app = spawn_app_with(|settings| settings.wa_mark_read = Some(true)).await;
    app.post_fixture("inbound_text").await;
    app.wait_until("a read receipt is sent", |app| {
        !app.graph.mark_read_requests().is_empty()
    })
    .await;
    let receipt = &app.graph.mark_read_requests()[0];
    assert_eq!(receipt["status"], "read");
    assert!(
        receipt["message_id"]
            .as_str()
            .unwrap()
            .starts_with("wamid.")
    );
}

/// Replies queued while the server stopped (here: held back by a paused channel) go out at once
/// after a clean restart; a reply that was tried before the stop waits for Meta's status
/// callback instead, because it may have reached the citizen.
#[tokio::test]
async fn replies_never_tried_before_a_clean_stop_go_out_at_once_after_the_restart() {
    let app = spawn_app_with(|settings| {
        settings.wa_retry_base_ms = Some(2000);
        settings.wa_reconcile_seconds = Some(600);
    })
    .await;
    app.graph
        .push_send_error_fixture("error_190_token_expired", 401);
    let tried = "081377100001";
    let waiting = ["081377100002", "081377100003", "081377100004"];
    let post = |phone: &'static str, wamid: &'static str| {
        let citizen = payload::Citizen {
            phone: PhoneNumber::parse(phone).unwrap(),
            name: "Warga".into(),
        };
        let now = chrono::Utc::now().timestamp();
        payload::to_wire_bytes(&payload::text_message(
            &citizen,
            wamid,
            now,
            "motor saya dicuri",
        ))
    };
    assert_eq!(
        app.post_signed_bytes(&post(tried, "wamid.clean.1"))
            .await
            .status(),
        200
    );
    app.wait_until("the channel is paused", |app| {
        app.state.channel_health.problem().is_some()
    })
    .await;
    for (index, phone) in waiting.iter().enumerate() {
        let wamid: &'static str = ["wamid.clean.2", "wamid.clean.3", "wamid.clean.4"][index];
        assert_eq!(
            app.post_signed_bytes(&post(phone, wamid)).await.status(),
            200
        );
    }
    assert!(
        app.graph.sent_messages().is_empty(),
        "nothing went out while paused"
    );
    assert_eq!(app.state.store.len(Table::Outbox), 4);

    let app = app.restart().await;
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    let recipients: Vec<String> = sent
        .iter()
        .map(|body| body["to"].as_str().unwrap_or_default().to_string())
        .collect();
    for phone in waiting {
        let e164 = PhoneNumber::parse(phone).unwrap().as_e164().to_string();
        assert!(
            recipients
                .iter()
                .any(|to| e164.ends_with(to.trim_start_matches('+'))),
            "{phone} answered after the restart: {recipients:?}"
        );
    }
    // Settled: the three sends recorded, and the sender waiting with nothing in flight.
    app.wait_until("the three sends are recorded", |app| {
        app.state.store.len(Table::Outbox) == 1
    })
    .await;
    app.wait_for_workers_idle().await;
    assert_eq!(
        app.graph.sent_messages().len(),
        3,
        "the reply tried before the stop waits for its status callback"
    );
    assert_eq!(app.state.store.len(Table::Outbox), 1);
}
