//! The timeline in the reader's words: a report that went through a citizen's reaction and
//! WhatsApp call, then an operator's triage, forward, logged call, note and a merge, shows no
//! entry in the server's words, in Indonesian and in English.

use serde_json::{Value, json};
use siaga::domain::user::Role;

use super::common::{fixture, refresh_timestamps};
use super::{Console, timeline_in_the_readers_words};

fn fresh(name: &str) -> Value {
    let mut body = fixture(name);
    refresh_timestamps(&mut body, chrono::Utc::now().timestamp());
    body
}

#[tokio::test]
async fn every_kind_of_timeline_entry_reads_as_words() {
    let Some(console) = Console::open(&[("operator1", Role::Operator, None)]).await else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let text = fresh("inbound_text");
    let text_wamid = text["entry"][0]["changes"][0]["value"]["messages"][0]["id"].clone();
    let mut reaction = fresh("inbound_reaction");
    reaction["entry"][0]["changes"][0]["value"]["messages"][0]["reaction"]["message_id"] =
        text_wamid;
    for body in [
        text,
        reaction,
        fresh("call_connect_user_initiated"),
        fresh("call_terminate"),
    ] {
        assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
    }
    let report_id = app.reports()[0].id.to_string();
    let token = app.login("operator1").await;
    for (mutation, variables) in [
        (
            "mutation ($id: ID!) { triageReport(id: $id, category: \"curanmor\", priority: HIGH, summary: \"motor hilang\", note: \"dicek dulu\") { id } }",
            json!({ "id": report_id }),
        ),
        (
            "mutation ($id: ID!) { forwardReport(id: $id, unitCode: \"POLSEK_PLG_ILIR_TIMUR_I\", note: \"segera\") { id } }",
            json!({ "id": report_id }),
        ),
        (
            "mutation ($id: ID!) { logCall(reportId: $id, kind: PHONE, outcome: \"tersambung\", durationSeconds: 200, note: \"pelapor aman\") { kind } }",
            json!({ "id": report_id }),
        ),
        (
            "mutation ($id: ID!) { addNote(reportId: $id, text: \"Koordinasi dengan Polsek sudah dilakukan.\") { kind } }",
            json!({ "id": report_id }),
        ),
        (
            "mutation ($id: ID!) { setReportStatus(id: $id, status: RESOLVED) { id } }",
            json!({ "id": report_id }),
        ),
        (
            "mutation ($id: ID!) { setReportStatus(id: $id, status: CLOSED) { id } }",
            json!({ "id": report_id }),
        ),
    ] {
        let answer = app.graphql(Some(&token), mutation, variables).await;
        assert!(answer["errors"].is_null(), "{mutation}: {answer}");
    }
    // The same citizen writes again about the closed case: a new report, merged into it (a
    // merge joins one citizen's reports).
    let (duplicate_id, _) = app
        .citizen_reports("+6281234567890", "pak motor saya hilang di pasar 16 ilir")
        .await;
    let merge =
        "mutation ($into: ID!, $from: ID!) { mergeReports(into: $into, from: $from) { id } }";
    let answer = app
        .graphql(
            Some(&token),
            merge,
            json!({ "into": report_id, "from": duplicate_id }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{merge}: {answer}");

    console.sign_in("operator1").await;
    for (language, merged_words) in [("id", "digabung dari"), ("en", "merged from")] {
        browser
            .eval(
                "localStorage.setItem('siaga.lang', arguments[0]); location.hash = '#/report/' + arguments[1]; location.reload()",
                json!([language, report_id]),
            )
            .await;
        browser.wait_for("#timeline li[data-kind=MERGED]").await;
        let kinds = timeline_in_the_readers_words(browser).await;
        for kind in [
            "REACTION_RECEIVED",
            "CALL_RECEIVED",
            "CALL_ENDED",
            "TRIAGED",
            "FORWARDED",
            "STATUS_CHANGED",
            "CALL_LOGGED",
            "NOTE",
            "MERGED",
        ] {
            assert!(kinds.iter().any(|seen| seen == kind), "{kind} in {kinds:?}");
        }
        let merged = browser
            .text_of("#timeline li[data-kind=MERGED] .note")
            .await;
        assert!(merged.contains(merged_words), "{merged}");
        browser.screenshot(&format!("14-timeline-{language}")).await;
    }
    console.close().await;
}
