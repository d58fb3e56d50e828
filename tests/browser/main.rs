//! The operator console in real headless Chromium (Debian's `chromium` and `chromium-driver`),
//! driven over WebDriver from the test suite, the way the Command Center uses it.
//!
//! `scenario`: an operator signs in; a photo arrives by webhook and appears in the queue
//! without a reload, picture shown; the operator accepts the suggestion and replies (the reply
//! reaches the mock Graph API); an officer of the Polrestabes takes it IN_PROGRESS and
//! resolves it; the analyst's search shows masked numbers and no complaint about officers; an
//! expired media link is refused; a revoked session returns to the sign-in page.
//! `media`: a voice note that can be sought (byte ranges through a signed link) and a shared
//! location on a small map.
//! `attachment`: a photo attached in the reply box (limits shown, a file too large and a PNG
//! named .pdf refused) reaches the mock Graph API as an image and shows in the conversation.
//! `session`: the token is refreshed before it expires.
//! `desk_claim`: canned replies managed by a supervisor (an unknown variable refused), a report
//! claimed through the queue's holder filter, answered with a filled canned reply, released.
//! `performance`: first load, a queue of 1,000 open reports, 50 events a second.
//! `timeline`: every kind of timeline entry in the reader's words.
//! `blocking`: a supervisor blocks a number from the reporter panel; its next message stays out
//! of the queue and is found under the search screen's blocked filter; then unblocks.
//! `incidents`: an operator links the similar reports of one fire and resolves them with the
//! primary; each citizen is told.
//! `templates`: an admin reloads the WhatsApp templates from the mock Graph API and sets the
//! resolved notice's template; a supervisor reads them without the picker.
//! `satisfaction`: a resolved report answered "Tidak puas" with a comment, shown on the report
//! screen and in the statistics screen's breakdown by unit and category.
//! `tour` (ignored): every screen of a running `siaga demo`, as each of its users.
//!
//! Screenshots go to `target/browser-screenshots/`, timings to
//! `target/browser-screenshots/timings.md`. Without Chromium each test prints how to install
//! it and passes.

mod attachment;
mod blocking;
mod channels;
#[path = "../common/mod.rs"]
mod common;
mod desk_claim;
mod incidents;
mod media;
mod performance;
mod satisfaction;
mod scenario;
mod session;
mod templates;
mod timeline;
mod tour;
mod webdriver;

use common::{TestApp, password_of, spawn_app_with};
use serde_json::{Value, json};
use siaga::config::Settings;
use siaga::domain::user::Role;
use siaga::whatsapp::payload;
use webdriver::{Browser, Driver, browser_missing};

pub const PHOTO_PNG: &[u8] = include_bytes!("photo.png");

/// One browser at a time: two Chromiums on a small machine slow each other down, and the
/// timings are meant to describe the console, not the contention.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Says why a browser test did nothing, on the terminal's stderr itself: the test harness
/// captures `println!` of a passing test, and this line must reach whoever ran `cargo test`.
pub fn say_skipped(reason: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "browser test {reason}");
}

/// What every browser test starts with: the app on a fresh data dir with its accounts, and a
/// headless Chromium window of its own (this test's turn at the one browser).
pub struct Console {
    pub app: TestApp,
    pub browser: Browser,
    _driver: Driver,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Console {
    /// The app with default settings and these `(username, role, unit)` accounts, in a
    /// 1440×960 window; `None`, after printing how to install Chromium, where it is missing.
    pub async fn open(users: &[(&str, Role, Option<&str>)]) -> Option<Console> {
        Console::open_with(|_| {}, users).await
    }

    /// The same with the app's settings changed first.
    pub async fn open_with(
        customise: impl FnOnce(&mut Settings),
        users: &[(&str, Role, Option<&str>)],
    ) -> Option<Console> {
        if let Some(skip) = browser_missing() {
            say_skipped(&skip);
            return None;
        }
        let turn = ONE_BROWSER_AT_A_TIME.lock().await;
        let app = spawn_app_with(customise).await;
        for (username, role, unit) in users {
            add_user(&app, username, *role, *unit).await;
        }
        let driver = Driver::start().await;
        let browser = driver.session(1440, 960).await;
        Some(Console {
            app,
            browser,
            _driver: driver,
            _turn: turn,
        })
    }

    /// Signs `username` in through the console's form.
    pub async fn sign_in(&self, username: &str) {
        sign_in(&self.browser, &self.app.base_url, username).await;
    }

    pub async fn close(self) {
        self.browser.close().await;
    }
}

/// Creates an account directly, as `siaga user add` does.
pub async fn add_user(app: &TestApp, username: &str, role: Role, unit: Option<&str>) {
    app.state
        .services
        .auth
        .create_user(
            username,
            &password_of(username),
            role,
            unit.map(|code| code.parse().unwrap()),
            None,
        )
        .await
        .expect("user created");
}

/// Signs in through the console's form and waits for the top bar.
pub async fn sign_in(browser: &Browser, base_url: &str, username: &str) {
    browser.goto(&format!("{base_url}/")).await;
    browser.type_into("input[name=username]", username).await;
    browser
        .type_into("input[name=password]", &password_of(username))
        .await;
    browser.click("form button[type=submit]").await;
    browser.wait_for("#who").await;
}

/// Waits until the console's live connection (`reportEvents`) is up.
pub async fn wait_until_live(browser: &Browser) {
    browser
        .wait_until(
            "the live connection",
            "return document.querySelector('#connection.live')",
        )
        .await;
}

/// Chooses `value` in the `<select>` matching `css`, as a person does.
pub async fn choose(browser: &Browser, css: &str, value: &str) {
    browser.wait_for(css).await;
    browser
        .eval(
            "const select = document.querySelector(arguments[0]);
             select.value = arguments[1];
             select.dispatchEvent(new Event('change', { bubbles: true }));
             return true",
            json!([css, value]),
        )
        .await;
}

pub async fn sign_out(browser: &Browser) {
    browser.click("#sign-out").await;
    browser.wait_for("#signin-notice").await;
}

/// A citizen's text message from `phone`, as Meta would post it.
pub fn text_payload(phone: &str, wamid: &str, text: &str) -> Value {
    let citizen = payload::Citizen {
        phone: siaga::domain::phone::PhoneNumber::parse(phone).expect("a phone number"),
        name: "Warga".into(),
    };
    payload::text_message(&citizen, wamid, chrono::Utc::now().timestamp(), text)
}

/// Many messages in one notification (Meta batches entries the same way).
pub fn batched(payloads: Vec<Value>) -> Value {
    let entries: Vec<Value> = payloads
        .into_iter()
        .flat_map(|payload| payload["entry"].as_array().cloned().unwrap_or_default())
        .collect();
    json!({ "object": "whatsapp_business_account", "entry": entries })
}

/// Appends one line of timings to the report the README quotes.
pub fn record_timing(line: &str) {
    println!("timing: {line}");
    let dir = webdriver::screenshot_dir();
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("timings.md");
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str(&format!("- {line}\n"));
    let _ = std::fs::write(path, text);
}

/// The open report's timeline in the reader's words: no entry shows the note the server
/// keeps for the record ("NEW -> TRIAGED", "image stored: sha256 …", "newreportreply"), except
/// the notes people wrote. Returns the entries' kinds, for asserting what the report went
/// through.
pub async fn timeline_in_the_readers_words(browser: &Browser) -> Vec<String> {
    let entries = browser
        .eval(
            "return [...document.querySelectorAll('#timeline li')].map(li => {
               const detail = li.querySelector('.note');
               return { kind: li.dataset.kind, text: detail ? detail.innerText : '', note: detail ? detail.title : '' };
             })",
            json!([]),
        )
        .await;
    let entries = entries.as_array().cloned().unwrap_or_default();
    let english = browser
        .eval("return document.documentElement.lang === 'en'", json!([]))
        .await
        == json!(true);
    let record_words = [
        "->",
        "sha256",
        "bytes",
        "newreportreply",
        "operatorreply",
        "statusnotice",
        "forwarded to",
        "sandbox mode",
        "target missed",
    ];
    for entry in &entries {
        let text = entry["text"].as_str().unwrap_or_default();
        let note = entry["note"].as_str().unwrap_or_default();
        // In English a line may say what the note says; in Indonesian it may not.
        let written_by_people = entry["kind"] == "NOTE" || english;
        assert!(
            written_by_people || note.is_empty() || text != note,
            "a timeline entry shows the server's note as it is: {entry}"
        );
        assert!(
            !record_words.iter().any(|word| text.contains(word)),
            "a timeline entry speaks the server's words: {entry}"
        );
    }
    entries
        .iter()
        .map(|entry| entry["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}
