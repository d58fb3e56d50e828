//! Queries themselves: paging with a total count, limits on hostile queries, GraphiQL.

use super::*;

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
