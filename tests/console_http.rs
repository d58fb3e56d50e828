//! The console's doors over plain HTTP: the embedded pages and their security headers and
//! compression, GraphiQL without a CDN, the fields the console reads, and signed media links
//! with byte ranges. (The console itself is driven in Chromium by `tests/browser/`.)

mod common;

use base64::Engine as _;
use common::{fixture, refresh_timestamps, spawn_app};
use serde_json::{Value, json};
use sha2::Digest as _;
use siaga::domain::message::MediaState;
use siaga::domain::user::Role;

async fn get_with(
    app: &common::TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.base_url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("get")
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_with_a_strict_policy() {
    let app = spawn_app().await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap_or_default();
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("/console/app.js"));
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("http"), "nothing from outside: {html}");

    let module = app.get("/console/app.js").await;
    assert_eq!(module.status(), 200);
    assert!(
        module.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/javascript")
    );
    assert_eq!(app.get("/console/nothing-here.js").await.status(), 404);
}

#[tokio::test]
async fn console_files_are_compressed_and_revalidated_by_etag() {
    let app = spawn_app().await;
    let compressed = get_with(
        &app,
        "/console/vendor/preact.mjs",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    let etag = compressed.headers()["etag"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    let again = get_with(
        &app,
        "/console/vendor/preact.mjs",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn graphiql_is_embedded_and_loads_nothing_from_a_cdn() {
    let app = spawn_app().await;
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    let html = page.text().await.unwrap_or_default();
    assert!(!html.contains("unpkg") && !html.contains("cdn"), "{html}");
    for asset in [
        "/console/graphiql/vendor/graphiql.min.js",
        "/console/graphiql/init.js",
    ] {
        assert!(html.contains(asset));
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
}

fn photo_payload(bytes: &[u8]) -> Value {
    let mut body = fixture("inbound_image_caption");
    refresh_timestamps(&mut body, chrono::Utc::now().timestamp());
    let image = &mut body["entry"][0]["changes"][0]["value"]["messages"][0]["image"];
    image["id"] = json!("media-console-1");
    image["sha256"] =
        json!(base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes)));
    image.as_object_mut().map(|image| image.remove("url"));
    body
}

/// A citizen's file, posted as a photo with its caption, once it is downloaded and stored.
async fn a_citizen_sends_a_file(app: &common::TestApp, bytes: &[u8], content_type: &str) {
    app.graph
        .add_media("media-console-1", bytes.to_vec(), content_type);
    app.post_signed_webhook(&photo_payload(bytes)).await;
    app.wait_until("the file is stored", |app| {
        app.reports().first().is_some_and(|report| {
            app.messages(report.id).iter().any(|message| {
                message
                    .media
                    .as_ref()
                    .is_some_and(|media| media.state == MediaState::Stored)
            })
        })
    })
    .await;
}

#[tokio::test]
async fn a_signed_media_link_serves_ranges_to_its_user_and_is_refused_once_access_ends() {
    let app = spawn_app().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    a_citizen_sends_a_file(&app, &bytes, "video/mp4").await;
    let token = app.user_token("operator1", Role::Operator, None).await;
    let report_id = app.reports()[0].id;
    let answer = app
        .graphql(
            Some(&token),
            "query ($id: ID!) { report(id: $id) { allowedStatusMoves messages { signedMediaUrl } } }",
            json!({ "id": report_id.to_string() }),
        )
        .await;
    assert_eq!(
        answer["data"]["report"]["allowedStatusMoves"],
        json!([
            "TRIAGED",
            "AWAITING_REPORTER",
            "REJECTED",
            "DUPLICATE",
            "SPAM"
        ])
    );
    let link = answer["data"]["report"]["messages"][0]["signedMediaUrl"]
        .as_str()
        .expect("a signed link")
        .to_string();
    assert!(!link.contains(&token));

    let whole = app.get(&link).await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap_or_default().to_vec(), bytes);
    let part = get_with(&app, &link, &[("range", "bytes=1000-1099")]).await;
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 1000-1099/4096");
    assert_eq!(
        part.bytes().await.unwrap_or_default().to_vec(),
        bytes[1000..1100].to_vec()
    );
    let beyond = get_with(&app, &link, &[("range", "bytes=5000-")]).await;
    assert_eq!(beyond.status(), 416);
    let views = app
        .timeline(report_id)
        .iter()
        .filter(|event| event.kind.as_str() == "MEDIA_VIEWED")
        .count();
    assert_eq!(
        views, 1,
        "the whole file is a view; a later range of it is not"
    );

    let tampered = link.replace("u=operator1", "u=operator2");
    assert_eq!(app.get(&tampered).await.status(), 401);
    // Access ends: the user's sessions end, and so do their links.
    app.state
        .services
        .auth
        .set_active("operator1", false)
        .await
        .expect("deactivated");
    assert_eq!(app.get(&link).await.status(), 401);
}

#[tokio::test]
async fn a_report_says_what_it_is_about_and_why_each_reply_went_out() {
    let app = spawn_app().await;
    let text = "tolong pak motor saya dicuri di parkiran Pasar 16 Ilir, hubungi 081377001234 ya";
    let (report_id, _) = app.citizen_reports("+6281377100444", text).await;
    let operator = app.user_token("operator1", Role::Operator, None).await;
    let analyst = app.user_token("analyst1", Role::Analyst, None).await;
    let query = "query ($id: ID!) { report(id: $id) { excerpt messages { direction purpose mediaState } } }";
    let variables = json!({ "id": report_id });

    let seen_by_operator = app.graphql(Some(&operator), query, variables.clone()).await;
    let report = &seen_by_operator["data"]["report"];
    assert_eq!(report["excerpt"], json!(text), "{seen_by_operator}");
    let messages = report["messages"].as_array().cloned().unwrap_or_default();
    assert!(
        messages
            .iter()
            .any(|message| message["direction"] == "OUTBOUND"
                && message["purpose"] == "NEW_REPORT_REPLY"),
        "the automatic reply says why it went out: {messages:?}"
    );
    assert!(
        messages
            .iter()
            .filter(|message| message["direction"] == "INBOUND")
            .all(|message| message["purpose"].is_null() && message["mediaState"].is_null()),
        "{messages:?}"
    );

    let seen_by_analyst = app.graphql(Some(&analyst), query, variables).await;
    let excerpt = seen_by_analyst["data"]["report"]["excerpt"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(excerpt.starts_with("tolong pak motor"), "{excerpt}");
    assert!(!excerpt.contains("081377001234"), "masked: {excerpt}");
}

#[tokio::test]
async fn an_expired_signed_media_link_is_refused() {
    let app = spawn_app().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(2048).collect();
    a_citizen_sends_a_file(&app, &bytes, "image/jpeg").await;
    app.user_token("operator1", Role::Operator, None).await;
    let operator = app
        .state
        .services
        .auth
        .user("operator1")
        .ok()
        .flatten()
        .expect("the operator");
    let report_id = app.reports()[0].id;
    let message_id = app
        .messages(report_id)
        .into_iter()
        .find(|message| message.media.is_some())
        .map(|message| message.id)
        .expect("the photo");
    let signer = &app.state.services.media_urls;
    let signed_then = |minutes_ago: i64| {
        signer.sign(
            &operator,
            report_id,
            message_id,
            chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
        )
    };
    assert_eq!(app.get(&signed_then(1)).await.status(), 200);
    assert_eq!(app.get(&signed_then(11)).await.status(), 401);
}

#[tokio::test]
async fn the_demos_supervisor_accepts_every_third_new_reports_suggestion() {
    let app = spawn_app().await;
    siaga::demo::create_demo_users(&app.state.services.auth)
        .await
        .expect("demo users");
    let text =
        "tolong pak motor saya dicuri di parkiran Pasar 16 Ilir kecamatan Ilir Timur I Palembang";
    let mut tickets = Vec::new();
    for citizen in 0..3 {
        let (_, ticket) = app
            .citizen_reports(&format!("+62813771005{citizen:02}"), text)
            .await;
        tickets.push(ticket);
    }
    let desk = tokio::spawn(siaga::demo::work_some_reports(
        app.base_url.clone(),
        std::time::Duration::from_millis(50),
    ));
    app.wait_until("the third report is forwarded", |app| {
        app.reports()
            .iter()
            .any(|report| report.ticket == tickets[2] && report.assigned_unit.is_some())
    })
    .await;
    desk.abort();
    let third = app
        .reports()
        .into_iter()
        .find(|report| report.ticket == tickets[2])
        .expect("the third report");
    assert_eq!(third.status.as_str(), "FORWARDED");
    assert_eq!(third.category.as_deref(), Some("curanmor"));
    assert!(
        app.reports()
            .iter()
            .filter(|report| report.ticket != tickets[2])
            .all(|report| report.assigned_unit.is_none()),
        "only every third report"
    );
}
