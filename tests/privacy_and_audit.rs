//! Analysts never see a phone number, a business-scoped user id or a WhatsApp id, on any path;
//! the server's export applies the caller's visibility and masking; the audit trail records
//! sign-ins, administration, lookups by number or ticket, exports and media views.

mod common;

use common::{TestApp, error_code, spawn_app};
use serde_json::{Value, json};
use siaga::domain::user::Role;
use siaga::whatsapp::payload;

/// Every way the two numbers of the changed-number fixture could show, as digits.
const NUMBER_FRAGMENTS: [&str; 6] = [
    "81255556666",
    "81277778888",
    "0812 5555",
    "0812-5555",
    "5556666",
    "7778888",
];

fn citizen(phone: &str) -> payload::Citizen {
    payload::Citizen {
        phone: siaga::domain::phone::PhoneNumber::parse(phone).unwrap(),
        name: "Dewi Lestari".into(),
    }
}

/// A report from Dewi, who types her number, then changes it on WhatsApp.
async fn report_with_a_changed_number(app: &TestApp) -> String {
    let dewi = citizen("081255556666");
    let text = "lapor kehilangan dompet di sukarami, hubungi saya di 0812-5555-6666 atau +62 812 7777 8888";
    let body = payload::text_message(
        &dewi,
        "wamid.privacy.1",
        chrono::Utc::now().timestamp(),
        text,
    );
    assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
    assert_eq!(
        app.post_fixture("inbound_system_user_changed_number")
            .await
            .status(),
        200
    );
    app.wait_for_index().await;
    app.only_report().id.to_string()
}

const EVERYTHING: &str = "query($id: ID) { report(id: $id) { ticket summary reporter { id name phone } messages { kind text edits mediaUrl } timeline { kind actor note } } }";

fn assert_no_number(what: &str, text: &str) {
    for fragment in NUMBER_FRAGMENTS {
        assert!(
            !text.contains(fragment),
            "{what} shows {fragment:?} of a reporter's number: {text}"
        );
    }
}

#[tokio::test]
async fn an_analyst_finds_no_digit_of_a_reporters_number_anywhere() {
    let app = spawn_app().await;
    let operator = app.user_token("operator1", Role::Operator, None).await;
    let analyst = app.user_token("analyst1", Role::Analyst, None).await;
    let id = report_with_a_changed_number(&app).await;

    // The command center sees the numbers: they are stored, not lost.
    let full = app
        .graphql(Some(&operator), EVERYTHING, json!({ "id": id }))
        .await;
    let full = full.to_string();
    assert!(full.contains("+6281277778888"), "{full}");
    assert!(full.contains("0812-5555-6666"), "{full}");

    let seen = app
        .graphql(Some(&analyst), EVERYTHING, json!({ "id": id }))
        .await;
    assert!(seen["errors"].is_null(), "{seen}");
    let report = &seen["data"]["report"];
    let phone = report["reporter"]["phone"].as_str().unwrap();
    assert!(!phone.chars().any(|c| c.is_ascii_digit()), "{phone}");
    assert!(
        report["timeline"]
            .to_string()
            .contains("REPORTER_CHANGED_NUMBER"),
        "the changed-number event is there: {report}"
    );
    assert_no_number("the report", &seen.to_string());

    let found = app
        .graphql(
            Some(&analyst),
            "{ search(query: \"dompet\", first: 5) { totalCount edges { node { snippet report { reporter { phone } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(found["data"]["search"]["totalCount"], 1, "{found}");
    assert_no_number("a search snippet", &found.to_string());

    let by_number = app
        .graphql(
            Some(&analyst),
            "{ search(query: \"081277778888\", first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&by_number).as_deref(),
        Some("FORBIDDEN"),
        "{by_number}"
    );

    for format in ["jsonl", "csv"] {
        let export = app
            .client
            .get(format!("{}/export?format={format}", app.base_url))
            .bearer_auth(&analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(export.status(), 200);
        let body = export.text().await.unwrap();
        assert!(body.contains("dompet"), "{format}: {body}");
        assert_no_number(format, &body);
        assert!(
            !body.contains("wamid."),
            "{format}: message ids carry numbers: {body}"
        );
    }
}

#[tokio::test]
async fn the_export_endpoint_filters_refuses_bad_input_and_needs_a_token() {
    let app = spawn_app().await;
    let operator = app.user_token("operator1", Role::Operator, None).await;
    app.citizen_reports("081377301001", "motor hilang di pasar")
        .await;
    app.citizen_reports("081377301002", "jalan macet total")
        .await;
    let get = |query: &'static str, token: Option<String>| {
        let mut request = app.client.get(format!("{}/export?{query}", app.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let unauthenticated = get("format=csv", None).await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let bad_format = get("format=xlsx", Some(operator.clone())).await.unwrap();
    assert_eq!(bad_format.status(), 400);
    let bad_status = get("status=LOST", Some(operator.clone())).await.unwrap();
    assert_eq!(bad_status.status(), 400);
    let unknown = get("colour=red", Some(operator.clone())).await.unwrap();
    assert_eq!(unknown.status(), 400);

    let csv = get(
        "format=csv&status=NEW&hasMedia=false",
        Some(operator.clone()),
    )
    .await
    .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = csv.text().await.unwrap();
    let rows = body.lines().filter(|line| line.starts_with("WA-")).count();
    assert_eq!(rows, 2, "two reports: {body}");
    let none = get("format=jsonl&status=CLOSED", Some(operator.clone()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(none.is_empty(), "{none}");
}

async fn audit(app: &TestApp, token: &str, filter: Value) -> Value {
    app.graphql(
        Some(token),
        "query($f: AuditFilter) { auditLog(filter: $f, first: 100) { totalCount edges { cursor node { action actor success reportId subject detail clientAddress } } pageInfo { hasNextPage endCursor } } }",
        json!({ "f": filter }),
    )
    .await
}

fn actions(log: &Value) -> Vec<String> {
    log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .map(|edge| edge["node"]["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_audit_trail_records_what_a_security_reviewer_asks_about() {
    let app = spawn_app().await;
    let admin = app.user_token("admin1", Role::Admin, None).await;
    let supervisor = app.user_token("supervisor1", Role::Supervisor, None).await;
    let operator = app.user_token("operator1", Role::Operator, None).await;
    let analyst = app.user_token("analyst1", Role::Analyst, None).await;

    let failed = app
        .graphql(
            None,
            "mutation { login(username: \"operator1\", password: \"wrong\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&failed).as_deref(), Some("UNAUTHENTICATED"));
    let created = app
        .graphql(
            Some(&admin),
            "mutation { createUser(username: \"budi\", password: \"sandi-yang-panjang-1\", role: OPERATOR) { username } }",
            json!({}),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let (_, ticket) = app.citizen_reports("081377302001", "motor hilang").await;
    app.graphql(
        Some(&operator),
        "query($t: String) { report(ticket: $t) { id } }",
        json!({ "t": ticket }),
    )
    .await;
    app.graphql(
        Some(&operator),
        "{ search(query: \"081377302001\", first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    app.graphql(
        Some(&analyst),
        "{ search(query: \"081377302001\", first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    let export = app
        .client
        .get(format!("{}/export?format=csv", app.base_url))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    export.text().await.unwrap();

    // A refresh, a unit added, and a complaint taken out of the compartment by a supervisor:
    // the last is about a report, so the supervisor reads it below.
    let refreshed = app
        .graphql(
            Some(&supervisor),
            "mutation { refreshToken { token } }",
            json!({}),
        )
        .await;
    assert!(refreshed["errors"].is_null(), "{refreshed}");
    let unit = app
        .graphql(
            Some(&admin),
            "mutation { addUnit(code: \"POS_AUDIT\", name: \"Pos Audit\", kind: TERRITORIAL, parentCode: \"POLRESTABES_PALEMBANG\") { code } }",
            json!({}),
        )
        .await;
    assert!(unit["errors"].is_null(), "{unit}");
    let (complaint, _) = app
        .citizen_reports(
            "081377302002",
            "oknum polisi minta uang damai 500 ribu waktu tilang di sukarami",
        )
        .await;
    let exit = app
        .graphql(
            Some(&supervisor),
            "mutation($id: ID!) { triageReport(id: $id, category: \"curanmor\", note: \"salah kategori\") { category } }",
            json!({ "id": complaint }),
        )
        .await;
    assert!(exit["errors"].is_null(), "{exit}");

    let log = audit(&app, &admin, Value::Null).await;
    let seen = actions(&log);
    for action in [
        "TOKEN_REFRESH",
        "UNIT_ADMIN",
        "COMPARTMENT_EXIT",
        "SIGN_IN",
        "USER_ADMIN",
        "TICKET_SEARCH",
        "PHONE_SEARCH",
        "EXPORT",
    ] {
        assert!(seen.iter().any(|seen| seen == action), "{action}: {log}");
    }
    let text = log.to_string();
    assert!(
        !text.contains("77302001"),
        "the trail lists no reporter's number: {text}"
    );
    let failed_sign_ins = audit(
        &app,
        &admin,
        json!({ "action": ["SIGN_IN"], "success": false }),
    )
    .await;
    assert_eq!(
        failed_sign_ins["data"]["auditLog"]["edges"][0]["node"]["actor"], "operator1",
        "{failed_sign_ins}"
    );
    let refused_lookup = audit(
        &app,
        &admin,
        json!({ "action": ["PHONE_SEARCH"], "actor": "analyst1" }),
    )
    .await;
    assert_eq!(
        refused_lookup["data"]["auditLog"]["edges"][0]["node"]["success"], false,
        "{refused_lookup}"
    );

    // Pages follow each other without overlap.
    let first = app
        .graphql(
            Some(&admin),
            "{ auditLog(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = first["data"]["auditLog"]["pageInfo"]["endCursor"].clone();
    assert_eq!(first["data"]["auditLog"]["pageInfo"]["hasNextPage"], true);
    let second = app
        .graphql(
            Some(&admin),
            "query($after: String) { auditLog(first: 2, after: $after) { edges { node { id } } } }",
            json!({ "after": cursor }),
        )
        .await;
    let ids = |page: &Value| page.to_string();
    assert_ne!(
        ids(&first["data"]["auditLog"]["edges"][1]["node"]),
        ids(&second["data"]["auditLog"]["edges"][0]["node"])
    );

    // Supervisors read the entries about reports only; others read nothing.
    let about_reports = audit(&app, &supervisor, Value::Null).await;
    assert!(about_reports["errors"].is_null(), "{about_reports}");
    let edges = about_reports["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap();
    assert!(
        !edges.is_empty(),
        "the compartment exit is about a report: {about_reports}"
    );
    for edge in edges {
        assert!(!edge["node"]["reportId"].is_null(), "{about_reports}");
    }
    for token in [&operator, &analyst] {
        let refused = audit(&app, token, Value::Null).await;
        assert_eq!(
            error_code(&refused).as_deref(),
            Some("FORBIDDEN"),
            "{refused}"
        );
    }
}
