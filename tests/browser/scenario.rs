//! The scenario, end to end in the browser.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::json;
use sha2::Digest as _;
use siaga::domain::user::Role;

use super::common::{fixture, refresh_timestamps};
use super::{Console, PHOTO_PNG, record_timing, sign_in, sign_out, timeline_in_the_readers_words};

const PHOTO_CAPTION: &str = "Tolong pak motor saya dicuri di parkiran Pasar 16 Ilir kecamatan \
    Ilir Timur I Palembang, ini foto motornya";
const COMPLAINT: &str = "pak saya ditilang di simpang Lampu merah Patal, petugasnya bilang bisa \
    damai 200rb, ga dikasih surat tilang";
const REPLY: &str = "Baik, apakah ada saksi di lokasi parkir?";

fn photo_payload(media_id: &str) -> serde_json::Value {
    let mut body = fixture("inbound_image_caption");
    refresh_timestamps(&mut body, chrono::Utc::now().timestamp());
    let message = &mut body["entry"][0]["changes"][0]["value"]["messages"][0];
    message["id"] = json!("wamid.browser.photo.1");
    let image = &mut message["image"];
    image["id"] = json!(media_id);
    image["caption"] = json!(PHOTO_CAPTION);
    image["mime_type"] = json!("image/png");
    image["sha256"] =
        json!(base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(PHOTO_PNG)));
    image.as_object_mut().map(|image| image.remove("url"));
    body
}

#[tokio::test]
async fn the_command_center_works_a_photo_report_in_the_browser() {
    let Some(console) = Console::open(&[
        ("operator1", Role::Operator, None),
        ("officer1", Role::Officer, Some("POLRESTABES_PALEMBANG")),
        ("analyst1", Role::Analyst, None),
        ("admin1", Role::Admin, None),
    ])
    .await
    else {
        return;
    };
    let (app, browser) = (&console.app, &console.browser);
    let (_, complaint_ticket) = app.citizen_reports("+6281377100999", COMPLAINT).await;

    // 1. The operator signs in.
    browser.goto(&format!("{}/", app.base_url)).await;
    browser.wait_for("input[name=username]").await;
    browser.screenshot("01-sign-in").await;
    // A wrong password is answered in Indonesian, from the error's code.
    browser.type_into("input[name=username]", "operator1").await;
    browser
        .type_into("input[name=password]", "not-the-password")
        .await;
    browser.click("form button[type=submit]").await;
    browser.wait_for("form .error").await;
    let refusal = browser.text_of("form .error").await;
    assert!(refusal.contains("kata sandi salah"), "{refusal}");
    sign_in(browser, &app.base_url, "operator1").await;
    super::wait_until_live(browser).await;
    browser
        .wait_until(
            "the queue loads",
            "return window.siagaQueue && window.siagaQueue.version >= 0",
        )
        .await;

    // 2. A photo arrives and appears in the queue without a reload, within 2 s.
    app.graph
        .add_media("media-browser-1", PHOTO_PNG.to_vec(), "image/png");
    let posted = Instant::now();
    let response = app
        .post_signed_webhook(&photo_payload("media-browser-1"))
        .await;
    assert_eq!(response.status(), 200);
    let ticket = app
        .reports()
        .into_iter()
        .map(|report| report.ticket)
        .find(|ticket| *ticket != complaint_ticket)
        .expect("the photo's report");
    let row = format!("tr[data-ticket='{ticket}']");
    browser.wait_for(&row).await;
    let shown_after = posted.elapsed();
    record_timing(&format!(
        "a webhook's report shown in the open queue {} ms after the webhook's 200",
        shown_after.as_millis()
    ));
    assert!(
        shown_after < Duration::from_secs(2),
        "shown after {shown_after:?}"
    );
    browser.screenshot("02-queue").await;

    // An urgent report is pinned on top, with a banner and a beep.
    let (_, urgent_ticket) = app
        .citizen_reports(
            "+6281377100555",
            "tolong pak mobil terbakar di tol palindra km 20 arah indralaya, penumpang masih di dalam",
        )
        .await;
    browser.wait_for("#urgent-alert").await;
    let first_row = browser
        .eval(
            "return document.querySelector('#queue-table tbody tr.row').dataset.ticket",
            json!([]),
        )
        .await;
    assert_eq!(
        first_row,
        json!(urgent_ticket),
        "the urgent report is pinned on top"
    );
    let beeps = browser
        .eval("return window.siagaBeeps || 0", json!([]))
        .await;
    assert!(beeps.as_u64().unwrap_or_default() >= 1, "the alert sounded");
    browser.screenshot("02b-queue-urgent").await;

    // Keyboard: select the photo's report with j and open it with Enter.
    let index = browser
        .eval(
            "return [...document.querySelectorAll('#queue-table tbody tr')].findIndex(r => r.dataset.ticket === arguments[0])",
            json!([ticket]),
        )
        .await
        .as_i64()
        .unwrap_or(0);
    browser.keys(&"j".repeat(index as usize)).await;
    browser.keys("\u{E007}").await;
    browser.wait_for("#report").await;
    browser
        .wait_until(
            "the picture is shown",
            "const i = document.querySelector('#chat img.media'); return i && i.complete && i.naturalWidth > 0",
        )
        .await;
    browser.screenshot("03-report").await;

    // 3. Accept the suggestion (triage + forward), then reply.
    browser.click("#accept-suggestion").await;
    browser
        .wait_until(
            "the report is forwarded",
            "return document.querySelector('#report-status').innerText === 'Diteruskan'",
        )
        .await;
    let assigned = app
        .reports()
        .into_iter()
        .find(|report| report.ticket == ticket)
        .and_then(|report| report.assigned_unit)
        .map(|unit| unit.into_string())
        .unwrap_or_default();
    assert_eq!(assigned, "POLSEK_PLG_ILIR_TIMUR_I");
    browser.click("#tab-reply").await;
    browser.type_into("#reply-text", REPLY).await;
    browser.click("#send-reply").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app
        .graph
        .sent_messages()
        .iter()
        .any(|sent| sent.to_string().contains("saksi di lokasi parkir"))
    {
        assert!(
            Instant::now() < deadline,
            "the reply never reached the Graph API"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser
        .wait_until(
            "the reply's delivery tick",
            "return [...document.querySelectorAll('#chat .bubble.out')].some(b => b.innerText.includes('saksi') && b.querySelector('[data-delivery]'))",
        )
        .await;
    browser.screenshot("04-report-forwarded-and-replied").await;
    let kinds = timeline_in_the_readers_words(browser).await;
    for kind in [
        "REPORT_OPENED",
        "MESSAGE_RECEIVED",
        "MEDIA_STORED",
        "REPLY_QUEUED",
        "TRIAGED",
        "FORWARDED",
        "STATUS_CHANGED",
    ] {
        assert!(kinds.iter().any(|seen| seen == kind), "{kind} in {kinds:?}");
    }
    // Escape goes back to the queue, which says what the report is about: the citizen's words.
    browser.click("#chat").await;
    browser.keys("\u{E00C}").await;
    browser.wait_for("#queue-table").await;
    let summary = browser.text_of(&format!("{row} td.summary")).await;
    assert!(summary.contains("motor saya dicuri"), "{summary}");
    // "/" searches from anywhere.
    browser.keys("/").await;
    browser
        .wait_until(
            "the search box has the focus",
            "return document.activeElement && document.activeElement.id === 'quick-search'",
        )
        .await;
    browser.keys("motor dicuri\u{E007}").await;
    browser
        .wait_for(&format!("#search-hits li[data-ticket='{ticket}']"))
        .await;

    // The complaint about an officer: accepting its suggestion forwards it to Bidpropam, not
    // to the territorial unit of the place.
    let complaint_id = app
        .reports()
        .into_iter()
        .find(|report| report.ticket == complaint_ticket)
        .map(|report| report.id)
        .expect("the complaint");
    browser
        .goto(&format!("{}/#/report/{complaint_id}", app.base_url))
        .await;
    browser.click("#accept-suggestion").await;
    browser
        .wait_until(
            "the complaint is forwarded",
            "return document.querySelector('#report-status').innerText === 'Diteruskan'",
        )
        .await;
    let complaint_unit = app
        .reports()
        .into_iter()
        .find(|report| report.ticket == complaint_ticket)
        .and_then(|report| report.assigned_unit);
    assert_eq!(complaint_unit.as_deref(), Some("BIDPROPAM"));

    // 4. An officer of the Polrestabes above the Polsek works it.
    sign_out(browser).await;
    sign_in(browser, &app.base_url, "officer1").await;
    browser.wait_for(&row).await;
    let officer_queue = browser.text_of("#queue-table").await;
    assert!(
        !officer_queue.contains(&complaint_ticket),
        "the officer does not see the complaint: {officer_queue}"
    );
    browser.click(&row).await;
    browser.wait_for("[data-move=IN_PROGRESS]").await;
    browser.click("[data-move=IN_PROGRESS]").await;
    browser
        .wait_until(
            "the report is in progress",
            "return document.querySelector('#report-status').innerText === 'Ditangani'",
        )
        .await;
    browser.click("[data-move=RESOLVED]").await;
    browser
        .wait_until(
            "the report is resolved",
            "return document.querySelector('#report-status').innerText === 'Selesai'",
        )
        .await;
    let offered = browser
        .eval(
            "return [...document.querySelectorAll('[data-move]')].map(b => b.dataset.move)",
            json!([]),
        )
        .await;
    assert_eq!(offered, json!(["IN_PROGRESS"]), "an officer does not close");
    browser.screenshot("05-officer-resolved").await;

    // 5. The analyst's search: masked numbers, no complaint about officers.
    sign_out(browser).await;
    sign_in(browser, &app.base_url, "analyst1").await;
    let hit = format!("#search-hits li[data-ticket='{ticket}']");
    browser.wait_for(&hit).await;
    let hit_text = browser.text_of(&hit).await;
    assert!(hit_text.contains('•'), "masked: {hit_text}");
    assert!(!hit_text.contains("6281298765432"), "{hit_text}");
    let page = browser.text_of("#search-hits").await;
    assert!(
        !page.contains(&complaint_ticket),
        "the complaint is hidden: {page}"
    );
    browser.click("#nav-search").await;
    browser.type_into("#search-query", "motor dicuri").await;
    browser.click("#search-submit").await;
    browser
        .wait_until(
            "the search answers",
            "return document.querySelector('#search-total')",
        )
        .await;
    browser.screenshot("06-search-analyst").await;
    browser.click("#nav-stats").await;
    browser.wait_for("#stats-total").await;
    browser.screenshot("07-statistics").await;
    browser.click("#nav-map").await;
    browser.wait_for("#map .point").await;
    browser.screenshot("08-map").await;

    // 6. An expired media link is refused; a fresh one is served, by ranges too.
    let photo = app
        .reports()
        .into_iter()
        .find(|report| report.ticket == ticket)
        .map(|report| report.id)
        .and_then(|report_id| {
            app.messages(report_id)
                .into_iter()
                .find(|message| message.media.is_some())
                .map(|message| (report_id, message.id))
        })
        .expect("the photo message");
    let analyst = app
        .state
        .services
        .auth
        .user("analyst1")
        .ok()
        .flatten()
        .expect("the analyst");
    let signer = &app.state.services.media_urls;
    let expired = signer.sign(
        &analyst,
        photo.0,
        photo.1,
        chrono::Utc::now() - chrono::Duration::minutes(11),
    );
    let fresh = signer.sign(&analyst, photo.0, photo.1, chrono::Utc::now());
    let statuses = browser
        .eval_async(
            "const done = arguments[arguments.length - 1];
             Promise.all([fetch(arguments[0]).then(r => r.status),
                          fetch(arguments[1], { headers: { Range: 'bytes=100-199' } }).then(r => r.status)])
               .then(done, e => done(String(e)));",
            json!([expired, fresh]),
        )
        .await;
    assert_eq!(statuses, json!([401, 206]));

    // A revoked session returns the console to the sign-in page with a message.
    app.state
        .services
        .auth
        .set_active("analyst1", false)
        .await
        .expect("deactivated");
    // Whichever comes first ends the page's session: the subscription's re-check, or the
    // next query.
    browser
        .eval(
            "location.hash = '#/search'; setTimeout(() => document.querySelector('#search-submit')?.click(), 50)",
            json!([]),
        )
        .await;
    browser.wait_for("#signin-notice").await;
    let text = browser.text_of("#signin-notice").await;
    assert!(text.contains("berakhir"), "{text}");
    browser.screenshot("09-session-ended").await;

    // The administration screen, for the record.
    sign_in(browser, &app.base_url, "admin1").await;
    browser.wait_for("#users tr[data-user=officer1]").await;
    browser.screenshot("10-administration").await;
    browser
        .click("#users tr[data-user=officer1] button.deactivate")
        .await;
    browser
        .wait_until(
            "the officer is deactivated",
            "return document.querySelector('#users tr[data-user=officer1]').classList.contains('inactive')",
        )
        .await;
    let officer_active = app
        .state
        .services
        .auth
        .user("officer1")
        .ok()
        .flatten()
        .map(|user| user.active);
    assert_eq!(officer_active, Some(false));
    // Nothing the console or GraphiQL loaded came from outside this server.
    let foreign = browser
        .eval(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(name => !name.startsWith(location.origin))",
            json!([]),
        )
        .await;
    assert_eq!(foreign, json!([]), "everything from the binary");
    // GraphiQL, embedded, draws under its policy with nothing from outside.
    browser.goto(&format!("{}/graphql", app.base_url)).await;
    browser.wait_for(".graphiql-container").await;
    browser.screenshot("12-graphiql").await;
    // Its bundled fetcher signs subscriptions in with the headers pane's Authorization.
    let token = app.login("operator1").await;
    browser
        .eval(
            "window.graphiqlEvents = []; window.graphiqlError = null;
             const fetcher = GraphiQL.createFetcher({ url: location.origin + '/graphql',
               subscriptionUrl: location.origin.replace(/^http/, 'ws') + '/graphql/ws' });
             const stream = fetcher({ query: 'subscription { reportEvents { kind report { ticket } } }' },
               { headers: { Authorization: 'Bearer ' + arguments[0] },
                 // GraphiQL passes the parsed operation; a subscription goes over the WebSocket.
                 documentAST: { kind: 'Document', definitions: [{ kind: 'OperationDefinition', operation: 'subscription',
                   selectionSet: { kind: 'SelectionSet', selections: [] } }] } });
             Promise.resolve(stream).then(async (events) => {
               for await (const event of events) window.graphiqlEvents.push(event);
             }).catch((error) => { window.graphiqlError = String(error); });",
            json!([token]),
        )
        .await;
    let mut event = serde_json::Value::Null;
    for attempt in 0..20 {
        app.citizen_reports(&format!("+62813771007{attempt:02}"), "halo pak mau tanya")
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        event = browser
            .eval(
                "return window.graphiqlError || window.graphiqlEvents[0] || null",
                json!([]),
            )
            .await;
        if !event.is_null() {
            break;
        }
    }
    assert_eq!(
        event["data"]["reportEvents"]["kind"], "REPORT_CREATED",
        "{event}"
    );
    browser.goto(&format!("{}/", app.base_url)).await;
    browser.wait_for("#lang-switch").await;
    // English on request.
    browser.click("#lang-switch").await;
    browser
        .wait_until(
            "English",
            "return document.querySelector('#nav-admin').innerText === 'Administration'",
        )
        .await;
    console.close().await;
}
