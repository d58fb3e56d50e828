//! Satisfaction in lists and exports: `ReportFilter.satisfaction` narrows `reports` (the
//! catalogue), `search` and `stats` (the index) to the reports answered so, and the export
//! (JSON lines and CSV) carries each report's rating, comment and times, the comment masked for
//! analysts like any citizen text, filtered by `satisfaction=`; and a Tidak puas heard by the
//! unit's officers through a filtered subscription, not by another unit's.

use super::satisfaction::{citizen_writes, questions, resolved_report, satisfaction_of, wa_id};
use super::*;

/// A number in the comment: analysts must not read it.
const COMMENT: &str = "petugas tidak datang, hubungi adik saya 081377102999";

/// Three resolved reports: answered TIDAK_PUAS (with `COMMENT`), answered PUAS, not answered.
/// Returns their ids in that order.
async fn three_answers(app: &TestApp, token: &str) -> [String; 3] {
    let (unhappy, _) = resolved_report(
        app,
        token,
        "081377102001",
        "motor saya dicuri di pasar 16 ilir",
    )
    .await;
    let (happy, _) = resolved_report(
        app,
        token,
        "081377102002",
        "motor adik saya dicuri di kertapati",
    )
    .await;
    let (silent, _) =
        resolved_report(app, token, "081377102003", "motor tetangga dicuri di plaju").await;
    app.wait_until("three questions are sent", |app| questions(app).len() == 3)
        .await;
    for (phone, id, rating, title, wamid) in [
        (
            "081377102001",
            &unhappy,
            "tidak_puas",
            "Tidak puas",
            "wamid.filter.1",
        ),
        ("081377102002", &happy, "puas", "Puas", "wamid.filter.2"),
    ] {
        let tap = common::button_reply(
            &wa_id(phone),
            &format!("siaga:rate:{rating}:{id}"),
            title,
            wamid,
        );
        assert_eq!(app.post_signed_webhook(&tap).await.status(), 200);
    }
    citizen_writes(app, "081377102001", "wamid.filter.3", COMMENT).await;
    let commented = satisfaction_of(app, token, &unhappy).await;
    assert_eq!(commented["satisfaction"]["comment"], COMMENT, "{commented}");
    app.wait_for_index().await;
    [unhappy, happy, silent]
}

fn ids(connection: &Value) -> Vec<String> {
    let mut ids: Vec<String> = connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{connection}"))
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn the_satisfaction_filter_narrows_lists_search_and_stats() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let supervisor = app
        .user_token("spv1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await;
    let [unhappy, happy, silent] = three_answers(&app, &token).await;

    let list = |filter: Value| {
        let app = &app;
        let token = &supervisor;
        async move {
            let answer = app
                .graphql(
                    Some(token),
                    "query($f: ReportFilter) { reports(filter: $f, first: 50) { totalCount edges { node { id } } } }",
                    json!({ "f": filter }),
                )
                .await;
            answer["data"]["reports"].clone()
        }
    };
    let tidak_puas = list(json!({ "satisfaction": ["TIDAK_PUAS"] })).await;
    assert_eq!(tidak_puas["totalCount"], 1, "{tidak_puas}");
    assert_eq!(ids(&tidak_puas), std::slice::from_ref(&unhappy));
    let answered = list(json!({ "satisfaction": ["PUAS", "TIDAK_PUAS"] })).await;
    assert_eq!(ids(&answered), sorted(vec![unhappy.clone(), happy.clone()]));
    assert_eq!(
        ids(&list(json!({ "satisfaction": ["CUKUP"] })).await),
        Vec::<String>::new()
    );
    // With another condition, and an empty list restricting nothing.
    let resolved = list(json!({ "status": ["RESOLVED"], "satisfaction": [] })).await;
    assert_eq!(
        ids(&resolved),
        sorted(vec![unhappy.clone(), happy.clone(), silent.clone()])
    );
    let queue_order = app
        .graphql(
            Some(&supervisor),
            "{ reports(filter: { satisfaction: [PUAS] }, order: QUEUE, first: 5) { totalCount edges { node { id satisfaction { rating } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ids(&queue_order["data"]["reports"]),
        std::slice::from_ref(&happy),
        "{queue_order}"
    );

    // The index answers search and stats with the same filter.
    let found = app
        .graphql(
            Some(&supervisor),
            "{ search(query: \"motor\", filter: { satisfaction: [TIDAK_PUAS] }, first: 10) { totalCount edges { node { report { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(found["data"]["search"]["totalCount"], 1, "{found}");
    assert_eq!(
        found["data"]["search"]["edges"][0]["node"]["report"]["id"],
        unhappy.as_str()
    );
    let stats = app
        .graphql(
            Some(&supervisor),
            "{ stats(filter: { satisfaction: [PUAS, CUKUP] }) { totalReports satisfaction { answered byRating { key count } } } }",
            json!({}),
        )
        .await;
    assert_eq!(stats["data"]["stats"]["totalReports"], 1, "{stats}");
    assert_eq!(stats["data"]["stats"]["satisfaction"]["answered"], 1);

    // A rating that is not one is refused by the schema.
    let refused = app
        .graphql(
            Some(&supervisor),
            "{ reports(filter: { satisfaction: [BAGUS] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(refused["errors"].is_array(), "{refused}");
    assert!(refused["data"].is_null(), "{refused}");
}

#[tokio::test]
async fn the_export_carries_the_answers_with_the_comment_masked_for_analysts() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let supervisor = app
        .user_token("spv1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await;
    let analyst = app.user_token("analis1", Role::Analyst, None).await;
    let [unhappy, happy, silent] = three_answers(&app, &token).await;

    let (status, body) = app.export(&supervisor, "format=jsonl").await;
    assert_eq!(status, 200, "{body}");
    let lines: Vec<Value> = body
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let line_of = |id: &str| {
        lines
            .iter()
            .find(|line| line["id"] == id)
            .unwrap_or_else(|| panic!("{id} exported: {body}"))
            .clone()
    };
    let unhappy_line = line_of(&unhappy);
    assert_eq!(unhappy_line["satisfaction"]["rating"], "TIDAK_PUAS");
    assert_eq!(unhappy_line["satisfaction"]["comment"], COMMENT);
    assert!(unhappy_line["satisfaction"]["asked_at"].is_string());
    assert!(unhappy_line["satisfaction"]["answered_at"].is_string());
    assert_eq!(line_of(&happy)["satisfaction"]["rating"], "PUAS");
    let silent_line = line_of(&silent);
    assert!(silent_line["satisfaction"]["asked_at"].is_string());
    assert_eq!(silent_line["satisfaction"]["rating"], Value::Null);

    // Analysts see the ratings; the comment is citizen text, its number masked.
    for format in ["jsonl", "csv"] {
        let (status, body) = app.export(&analyst, &format!("format={format}")).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("TIDAK_PUAS"), "{format}: {body}");
        assert!(body.contains("petugas tidak datang"), "{format}: {body}");
        assert!(!body.contains("081377102999"), "{format}: {body}");
        assert!(!body.contains("81377102999"), "{format}: {body}");
    }

    // CSV: the four columns, by header.
    let (_, csv) = app
        .export(&supervisor, "format=csv&satisfaction=TIDAK_PUAS")
        .await;
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|each| *each == name).unwrap();
    // Messages hold line breaks (quoted): a record starts with its ticket.
    let rows: Vec<&str> = rows.filter(|line| line.starts_with("WA-")).collect();
    assert_eq!(rows.len(), 1, "only the Tidak puas report: {csv}");
    let row = rows[0];
    assert!(row.contains(COMMENT), "{row}");
    let (rating, asked, answered) = (
        column("satisfaction"),
        column("satisfaction_asked_at"),
        column("satisfaction_answered_at"),
    );
    assert!(column("satisfaction_comment") > rating);
    // The comment holds a comma (quoted), so read the fields before it by position.
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[rating], "TIDAK_PUAS", "{row}");
    assert!(asked > rating && answered > asked);

    // The filter as a parameter: a list, and a value that is not a rating.
    let (_, both) = app
        .export(&supervisor, "format=jsonl&satisfaction=puas,TIDAK_PUAS")
        .await;
    assert_eq!(both.lines().count(), 2, "{both}");
    let (status, refused) = app.export(&supervisor, "satisfaction=BAGUS").await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.contains("BAGUS"), "{refused}");
}

/// A Tidak puas reaches a supervisor (see `satisfaction.rs`) and the officers of the unit that
/// handled the report, whose subscription may ask for such answers only
/// (`reportEvents(filter: { satisfaction: [TIDAK_PUAS] })`); an officer of another unit, who
/// may not see the report, hears nothing of it.
#[tokio::test]
async fn a_tidak_puas_reaches_the_units_officers_through_a_filtered_subscription() {
    use futures_util::StreamExt as _;
    let app = spawn_app().await;
    let token = operator(&app).await;
    let polsek = app
        .user_token("polsek", Role::Officer, Some(super::satisfaction::UNIT))
        .await;
    let sako = app
        .user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    let phone = "081377102011";
    let (id, ticket) =
        resolved_report(&app, &token, phone, "motor saya dicuri di pasar 16 ilir").await;
    app.wait_until("the question is sent", |app| questions(app).len() == 1)
        .await;
    let mut unit = common::ws::subscribe_as(
        &app,
        &polsek,
        "subscription { reportEvents(filter: { satisfaction: [TIDAK_PUAS] }) { kind report { ticket satisfaction { rating } } } }",
    )
    .await;
    let mut elsewhere = common::ws::subscribe_as(
        &app,
        &sako,
        "subscription { reportEvents { kind report { ticket } } }",
    )
    .await;

    let tap = common::button_reply(
        &wa_id(phone),
        &format!("siaga:rate:tidak_puas:{id}"),
        "Tidak puas",
        "wamid.filter.20",
    );
    assert_eq!(app.post_signed_webhook(&tap).await.status(), 200);
    let mut kinds = Vec::new();
    while !kinds.contains(&"DISSATISFIED".to_string()) {
        assert!(kinds.len() < 10, "{kinds:?}");
        let event = common::ws::next_json(&mut unit).await;
        let body = &event["payload"]["data"]["reportEvents"];
        assert_eq!(body["report"]["ticket"], ticket.as_str(), "{event}");
        assert_eq!(
            body["report"]["satisfaction"]["rating"], "TIDAK_PUAS",
            "the filter lets only Tidak puas reports through: {event}"
        );
        kinds.push(body["kind"].as_str().unwrap_or_default().to_string());
    }
    let heard = tokio::time::timeout(Duration::from_secs(2), elsewhere.next()).await;
    assert!(
        heard.is_err(),
        "another unit's officer hears nothing: {heard:?}"
    );
}
