//! Sessions in the console: a token near its expiry is refreshed without the operator noticing,
//! and the live connection carries on past the old token's expiry.

use serde_json::json;
use siaga::domain::user::Role;

use super::Console;

#[tokio::test]
async fn the_console_refreshes_its_token_and_stays_live_past_the_old_tokens_expiry() {
    // A one-minute shift: the console refreshes five seconds after signing in.
    // Subscriptions re-check their token every second, so a socket still on the old token
    // would end (4401) as soon as that token expires.
    let Some(console) = Console::open_with(
        |settings| {
            settings.token_lifetime_minutes = Some(1);
            settings.subscription_recheck_seconds = Some(1);
        },
        &[("operator1", Role::Operator, None)],
    )
    .await
    else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    console.sign_in("operator1").await;
    let first = browser
        .eval(
            "return JSON.parse(localStorage.getItem('siaga.session')).token",
            json!([]),
        )
        .await;
    browser
        .wait_until(
            "a refreshed token",
            &format!(
                "const s = JSON.parse(localStorage.getItem('siaga.session') || 'null'); return s && s.token !== {first}"
            ),
        )
        .await;
    assert!(
        browser.text_of("#who").await.contains("operator1"),
        "still signed in after the refresh"
    );
    // Past the first token's expiry (one minute after signing in), still signed in and live,
    // and still receiving events.
    tokio::time::sleep(std::time::Duration::from_secs(62)).await;
    assert!(
        browser.text_of("#who").await.contains("operator1"),
        "still signed in after the first token expired"
    );
    super::wait_until_live(browser).await;
    let (_, ticket) = app
        .citizen_reports("+6281377100888", "halo pak mau lapor")
        .await;
    browser
        .wait_for(&format!("tr[data-ticket='{ticket}']"))
        .await;
    console.close().await;
}
