//! The citizen's satisfaction in the console: a resolved report answered "Tidak puas" with a
//! comment shows the answer and the comment on the report screen and in its timeline (in the
//! reader's words), a supervisor sees a banner on any screen when the answer comes, and the
//! statistics screen shows the breakdown by unit and by category and the latest Tidak puas
//! answers.

use serde_json::json;
use siaga::domain::user::Role;

use super::common::button_reply;
use super::{Console, text_payload, timeline_in_the_readers_words, wait_until_live};

const UNIT: &str = "POLSEK_PLG_ILIR_TIMUR_I";

#[tokio::test]
async fn a_supervisor_sees_a_tidak_puas_answer_on_the_report_and_in_the_statistics() {
    let Some(console) = Console::open(&[("spv1", Role::Supervisor, Some("COMMAND_CENTER"))]).await
    else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let phone = "081377701001";
    let (report_id, ticket) = app
        .citizen_reports(phone, "motor saya dicuri di parkiran pasar 16 ilir")
        .await;
    let token = app.login("spv1").await;
    for (mutation, variables) in [
        (
            "mutation ($id: ID!) { triageReport(id: $id, category: \"curanmor\", priority: HIGH) { id } }",
            json!({ "id": report_id }),
        ),
        (
            "mutation ($id: ID!, $u: String!) { forwardReport(id: $id, unitCode: $u) { id } }",
            json!({ "id": report_id, "u": UNIT }),
        ),
        (
            "mutation ($id: ID!) { setReportStatus(id: $id, status: IN_PROGRESS) { id } }",
            json!({ "id": report_id }),
        ),
        (
            "mutation ($id: ID!) { setReportStatus(id: $id, status: RESOLVED) { id } }",
            json!({ "id": report_id }),
        ),
    ] {
        let answer = app.graphql(Some(&token), mutation, variables).await;
        assert!(answer["errors"].is_null(), "{mutation}: {answer}");
    }
    // The supervisor is on the search screen when the answer comes: a banner links to the
    // report, whatever the screen.
    console.sign_in("spv1").await;
    wait_until_live(browser).await;
    browser.eval("location.hash = '#/search'", json!([])).await;
    browser.wait_for("#nav-search.active").await;
    let wa_id = "6281377701001";
    let tap = button_reply(
        wa_id,
        &format!("siaga:rate:tidak_puas:{report_id}"),
        "Tidak puas",
        "wamid.browser.rate.1",
    );
    assert_eq!(app.post_signed_webhook(&tap).await.status(), 200);
    let comment = text_payload(phone, "wamid.browser.rate.2", "petugas lambat datang");
    assert_eq!(app.post_signed_webhook(&comment).await.status(), 200);
    browser.wait_for("#dissatisfied-alert").await;
    let banner = browser.text_of("#dissatisfied-alert").await;
    assert!(banner.contains("Warga tidak puas"), "{banner}");
    assert!(banner.contains(&ticket), "{banner}");
    app.wait_for_index().await;

    browser
        .eval(
            "location.hash = '#/report/' + arguments[0]",
            json!([report_id]),
        )
        .await;
    browser
        .wait_for("#satisfaction[data-rating=TIDAK_PUAS]")
        .await;
    let card = browser.text_of("#satisfaction").await;
    assert!(card.contains("Tidak puas"), "{card}");
    assert!(card.contains("petugas lambat datang"), "{card}");
    browser
        .wait_for("#timeline li[data-kind=SATISFACTION_ANSWERED]")
        .await;
    let kinds = timeline_in_the_readers_words(browser).await;
    assert!(
        kinds.iter().any(|kind| kind == "SATISFACTION_ASKED"),
        "{kinds:?}"
    );
    browser.screenshot("24-satisfaction-report").await;

    browser.eval("location.hash = '#/stats'", json!([])).await;
    let row = format!("#satisfaction-by-unit tr[data-key={UNIT}]");
    browser.wait_for(&row).await;
    let unit_row = browser.text_of(&row).await;
    assert!(
        unit_row.contains("Ilir Timur"),
        "the unit by its name: {unit_row}"
    );
    let category_row = browser
        .text_of("#satisfaction-by-category tr[data-key=curanmor]")
        .await;
    assert!(category_row.contains('1'), "{category_row}");
    // The period's latest Tidak puas answers, each a link to its report.
    let latest = format!("#dissatisfied-reports tr[data-ticket={ticket}]");
    browser.wait_for(&latest).await;
    let line = browser.text_of(&latest).await;
    assert!(line.contains("petugas lambat datang"), "{line}");
    browser.screenshot("25-satisfaction-stats").await;
    console.close().await;
}
