//! Satisfaction (#19 part 4): a resolved report's citizen is asked once (Puas / Cukup / Tidak
//! puas), the answer and the comment after it are stored on the report without reopening it,
//! a Tidak puas raises DISSATISFIED, and `stats.satisfaction` counts the answers by unit and
//! category. Outside the window the `satisfaction_template` goes out, or the timeline says why
//! nothing did; SPAM reports are never asked.

use super::*;
use siaga::profile::{ReplyOverrides, TemplateRef};

pub(super) const UNIT: &str = "POLSEK_PLG_ILIR_TIMUR_I";

pub(super) fn wa_id(phone: &str) -> String {
    format!("62{}", phone.trim_start_matches('0'))
}

/// The satisfaction questions sent (reply buttons whose ids rate a report).
pub(super) fn questions(app: &TestApp) -> Vec<Value> {
    app.graph
        .sent_messages()
        .into_iter()
        .filter(|body| {
            body["interactive"]["action"]["buttons"]
                .to_string()
                .contains("siaga:rate:")
        })
        .collect()
}

/// `phone` reports, and the report is triaged, forwarded and resolved by an operator.
pub(super) async fn resolved_report(
    app: &TestApp,
    token: &str,
    phone: &str,
    text: &str,
) -> (String, String) {
    let (id, ticket) = app.citizen_reports(phone, text).await;
    triage(app, token, &id, "curanmor").await;
    forward(app, token, &id, UNIT).await;
    for status in ["IN_PROGRESS", "RESOLVED"] {
        let moved = set_status(app, token, &id, status).await;
        assert_eq!(
            moved["data"]["setReportStatus"]["status"], status,
            "{moved}"
        );
    }
    (id, ticket)
}

/// `phone` reports; it is handled, the citizen's window closes, and it is resolved.
async fn resolved_outside_the_window(app: &TestApp, token: &str, phone: &str) -> (String, String) {
    let (id, ticket) = app
        .citizen_reports(phone, "motor saya dicuri di pasar 16 ilir")
        .await;
    triage(app, token, &id, "curanmor").await;
    forward(app, token, &id, UNIT).await;
    set_status(app, token, &id, "IN_PROGRESS").await;
    close_the_window(app).await;
    set_status(app, token, &id, "RESOLVED").await;
    (id, ticket)
}

/// Waits until a text starting with `start` reached the mock Graph API.
async fn wait_for_text_starting(app: &TestApp, what: &str, start: &str) {
    app.wait_until(what, |app| {
        app.graph.sent_messages().iter().any(|body| {
            body["text"]["body"]
                .as_str()
                .is_some_and(|text| text.starts_with(start))
        })
    })
    .await;
}

pub(super) async fn satisfaction_of(app: &TestApp, token: &str, id: &str) -> Value {
    let report = app
        .graphql(
            Some(token),
            "query($id: ID) { report(id: $id) { status satisfaction { askedAt rating comment answeredAt } timeline { kind note } } }",
            json!({ "id": id }),
        )
        .await;
    report["data"]["report"].clone()
}

pub(super) async fn citizen_writes(app: &TestApp, phone: &str, wamid: &str, text: &str) {
    let citizen = siaga::whatsapp::payload::Citizen {
        phone: siaga::domain::phone::PhoneNumber::parse(phone).unwrap(),
        name: "Warga".into(),
    };
    let body = siaga::whatsapp::payload::text_message(
        &citizen,
        wamid,
        chrono::Utc::now().timestamp(),
        text,
    );
    assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
}

#[tokio::test]
async fn a_tidak_puas_answer_and_its_comment_are_stored_raise_an_event_and_are_counted_in_stats() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let supervisor = app
        .user_token("spv1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await;
    let phone = "081377101101";
    let (id, ticket) =
        resolved_report(&app, &token, phone, "motor saya dicuri di pasar 16 ilir").await;

    app.wait_until("the question is sent", |app| !questions(app).is_empty())
        .await;
    let question = questions(&app).remove(0);
    let buttons = question["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap()
        .clone();
    let titles: Vec<&str> = buttons
        .iter()
        .map(|button| button["reply"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Puas", "Cukup", "Tidak puas"]);
    let asked = satisfaction_of(&app, &token, &id).await;
    assert_eq!(asked["status"], "RESOLVED");
    assert_eq!(asked["satisfaction"]["rating"], Value::Null);
    assert!(asked["satisfaction"]["askedAt"].is_string(), "{asked}");

    // A supervisor follows reportEvents over a real WebSocket.
    let mut socket = common::ws::subscribe_as(
        &app,
        &supervisor,
        "subscription { reportEvents { kind report { ticket satisfaction { rating } } } }",
    )
    .await;

    let tidak_puas = buttons[2]["reply"]["id"].as_str().unwrap();
    assert_eq!(tidak_puas, format!("siaga:rate:tidak_puas:{id}"));
    let tap = common::button_reply(&wa_id(phone), tidak_puas, "Tidak puas", "wamid.rate.1");
    assert_eq!(app.post_signed_webhook(&tap).await.status(), 200);
    let mut dissatisfied = None;
    for _ in 0..20 {
        let event = common::ws::next_json(&mut socket).await;
        let body = event["payload"]["data"]["reportEvents"].clone();
        if body["kind"] == "DISSATISFIED" {
            dissatisfied = Some(body);
            break;
        }
    }
    let dissatisfied = dissatisfied.expect("a DISSATISFIED event");
    assert_eq!(dissatisfied["report"]["ticket"], ticket.as_str());
    assert_eq!(
        dissatisfied["report"]["satisfaction"]["rating"],
        "TIDAK_PUAS"
    );

    let replies = siaga::profile::Profile::load("sumsel").unwrap().replies;
    let asked_for_comment = replies
        .satisfaction_comment_request
        .replace("{ticket}", &ticket);
    wait_for_text_starting(&app, "the comment is asked for", &asked_for_comment).await;
    citizen_writes(
        &app,
        phone,
        "wamid.rate.2",
        "petugas datang terlambat dua jam",
    )
    .await;
    wait_for_text_starting(
        &app,
        "the comment is acknowledged",
        "Terima kasih, saran Anda",
    )
    .await;
    let answered = satisfaction_of(&app, &token, &id).await;
    assert_eq!(
        answered["status"], "RESOLVED",
        "the answer does not reopen it"
    );
    assert_eq!(answered["satisfaction"]["rating"], "TIDAK_PUAS");
    assert_eq!(
        answered["satisfaction"]["comment"],
        "petugas datang terlambat dua jam"
    );
    assert!(answered["satisfaction"]["answeredAt"].is_string());
    assert_eq!(
        app.reports().len(),
        1,
        "neither the answer nor the comment opens a report"
    );

    app.wait_for_index().await;
    let stats = app
        .graphql(
            Some(&supervisor),
            "{ stats { satisfaction { answered byRating { key count } byUnit { key answered puas cukup tidakPuas } byCategory { key answered tidakPuas } } } }",
            json!({}),
        )
        .await;
    let satisfaction = &stats["data"]["stats"]["satisfaction"];
    assert_eq!(satisfaction["answered"], 1, "{stats}");
    assert_eq!(
        satisfaction["byRating"],
        json!([
            { "key": "PUAS", "count": 0 },
            { "key": "CUKUP", "count": 0 },
            { "key": "TIDAK_PUAS", "count": 1 }
        ])
    );
    assert_eq!(
        satisfaction["byUnit"],
        json!([{ "key": UNIT, "answered": 1, "puas": 0, "cukup": 0, "tidakPuas": 1 }])
    );
    assert_eq!(
        satisfaction["byCategory"],
        json!([{ "key": "curanmor", "answered": 1, "tidakPuas": 1 }])
    );

    // Reopened and resolved again: never asked twice; a second tap changes nothing.
    for status in ["IN_PROGRESS", "RESOLVED"] {
        let moved = set_status(&app, &token, &id, status).await;
        assert_eq!(
            moved["data"]["setReportStatus"]["status"], status,
            "{moved}"
        );
    }
    let puas = common::button_reply(
        &wa_id(phone),
        &format!("siaga:rate:puas:{id}"),
        "Puas",
        "wamid.rate.3",
    );
    assert_eq!(app.post_signed_webhook(&puas).await.status(), 200);
    app.wait_for_workers_idle().await;
    assert_eq!(questions(&app).len(), 1, "asked once");
    let kept = satisfaction_of(&app, &token, &id).await;
    assert_eq!(
        kept["satisfaction"]["rating"], "TIDAK_PUAS",
        "the first answer stands"
    );
}

#[tokio::test]
async fn a_typed_puas_answers_and_a_spam_report_is_never_asked() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let phone = "081377101102";
    let (id, _) = resolved_report(&app, &token, phone, "motor saya dicuri di pasar 16 ilir").await;
    app.wait_until("the question is sent", |app| !questions(app).is_empty())
        .await;
    citizen_writes(&app, phone, "wamid.rate.10", "Puas").await;
    wait_for_text_starting(
        &app,
        "the thanks are sent",
        "Terima kasih atas penilaian Anda untuk",
    )
    .await;
    let answered = satisfaction_of(&app, &token, &id).await;
    assert_eq!(answered["satisfaction"]["rating"], "PUAS", "{answered}");
    assert_eq!(app.reports().len(), 1);

    let (spam, _) = app
        .citizen_reports("081377101103", "menang undian pulsa klik link ini")
        .await;
    let moved = set_status(&app, &token, &spam, "SPAM").await;
    assert_eq!(
        moved["data"]["setReportStatus"]["status"], "SPAM",
        "{moved}"
    );
    app.wait_for_workers_idle().await;
    assert_eq!(
        questions(&app).len(),
        1,
        "only the resolved report was asked"
    );
    assert_eq!(
        satisfaction_of(&app, &token, &spam).await["satisfaction"],
        Value::Null
    );
}

#[tokio::test]
async fn outside_the_window_the_satisfaction_template_asks_instead() {
    let app = spawn_app_with(|settings| {
        settings.replies = Some(ReplyOverrides {
            satisfaction_template: Some(TemplateRef {
                name: "survei_kepuasan".into(),
                language: "id".into(),
            }),
            ..ReplyOverrides::default()
        });
    })
    .await;
    let token = operator(&app).await;
    let (id, ticket) = resolved_outside_the_window(&app, &token, "081377101104").await;
    app.wait_until("the template is sent", |app| {
        app.graph
            .sent_messages()
            .iter()
            .any(|body| body["template"]["name"] == "survei_kepuasan")
    })
    .await;
    let template = app
        .graph
        .sent_messages()
        .into_iter()
        .find(|body| body["template"]["name"] == "survei_kepuasan")
        .unwrap();
    assert!(template.to_string().contains(&ticket), "{template}");
    let asked = satisfaction_of(&app, &token, &id).await;
    assert!(asked["satisfaction"]["askedAt"].is_string(), "{asked}");
}

#[tokio::test]
async fn outside_the_window_without_a_template_nothing_is_sent_and_the_timeline_says_so() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = resolved_outside_the_window(&app, &token, "081377101105").await;
    app.wait_for_workers_idle().await;
    assert!(questions(&app).is_empty());
    let report = satisfaction_of(&app, &token, &id).await;
    assert_eq!(report["satisfaction"], Value::Null);
    let said = report["timeline"].as_array().unwrap().iter().any(|entry| {
        entry["kind"] == "NOTICE_NOT_SENT"
            && entry["note"]
                .as_str()
                .is_some_and(|note| note.contains("satisfaction question was not asked"))
    });
    assert!(said, "{report}");
}
