//! Black-box tests of several business numbers on one siaga: signed webhooks to two numbers,
//! the mock Graph API recording which number (`/{phone_number_id}/messages`) each reply went
//! out from, and the API, health and metrics per number.

mod calls;
#[path = "../common/mod.rs"]
mod common;
mod export;
mod templates;

use common::{ACCESS_TOKEN, TestApp, spawn_app_with};
use serde_json::{Value, json};
use siaga::config::{NumberSettings, WhatsAppSection};
use siaga::domain::phone::PhoneNumber;
use siaga::domain::user::Role;
use siaga::ledger::Ledger;
use siaga::whatsapp::payload::{self, Citizen};
use std::time::Duration;

/// The Polda's own line: the default number.
const POLDA: &str = "112233445566778";
/// Polrestabes Palembang's line, in another business account with a token of its own.
const PALEMBANG: &str = "223344556677889";
const PALEMBANG_TOKEN: &str = "palembang-access-token";

fn two_numbers() -> WhatsAppSection {
    WhatsAppSection {
        numbers: vec![
            NumberSettings {
                phone_number_id: POLDA.into(),
                display_number: "6281370002110".into(),
                label: "Polda Sumsel".into(),
                ..Default::default()
            },
            NumberSettings {
                phone_number_id: PALEMBANG.into(),
                display_number: "6281370002111".into(),
                label: "Polrestabes Palembang".into(),
                default_unit: Some("POLRESTABES_PALEMBANG".into()),
                access_token: Some(PALEMBANG_TOKEN.into()),
                ..Default::default()
            },
        ],
    }
}

async fn spawn_two_numbers() -> TestApp {
    spawn_app_with(|settings| {
        settings.wa_phone_number_id = None;
        settings.whatsapp = Some(two_numbers());
    })
    .await
}

fn citizen(phone: &str) -> Citizen {
    Citizen {
        phone: PhoneNumber::parse(phone).unwrap(),
        name: "Warga".into(),
    }
}

/// `phone` writes `text` to the business number `number`; the webhook must answer 200.
async fn writes_to(app: &TestApp, number: &str, phone: &str, wamid: &str, text: &str) {
    let message =
        payload::text_message(&citizen(phone), wamid, chrono::Utc::now().timestamp(), text);
    let body = payload::addressed_to(message, number, "6281370002199");
    let response = app.post_signed_webhook(&body).await;
    assert_eq!(response.status(), 200, "webhook to {number} refused");
}

fn sent_from(app: &TestApp, number: &str) -> Vec<Value> {
    app.graph
        .sent_with_paths()
        .into_iter()
        .filter(|(path, _)| path.ends_with(&format!("/{number}/messages")))
        .map(|(_, body)| body)
        .collect()
}

#[tokio::test]
async fn a_reply_goes_out_from_the_number_the_citizen_wrote_to() {
    let app = spawn_two_numbers().await;
    writes_to(
        &app,
        PALEMBANG,
        "081234500001",
        "wamid.ch.1",
        "motor saya dicuri di depan pasar 16 ilir",
    )
    .await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    let from_palembang = sent_from(&app, PALEMBANG);
    assert_eq!(from_palembang.len(), 1, "{:?}", app.graph.sent_with_paths());
    assert!(sent_from(&app, POLDA).is_empty());
    let sent = app
        .graph
        .requests()
        .into_iter()
        .find(|request| request.path.ends_with(&format!("/{PALEMBANG}/messages")))
        .unwrap();
    assert_eq!(
        sent.authorization.as_deref(),
        Some(format!("Bearer {PALEMBANG_TOKEN}").as_str()),
        "the number's own token"
    );
    let report = app.only_report();
    assert_eq!(report.channel.as_deref(), Some(PALEMBANG));
    let messages = app.messages(report.id);
    assert!(
        messages
            .iter()
            .all(|message| message.channel.as_deref() == Some(PALEMBANG)),
        "{messages:#?}"
    );
}

#[tokio::test]
async fn one_citizen_writing_to_both_numbers_has_one_reporter_and_two_reports() {
    let app = spawn_two_numbers().await;
    let phone = "081234500002";
    writes_to(
        &app,
        POLDA,
        phone,
        "wamid.ch.2a",
        "ada pencurian di rumah saya",
    )
    .await;
    writes_to(
        &app,
        PALEMBANG,
        phone,
        "wamid.ch.2b",
        "ada pencurian di rumah saya",
    )
    .await;
    // A follow-up to each number joins that number's report.
    writes_to(&app, POLDA, phone, "wamid.ch.2c", "pelakunya dua orang").await;
    writes_to(&app, PALEMBANG, phone, "wamid.ch.2d", "pelakunya dua orang").await;
    let reports = app.reports();
    assert_eq!(reports.len(), 2, "{reports:#?}");
    assert_eq!(
        reports[0].reporter_id, reports[1].reporter_id,
        "one reporter"
    );
    let channels: Vec<Option<&str>> = reports
        .iter()
        .map(|report| report.channel.as_deref())
        .collect();
    assert_eq!(channels, vec![Some(POLDA), Some(PALEMBANG)]);
    for report in &reports {
        assert_eq!(report.inbound_count, 2, "{report:#?}");
    }
    app.graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    assert!(!sent_from(&app, POLDA).is_empty());
    assert!(!sent_from(&app, PALEMBANG).is_empty());
}

#[tokio::test]
async fn the_default_unit_of_a_number_routes_a_report_that_names_no_place() {
    let app = spawn_two_numbers().await;
    writes_to(
        &app,
        PALEMBANG,
        "081234500003",
        "wamid.ch.3",
        "tolong ada orang berkelahi",
    )
    .await;
    let report = app.only_report();
    let suggestion = report.suggestion.expect("a suggestion");
    assert_eq!(
        suggestion.territorial_unit.as_deref(),
        Some("POLRESTABES_PALEMBANG")
    );
    // The default number has no default unit: nothing is invented there.
    writes_to(
        &app,
        POLDA,
        "081234500004",
        "wamid.ch.4",
        "tolong ada orang berkelahi",
    )
    .await;
    let on_polda = app
        .reports()
        .into_iter()
        .find(|report| report.channel.as_deref() == Some(POLDA))
        .unwrap();
    assert_eq!(on_polda.suggestion.unwrap().territorial_unit, None);
}

#[tokio::test]
async fn an_expired_token_pauses_only_its_number() {
    let app = spawn_two_numbers().await;
    app.graph.expire_token(PALEMBANG_TOKEN);
    writes_to(
        &app,
        PALEMBANG,
        "081234500005",
        "wamid.ch.5",
        "motor saya hilang",
    )
    .await;
    app.wait_until("the palembang number is unhealthy", |app| {
        app.state.channel_health.pause_remaining_for(PALEMBANG) > Duration::ZERO
    })
    .await;
    writes_to(
        &app,
        POLDA,
        "081234500006",
        "wamid.ch.6",
        "motor saya hilang",
    )
    .await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    assert_eq!(sent_from(&app, POLDA).len(), 1);
    assert!(sent_from(&app, PALEMBANG).is_empty());

    let readiness = app.get("/readyz").await;
    assert_eq!(
        readiness.status(),
        200,
        "one working number keeps siaga ready"
    );
    let body: Value = readiness.json().await.unwrap();
    let numbers = body["whatsapp_numbers"].as_array().unwrap();
    let state_of = |id: &str| {
        numbers
            .iter()
            .find(|number| number["phone_number_id"] == id)
            .map(|number| number["state"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(state_of(POLDA), "healthy");
    assert!(state_of(PALEMBANG).starts_with("unhealthy"), "{body}");
    assert!(!body.to_string().contains(PALEMBANG_TOKEN));

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(&format!(
            "siaga_whatsapp_number_healthy{{phone_number_id=\"{PALEMBANG}\"}} 0"
        )),
        "{metrics}"
    );
    assert!(metrics.contains(&format!(
        "siaga_whatsapp_number_healthy{{phone_number_id=\"{POLDA}\"}} 1"
    )));
    assert!(metrics.contains(&format!(
        "siaga_whatsapp_number_sent_total{{phone_number_id=\"{POLDA}\"}} 1"
    )));
}

#[tokio::test]
async fn a_message_to_an_unknown_number_is_kept_on_the_default_number() {
    let app = spawn_two_numbers().await;
    writes_to(&app, "999999999999", "081234500007", "wamid.ch.7", "tolong").await;
    let report = app.only_report();
    assert_eq!(report.channel.as_deref(), Some(POLDA));
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    assert!(!sent_from(&app, POLDA).is_empty());
    assert!(sent_from(&app, PALEMBANG).is_empty());
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_messages_to_unknown_number_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_reply_outside_one_numbers_window_is_refused_while_the_other_is_open() {
    let app = spawn_two_numbers().await;
    let phone = "081234500008";
    writes_to(
        &app,
        PALEMBANG,
        phone,
        "wamid.ch.8a",
        "rumah saya kemalingan",
    )
    .await;
    let on_palembang = app.only_report();
    // The citizen's message to Palembang is 25 hours old; they wrote to the Polda just now.
    let mut reporter = app
        .state
        .store
        .reporters()
        .get(on_palembang.reporter_id)
        .unwrap()
        .unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::hours(25);
    reporter
        .channels
        .get_mut(PALEMBANG)
        .unwrap()
        .last_inbound_at = Some(long_ago);
    app.state
        .store
        .transaction(|tx| -> Result<(), siaga::store::TxError<()>> {
            Ok(tx.reporters().save(&reporter)?)
        })
        .unwrap();
    writes_to(&app, POLDA, phone, "wamid.ch.8b", "rumah saya kemalingan").await;
    app.graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;

    let token = app
        .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let before = app.graph.sent_messages().len();
    let answer = app
        .graph_reply(&token, &on_palembang.id.to_string(), "Kami segera ke sana")
        .await;
    assert_eq!(
        common::error_code(&answer).as_deref(),
        Some("CONFLICT"),
        "Palembang's window is closed even though the Polda's is open: {answer}"
    );
    let report = app
        .graphql(
            Some(&token),
            "query($id: ID!) { report(id: $id) { reporter { windowOpen } } }",
            json!({ "id": on_palembang.id.to_string() }),
        )
        .await;
    assert_eq!(report["data"]["report"]["reporter"]["windowOpen"], false);
    assert_eq!(app.graph.sent_messages().len(), before);
}

#[tokio::test]
async fn reports_filter_facet_and_count_by_channel() {
    let app = spawn_two_numbers().await;
    writes_to(&app, POLDA, "081234500009", "wamid.ch.9", "ada kecelakaan").await;
    writes_to(
        &app,
        PALEMBANG,
        "081234500010",
        "wamid.ch.10",
        "ada kecelakaan",
    )
    .await;
    writes_to(
        &app,
        PALEMBANG,
        "081234500011",
        "wamid.ch.11",
        "ada kecelakaan",
    )
    .await;
    app.wait_for_index().await;
    let token = app
        .user_token("sup1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await;

    let channels = app
        .graphql(
            Some(&token),
            "{ channels { phoneNumberId displayNumber label defaultUnit } }",
            json!({}),
        )
        .await;
    assert_eq!(
        channels["data"]["channels"],
        json!([
            { "phoneNumberId": POLDA, "displayNumber": "6281370002110", "label": "Polda Sumsel", "defaultUnit": null },
            { "phoneNumberId": PALEMBANG, "displayNumber": "6281370002111", "label": "Polrestabes Palembang", "defaultUnit": "POLRESTABES_PALEMBANG" },
        ]),
        "{channels}"
    );
    assert!(!channels.to_string().contains("token"));

    let listed = app
        .graphql(
            Some(&token),
            "query($c: String) { reports(filter: { channel: $c }) { totalCount edges { node { channel { phoneNumberId label } } } } }",
            json!({ "c": PALEMBANG }),
        )
        .await;
    let connection = &listed["data"]["reports"];
    assert_eq!(connection["totalCount"], 2, "{listed}");
    for edge in connection["edges"].as_array().unwrap() {
        assert_eq!(edge["node"]["channel"]["label"], "Polrestabes Palembang");
    }

    let searched = app
        .graphql(
            Some(&token),
            "query($c: String) { search(query: \"kecelakaan\", filter: { channel: $c }) { totalCount facets { field values { value count } } } }",
            json!({ "c": POLDA }),
        )
        .await;
    assert_eq!(searched["data"]["search"]["totalCount"], 1, "{searched}");
    let everything = app
        .graphql(
            Some(&token),
            "{ search(query: \"kecelakaan\") { facets { field values { value count } } } }",
            json!({}),
        )
        .await;
    let channel_facet = everything["data"]["search"]["facets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|facet| facet["field"] == "channel")
        .cloned()
        .expect("a channel facet");
    assert_eq!(
        channel_facet["values"],
        json!([{ "value": PALEMBANG, "count": 2 }, { "value": POLDA, "count": 1 }])
    );

    let stats = app
        .graphql(
            Some(&token),
            "{ stats { byChannel { key count } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        stats["data"]["stats"]["byChannel"],
        json!([{ "key": PALEMBANG, "count": 2 }, { "key": POLDA, "count": 1 }]),
        "{stats}"
    );

    let refused = app
        .graphql(
            Some(&token),
            "{ reports(filter: { channel: \"not-a-number\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        common::error_code(&refused).as_deref(),
        Some("BAD_USER_INPUT")
    );
}

#[tokio::test]
async fn the_single_number_settings_still_mean_one_number() {
    let app = spawn_app_with(|_| {}).await;
    writes_to(
        &app,
        payload::DEMO_PHONE_NUMBER_ID,
        "081234500012",
        "wamid.ch.12",
        "tolong",
    )
    .await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    assert!(!sent_from(&app, payload::DEMO_PHONE_NUMBER_ID).is_empty());
    for sent in app.graph.requests() {
        assert!(
            sent.path
                .ends_with(&format!("/{}/messages", payload::DEMO_PHONE_NUMBER_ID))
        );
        assert_eq!(
            sent.authorization.as_deref(),
            Some(format!("Bearer {ACCESS_TOKEN}").as_str())
        );
    }
}

impl TestApp {
    /// `replyToReporter` as an operator; the whole response.
    async fn graph_reply(&self, token: &str, report_id: &str, text: &str) -> Value {
        self.graphql(
            Some(token),
            "mutation($id: ID!, $t: String!) { replyToReporter(reportId: $id, text: $t) { id } }",
            json!({ "id": report_id, "t": text }),
        )
        .await
    }
}

#[tokio::test]
async fn siaga_check_warns_about_records_on_a_number_no_longer_configured() {
    let app = spawn_two_numbers().await;
    writes_to(
        &app,
        PALEMBANG,
        "081234500013",
        "wamid.ch.13",
        "rumah saya kemalingan",
    )
    .await;
    let store = &app.state.store;
    let mut findings = siaga::check::Findings::default();
    siaga::check::check_channels(store, &[POLDA.into(), PALEMBANG.into()], &mut findings).unwrap();
    assert!(findings.warnings.is_empty(), "{:?}", findings.warnings);

    let mut findings = siaga::check::Findings::default();
    siaga::check::check_channels(store, &[POLDA.into()], &mut findings).unwrap();
    assert_eq!(findings.warnings.len(), 1, "{:?}", findings.warnings);
    assert!(findings.warnings[0].contains(PALEMBANG));
    assert!(findings.warnings[0].contains("1 reports"));
    assert!(findings.is_clean(), "a warning, not a problem");
    assert!(siaga::check::render(&findings).contains("warning: business number"));
}
