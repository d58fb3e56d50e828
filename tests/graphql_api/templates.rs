//! Templates from Meta through GraphQL against the mock Graph API: the list read page by page
//! and cached (surviving a failed refresh and a restart), who may read and map it, and the
//! mapping of purposes refused for templates that cannot be sent. What goes out with them is
//! in `template_sends.rs`.

use super::*;

pub(super) const WABA_ID: &str = "102030405060708";

const LIST: &str = "query($refresh: Boolean) { templates(refresh: $refresh) { name language category status bodyText parameterCount parameterNames sendable bodyParameters { position name fillsWith } } }";
const REFRESH: &str = "mutation { refreshTemplates { configured refreshedAt attemptedAt lastError templates { name } } }";
pub(super) const MAP: &str = "mutation($p: TemplatePurpose!, $n: String, $l: String) { setTemplateForPurpose(purpose: $p, name: $n, language: $l) { purpose name language source setBy template { name status } } }";
pub(super) const PURPOSES: &str =
    "{ templatePurposes { purpose name language source setBy template { name parameterCount } } }";

pub(super) async fn spawn_with_account() -> TestApp {
    spawn_app_with(|settings| settings.wa_business_account_id = Some(WABA_ID.into())).await
}

/// The account's templates in the mock: three sendable ones in Indonesian (positional and
/// named), one pending, one rejected, one in English and one with a parameter no report fills.
pub(super) fn add_templates(app: &TestApp) {
    let graph = &app.graph;
    graph.add_template(
        "laporan_diterima",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan Anda tercatat dengan nomor {{1}}. Balas pesan ini untuk menambah keterangan.",
    );
    graph.add_template(
        "laporan_selesai",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan {{1}} telah {{3}} oleh {{2}}. Terima kasih.",
    );
    graph.add_template(
        "laporan_diteruskan",
        "id",
        "UTILITY",
        "APPROVED",
        "Yth. {{nama}}, laporan {{ticket}} diteruskan ke {{satuan}}.",
    );
    graph.add_template("promo_baru", "id", "MARKETING", "PENDING", "Info {{1}}");
    graph.add_template("laporan_lama", "id", "UTILITY", "REJECTED", "Laporan {{1}}");
    graph.add_template(
        "report_received",
        "en_US",
        "UTILITY",
        "APPROVED",
        "Report {{1}}",
    );
    graph.add_template(
        "laporan_lengkap",
        "id",
        "UTILITY",
        "APPROVED",
        "{{1}} {{2}} {{3}} {{4}} {{5}}",
    );
}

pub(super) async fn admin(app: &TestApp) -> String {
    app.user_token("admin1", Role::Admin, None).await
}

async fn supervisor(app: &TestApp) -> String {
    app.user_token("spv1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await
}

pub(super) fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|template| template["name"].as_str().unwrap().to_string())
        .collect()
}

pub(super) async fn refreshed(app: &TestApp, token: &str) -> Value {
    let response = app.graphql(Some(token), REFRESH, json!({})).await;
    let sync = response["data"]["refreshTemplates"].clone();
    assert!(sync.is_object(), "{response}");
    sync
}

/// The template sends the mock accepted, once the outbox is drained.
pub(super) async fn template_sends(app: &TestApp) -> Vec<Value> {
    app.wait_until("the outbox is drained", |app| {
        app.state.store.is_empty(Table::Outbox)
    })
    .await;
    app.wait_for_workers_idle().await;
    app.graph
        .sent_messages()
        .into_iter()
        .filter(|body| body["type"] == "template")
        .collect()
}

#[tokio::test]
async fn the_template_list_is_read_from_meta_page_by_page_for_admins_and_supervisors_only() {
    let app = spawn_with_account().await;
    add_templates(&app);
    app.graph.set_template_page_size(3);
    let admin = admin(&app).await;
    let supervisor = supervisor(&app).await;

    let sync = refreshed(&app, &admin).await;

    assert_eq!(sync["configured"], true);
    assert_eq!(sync["lastError"], Value::Null);
    assert!(sync["refreshedAt"].is_string(), "{sync}");
    assert_eq!(names(&sync["templates"]).len(), 7, "{sync}");
    let listings = app.graph.template_listings();
    let pages: Vec<String> = listings
        .iter()
        .rev()
        .take(3)
        .rev()
        .flatten()
        .cloned()
        .collect();
    assert_eq!(pages.len(), 3, "{listings:?}");
    assert!(!pages[0].contains("after="), "{pages:?}");
    assert!(pages[1].contains("after=cursor-3"), "{pages:?}");
    assert!(pages[2].contains("after=cursor-6"), "{pages:?}");
    assert!(pages[0].contains("fields=name%2Cstatus%2Ccategory%2Clanguage%2Ccomponents"));
    let requests = app.graph.requests();
    let listing = requests
        .iter()
        .find(|request| request.path.ends_with("/message_templates"))
        .unwrap();
    assert_eq!(listing.path, format!("/v25.0/{WABA_ID}/message_templates"));

    let listed = app.graphql(Some(&supervisor), LIST, json!({})).await;
    let templates = &listed["data"]["templates"];
    let selesai = templates
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .find(|template| template["name"] == "laporan_selesai")
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(selesai["language"], "id");
    assert_eq!(selesai["category"], "UTILITY");
    assert_eq!(selesai["status"], "APPROVED");
    assert_eq!(selesai["parameterCount"], 3);
    assert_eq!(selesai["sendable"], true);
    assert_eq!(
        selesai["bodyParameters"][1],
        json!({ "position": 2, "name": null, "fillsWith": "unit" })
    );
    let named = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|template| template["name"] == "laporan_diteruskan")
        .unwrap();
    assert_eq!(named["parameterNames"], json!(["nama", "ticket", "satuan"]));
    let statuses: Vec<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|template| template["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"PENDING") && statuses.contains(&"REJECTED"));

    for (username, role, unit) in [
        ("ops1", Role::Operator, Some("COMMAND_CENTER")),
        ("officer1", Role::Officer, Some("POLRESTABES_PALEMBANG")),
        ("analyst1", Role::Analyst, None),
    ] {
        let token = app.user_token(username, role, unit).await;
        let refused = app.graphql(Some(&token), LIST, json!({})).await;
        assert_eq!(
            error_code(&refused).as_deref(),
            Some("FORBIDDEN"),
            "{refused}"
        );
        let refused = app.graphql(Some(&token), REFRESH, json!({})).await;
        assert_eq!(
            error_code(&refused).as_deref(),
            Some("FORBIDDEN"),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_cached_list_which_survives_a_restart() {
    let app = spawn_with_account().await;
    add_templates(&app);
    let admin_token = admin(&app).await;
    let first = refreshed(&app, &admin_token).await;

    app.graph.fail_template_listings(10);
    let failed = refreshed(&app, &admin_token).await;

    assert!(
        failed["lastError"]
            .as_str()
            .unwrap_or_default()
            .contains("unavailable"),
        "{failed}"
    );
    assert_eq!(failed["refreshedAt"], first["refreshedAt"]);
    assert_ne!(failed["attemptedAt"], first["attemptedAt"]);
    assert_eq!(names(&failed["templates"]), names(&first["templates"]));
    let listed = app
        .graphql(Some(&admin_token), LIST, json!({ "refresh": true }))
        .await;
    assert_eq!(names(&listed["data"]["templates"]).len(), 7, "{listed}");

    // Meta is still down when the server starts again: the worker's first refresh fails.
    let app = app.restart().await;
    app.wait_until("the templates worker's first refresh failed", |app| {
        app.state
            .workers
            .reports()
            .iter()
            .any(|worker| worker.name == "templates" && worker.errors > 0)
    })
    .await;
    let readiness = app.get("/readyz").await;
    assert_eq!(
        readiness.status(),
        200,
        "a failed refresh is not a failed worker"
    );
    let readiness: Value = readiness.json().await.unwrap();
    let worker = readiness["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|worker| worker["name"] == "templates")
        .unwrap_or_else(|| panic!("{readiness}"))
        .clone();
    assert!(
        worker["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("template list"),
        "{worker}"
    );
    let admin_token = app.login("admin1").await;
    let listed = app.graphql(Some(&admin_token), LIST, json!({})).await;
    assert_eq!(names(&listed["data"]["templates"]).len(), 7, "{listed}");
    let sync = app
        .graphql(
            Some(&admin_token),
            "{ templateSync { refreshedAt lastError } }",
            json!({}),
        )
        .await;
    assert_eq!(
        sync["data"]["templateSync"]["refreshedAt"],
        first["refreshedAt"]
    );
}

#[tokio::test]
async fn only_an_approved_listed_template_whose_parameters_a_report_fills_can_be_mapped() {
    let app = spawn_with_account().await;
    add_templates(&app);
    let admin = admin(&app).await;
    let supervisor = supervisor(&app).await;
    refreshed(&app, &admin).await;

    let map = |purpose: &str, name: &str| json!({ "p": purpose, "n": name, "l": "id" });
    let by_supervisor = app
        .graphql(Some(&supervisor), MAP, map("RESOLVED", "laporan_selesai"))
        .await;
    assert_eq!(error_code(&by_supervisor).as_deref(), Some("FORBIDDEN"));
    for (name, phrase) in [
        ("promo_baru", "PENDING"),
        ("laporan_lama", "REJECTED"),
        ("tidak_ada", "not in the cached template list"),
        ("laporan_lengkap", "{{5}}"),
    ] {
        let refused = app.graphql(Some(&admin), MAP, map("RESOLVED", name)).await;
        assert_eq!(
            error_code(&refused).as_deref(),
            Some("BAD_USER_INPUT"),
            "{refused}"
        );
        let message = refused["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(phrase), "{message}");
    }
    let wrong_language = app
        .graphql(
            Some(&admin),
            MAP,
            json!({ "p": "RESOLVED", "n": "report_received", "l": "id" }),
        )
        .await;
    assert_eq!(
        error_code(&wrong_language).as_deref(),
        Some("BAD_USER_INPUT")
    );
    let purposes = app.graphql(Some(&admin), PURPOSES, json!({})).await;
    assert!(
        purposes["data"]["templatePurposes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|purpose| purpose["name"].is_null()),
        "refusals change nothing: {purposes}"
    );

    let mapped = app
        .graphql(Some(&admin), MAP, map("RESOLVED", "laporan_selesai"))
        .await;
    assert_eq!(
        mapped["data"]["setTemplateForPurpose"],
        json!({
            "purpose": "RESOLVED", "name": "laporan_selesai", "language": "id",
            "source": "STORED", "setBy": "admin1",
            "template": { "name": "laporan_selesai", "status": "APPROVED" },
        }),
        "{mapped}"
    );
    let purposes = app.graphql(Some(&supervisor), PURPOSES, json!({})).await;
    let listed = purposes["data"]["templatePurposes"].as_array().unwrap();
    let purpose_names: Vec<&str> = listed
        .iter()
        .map(|purpose| purpose["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(
        purpose_names,
        ["OUTSIDE_WINDOW", "FORWARDED", "RESOLVED", "SATISFACTION"]
    );
    assert_eq!(listed[2]["template"]["parameterCount"], 3);

    let cleared = app
        .graphql(Some(&admin), MAP, json!({ "p": "RESOLVED" }))
        .await;
    assert_eq!(
        cleared["data"]["setTemplateForPurpose"]["name"],
        Value::Null,
        "{cleared}"
    );
    let again = app
        .graphql(Some(&admin), MAP, json!({ "p": "RESOLVED" }))
        .await;
    assert_eq!(error_code(&again).as_deref(), Some("NOT_FOUND"), "{again}");

    let audit = app
        .graphql(
            Some(&admin),
            "{ auditLog(filter: { action: [TEMPLATE_MAPPING] }) { edges { node { actor subject detail } } } }",
            json!({}),
        )
        .await;
    let entries = audit["data"]["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    assert_eq!(
        entries[1]["node"]["detail"],
        "RESOLVED -> laporan_selesai (id)"
    );
    assert_eq!(entries[0]["node"]["detail"], "RESOLVED cleared");
}
