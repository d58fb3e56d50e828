//! Templates per business account: each listed with its own token, and `templates(channel:)`
//! showing the list of the account a number sends from.

use super::common::{self, ACCESS_TOKEN, spawn_app_with};
use super::{PALEMBANG, PALEMBANG_TOKEN, POLDA, two_numbers};
use serde_json::json;
use siaga::domain::user::Role;
use siaga::ledger::Ledger;

const POLDA_ACCOUNT: &str = "102030405060708";
const PALEMBANG_ACCOUNT: &str = "203040506070809";

#[tokio::test]
async fn templates_lists_the_account_of_the_number_asked_for() {
    let app = spawn_app_with(|settings| {
        settings.wa_phone_number_id = None;
        settings.wa_business_account_id = Some(POLDA_ACCOUNT.into());
        let mut numbers = two_numbers();
        numbers.numbers[1].business_account_id = Some(PALEMBANG_ACCOUNT.into());
        settings.whatsapp = Some(numbers);
    })
    .await;
    // The refresh at start reads both (still empty) lists.
    common::poll_until("the first refresh of both lists", || {
        app.graph.template_listings().len() >= 2
    })
    .await;
    app.wait_for_workers_idle().await;
    app.graph.add_template(
        "laporan_selesai",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan {{1}} selesai.",
    );
    // The default account's listing fails; Palembang's account is read.
    app.graph.fail_template_listings(1);
    let token = app.user_token("sup1", Role::Supervisor, None).await;
    let names = |response: &serde_json::Value| -> Vec<String> {
        response["data"]["templates"]
            .as_array()
            .unwrap_or_else(|| panic!("{response}"))
            .iter()
            .map(|template| template["name"].as_str().unwrap().to_string())
            .collect()
    };
    let query = "query($c: String, $r: Boolean) { templates(channel: $c, refresh: $r) { name } }";
    let refreshed = app
        .graphql(Some(&token), query, json!({ "c": PALEMBANG, "r": true }))
        .await;
    assert_eq!(names(&refreshed), ["laporan_selesai"], "{refreshed}");
    let default = app.graphql(Some(&token), query, json!({})).await;
    assert!(names(&default).is_empty(), "{default}");
    let polda = app
        .graphql(Some(&token), query, json!({ "c": POLDA }))
        .await;
    assert!(names(&polda).is_empty(), "{polda}");

    for wrong in ["palembang", "999999999"] {
        let refused = app
            .graphql(Some(&token), query, json!({ "c": wrong }))
            .await;
        assert_eq!(
            common::error_code(&refused).as_deref(),
            Some("BAD_USER_INPUT"),
            "{wrong}: {refused}"
        );
    }
    let operator = app
        .user_token("op1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let forbidden = app
        .graphql(Some(&operator), query, json!({ "c": PALEMBANG }))
        .await;
    assert!(forbidden["data"]["templates"].is_null(), "{forbidden}");

    // siaga check reads every configured account's list against the mapped purposes.
    let refreshed = app.graphql(Some(&token), query, json!({ "r": true })).await;
    assert_eq!(names(&refreshed), ["laporan_selesai"], "{refreshed}");
    let admin = app.user_token("adm1", Role::Admin, None).await;
    let mapped = app
        .graphql(
            Some(&admin),
            "mutation { setTemplateForPurpose(purpose: RESOLVED, name: \"laporan_selesai\", language: \"id\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mapped["data"]["setTemplateForPurpose"]["name"], "laporan_selesai",
        "{mapped}"
    );
    let store = &app.state.store;
    let mut findings = siaga::check::Findings::default();
    siaga::check::check_template_accounts(store, &[PALEMBANG_ACCOUNT.into()], &mut findings)
        .unwrap();
    assert!(findings.is_clean(), "{}", siaga::check::render(&findings));
    let never_read = "304050607080910";
    siaga::check::check_template_accounts(store, &[never_read.into()], &mut findings).unwrap();
    let rendered = siaga::check::render(&findings);
    assert!(!findings.is_clean());
    assert!(
        rendered.contains(&format!("template list of business account {never_read}")),
        "{rendered}"
    );
}

#[tokio::test]
async fn each_business_account_lists_its_templates_with_its_own_token() {
    let app = spawn_app_with(|settings| {
        settings.wa_phone_number_id = None;
        settings.wa_business_account_id = Some("102030405060708".into());
        let mut numbers = two_numbers();
        numbers.numbers[1].business_account_id = Some("203040506070809".into());
        settings.whatsapp = Some(numbers);
    })
    .await;
    app.graph.add_template(
        "laporan_selesai",
        "id",
        "UTILITY",
        "APPROVED",
        "Laporan {{1}} selesai.",
    );
    let token = app.user_token("adm1", Role::Admin, None).await;
    let refreshed = app
        .graphql(
            Some(&token),
            "mutation { refreshTemplates { configured lastError templates { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        refreshed["data"]["refreshTemplates"]["configured"], true,
        "{refreshed}"
    );
    let listings: Vec<(String, Option<String>)> = app
        .graph
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with("/message_templates"))
        .map(|request| (request.path, request.authorization))
        .collect();
    let bearer = |token: &str| Some(format!("Bearer {token}"));
    assert!(
        listings.iter().any(|(path, auth)| path.contains("/102030405060708/")
            && *auth == bearer(ACCESS_TOKEN)),
        "{listings:?}"
    );
    assert!(
        listings
            .iter()
            .any(|(path, auth)| path.contains("/203040506070809/")
                && *auth == bearer(PALEMBANG_TOKEN)),
        "{listings:?}"
    );
    let store = &app.state.store;
    let other = store
        .templates()
        .catalogue_of(Some("203040506070809"))
        .unwrap();
    assert_eq!(other.templates.len(), 1);
    assert!(other.refreshed_at.is_some());
}
