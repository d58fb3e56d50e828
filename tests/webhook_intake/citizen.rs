//! Citizens checking their ticket (#19 part 3): a ticket number alone or `STATUS` / `CEK` is
//! answered with the status of the sender's own reports, on the report concerned, without
//! opening or reopening one; another citizen's ticket gives nothing away; and the reply
//! buttons of the automatic reply ("Cek status", "Tambah foto/lokasi") round-trip as Meta's
//! `button_reply` webhooks.

use super::*;
use siaga::domain::ids::ReportId;
use siaga::domain::report::Report;
use siaga::profile::ReplyTexts;

const BUDI: &str = "6281234567890";
const SITI: &str = "6281298765432";

fn replies() -> ReplyTexts {
    siaga::profile::Profile::load("sumsel").unwrap().replies
}

/// `phone` writes `text` as a new WhatsApp message `wamid`; the webhook is answered 200.
async fn writes(app: &TestApp, phone: &str, wamid: &str, text: &str) {
    let payload = payload::text_message(&citizen(phone, "Warga"), wamid, now(), text);
    assert_eq!(app.post_signed_webhook(&payload).await.status(), 200);
}

fn tap(phone: &str, id: &str, title: &str, wamid: &str) -> serde_json::Value {
    common::button_reply(phone, id, title, wamid)
}

/// The report `phone` opened (their only one).
fn report_of(app: &TestApp, phone: &str) -> Report {
    let e164 = format!("+{phone}");
    let reporter: siaga::domain::reporter::Reporter = app
        .state
        .store
        .scan_records(Table::Reporters, &[])
        .map(|entry| entry.unwrap().1)
        .find(|reporter: &siaga::domain::reporter::Reporter| {
            reporter
                .phone
                .as_ref()
                .is_some_and(|phone| phone.as_e164() == e164)
        })
        .expect("the reporter");
    app.reports()
        .into_iter()
        .find(|report| report.reporter_id == reporter.id)
        .expect("their report")
}

/// The texts of what was sent to `phone` (text bodies and interactive bodies), in order.
fn texts_to(app: &TestApp, phone: &str) -> Vec<String> {
    let to = format!("+{phone}");
    app.graph
        .sent_messages()
        .into_iter()
        .filter(|body| body["to"] == to.as_str())
        .filter_map(|body| {
            body["text"]["body"]
                .as_str()
                .or(body["interactive"]["body"]["text"].as_str())
                .map(str::to_string)
        })
        .collect()
}

/// Waits until `count` messages went to `phone` and returns their texts.
async fn wait_for_texts_to(app: &TestApp, phone: &str, count: usize) -> Vec<String> {
    app.wait_until("the answers are sent", |app| {
        texts_to(app, phone).len() >= count
    })
    .await;
    texts_to(app, phone)
}

fn timeline_kinds_of(app: &TestApp, report_id: ReportId) -> Vec<TimelineKind> {
    app.timeline(report_id)
        .into_iter()
        .map(|entry| entry.kind)
        .collect()
}

#[tokio::test]
async fn the_automatic_reply_carries_the_ticket_and_two_reply_buttons_within_whatsapps_limits() {
    let app = spawn_app().await;
    writes(
        &app,
        BUDI,
        "wamid.citizen.1",
        "motor saya dicuri kemarin di parkiran pasar 16 ilir",
    )
    .await;
    let sent = app
        .graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    let report = app.only_report();
    let interactive = &sent[0]["interactive"];
    assert_eq!(sent[0]["type"], "interactive", "{}", sent[0]);
    assert_eq!(interactive["type"], "button");
    let body = interactive["body"]["text"].as_str().unwrap();
    assert!(
        body.contains(report.ticket.as_str()),
        "the ticket is in the text: {body}"
    );
    assert!(body.chars().count() <= 1024);
    let buttons = interactive["action"]["buttons"].as_array().unwrap();
    assert!(buttons.len() <= 3);
    let titles: Vec<&str> = buttons
        .iter()
        .map(|button| button["reply"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Cek status", "Tambah foto/lokasi"]);
    assert!(titles.iter().all(|title| title.chars().count() <= 20));
    assert_eq!(buttons[0]["reply"]["id"], "siaga:status");
    assert_eq!(
        buttons[1]["reply"]["id"],
        format!("siaga:media:{}", report.id).as_str()
    );
}

#[tokio::test]
async fn a_ticket_number_alone_is_answered_with_its_status_on_its_timeline_and_opens_nothing() {
    let app = spawn_app().await;
    writes(
        &app,
        BUDI,
        "wamid.citizen.10",
        "motor saya dicuri kemarin di parkiran pasar 16 ilir",
    )
    .await;
    wait_for_texts_to(&app, BUDI, 1).await;
    let before = app.only_report();
    // Typed the way citizens type it: lower case, spaces, no zero padding.
    let (prefix, rest) = before.ticket.split_once('-').unwrap();
    let (year, number) = rest.split_once('-').unwrap();
    let typed = format!(
        "{} {year} {}",
        prefix.to_lowercase(),
        number.trim_start_matches('0')
    );
    writes(&app, BUDI, "wamid.citizen.11", &typed).await;

    let texts = wait_for_texts_to(&app, BUDI, 2).await;
    let answer = &texts[1];
    assert!(answer.contains(before.ticket.as_str()), "{answer}");
    assert!(answer.contains(&replies().status_received), "{answer}");
    assert_eq!(app.reports().len(), 1, "no report is opened");
    let after = app.only_report();
    assert_eq!(after.status, before.status);
    assert_eq!(
        after.last_activity_at, before.last_activity_at,
        "the thread window is left alone"
    );
    assert_eq!(
        after.citizen_texts, before.citizen_texts,
        "the check is not about the case"
    );
    let kinds = timeline_kinds_of(&app, after.id);
    assert!(kinds.contains(&TimelineKind::StatusChecked), "{kinds:?}");

    // Meta delivers the same message again: nothing more happens.
    writes(&app, BUDI, "wamid.citizen.11", &typed).await;
    app.wait_for_workers_idle().await;
    assert_eq!(texts_to(&app, BUDI).len(), 2, "answered once");
    let checks = timeline_kinds_of(&app, after.id)
        .into_iter()
        .filter(|kind| *kind == TimelineKind::StatusChecked)
        .count();
    assert_eq!(checks, 1);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_citizen_status_checks_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn status_and_cek_answer_with_the_senders_latest_report_in_any_case() {
    let app = spawn_app().await;
    writes(
        &app,
        BUDI,
        "wamid.citizen.20",
        "motor saya dicuri kemarin di parkiran pasar 16 ilir",
    )
    .await;
    wait_for_texts_to(&app, BUDI, 1).await;
    let report = app.only_report();
    for (index, text) in ["STATUS", "cek", "Cek status"].into_iter().enumerate() {
        writes(&app, BUDI, &format!("wamid.citizen.2{}", index + 1), text).await;
    }
    let texts = wait_for_texts_to(&app, BUDI, 4).await;
    for answer in &texts[1..] {
        assert!(
            answer.starts_with(&replies().status_check_header),
            "{answer}"
        );
        assert!(answer.contains(report.ticket.as_str()), "{answer}");
    }
    assert_eq!(app.reports().len(), 1);
}

#[tokio::test]
async fn another_citizens_ticket_gets_the_same_not_found_as_a_ticket_that_does_not_exist() {
    let app = spawn_app().await;
    writes(
        &app,
        BUDI,
        "wamid.citizen.30",
        "motor saya dicuri kemarin di parkiran pasar 16 ilir",
    )
    .await;
    writes(
        &app,
        SITI,
        "wamid.citizen.31",
        "rumah saya kemalingan tadi malam di kenten",
    )
    .await;
    wait_for_texts_to(&app, BUDI, 1).await;
    wait_for_texts_to(&app, SITI, 1).await;
    app.wait_for_workers_idle().await;
    let budis = report_of(&app, BUDI);
    let sitis = report_of(&app, SITI);
    let budis_timeline = app.timeline(budis.id).len();

    let year = chrono::Utc::now().format("%Y");
    let unknown = format!("WA-{year}-999999");
    writes(&app, SITI, "wamid.citizen.32", budis.ticket.as_str()).await;
    wait_for_texts_to(&app, SITI, 2).await;
    writes(&app, SITI, "wamid.citizen.33", &format!("cek {unknown}")).await;
    let texts = wait_for_texts_to(&app, SITI, 3).await;
    let not_found = &replies().status_check_not_found;
    assert_eq!(
        texts[1],
        not_found.replace("{ticket}", budis.ticket.as_str())
    );
    assert_eq!(texts[2], not_found.replace("{ticket}", &unknown));
    assert!(
        !texts[1].contains(&replies().status_received),
        "nothing about Budi's report"
    );

    assert_eq!(
        app.timeline(budis.id).len(),
        budis_timeline,
        "Budi's report is not touched"
    );
    assert_eq!(app.reports().len(), 2, "no report is opened");
    let sitis_checks = app
        .timeline(sitis.id)
        .into_iter()
        .filter(|entry| entry.kind == TimelineKind::StatusChecked)
        .map(|entry| entry.note.unwrap_or_default())
        .collect::<Vec<_>>();
    assert_eq!(
        sitis_checks.len(),
        2,
        "recorded on Siti's own report: {sitis_checks:?}"
    );
    assert!(sitis_checks[0].contains("not one of this citizen's reports"));
}

#[tokio::test]
async fn a_number_without_reports_is_told_so_and_the_check_is_audited_not_made_a_report() {
    let app = spawn_app().await;
    writes(&app, SITI, "wamid.citizen.40", "status").await;
    let texts = wait_for_texts_to(&app, SITI, 1).await;
    assert_eq!(texts[0], replies().status_check_none);
    assert!(app.reports().is_empty(), "no report is opened");
    let audit = app.state.store.audit_log().all().unwrap();
    let check = audit
        .iter()
        .find(|entry| entry.action == siaga::domain::audit::AuditAction::CitizenStatusCheck)
        .expect("the check is in the audit trail");
    assert!(
        check
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("has none")
    );
}

#[tokio::test]
async fn the_cek_status_and_tambah_foto_buttons_round_trip_as_button_replies() {
    let app = spawn_app().await;
    writes(
        &app,
        BUDI,
        "wamid.citizen.50",
        "motor saya dicuri kemarin di parkiran pasar 16 ilir",
    )
    .await;
    wait_for_texts_to(&app, BUDI, 1).await;
    let report = app.only_report();

    let status = tap(BUDI, "siaga:status", "Cek status", "wamid.citizen.51");
    assert_eq!(app.post_signed_webhook(&status).await.status(), 200);
    let texts = wait_for_texts_to(&app, BUDI, 2).await;
    assert!(
        texts[1].starts_with(&replies().status_check_header),
        "{}",
        texts[1]
    );
    assert!(texts[1].contains(report.ticket.as_str()));

    let media_id = format!("siaga:media:{}", report.id);
    let add = tap(BUDI, &media_id, "Tambah foto/lokasi", "wamid.citizen.52");
    assert_eq!(app.post_signed_webhook(&add).await.status(), 200);
    app.wait_until("the instruction and the location request are sent", |app| {
        app.graph.sent_messages().len() >= 4
    })
    .await;
    let sent = app.graph.sent_messages();
    let instruction = replies()
        .add_media_instruction
        .replace("{ticket}", report.ticket.as_str());
    assert!(
        sent.iter()
            .any(|body| body["text"]["body"] == instruction.as_str()),
        "{sent:#?}"
    );
    assert!(
        sent.iter()
            .any(|body| body["interactive"]["type"] == "location_request_message"),
        "{sent:#?}"
    );
    assert_eq!(app.reports().len(), 1, "no report is opened");
    let after = app.only_report();
    assert_eq!(after.status, ReportStatus::New);
    assert!(
        after
            .citizen_texts
            .iter()
            .all(|text| !text.contains("Tambah"))
    );

    // Someone else's report id in a forged button is an ordinary message of theirs.
    let forged = tap(SITI, &media_id, "Tambah foto/lokasi", "wamid.citizen.53");
    assert_eq!(app.post_signed_webhook(&forged).await.status(), 200);
    let sitis = report_of(&app, SITI);
    assert_ne!(sitis.id, report.id);
    assert_eq!(app.timeline(report.id).len(), app.timeline(after.id).len());
}

/// Over the per-reporter rate limit a status check is still answered, at most once every five
/// minutes (`STATUS_CHECK_OVER_LIMIT_MINUTES`); one held back is recorded on the timeline.
#[tokio::test]
async fn over_the_rate_limit_a_status_check_is_answered_at_most_once_every_five_minutes() {
    let app = spawn_app_with(|settings| settings.reporter_rate_limit = Some(3)).await;
    let replies = replies();
    let status_answers = |app: &TestApp| {
        texts_to(app, BUDI)
            .iter()
            .filter(|text| text.starts_with(&replies.status_check_header))
            .count()
    };
    writes(
        &app,
        BUDI,
        "wamid.flood.1",
        "motor saya dicuri di pasar 16 ilir",
    )
    .await;
    for n in 2..=4 {
        writes(
            &app,
            BUDI,
            &format!("wamid.flood.{n}"),
            &format!("tolong cepat pak {n}"),
        )
        .await;
    }
    app.wait_until("the one slow-down reply", |app| {
        texts_to(app, BUDI).contains(&replies.slow_down)
    })
    .await;

    writes(&app, BUDI, "wamid.flood.5", "CEK").await;
    app.wait_until("the status check is answered", |app| {
        status_answers(app) == 1
    })
    .await;
    writes(&app, BUDI, "wamid.flood.6", "STATUS").await;
    app.wait_for_workers_idle().await;
    assert_eq!(
        status_answers(&app),
        1,
        "a second check within five minutes waits"
    );
    let report = report_of(&app, BUDI);
    let checks: Vec<String> = app
        .timeline(report.id)
        .into_iter()
        .filter(|entry| entry.kind == TimelineKind::StatusChecked)
        .map(|entry| entry.note.unwrap_or_default())
        .collect();
    assert_eq!(checks.len(), 2, "both checks are recorded: {checks:?}");
    assert!(!checks[0].contains("not answered"), "{checks:?}");
    assert!(
        checks[1].contains("not answered: over the rate limit"),
        "{checks:?}"
    );
    assert_eq!(app.reports().len(), 1, "no check opens a report");

    // Six minutes later the citizen is still over the limit (ten-minute window), and a check
    // is answered again.
    let later = chrono::Utc::now() + chrono::Duration::minutes(6);
    let cek = payload::text_message(
        &citizen(BUDI, "Warga"),
        "wamid.flood.7",
        later.timestamp(),
        "cek",
    );
    deliver_received_at(&app, &cek, later).await;
    app.wait_until("the later check is answered", |app| {
        status_answers(app) == 2
    })
    .await;
}
