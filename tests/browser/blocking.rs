//! Abusive numbers in the console: a supervisor blocks a number from the reporter panel of its
//! report (with a reason), the block shows there and on the timeline in the reader's words; the
//! number's next message stays out of the queue and is found with the search screen's blocked
//! filter, its report marked as a blocked number's; then the supervisor unblocks.

use serde_json::json;
use siaga::domain::user::Role;

use super::{Console, text_payload, timeline_in_the_readers_words, wait_until_live};

#[tokio::test]
async fn a_supervisor_blocks_a_number_from_the_reporter_panel_and_finds_its_messages_under_the_blocked_filter()
 {
    let Some(console) = Console::open(&[("spv1", Role::Supervisor, None)]).await else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let phone = "081377601001";
    let (report_id, ticket) = app.citizen_reports(phone, "pesan iseng pertama").await;
    console.sign_in("spv1").await;
    wait_until_live(browser).await;
    browser
        .eval(
            "location.hash = '#/report/' + arguments[0]",
            json!([report_id]),
        )
        .await;
    browser.wait_for("#reporter-panel #block-form").await;
    browser
        .type_into("#block-reason", "mengirim pesan cabul berulang")
        .await;
    browser.click("#block-reporter").await;
    browser
        .wait_until(
            "the panel shows the block",
            "return document.querySelector('#reporter-panel[data-blocked=true] #reporter-block')",
        )
        .await;
    let shown = browser.text_of("#reporter-block").await;
    assert!(shown.contains("Nomor diblokir"), "{shown}");
    assert!(shown.contains("mengirim pesan cabul berulang"), "{shown}");
    browser
        .wait_for("#timeline li[data-kind=REPORTER_BLOCKED]")
        .await;
    timeline_in_the_readers_words(browser).await;
    let entry = browser
        .text_of("#timeline li[data-kind=REPORTER_BLOCKED] .note")
        .await;
    assert!(entry.contains("nomor diblokir sampai dibuka"), "{entry}");
    browser.screenshot("20-reporter-blocked").await;

    // The blocked number writes again: nothing new in the queue.
    let body = text_payload(
        phone,
        "wamid.browser.blocked.1",
        "pesan iseng kedua sangat kasar",
    );
    assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
    app.wait_for_index().await;
    browser.eval("location.hash = '#/'", json!([])).await;
    browser
        .wait_until(
            "the queue shows the first report only",
            &format!(
                "const rows = [...document.querySelectorAll('tr.row')].map(r => r.dataset.ticket); \
                 return rows.length === 1 && rows[0] === '{ticket}'"
            ),
        )
        .await;

    // The search screen's blocked filter finds it, marked as a blocked number's report.
    browser.eval("location.hash = '#/search'", json!([])).await;
    browser.wait_for("#search-blocked").await;
    browser.type_into("#search-query", "kasar").await;
    browser.click("#search-submit").await;
    browser
        .wait_until(
            "no hit without the blocked filter",
            "return document.querySelector('#search-total')?.innerText.startsWith('0 ')",
        )
        .await;
    browser.click("#search-blocked").await;
    browser
        .wait_until(
            "one hit with the blocked filter",
            "return document.querySelector('#search-total')?.innerText.startsWith('1 ')",
        )
        .await;
    browser.click("#search-hits li a").await;
    browser.wait_for("#blocked-report-note").await;
    browser.screenshot("21-blocked-report").await;

    // Unblocked from the panel of the blocked report.
    browser.click("#unblock-reporter").await;
    browser
        .wait_until(
            "the panel shows the number unblocked",
            "return document.querySelector('#reporter-panel[data-blocked=false] #block-form')",
        )
        .await;
    browser
        .wait_for("#timeline li[data-kind=REPORTER_UNBLOCKED]")
        .await;
    console.close().await;
}
