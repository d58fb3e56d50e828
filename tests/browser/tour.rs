//! A tour of a running `siaga demo` as each of its users, in Indonesian and in English, with a
//! screenshot of every screen: for looking at the console the way a newcomer sees it.
//! Not part of the suite (it needs a demo running); run it by hand:
//!
//! ```text
//! cargo run --release -- demo --listen 127.0.0.1:8110 &
//! SIAGA_TOUR_URL=http://127.0.0.1:8110 cargo test --test browser tour -- --ignored --nocapture
//! ```
//!
//! Screenshots go to `target/browser-screenshots/tour/`.

use serde_json::json;

use super::webdriver::{Browser, Driver, browser_missing};

const USERS: [(&str, &str); 5] = [
    ("operator", "demo-operator-110"),
    ("supervisor", "demo-supervisor-110"),
    ("officer", "demo-officer-110"),
    ("analyst", "demo-analyst-110"),
    ("admin", "demo-admin-110"),
];

async fn sign_in_as(browser: &Browser, base: &str, username: &str, password: &str) {
    browser.goto(&format!("{base}/")).await;
    browser.type_into("input[name=username]", username).await;
    browser.type_into("input[name=password]", password).await;
    browser.click("form button[type=submit]").await;
    browser.wait_for("#who").await;
}

async fn shot(browser: &Browser, name: &str) {
    // Let live data and lazy images settle.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let _ = std::fs::create_dir_all(super::webdriver::screenshot_dir().join("tour"));
    let path = browser.screenshot(&format!("tour/{name}")).await;
    println!("screenshot: {}", path.display());
}

#[tokio::test]
#[ignore = "needs a running `siaga demo`; see the module's comment"]
async fn tour_of_a_running_demo() {
    if let Some(skip) = browser_missing() {
        super::say_skipped(&skip);
        return;
    }
    let base = std::env::var("SIAGA_TOUR_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let driver = Driver::start().await;
    let browser = driver.session(1440, 960).await;
    for language in ["id", "en"] {
        browser.goto(&format!("{base}/")).await;
        browser
            .eval(
                "localStorage.clear(); localStorage.setItem('siaga.lang', arguments[0]); location.reload()",
                json!([language]),
            )
            .await;
        browser.wait_for("input[name=username]").await;
        shot(&browser, &format!("{language}-00-sign-in")).await;
        browser.type_into("input[name=username]", "operator").await;
        browser
            .type_into("input[name=password]", "wrong-password")
            .await;
        browser.click("form button[type=submit]").await;
        browser.wait_for("form .error").await;
        shot(&browser, &format!("{language}-00-sign-in-refused")).await;
        for (username, password) in USERS {
            sign_in_as(&browser, &base, username, password).await;
            let screens = browser
                .eval(
                    "return [...document.querySelectorAll('.topbar nav a')].map(a => a.id.replace('nav-', ''))",
                    json!([]),
                )
                .await;
            let screens: Vec<String> = serde_json::from_value(screens).unwrap_or_default();
            for screen in &screens {
                browser.click(&format!("#nav-{screen}")).await;
                shot(&browser, &format!("{language}-{username}-{screen}")).await;
                if screen == "queue" {
                    let opened = browser
                        .eval(
                            "const row = document.querySelector('#queue-table tr.row'); if (row) row.click(); return !!row",
                            json!([]),
                        )
                        .await;
                    if opened == json!(true) {
                        browser.wait_for("#report").await;
                        shot(&browser, &format!("{language}-{username}-report")).await;
                        for tab in ["triage", "forward", "call", "note", "merge"] {
                            let clicked = browser
                                .eval(
                                    "const b = document.querySelector('#tab-' + arguments[0]); if (b) b.click(); return !!b",
                                    json!([tab]),
                                )
                                .await;
                            if clicked == json!(true) {
                                shot(&browser, &format!("{language}-{username}-report-{tab}"))
                                    .await;
                            }
                        }
                    }
                }
                if screen == "search" {
                    browser.type_into("#search-query", "motor dicuri").await;
                    browser.click("#search-submit").await;
                    shot(&browser, &format!("{language}-{username}-search-query")).await;
                    let opened = browser
                        .eval(
                            "const a = document.querySelector('#search-hits a'); if (a) a.click(); return !!a",
                            json!([]),
                        )
                        .await;
                    if opened == json!(true) && username == "analyst" {
                        browser.wait_for("#report").await;
                        shot(&browser, &format!("{language}-{username}-report")).await;
                    }
                }
            }
            browser.click("#sign-out").await;
            browser.wait_for("#signin-notice").await;
        }
    }
    browser.close().await;
}
