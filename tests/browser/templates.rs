//! Issue 19 part 2 in the browser: an admin reloads the WhatsApp templates from Meta (the mock
//! Graph API), sees them with their status, and sets the resolved notice's template with the
//! purpose picker, which offers only the templates that can be sent; a supervisor reads the
//! same screen without the picker.

use serde_json::json;
use siaga::domain::user::Role;

use super::{Console, sign_in, sign_out};

#[tokio::test]
async fn an_admin_reloads_the_templates_and_sets_the_resolved_notices_template() {
    let Some(console) = Console::open_with(
        |settings| settings.wa_business_account_id = Some("102030405060708".into()),
        &[
            ("admin1", Role::Admin, None),
            ("supervisor1", Role::Supervisor, Some("COMMAND_CENTER")),
        ],
    )
    .await
    else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    app.graph.add_template(
        "laporan_selesai",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan {{1}} telah {{3}} oleh {{2}}.",
    );
    app.graph
        .add_template("survei_kepuasan", "id", "UTILITY", "PENDING", "Puas? {{1}}");

    sign_in(browser, &app.base_url, "admin1").await;
    browser.click("#nav-templates").await;
    browser
        .wait_for("#template-purposes tr[data-purpose='RESOLVED']")
        .await;
    browser.click("#templates-refresh").await;
    browser
        .wait_for("#template-list tr[data-template='survei_kepuasan']")
        .await;
    browser.wait_for("#flash.ok").await;
    let offered = browser
        .eval(
            "return [...document.querySelectorAll(\"tr[data-purpose='RESOLVED'] select.purpose-choice option\")].map(o => o.value)",
            json!([]),
        )
        .await;
    assert_eq!(
        offered,
        json!(["", "laporan_selesai|id"]),
        "only sendable ones"
    );
    browser
        .eval(
            "const select = document.querySelector(\"tr[data-purpose='RESOLVED'] select.purpose-choice\");
             select.value = 'laporan_selesai|id';
             select.dispatchEvent(new Event('change', { bubbles: true }));
             return true",
            json!([]),
        )
        .await;
    browser
        .click("tr[data-purpose='RESOLVED'] .purpose-set")
        .await;
    browser
        .wait_until(
            "the purpose shows its template",
            "return document.querySelector(\"tr[data-purpose='RESOLVED'] .purpose-template\")?.innerText.includes('laporan_selesai')",
        )
        .await;
    browser.screenshot("templates-01-admin").await;
    let admin_token = app.login("admin1").await;
    let purposes = app
        .graphql(
            Some(&admin_token),
            "{ templatePurposes { purpose name source } }",
            json!({}),
        )
        .await;
    assert_eq!(
        purposes["data"]["templatePurposes"][2],
        json!({ "purpose": "RESOLVED", "name": "laporan_selesai", "source": "STORED" })
    );
    sign_out(browser).await;

    sign_in(browser, &app.base_url, "supervisor1").await;
    browser.click("#nav-templates").await;
    browser
        .wait_for("#template-list tr[data-template='laporan_selesai']")
        .await;
    let pickers = browser
        .eval(
            "return document.querySelectorAll('select.purpose-choice').length",
            json!([]),
        )
        .await;
    assert_eq!(pickers, json!(0));
    browser.screenshot("templates-02-supervisor").await;
    console.close().await;
}
