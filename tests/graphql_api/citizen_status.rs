//! A citizen's status check against reports an operator moved (#19 part 3): a report waiting
//! for the citizen is not resumed by a check, a closed one is not reopened, no report is
//! opened, and the answer names the unit in the citizen's words. The satisfaction answer on a
//! closed report is kept there too.

use super::*;

const UNIT: &str = "POLSEK_PLG_ILIR_TIMUR_I";

async fn citizen_writes(app: &TestApp, phone: &str, wamid: &str, text: &str) {
    let citizen = siaga::whatsapp::payload::Citizen {
        phone: siaga::domain::phone::PhoneNumber::parse(phone).unwrap(),
        name: "Warga".into(),
    };
    let now = chrono::Utc::now().timestamp();
    let body = siaga::whatsapp::payload::text_message(&citizen, wamid, now, text);
    assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> Value {
    let report = app
        .graphql(
            Some(token),
            "query($id: ID) { report(id: $id) { status satisfaction { rating } timeline { kind } } }",
            json!({ "id": id }),
        )
        .await;
    report["data"]["report"].clone()
}

/// The texts sent so far whose body starts with `start`.
fn sent_starting(app: &TestApp, start: &str) -> Vec<String> {
    app.graph
        .sent_messages()
        .into_iter()
        .filter_map(|body| body["text"]["body"].as_str().map(str::to_string))
        .filter(|text| text.starts_with(start))
        .collect()
}

#[tokio::test]
async fn a_check_neither_resumes_a_waiting_report_nor_reopens_a_closed_one_nor_opens_one() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let phone = "081377101201";
    let (id, ticket) = app
        .citizen_reports(phone, "motor saya dicuri di pasar 16 ilir")
        .await;
    triage(&app, &token, &id, "curanmor").await;
    forward(&app, &token, &id, UNIT).await;
    set_status(&app, &token, &id, "AWAITING_REPORTER").await;

    citizen_writes(&app, phone, "wamid.check.1", "CEK").await;
    app.wait_until("the check is answered", |app| {
        !sent_starting(app, "Status laporan Anda:").is_empty()
    })
    .await;
    let answer = sent_starting(&app, "Status laporan Anda:").remove(0);
    assert!(answer.contains(&ticket), "{answer}");
    assert!(answer.contains("menunggu keterangan dari Anda"), "{answer}");
    let waiting = status_of(&app, &token, &id).await;
    assert_eq!(
        waiting["status"], "AWAITING_REPORTER",
        "a check is not an answer"
    );

    // The operator resumes, handles and closes it; the citizen asks again.
    set_status(&app, &token, &id, "FORWARDED").await;
    for status in ["IN_PROGRESS", "RESOLVED", "CLOSED"] {
        let moved = set_status(&app, &token, &id, status).await;
        assert_eq!(
            moved["data"]["setReportStatus"]["status"], status,
            "{moved}"
        );
    }
    citizen_writes(&app, phone, "wamid.check.2", &format!("status {ticket}")).await;
    app.wait_until("the second check is answered", |app| {
        sent_starting(app, "Status laporan Anda:").len() == 2
    })
    .await;
    let answer = sent_starting(&app, "Status laporan Anda:").remove(1);
    assert!(answer.contains("ditutup"), "{answer}");
    // The satisfaction answer typed after the close is kept on the closed report.
    citizen_writes(&app, phone, "wamid.check.3", "cukup").await;
    app.wait_until("the comment is asked for", |app| {
        !sent_starting(app, "Terima kasih atas penilaian Anda").is_empty()
    })
    .await;
    let closed = status_of(&app, &token, &id).await;
    assert_eq!(closed["status"], "CLOSED", "nothing reopens it");
    assert_eq!(closed["satisfaction"]["rating"], "CUKUP");
    let checks = closed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["kind"] == "STATUS_CHECKED")
        .count();
    assert_eq!(checks, 2);
    assert_eq!(app.reports().len(), 1, "no report is opened");
}
