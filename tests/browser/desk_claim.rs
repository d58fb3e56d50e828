//! Issue 18 parts 1 and 2 in the browser: a supervisor manages canned replies (an unknown
//! variable is refused on the screen), an operator finds an unclaimed report through the
//! queue's holder filter, claims it, sees it under "held by me", picks a canned reply whose
//! filled preview lands in the reply box, sends it (the citizen receives the filled text) and
//! releases the report.

use siaga::domain::user::Role;

use super::{Console, choose, sign_in, sign_out, timeline_in_the_readers_words, wait_until_live};

#[tokio::test]
async fn an_operator_claims_a_report_and_answers_with_a_filled_canned_reply() {
    let Some(console) = Console::open(&[
        ("operator1", Role::Operator, Some("COMMAND_CENTER")),
        ("supervisor1", Role::Supervisor, Some("COMMAND_CENTER")),
    ])
    .await
    else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let (_, ticket) = app
        .citizen_reports(
            "+6281377100777",
            "helm saya dicuri orang di parkiran kampus",
        )
        .await;
    app.graph
        .wait_for_sent_messages(1, std::time::Duration::from_secs(10))
        .await;

    // The supervisor writes a canned reply; an unknown variable is refused and kept out.
    sign_in(browser, &app.base_url, "supervisor1").await;
    browser.click("#nav-canned").await;
    browser.wait_for("#canned-list tbody tr").await;
    browser.type_into("#canned-title", "Sapaan uji").await;
    browser
        .type_into("#canned-text", "Halo {nama}, alamat {alamat}?")
        .await;
    browser.click("#canned-save").await;
    browser.wait_for("#flash.error").await;
    assert!(browser.text_of("#flash").await.contains("{alamat}"));
    browser
        .type_into("#canned-text", "Halo {nama}, laporan {ticket} kami terima.")
        .await;
    browser.type_into("#canned-tags", "uji, sapaan").await;
    browser.click("#canned-save").await;
    browser.wait_for("#flash.ok").await;
    browser
        .wait_until(
            "the new canned reply is listed",
            "return [...document.querySelectorAll('#canned-list td b')].some(b => b.innerText === 'Sapaan uji')",
        )
        .await;
    browser.screenshot("desk-01-canned-replies").await;
    sign_out(browser).await;

    // The operator finds it among the unclaimed reports and claims it.
    sign_in(browser, &app.base_url, "operator1").await;
    wait_until_live(browser).await;
    let row = format!("tr[data-ticket='{ticket}']");
    browser.wait_for(&row).await;
    choose(browser, "#filter-holder", "me").await;
    browser.wait_for("#queue-empty").await;
    choose(browser, "#filter-holder", "none").await;
    browser.click(&row).await;
    browser.wait_for("#holder #claim").await;
    browser.click("#claim").await;
    browser
        .wait_until(
            "the report shows its holder",
            "return document.querySelector('#assignee')?.dataset.username === 'operator1' && document.querySelector('#release')",
        )
        .await;
    browser.screenshot("desk-02-claimed").await;
    browser.click("#back").await;
    choose(browser, "#filter-holder", "me").await;
    browser
        .wait_until(
            "the claimed report is under 'held by me'",
            &format!(
                "return document.querySelector(\"{row} td.holder\")?.dataset.holder === 'operator1'"
            ),
        )
        .await;

    // The canned reply, filled in for this report, lands in the reply box and goes out.
    browser.click(&row).await;
    browser.click("#canned-open").await;
    browser.type_into("#canned-search", "sapaan uji").await;
    // The list answers the typed search only after a pause and a round trip; pick once it does.
    browser
        .wait_until(
            "the list answers the search",
            "const list = document.querySelector('#canned-picker ul[aria-busy=\"false\"]'); \
             return list?.querySelector('li[data-canned]')?.textContent.includes('Sapaan uji')",
        )
        .await;
    browser.click("#canned-picker li[data-canned]").await;
    let expected = format!("Halo Warga, laporan {ticket} kami terima.");
    browser
        .wait_until(
            "the filled preview is in the reply box",
            &format!("return document.querySelector('#reply-text').value === {expected:?}"),
        )
        .await;
    browser.wait_for("#canned-chosen").await;
    browser.screenshot("desk-03-canned-preview").await;
    browser.click("#send-reply").await;
    let sent = app
        .graph
        .wait_for_sent_messages(2, std::time::Duration::from_secs(10))
        .await;
    assert_eq!(sent[1]["text"]["body"], expected.as_str());
    browser.wait_for("#chat .canned-used").await;
    assert_eq!(browser.text_of("#chat .canned-used").await, "Sapaan uji");

    browser.click("#release").await;
    browser
        .wait_until(
            "the report is released",
            "return document.querySelector('#assignee')?.dataset.username === '' && document.querySelector('#claim')",
        )
        .await;
    let kinds = timeline_in_the_readers_words(browser).await;
    assert!(
        kinds.iter().any(|kind| kind == "CLAIMED") && kinds.iter().any(|kind| kind == "RELEASED"),
        "{kinds:?}"
    );
    browser.screenshot("desk-04-released").await;
    console.close().await;
}
