//! One incident, many reporters, in the console: three citizens report one fire; the operator
//! opens one report, sees the other two among the similar reports, links them, then forwards
//! and resolves the primary carrying the linked reports along, and every citizen is told.

use serde_json::json;
use siaga::domain::report::ReportStatus;
use siaga::domain::user::Role;
use siaga::ledger::Ledger;

use super::{Console, wait_until_live};

const FIRE: &str = "tolong ada kebakaran besar di pasar 16 ilir palembang, api sudah membesar";

#[tokio::test]
async fn an_operator_links_similar_reports_and_resolves_them_with_the_primary() {
    let Some(console) = Console::open(&[("operator1", Role::Operator, None)]).await else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let phones = ["081377603001", "081377603002", "081377603003"];
    let mut ids = Vec::new();
    for phone in phones {
        ids.push(app.citizen_reports(phone, FIRE).await.0);
    }
    console.sign_in("operator1").await;
    wait_until_live(browser).await;
    browser
        .eval(
            "location.hash = '#/report/' + arguments[0]",
            json!([ids[0]]),
        )
        .await;
    browser
        .wait_until(
            "both other reports are proposed",
            "return document.querySelectorAll('#similar-reports li').length === 2",
        )
        .await;
    for id in &ids[1..] {
        browser
            .click(&format!("#similar-reports li[data-id='{id}'] input"))
            .await;
    }
    browser.click("#link-reports").await;
    browser
        .wait_until(
            "the incident lists the three reports",
            "return document.querySelectorAll('#incident-reports li').length === 3",
        )
        .await;
    browser.wait_for("#timeline li[data-kind=LINKED]").await;
    browser.screenshot("22-incident-linked").await;

    // Forward the primary: the console asks whether the linked reports follow (they do).
    browser.click("#tab-forward").await;
    browser.wait_for("#forward-form #with-linked").await;
    browser
        .type_into("#unit-search", "POLRESTABES_PALEMBANG")
        .await;
    browser
        .click("#forward-form li[data-unit=POLRESTABES_PALEMBANG]")
        .await;
    browser.click("#forward-submit").await;
    app.wait_until("the three reports are forwarded", |app| {
        app.reports()
            .iter()
            .all(|report| report.status == ReportStatus::Forwarded)
    })
    .await;
    browser.wait_for("#status-moves #with-linked").await;
    browser
        .click("#status-moves button[data-move=RESOLVED]")
        .await;
    app.wait_until("the three reports are resolved", |app| {
        app.reports()
            .iter()
            .all(|report| report.status == ReportStatus::Resolved)
    })
    .await;
    app.wait_until("the outbox is drained", |app| {
        app.state.store.outbox().is_empty()
    })
    .await;
    app.wait_for_workers_idle().await;
    let told: std::collections::BTreeSet<String> = app
        .graph
        .sent_messages()
        .into_iter()
        .filter(|body| {
            body["text"]["body"]
                .as_str()
                .is_some_and(|text| text.contains("telah selesai ditangani"))
        })
        .map(|body| body["to"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(told.len(), 3, "each citizen is told: {told:?}");
    browser.screenshot("23-incident-resolved").await;
    console.close().await;
}
