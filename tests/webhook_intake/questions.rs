//! Asking the citizen when siaga is unsure: the reply buttons and the list go out inside the
//! window the citizen's message opened, and a tap comes back as an `interactive` webhook that
//! decides.

use super::*;
use siaga::domain::message::OutboundContent;
use siaga::domain::report::Priority;

const PHONE: &str = "6281234567890";

/// The fixture's button reply (Meta's shape), from `PHONE`, answering with our `id`.
fn tap(id: &str, title: &str, wamid: &str) -> serde_json::Value {
    let mut payload = fixture("inbound_interactive_button_reply");
    let message = &mut payload["entry"][0]["changes"][0]["value"]["messages"][0];
    message["id"] = json!(wamid);
    message["interactive"]["button_reply"] = json!({ "id": id, "title": title });
    payload
}

/// `phone` writes `text`; the webhook is answered 200.
async fn citizen_writes(app: &TestApp, phone: &str, wamid: &str, text: &str) {
    let citizen = Citizen {
        phone: PhoneNumber::parse(phone).unwrap(),
        name: "Budi".into(),
    };
    let payload = payload::text_message(&citizen, wamid, chrono::Utc::now().timestamp(), text);
    assert_eq!(app.post_signed_webhook(&payload).await.status(), 200);
}

fn outbound(app: &TestApp, report_id: siaga::domain::ids::ReportId) -> Vec<OutboundContent> {
    app.messages(report_id)
        .into_iter()
        .filter_map(|message| match message.body {
            MessageBody::Outbound { content, .. } => Some(content),
            MessageBody::Inbound { .. } => None,
        })
        .collect()
}

#[tokio::test]
async fn a_tap_on_happening_now_turns_the_report_urgent_with_the_emergency_reply_and_location_request()
 {
    let app = spawn_app().await;
    citizen_writes(
        &app,
        PHONE,
        "wamid.question.1",
        "pak ada orang mencurigakan mondar mandir depan rumah saya di sukarami",
    )
    .await;
    let report = app.only_report();
    assert_ne!(
        report.priority,
        Some(Priority::Urgent),
        "not urgent by itself"
    );
    let mut events = app.state.commit.bus().subscribe();

    let response = app
        .post_signed_webhook(&tap(
            "siaga:urgent:now",
            "Terjadi sekarang",
            "wamid.question.2",
        ))
        .await;
    assert_eq!(response.status(), 200);

    let report = app.only_report();
    assert_eq!(report.priority, Some(Priority::Urgent));
    assert!(report.flags.iter().any(|flag| flag == "urgent"));
    assert_eq!(report.citizen_answers.urgent, Some(true));
    let sent = outbound(&app, report.id);
    let emergency = siaga::profile::Profile::load("sumsel")
        .unwrap()
        .replies
        .urgent_report
        .replace("{ticket}", &report.ticket);
    assert!(
        sent.iter()
            .any(|content| matches!(content, OutboundContent::Text { body } if *body == emergency)),
        "the emergency answer: {sent:#?}"
    );
    assert!(
        sent.iter()
            .any(|content| matches!(content, OutboundContent::LocationRequest { .. })),
        "the location request: {sent:#?}"
    );
    let event = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let event = events.recv().await.expect("bus open");
            if event.kind == siaga::bus::ReportEventKind::UrgentReport {
                return event;
            }
        }
    })
    .await
    .expect("URGENT_REPORT published");
    assert_eq!(event.report_id, report.id);
    assert!(
        app.timeline(report.id).iter().any(|entry| entry
            .note
            .as_deref()
            .is_some_and(|note| note.contains("happening now"))),
        "the answer is on the timeline"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_citizen_answers_total{answer=\"happening_now\"} 1"),
        "{metrics}"
    );

    // The same tap again (Meta retries) changes nothing; a second tap sends no second alarm.
    let again = tap("siaga:urgent:now", "Terjadi sekarang", "wamid.question.2");
    assert_eq!(app.post_signed_webhook(&again).await.status(), 200);
    let repeated = tap("siaga:urgent:now", "Terjadi sekarang", "wamid.question.3");
    assert_eq!(app.post_signed_webhook(&repeated).await.status(), 200);
    let location_requests = outbound(&app, report.id)
        .into_iter()
        .filter(|content| matches!(content, OutboundContent::LocationRequest { .. }))
        .count();
    assert_eq!(location_requests, 1, "one emergency answer");
}

#[tokio::test]
async fn a_tap_on_not_urgent_and_a_chosen_kind_are_kept_on_the_report_and_shown_in_the_suggestion()
{
    let app = spawn_app().await;
    citizen_writes(
        &app,
        PHONE,
        "wamid.question.10",
        "tolong dibantu pak masalah motor",
    )
    .await;
    for (id, title, wamid) in [
        ("siaga:urgent:not", "Tidak darurat", "wamid.question.11"),
        ("siaga:category:curanmor", "Curanmor", "wamid.question.12"),
    ] {
        assert_eq!(
            app.post_signed_webhook(&tap(id, title, wamid))
                .await
                .status(),
            200
        );
    }
    let report = app.only_report();
    assert_eq!(report.citizen_answers.urgent, Some(false));
    assert_eq!(report.citizen_answers.category.as_deref(), Some("curanmor"));
    assert_ne!(report.priority, Some(Priority::Urgent));
    assert!(
        !report
            .citizen_texts
            .iter()
            .any(|text| text.contains("Curanmor")),
        "a tap is an answer, not words about the case: {:?}",
        report.citizen_texts
    );

    let token = app
        .user_token("op.sari", siaga::domain::user::Role::Operator, None)
        .await;
    let answer = app
        .graphql(
            Some(&token),
            "query($id: ID!) { report(id: $id) { suggestion { citizenSaysUrgent citizenCategory } } }",
            json!({ "id": report.id.to_string() }),
        )
        .await;
    assert_eq!(
        answer["data"]["report"]["suggestion"],
        json!({ "citizenSaysUrgent": false, "citizenCategory": "curanmor" }),
        "{answer}"
    );
}

/// The interactive messages the mock Graph API received, by interactive type.
fn sent_interactive(app: &TestApp, kind: &str) -> Vec<serde_json::Value> {
    app.graph
        .sent_messages()
        .into_iter()
        .filter(|body| body["interactive"]["type"] == kind)
        .collect()
}

#[tokio::test]
async fn an_uncertain_report_is_answered_with_reply_buttons_and_an_unclear_kind_with_a_list() {
    let app = spawn_app().await;
    // Someone lingering "since a while ago": not clearly an emergency, not clearly not.
    citizen_writes(
        &app,
        PHONE,
        "wamid.question.20",
        "pak ada orang asing mondar mandir di depan rumah saya dari tadi, saya takut",
    )
    .await;
    let report = app.only_report();
    let suggestion = report.suggestion.clone().expect("a suggestion");
    assert!(
        suggestion.urgency_uncertain && !suggestion.urgent,
        "{suggestion:#?}"
    );
    assert!(report.citizen_answers.urgency_asked_at.is_some());

    app.wait_until("the buttons reach WhatsApp", |app| {
        !sent_interactive(app, "button").is_empty()
    })
    .await;
    let buttons = &sent_interactive(&app, "button")[0];
    assert_eq!(buttons["to"], format!("+{PHONE}"));
    let ids: Vec<&str> = buttons["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|button| button["reply"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["siaga:urgent:now", "siaga:urgent:not"]);
    let body = buttons["interactive"]["body"]["text"].as_str().unwrap();
    assert!(
        body.contains(report.ticket.as_str()),
        "the first answer, with the ticket: {body}"
    );
    for button in buttons["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap()
    {
        assert!(button["reply"]["title"].as_str().unwrap().chars().count() <= 20);
    }

    // A second citizen, vague about the kind: a list of the likeliest kinds follows the answer.
    citizen_writes(
        &app,
        "6281234567891",
        "wamid.question.21",
        "pak saya mau lapor soal motor adik saya",
    )
    .await;
    app.wait_until("the list reaches WhatsApp", |app| {
        !sent_interactive(app, "list").is_empty()
    })
    .await;
    let list = &sent_interactive(&app, "list")[0];
    let rows = list["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap();
    assert!(rows.len() >= 2, "{list}");
    assert!(
        rows.iter()
            .any(|row| row["id"] == "siaga:category:curanmor"),
        "{list}"
    );
    for row in rows {
        assert!(
            row["title"].as_str().unwrap().chars().count() <= 24,
            "{row}"
        );
    }

    // The first citizen taps "happening now": the report turns urgent.
    assert_eq!(
        app.post_signed_webhook(&tap(
            "siaga:urgent:now",
            "Terjadi sekarang",
            "wamid.question.22"
        ))
        .await
        .status(),
        200
    );
    let report = app
        .reports()
        .into_iter()
        .find(|candidate| candidate.id == report.id)
        .unwrap();
    assert_eq!(report.priority, Some(Priority::Urgent));
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for line in [
        "siaga_citizen_questions_total{question=\"urgency\"} 1",
        "siaga_citizen_questions_total{question=\"category\"} 1",
        "siaga_citizen_answers_total{answer=\"happening_now\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}
