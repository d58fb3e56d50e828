//! The citizen's phone states when a message was sent; siaga goes by when it received it. A
//! wrong clock must neither hold the 24-hour window or a thread open nor be lost as evidence.

use super::*;

#[tokio::test]
async fn threading_goes_by_when_a_message_is_received_not_by_its_stated_time() {
    let app = spawn_app_with(|settings| settings.thread_window_minutes = Some(60)).await;
    let dewi = citizen("081255556666", "Dewi");
    app.post_signed_webhook(&payload::text_message(
        &dewi,
        "wamid.first",
        now(),
        "ada tawuran di simpang",
    ))
    .await;
    // Written two hours ago by the phone's clock (or delivered late): received now, it joins.
    app.post_signed_webhook(&payload::text_message(
        &dewi,
        "wamid.late",
        now() - 2 * 3600,
        "pelakunya bawa senjata tajam",
    ))
    .await;
    assert_eq!(app.only_report().inbound_count, 2);
}

#[tokio::test]
async fn a_send_time_a_day_in_the_future_moves_neither_the_window_nor_the_thread() {
    let app = spawn_app_with(|settings| settings.thread_window_minutes = Some(60)).await;
    let rina = citizen("081277778888", "Rina");
    let a_day_ahead = now() + 24 * 3600;
    let before = chrono::Utc::now();
    let response = app
        .post_signed_webhook(&payload::text_message(
            &rina,
            "wamid.future",
            a_day_ahead,
            "ada kecelakaan motor di jalan sudirman",
        ))
        .await;
    assert_eq!(response.status(), 200);
    let after = chrono::Utc::now();

    let report = app.only_report();
    let message = app
        .messages(report.id)
        .into_iter()
        .find(|message| message.direction == Direction::Inbound)
        .unwrap();
    assert!(before <= message.received_at && message.received_at <= after);
    assert_eq!(
        message.created_at, message.received_at,
        "the send time is clamped to the receive time"
    );
    assert_eq!(
        message.stated_sent_at.map(|at| at.timestamp()),
        Some(a_day_ahead),
        "the stated send time is kept as evidence"
    );

    let day = chrono::Duration::hours(24);
    let reporter = app
        .state
        .store
        .reporters()
        .get(report.reporter_id)
        .unwrap()
        .unwrap();
    assert_eq!(reporter.last_inbound_at, Some(message.received_at));
    assert!(reporter.window_open(message.received_at + day - chrono::Duration::seconds(1)));
    assert!(
        !reporter.window_open(message.received_at + day),
        "the window closes 24 hours after the message was received"
    );
    assert!(
        report.last_activity_at <= after,
        "threading goes by the receive time"
    );
    assert!(!report.accepts_follow_up(
        message.received_at + chrono::Duration::minutes(61),
        chrono::Duration::minutes(60)
    ));

    // The export shows both times, and the stated one apart.
    let supervisor = app
        .user_token("supervisor1", siaga::domain::user::Role::Supervisor, None)
        .await;
    let export: serde_json::Value = app
        .client
        .get(format!("{}/export?format=jsonl", app.base_url))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let exported = export["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["direction"] == "INBOUND")
        .unwrap()
        .clone();
    let time_of = |field: &str| {
        exported[field]
            .as_str()
            .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
            .map(|at| at.timestamp())
    };
    assert_eq!(time_of("stated_sent_at"), Some(a_day_ahead));
    assert_eq!(
        time_of("received_at"),
        Some(message.received_at.timestamp())
    );
    assert_eq!(time_of("created_at"), Some(message.received_at.timestamp()));
}
