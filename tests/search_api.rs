//! Search and statistics through the real server: reports arrive by signed webhook, the
//! indexer worker makes them searchable, and `search` / `stats` answer under the same
//! visibility rules as the rest of the API.

mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::{TestApp, error_code, spawn_app};
use siaga::domain::user::Role;

const SEARCH: &str = "query($q: String!, $f: ReportFilter, $first: Int, $after: String) { \
    search(query: $q, filter: $f, first: $first, after: $after) { totalCount \
      pageInfo { hasNextPage endCursor } \
      facets { field values { value count } } \
      edges { cursor node { score snippet report { id ticket status reporter { phone } } } } } }";

async fn operator(app: &TestApp) -> String {
    app.user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await
}

async fn search(app: &TestApp, token: &str, query: &str, filter: Value) -> Value {
    let response = app
        .graphql(
            Some(token),
            SEARCH,
            json!({ "q": query, "f": filter, "first": 20 }),
        )
        .await;
    assert!(response["errors"].is_null(), "{query}: {response}");
    response["data"]["search"].clone()
}

fn tickets(result: &Value) -> Vec<String> {
    result["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            edge["node"]["report"]["ticket"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_new_report_is_searchable_within_two_seconds_of_its_webhook() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (_, ticket) = app
        .citizen_reports("081377103001", "motor saya dicuri di depan masjid sukarami")
        .await;
    let accepted = Instant::now();
    // The indexer removes a queue entry once its change is visible to searches.
    app.wait_for_index().await;
    assert!(
        accepted.elapsed() < Duration::from_secs(2),
        "not searchable 2 s after the webhook's 200"
    );
    let found = search(&app, &token, "motor dicuri", Value::Null).await;
    assert!(tickets(&found).contains(&ticket), "{found}");
}

#[tokio::test]
async fn stems_slang_typos_tickets_and_phone_numbers_all_find_the_report() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (_, theft) = app
        .citizen_reports(
            "081377103002",
            "Pak motor sy dicuri semalam di parkiran pasar km 5, honda beat plat BG 1234 AB",
        )
        .await;
    let (_, fraud) = app
        .citizen_reports(
            "081377103003",
            "saya jadi korban penipuan jual beli online, sudah transfer 2 juta barang tidak dikirim",
        )
        .await;
    let (_, jam) = app
        .citizen_reports(
            "081377103004",
            "kemacetan parah di jembatan ampera arah seberang ulu",
        )
        .await;
    app.wait_for_index().await;

    let cases: &[(&str, &str)] = &[
        ("pencurian motor", &theft),
        ("mtr", &theft),
        ("tipu", &fraud),
        ("ditipu online", &fraud),
        ("macet ampera", &jam),
        ("\"jembatan ampera\"", &jam),
        ("pencurain", &theft),
        ("BG 1234 AB", &theft),
        (&theft, &theft),
        ("081377103003", &fraud),
        ("+6281377103003", &fraud),
        ("6281377103003", &fraud),
        ("0813-7710-3003", &fraud),
    ];
    for (query, expected) in cases {
        let found = search(&app, &token, query, Value::Null).await;
        assert_eq!(
            tickets(&found),
            vec![expected.to_string()],
            "{query}: {found}"
        );
    }

    let excluded = search(&app, &token, "motor OR macet -ampera", Value::Null).await;
    assert_eq!(tickets(&excluded), vec![theft.clone()], "{excluded}");
    let either = search(&app, &token, "penipuan OR kemacetan", Value::Null).await;
    assert_eq!(either["totalCount"], 2, "{either}");

    let highlighted = search(&app, &token, "dicuri", Value::Null).await;
    let snippet = highlighted["edges"][0]["node"]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<b>dicuri</b>"), "{snippet}");
}

#[tokio::test]
async fn a_snippet_escapes_what_the_citizen_wrote() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    app.citizen_reports(
        "081377103005",
        "<script>alert(1)</script> ada jambret di pasar cinde",
    )
    .await;
    app.wait_for_index().await;
    let found = search(&app, &token, "jambret", Value::Null).await;
    let snippet = found["edges"][0]["node"]["snippet"].as_str().unwrap();
    assert!(!snippet.contains("<script>"), "{snippet}");
    assert!(snippet.contains("&lt;script&gt;"), "{snippet}");
    assert!(snippet.contains("<b>jambret</b>"), "{snippet}");
}

#[tokio::test]
async fn filters_facets_and_pages_work_together() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let mut ids = Vec::new();
    for (index, place) in ["sukarami", "kalidoni", "plaju"].iter().enumerate() {
        let (id, _) = app
            .citizen_reports(
                &format!("08137710301{index}"),
                &format!("ada begal di jalan {place} tadi malam"),
            )
            .await;
        ids.push(id);
    }
    let forwarded = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { forwardReport(id: $id, unitCode: \"POLSEK_PLG_SUKARAMI\") { status } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert!(forwarded["errors"].is_null(), "{forwarded}");
    app.wait_for_index().await;

    let first_page = app
        .graphql(Some(&token), SEARCH, json!({ "q": "begal", "first": 2 }))
        .await["data"]["search"]
        .clone();
    assert_eq!(first_page["totalCount"], 3);
    assert_eq!(first_page["edges"].as_array().unwrap().len(), 2);
    assert_eq!(first_page["pageInfo"]["hasNextPage"], true);
    let cursor = first_page["pageInfo"]["endCursor"].as_str().unwrap();
    let second_page = app
        .graphql(
            Some(&token),
            SEARCH,
            json!({ "q": "begal", "first": 2, "after": cursor }),
        )
        .await["data"]["search"]
        .clone();
    assert_eq!(second_page["edges"].as_array().unwrap().len(), 1);
    assert_eq!(second_page["pageInfo"]["hasNextPage"], false);
    assert_eq!(
        second_page["totalCount"], 3,
        "the total does not change with the page"
    );

    let statuses = first_page["facets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|facet| facet["field"] == "status")
        .expect("a status facet")
        .clone();
    assert_eq!(
        statuses["values"],
        json!([{ "value": "NEW", "count": 2 }, { "value": "FORWARDED", "count": 1 }]),
        "{statuses}"
    );

    let under_polrestabes = search(
        &app,
        &token,
        "begal",
        json!({ "unitCode": "POLRESTABES_PALEMBANG" }),
    )
    .await;
    assert_eq!(under_polrestabes["totalCount"], 1, "the unit subtree");
    let new_only = search(&app, &token, "begal", json!({ "status": ["NEW"] })).await;
    assert_eq!(new_only["totalCount"], 2);
    let everything = search(&app, &token, "", Value::Null).await;
    assert_eq!(
        everything["totalCount"], 3,
        "an empty query lists every report"
    );
}

#[tokio::test]
async fn officers_analysts_and_the_compartment_see_in_search_what_they_see_elsewhere() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (mine, _) = app
        .citizen_reports("081377103020", "motor dicuri di sukarami depan indomaret")
        .await;
    let (theirs, _) = app
        .citizen_reports("081377103021", "motor dicuri di pasar baturaja")
        .await;
    let (complaint, complaint_ticket) = app
        .citizen_reports(
            "081377103022",
            "oknum polisi minta uang damai 300 ribu waktu tilang motor",
        )
        .await;
    for (id, unit) in [(&mine, "POLSEK_PLG_SUKARAMI"), (&theirs, "POLRES_OKU")] {
        let forwarded = app
            .graphql(
                Some(&token),
                "mutation($id: ID!, $u: String!) { forwardReport(id: $id, unitCode: $u) { status } }",
                json!({ "id": id, "u": unit }),
            )
            .await;
        assert!(forwarded["errors"].is_null(), "{forwarded}");
    }
    let triaged = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { triageReport(id: $id, category: \"pungli_oknum\") { category } }",
            json!({ "id": complaint }),
        )
        .await;
    assert!(triaged["errors"].is_null(), "{triaged}");
    app.wait_for_index().await;

    let officer = app
        .user_token("sukarami1", Role::Officer, Some("POLSEK_PLG_SUKARAMI"))
        .await;
    let found = search(&app, &officer, "motor", Value::Null).await;
    assert_eq!(found["totalCount"], 1, "only their unit's report: {found}");
    assert_eq!(found["edges"][0]["node"]["report"]["id"], mine);

    let analyst = app.user_token("analis1", Role::Analyst, None).await;
    let found = search(&app, &analyst, "motor", Value::Null).await;
    assert_eq!(
        found["totalCount"], 2,
        "not the complaint about the police: {found}"
    );
    let phone = found["edges"][0]["node"]["report"]["reporter"]["phone"]
        .as_str()
        .unwrap();
    assert!(
        !phone.chars().any(|c| c.is_ascii_digit()),
        "masked for analysts: {phone}"
    );
    let by_phone = app
        .graphql(
            Some(&analyst),
            SEARCH,
            json!({ "q": "081377103020", "f": Value::Null, "first": 20 }),
        )
        .await;
    assert_eq!(
        common::error_code(&by_phone).as_deref(),
        Some("FORBIDDEN"),
        "analysts cannot look people up by number: {by_phone}"
    );
    assert!(by_phone["data"]["search"].is_null(), "{by_phone}");
    let by_ticket = search(&app, &analyst, &complaint_ticket, Value::Null).await;
    assert_eq!(
        by_ticket["totalCount"], 0,
        "the compartment holds in search too"
    );

    let propam = app
        .user_token("propam1", Role::Officer, Some("BIDPROPAM"))
        .await;
    let forwarded = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { forwardReport(id: $id, unitCode: \"BIDPROPAM\") { status } }",
            json!({ "id": complaint }),
        )
        .await;
    assert!(forwarded["errors"].is_null(), "{forwarded}");
    app.wait_for_index().await;
    let found = search(&app, &propam, "uang damai", Value::Null).await;
    assert_eq!(found["totalCount"], 1, "{found}");
}

#[tokio::test]
async fn stats_count_reports_and_measure_response_times() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (first, _) = app
        .citizen_reports(
            "081377103030",
            "ada tawuran pelajar di jalan demang lebar daun",
        )
        .await;
    app.citizen_reports("081377103031", "macet total di simpang polda")
        .await;
    let forwarded = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { forwardReport(id: $id, unitCode: \"POLRESTABES_PALEMBANG\") { status } }",
            json!({ "id": first }),
        )
        .await;
    assert!(forwarded["errors"].is_null(), "{forwarded}");
    app.wait_for_index().await;

    let response = app
        .graphql(
            Some(&token),
            "{ stats { totalReports byStatus { key count } byUnit { key count } byDay { key count } \
               responseTimes { firstAction { count medianSeconds p90Seconds } forward { count } resolution { count } } \
               slaBreaches { key count } } }",
            Value::Null,
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let stats = &response["data"]["stats"];
    assert_eq!(stats["totalReports"], 2, "{stats}");
    assert_eq!(
        stats["byUnit"],
        json!([{ "key": "POLRESTABES_PALEMBANG", "count": 1 }])
    );
    let days: u64 = stats["byDay"]
        .as_array()
        .unwrap()
        .iter()
        .map(|day| day["count"].as_u64().unwrap())
        .sum();
    assert_eq!(days, 2);
    assert_eq!(stats["responseTimes"]["forward"]["count"], 1);
    assert_eq!(stats["responseTimes"]["firstAction"]["count"], 1);
    assert_eq!(stats["responseTimes"]["resolution"]["count"], 0);
    assert_eq!(
        stats["slaBreaches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["key"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["FIRST_ACTION", "FORWARD", "RESOLUTION"]
    );
}

#[tokio::test]
async fn bad_search_requests_are_refused_clearly() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let anonymous = app
        .graphql(None, SEARCH, json!({ "q": "begal", "first": 5 }))
        .await;
    assert_eq!(error_code(&anonymous).as_deref(), Some("UNAUTHENTICATED"));
    let too_many = app
        .graphql(Some(&token), SEARCH, json!({ "q": "begal", "first": 1000 }))
        .await;
    assert_eq!(error_code(&too_many).as_deref(), Some("BAD_USER_INPUT"));
    let bad_cursor = app
        .graphql(
            Some(&token),
            SEARCH,
            json!({ "q": "begal", "first": 5, "after": "xyz" }),
        )
        .await;
    assert_eq!(error_code(&bad_cursor).as_deref(), Some("BAD_USER_INPUT"));
    let unknown_unit = app
        .graphql(
            Some(&token),
            SEARCH,
            json!({ "q": "begal", "first": 5, "f": { "unitCode": "NOPE" } }),
        )
        .await;
    assert_eq!(error_code(&unknown_unit).as_deref(), Some("BAD_USER_INPUT"));
    let unbalanced = search(&app, &token, "\"begal motor", Value::Null).await;
    assert_eq!(
        unbalanced["totalCount"], 0,
        "an open quote is a phrase, not an error"
    );
}
