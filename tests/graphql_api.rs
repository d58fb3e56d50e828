//! Black-box tests of the operator API: sign-in and token attacks, the report workflow through
//! GraphQL, roles and compartments, replies and the 24-hour window, paging, query limits,
//! subscriptions over a real WebSocket, and the media endpoint.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::{JWT_SECRET, TestApp, error_code, spawn_app, spawn_app_with};
use futures_util::{SinkExt, StreamExt};
use hmac::Mac;
use serde_json::{Value, json};
use siaga::domain::user::Role;
use siaga::store::Table;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const REPORT_FIELDS: &str = "id ticket status category priority summary createdAt updatedAt \
    reporter { id name phone } messages { id direction kind text createdAt deliveryStatus } \
    timeline { kind at actor note } assignedUnit { code name } location { latitude longitude }";

async fn operator(app: &TestApp) -> String {
    app.user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await
}

async fn set_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    app.graphql(
        Some(token),
        "mutation($id: ID!, $s: ReportStatus!) { setReportStatus(id: $id, status: $s, note: \"ok\") { status } }",
        json!({ "id": id, "s": status }),
    )
    .await
}

async fn forward(app: &TestApp, token: &str, id: &str, unit: &str) -> Value {
    app.graphql(
        Some(token),
        "mutation($id: ID!, $u: String!) { forwardReport(id: $id, unitCode: $u, note: \"tolong ditangani\") { status assignedUnit { code name } } }",
        json!({ "id": id, "u": unit }),
    )
    .await
}

async fn triage(app: &TestApp, token: &str, id: &str, category: &str) -> Value {
    app.graphql(
        Some(token),
        "mutation($id: ID!, $c: String) { triageReport(id: $id, category: $c, priority: HIGH, summary: \"ringkasan\") { status category priority summary } }",
        json!({ "id": id, "c": category }),
    )
    .await
}

#[tokio::test]
async fn login_returns_a_token_that_names_the_user() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let me = app
        .graphql(
            Some(&token),
            "{ me { username role unitCode active } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "username": "ops1", "role": "OPERATOR", "unitCode": "COMMAND_CENTER", "active": true })
    );

    let refreshed = app
        .graphql(
            Some(&token),
            "mutation { refreshToken { token expiresAt } }",
            json!({}),
        )
        .await;
    let new_token = refreshed["data"]["refreshToken"]["token"].as_str().unwrap();
    let me_again = app
        .graphql(Some(new_token), "{ me { username } }", json!({}))
        .await;
    assert_eq!(me_again["data"]["me"]["username"], "ops1");
}

#[tokio::test]
async fn wrong_passwords_and_missing_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    operator(&app).await;
    let wrong = app
        .graphql(
            None,
            "mutation { login(username: \"ops1\", password: \"not-the-password\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&wrong).as_deref(), Some("UNAUTHENTICATED"));
    let unknown = app
        .graphql(
            None,
            "mutation { login(username: \"ghost\", password: \"whatever-123\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&unknown).as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong["errors"][0]["message"], unknown["errors"][0]["message"],
        "the same answer for both"
    );
    let anonymous = app
        .graphql(None, "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&anonymous).as_deref(), Some("UNAUTHENTICATED"));
}

fn forge(header: Value, claims: Value, key: Option<&[u8]>) -> String {
    let encode =
        |value: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let signing_input = format!("{}.{}", encode(&header), encode(&claims));
    let signature = match key {
        Some(key) => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(signing_input.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    format!("{signing_input}.{signature}")
}

#[tokio::test]
async fn forged_expired_and_deactivated_tokens_are_refused() {
    let app = spawn_app().await;
    let admin = app.user_token("chief", Role::Admin, None).await;
    operator(&app).await;
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": "ops1", "role": "operator", "unit": "COMMAND_CENTER", "iat": now, "exp": now + 3600, "jti": "x" });
    let attempts = [
        (
            "another key",
            forge(
                json!({ "alg": "HS256", "typ": "JWT" }),
                claims.clone(),
                Some(b"some-other-key-some-other-key-123"),
            ),
        ),
        (
            "alg none",
            forge(json!({ "alg": "none", "typ": "JWT" }), claims.clone(), None),
        ),
        (
            "expired",
            forge(
                json!({ "alg": "HS256", "typ": "JWT" }),
                json!({ "sub": "ops1", "role": "operator", "iat": now - 7200, "exp": now - 3600, "jti": "y" }),
                Some(JWT_SECRET.as_bytes()),
            ),
        ),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, token) in attempts {
        let response = app
            .graphql(Some(&token), "{ me { username } }", json!({}))
            .await;
        assert_eq!(
            error_code(&response).as_deref(),
            Some("UNAUTHENTICATED"),
            "{what}: {response}"
        );
    }
    let valid = forge(
        json!({ "alg": "HS256", "typ": "JWT" }),
        claims,
        Some(JWT_SECRET.as_bytes()),
    );
    let accepted = app
        .graphql(Some(&valid), "{ me { username } }", json!({}))
        .await;
    assert_eq!(
        accepted["data"]["me"]["username"], "ops1",
        "the forging helper itself is right: {accepted}"
    );

    let deactivate = app
        .graphql(
            Some(&admin),
            "mutation { setUserActive(username: \"ops1\", active: false) { active } }",
            json!({}),
        )
        .await;
    assert_eq!(deactivate["data"]["setUserActive"]["active"], false);
    let refused = app
        .graphql(Some(&valid), "{ me { username } }", json!({}))
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("UNAUTHENTICATED"),
        "a deactivated account's token stops working"
    );
}

#[tokio::test]
async fn an_operator_works_a_report_from_new_to_closed_and_the_citizen_is_told() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, ticket) = app
        .citizen_reports("081377101001", "motor saya dicuri di pasar 16 ilir")
        .await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;

    let triaged = triage(&app, &token, &id, "curanmor").await;
    assert_eq!(
        triaged["data"]["triageReport"],
        json!({ "status": "TRIAGED", "category": "curanmor", "priority": "HIGH", "summary": "ringkasan" })
    );
    let forwarded = forward(&app, &token, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    assert_eq!(
        forwarded["data"]["forwardReport"]["status"], "FORWARDED",
        "{forwarded}"
    );
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    let notice = sent[1]["text"]["body"].as_str().unwrap();
    assert!(
        notice.contains(&ticket) && notice.contains("diteruskan"),
        "{notice}"
    );

    for status in ["IN_PROGRESS", "RESOLVED", "CLOSED"] {
        let moved = set_status(&app, &token, &id, status).await;
        assert_eq!(
            moved["data"]["setReportStatus"]["status"], status,
            "{moved}"
        );
    }
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    assert!(
        sent[2]["text"]["body"]
            .as_str()
            .unwrap()
            .contains("selesai"),
        "the citizen hears it is resolved"
    );

    let report = app
        .graphql(
            Some(&token),
            &format!("query($id: ID) {{ report(id: $id) {{ {REPORT_FIELDS} }} }}"),
            json!({ "id": id }),
        )
        .await;
    let report = &report["data"]["report"];
    assert_eq!(report["ticket"], ticket);
    assert_eq!(report["reporter"]["phone"], "+6281377101001");
    assert_eq!(report["assignedUnit"]["code"], "POLSEK_PLG_ILIR_TIMUR_I");
    let kinds: Vec<&str> = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds
            .iter()
            .filter(|kind| **kind == "STATUS_CHANGED")
            .count()
            >= 3,
        "{kinds:?}"
    );
    let actors: Vec<&str> = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["actor"].as_str().unwrap())
        .collect();
    assert!(actors.contains(&"ops1"));
}

#[tokio::test]
async fn an_illegal_status_change_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377101002", "ada keributan").await;
    let before = app.only_report();
    let refused = set_status(&app, &token, &id, "RESOLVED").await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("CONFLICT"),
        "{refused}"
    );
    assert_eq!(app.only_report(), before);
    let spam = set_status(&app, &token, &id, "SPAM").await;
    assert_eq!(spam["data"]["setReportStatus"]["status"], "SPAM");
    let after_final = set_status(&app, &token, &id, "TRIAGED").await;
    assert_eq!(error_code(&after_final).as_deref(), Some("CONFLICT"));
}

#[tokio::test]
async fn each_role_may_do_only_its_own_part() {
    let app = spawn_app().await;
    let operator_token = operator(&app).await;
    let admin = app.user_token("chief", Role::Admin, None).await;
    let analyst = app.user_token("ana", Role::Analyst, None).await;
    let polres_officer = app
        .user_token("polres", Role::Officer, Some("POLRESTABES_PALEMBANG"))
        .await;
    let polsek_officer = app
        .user_token("polsek", Role::Officer, Some("POLSEK_PLG_ILIR_TIMUR_I"))
        .await;
    let other_polsek = app
        .user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    let (id, _) = app
        .citizen_reports("081377101003", "rumah saya kemalingan")
        .await;

    let note = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.graphql(
                Some(&token),
                "mutation($id: ID!) { addNote(reportId: $id, text: \"cek\") { kind actor } }",
                json!({ "id": id }),
            )
            .await
        }
    };
    assert_eq!(
        error_code(&note(analyst.clone()).await).as_deref(),
        Some("FORBIDDEN"),
        "analysts never write"
    );
    assert_eq!(
        error_code(&triage(&app, &admin, &id, "pencurian").await).as_deref(),
        Some("FORBIDDEN"),
        "admins administer, not work reports"
    );
    assert_eq!(
        error_code(&note(polsek_officer.clone()).await).as_deref(),
        Some("FORBIDDEN"),
        "not yet forwarded to the officer"
    );

    forward(&app, &operator_token, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    assert_eq!(
        note(polsek_officer.clone()).await["data"]["addNote"]["actor"],
        "polsek"
    );
    assert_eq!(
        note(polres_officer.clone()).await["data"]["addNote"]["actor"],
        "polres",
        "the Polres sees its Polsek's reports"
    );
    let sibling = app
        .graphql(
            Some(&other_polsek),
            "query($id: ID) { report(id: $id) { ticket } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        error_code(&sibling).as_deref(),
        Some("FORBIDDEN"),
        "a sibling Polsek does not see it: {sibling}"
    );
    let sibling_list = app
        .graphql(Some(&other_polsek), "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(sibling_list["data"]["reports"]["totalCount"], 0);

    let officer_moves = set_status(&app, &polsek_officer, &id, "IN_PROGRESS").await;
    assert_eq!(
        officer_moves["data"]["setReportStatus"]["status"],
        "IN_PROGRESS"
    );
    let officer_spam = set_status(&app, &polsek_officer, &id, "RESOLVED").await;
    assert_eq!(
        officer_spam["data"]["setReportStatus"]["status"],
        "RESOLVED"
    );
    let officer_close = set_status(&app, &polsek_officer, &id, "CLOSED").await;
    assert_eq!(
        error_code(&officer_close).as_deref(),
        Some("FORBIDDEN"),
        "closing is the command center's decision"
    );

    let create = app.graphql(Some(&operator_token), "mutation { createUser(username: \"xop1\", password: \"long-enough-pw\", role: OPERATOR) { username } }", json!({})).await;
    assert_eq!(error_code(&create).as_deref(), Some("FORBIDDEN"));
    let created = app.graphql(Some(&admin), "mutation { createUser(username: \"xop1\", password: \"long-enough-pw\", role: OPERATOR) { username role } }", json!({})).await;
    assert_eq!(
        created["data"]["createUser"]["role"], "OPERATOR",
        "{created}"
    );
}

#[tokio::test]
async fn analysts_read_with_masked_phone_numbers() {
    let app = spawn_app().await;
    let analyst = app.user_token("ana", Role::Analyst, None).await;
    app.citizen_reports("081377101001", "jalan macet total")
        .await;
    let response = app
        .graphql(
            Some(&analyst),
            "{ reports { edges { node { reporter { phone } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response["data"]["reports"]["edges"][0]["node"]["reporter"]["phone"],
        "+•••••••••••••"
    );
}

#[tokio::test]
async fn complaints_about_police_conduct_stay_in_their_compartment() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let analyst = app.user_token("ana", Role::Analyst, None).await;
    let propam_officer = app
        .user_token("propam", Role::Officer, Some("BIDPROPAM"))
        .await;
    let (id, _) = app
        .citizen_reports("081377101004", "oknum minta uang damai waktu tilang")
        .await;
    triage(&app, &token, &id, "pungli_oknum").await;
    let wrong_unit = forward(&app, &token, &id, "POLRESTABES_PALEMBANG").await;
    assert_eq!(
        error_code(&wrong_unit).as_deref(),
        Some("FORBIDDEN"),
        "{wrong_unit}"
    );
    let right_unit = forward(&app, &token, &id, "BIDPROPAM").await;
    assert_eq!(
        right_unit["data"]["forwardReport"]["assignedUnit"]["code"],
        "BIDPROPAM"
    );
    let hidden = app
        .graphql(Some(&analyst), "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(hidden["data"]["reports"]["totalCount"], 0, "{hidden}");
    let seen = app
        .graphql(
            Some(&propam_officer),
            "{ reports { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(seen["data"]["reports"]["totalCount"], 1);
}

#[tokio::test]
async fn replies_follow_the_24_hour_window() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377101005", "ada pencurian").await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    let reply = app
        .graphql(Some(&token), "mutation($id: ID!) { replyToReporter(reportId: $id, text: \"Apakah ada saksi?\") { direction kind text } }", json!({ "id": id }))
        .await;
    assert_eq!(
        reply["data"]["replyToReporter"],
        json!({ "direction": "OUTBOUND", "kind": "text", "text": "Apakah ada saksi?" })
    );
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    assert_eq!(sent[1]["text"]["body"], "Apakah ada saksi?");

    // Move the citizen's last message 25 hours back: the window closes.
    let mut reporter: siaga::domain::reporter::Reporter = app
        .state
        .store
        .scan_records(Table::Reporters, &[])
        .next()
        .unwrap()
        .unwrap()
        .1;
    reporter.last_inbound_at = Some(chrono::Utc::now() - chrono::Duration::hours(25));
    app.state
        .store
        .transaction(|tx| -> Result<(), siaga::store::TxError<()>> {
            Ok(siaga::intake::records::save_reporter(tx, &reporter)?)
        })
        .unwrap();
    app.wait_until("the outbox is empty", |app| {
        app.state.store.is_empty(Table::Outbox)
    })
    .await;
    let messages_before = app.state.store.len(Table::Messages);
    let refused = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { replyToReporter(reportId: $id, text: \"halo?\") { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("CONFLICT"),
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("24"),
        "{refused}"
    );
    assert!(app.state.store.is_empty(Table::Outbox), "nothing is queued");
    assert_eq!(app.state.store.len(Table::Messages), messages_before);
}

#[tokio::test]
async fn reports_page_newest_first_with_a_total_count() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let mut tickets = Vec::new();
    for index in 0..5 {
        tickets.push(
            app.citizen_reports(&format!("08137710200{index}"), "lapor")
                .await
                .1,
        );
    }
    let query = "query($after: String) { reports(first: 2, after: $after) { totalCount edges { cursor node { ticket } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .graphql(Some(&token), query, json!({ "after": after }))
            .await;
        let connection = &page["data"]["reports"];
        assert_eq!(connection["totalCount"], 5);
        for edge in connection["edges"].as_array().unwrap() {
            seen.push(edge["node"]["ticket"].as_str().unwrap().to_string());
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    tickets.reverse();
    assert_eq!(seen, tickets, "every report once, newest first");
    let filtered = app
        .graphql(
            Some(&token),
            "{ reports(filter: { status: [TRIAGED] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(filtered["data"]["reports"]["totalCount"], 0);
}

#[tokio::test]
async fn a_query_with_thousands_of_aliases_is_refused_quickly() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let aliases: String = (0..3000)
        .map(|index| format!("a{index}: me {{ username }} "))
        .collect();
    let started = std::time::Instant::now();
    let response = app
        .graphql(Some(&token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert!(
        response["errors"].is_array() && response["data"].is_null(),
        "refused: {}",
        &response.to_string()[..200]
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let deep = app.graphql(Some(&token), "{ units { children { children { children { children { children { children { children { children { children { children { children { code } } } } } } } } } } } } }", json!({})).await;
    assert!(deep["errors"].is_array(), "too deep: {deep}");
}

#[tokio::test]
async fn the_unit_tree_comes_from_the_profile_and_admins_change_it() {
    let app = spawn_app().await;
    let admin = app.user_token("chief", Role::Admin, None).await;
    let tree = app
        .graphql(
            Some(&admin),
            "{ units { code children { code children { code } } } }",
            json!({}),
        )
        .await;
    let roots = tree["data"]["units"].as_array().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0]["code"], "POLDA_SUMSEL");
    let count = |unit: &Value| -> usize {
        fn walk(unit: &Value) -> usize {
            1 + unit["children"]
                .as_array()
                .map(|children| children.iter().map(walk).sum())
                .unwrap_or(0)
        }
        walk(unit)
    };
    assert_eq!(count(&roots[0]), 194);
    let added = app
        .graphql(Some(&admin), "mutation { addUnit(code: \"POLSEK_PLG_JAKABARING\", name: \"Polsek Jakabaring\", kind: TERRITORIAL, parentCode: \"POLRESTABES_PALEMBANG\") { code parentCode active } }", json!({}))
        .await;
    assert_eq!(
        added["data"]["addUnit"]["parentCode"], "POLRESTABES_PALEMBANG",
        "{added}"
    );
    let renamed = app.graphql(Some(&admin), "mutation { renameUnit(code: \"POLSEK_PLG_JAKABARING\", name: \"Polsek Jakabaring Baru\") { name } }", json!({})).await;
    assert_eq!(
        renamed["data"]["renameUnit"]["name"],
        "Polsek Jakabaring Baru"
    );
    let deactivated = app
        .graphql(
            Some(&admin),
            "mutation { setUnitActive(code: \"POLSEK_PLG_JAKABARING\", active: false) { active } }",
            json!({}),
        )
        .await;
    assert_eq!(deactivated["data"]["setUnitActive"]["active"], false);
}

#[tokio::test]
async fn calls_notes_location_and_call_permission_requests_are_logged() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app
        .citizen_reports("081377101006", "ada orang mencurigakan")
        .await;
    let call = app
        .graphql(Some(&token), "mutation($id: ID!) { logCall(reportId: $id, kind: PHONE, outcome: \"answered\", durationSeconds: 95, note: \"saksi dua orang\") { kind actor note } }", json!({ "id": id }))
        .await;
    assert_eq!(call["data"]["logCall"]["actor"], "ops1", "{call}");
    let location = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { requestLocation(reportId: $id) { kind } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        location["data"]["requestLocation"]["kind"], "location_request",
        "{location}"
    );
    let permission = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { requestCallPermission(reportId: $id) { kind } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        permission["data"]["requestCallPermission"]["kind"], "call_permission_request",
        "{permission}"
    );
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    assert!(
        sent.iter()
            .any(|body| body["interactive"]["type"] == "location_request_message")
    );
    assert!(
        sent.iter()
            .any(|body| body["interactive"]["type"] == "call_permission_request")
    );
}

#[tokio::test]
async fn merging_moves_the_messages_and_marks_the_other_report_duplicate() {
    let app = spawn_app_with(|settings| settings.thread_window_minutes = Some(1)).await;
    let token = operator(&app).await;
    let (first, _) = app
        .citizen_reports("081377101007", "tabrakan di jalan")
        .await;
    let (second, _) = app
        .citizen_reports("081377101008", "kecelakaan motor di jalan yang sama")
        .await;
    let merged = app
        .graphql(Some(&token), "mutation($a: ID!, $b: ID!) { mergeReports(into: $a, from: $b) { id messages { text } } }", json!({ "a": first, "b": second }))
        .await;
    let texts: Vec<&str> = merged["data"]["mergeReports"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|text| text.contains("kecelakaan motor")),
        "{merged}"
    );
    let other = app
        .graphql(
            Some(&token),
            "query($id: ID) { report(id: $id) { status } }",
            json!({ "id": second }),
        )
        .await;
    assert_eq!(other["data"]["report"]["status"], "DUPLICATE");
}

#[tokio::test]
async fn subscribers_receive_live_events_over_both_websocket_protocols() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    for (protocol, subscribe_type, data_type) in [
        ("graphql-transport-ws", "subscribe", "next"),
        ("graphql-ws", "start", "data"),
    ] {
        let mut socket = common::ws::connect(&app, protocol).await;
        socket
            .send(WsMessage::Text(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }).to_string().into()))
            .await
            .unwrap();
        assert_eq!(
            common::ws::next_json(&mut socket).await["type"],
            "connection_ack"
        );
        let subscribe = json!({ "id": "1", "type": subscribe_type, "payload": { "query": "subscription { reportEvents { kind report { ticket status } } }" } });
        let subscriptions = app.subscriptions_opened();
        socket
            .send(WsMessage::Text(subscribe.to_string().into()))
            .await
            .unwrap();
        app.wait_for_subscription(subscriptions).await;
        let (_, ticket) = app
            .citizen_reports(&format!("0813771019{}", protocol.len()), "ada tawuran")
            .await;
        // Events of the earlier iteration's report may still be arriving: skip to ours.
        let mut created = None;
        for _ in 0..10 {
            let event = common::ws::next_json(&mut socket).await;
            assert_eq!(event["type"], data_type, "{event}");
            let body = &event["payload"]["data"]["reportEvents"];
            if body["report"]["ticket"] == ticket.as_str() {
                created = Some(body.clone());
                break;
            }
        }
        let created = created.expect("an event of the new report");
        assert_eq!(
            created["kind"], "REPORT_CREATED",
            "the first event of a new report: {created}"
        );
    }
}

#[tokio::test]
async fn a_websocket_without_a_valid_token_is_not_acknowledged() {
    let app = spawn_app().await;
    let mut socket = common::ws::connect(&app, "graphql-transport-ws").await;
    socket
        .send(WsMessage::Text(
            json!({ "type": "connection_init", "payload": { "authorization": "Bearer nonsense" } })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("an answer");
    match answer {
        Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => {}
        Some(Ok(WsMessage::Text(text))) => assert_ne!(
            serde_json::from_str::<Value>(&text).unwrap()["type"],
            "connection_ack"
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn officers_only_receive_events_of_reports_they_may_see() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let sako = app
        .user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    let mut socket = common::ws::connect(&app, "graphql-transport-ws").await;
    socket.send(WsMessage::Text(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {sako}") } }).to_string().into())).await.unwrap();
    assert_eq!(
        common::ws::next_json(&mut socket).await["type"],
        "connection_ack"
    );
    let subscriptions = app.subscriptions_opened();
    socket
        .send(WsMessage::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents { kind report { ticket assignedUnit { code } } } }" } }).to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(subscriptions).await;
    let (elsewhere, _) = app
        .citizen_reports("081377101010", "maling di kemuning")
        .await;
    forward(&app, &token, &elsewhere, "POLSEK_PLG_KEMUNING").await;
    let (mine, ticket) = app.citizen_reports("081377101011", "maling di sako").await;
    forward(&app, &token, &mine, "POLSEK_PLG_SAKO").await;
    let event = common::ws::next_json(&mut socket).await;
    assert_eq!(
        event["payload"]["data"]["reportEvents"]["report"]["ticket"], ticket,
        "the first event the officer sees is their own: {event}"
    );
}

#[tokio::test]
async fn media_is_served_only_to_those_who_may_see_it_and_each_view_is_recorded() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let sako = app
        .user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    let photo = b"jpeg bytes of the evidence".to_vec();
    app.graph
        .add_media("media-evidence", photo.clone(), "image/jpeg");
    let mut body = common::fixture("inbound_image_caption");
    let image = &mut body["entry"][0]["changes"][0]["value"]["messages"][0]["image"];
    image["id"] = json!("media-evidence");
    image.as_object_mut().unwrap().remove("url");
    image.as_object_mut().unwrap().remove("sha256");
    app.post_signed_webhook(&body).await;
    app.wait_until("the media is stored", |app| {
        app.reports().first().is_some_and(|report| {
            app.messages(report.id).iter().any(|message| {
                message
                    .media
                    .as_ref()
                    .is_some_and(|media| media.sha256_hex.is_some())
            })
        })
    })
    .await;
    let report = app.only_report();
    let message = app
        .messages(report.id)
        .into_iter()
        .find(|message| message.media.is_some())
        .unwrap();
    let url = format!("{}/media/{}", app.base_url, message.id);

    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&sako)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = app
        .client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "image/jpeg");
    assert_eq!(ok.bytes().await.unwrap().to_vec(), photo);
    assert_eq!(
        app.client
            .get(format!("{}/media/999999", app.base_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let viewed = app
        .timeline(report.id)
        .into_iter()
        .filter(|event| {
            event
                .note
                .as_deref()
                .is_some_and(|note| note.contains("ops1"))
        })
        .count()
        + app
            .timeline(report.id)
            .into_iter()
            .filter(|event| event.actor.to_string() == "ops1")
            .count();
    assert!(
        viewed >= 1,
        "the view is on the timeline: {:?}",
        app.timeline(report.id)
    );
}

#[tokio::test]
async fn graphiql_is_served_on_get() {
    let app = spawn_app().await;
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
}

#[tokio::test]
async fn an_urgent_report_is_answered_with_110_and_a_location_request_and_carries_its_suggestion() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let mut socket = common::ws::connect(&app, "graphql-transport-ws").await;
    socket
        .send(WsMessage::Text(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }).to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        common::ws::next_json(&mut socket).await["type"],
        "connection_ack"
    );
    let subscriptions = app.subscriptions_opened();
    socket
        .send(WsMessage::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents { kind report { ticket } } }" } }).to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(subscriptions).await;

    let text = "tolong pak ada perampokan sekarang di toko emas pasar 16 ilir, pelaku bawa pisau masih di lokasi";
    let (id, ticket) = app.citizen_reports("081377101020", text).await;
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    // Both go out at once; their order at the Graph API is not fixed.
    let text_reply = sent
        .iter()
        .find(|body| body["type"] == "text")
        .expect("the urgent text");
    let body = text_reply["text"]["body"].as_str().unwrap();
    assert!(body.contains("110") && body.contains(&ticket), "{body}");
    assert!(
        sent.iter()
            .any(|body| body["interactive"]["type"] == "location_request_message"),
        "{sent:?}"
    );

    let mut kinds = Vec::new();
    for _ in 0..6 {
        let event = common::ws::next_json(&mut socket).await;
        kinds.push(
            event["payload"]["data"]["reportEvents"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        if kinds.iter().any(|kind| kind == "URGENT_REPORT") {
            break;
        }
    }
    assert!(
        kinds.iter().any(|kind| kind == "URGENT_REPORT"),
        "operators hear of it at once: {kinds:?}"
    );

    let report = app
        .graphql(
            Some(&token),
            "query($id: ID) { report(id: $id) { priority flags suggestion { category confidence urgent reasons territorialUnit { code } functionalUnits { code } place { kabupaten kecamatan } } } }",
            json!({ "id": id }),
        )
        .await;
    let report = &report["data"]["report"];
    assert_eq!(report["priority"], "URGENT", "{report}");
    let suggestion = &report["suggestion"];
    assert_eq!(suggestion["category"], "begal_perampokan");
    assert_eq!(suggestion["urgent"], true);
    assert_eq!(
        suggestion["territorialUnit"]["code"],
        "POLSEK_PLG_ILIR_TIMUR_I"
    );
    assert_eq!(suggestion["place"]["kabupaten"], "Kota Palembang");
    assert!(
        suggestion["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|reason| reason.as_str().unwrap().contains("perampokan"))
    );
}
