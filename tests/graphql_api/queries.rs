//! Queries themselves: paging with a total count in both orders and their cursors, limits on hostile queries, GraphiQL.

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
async fn the_queue_order_lists_by_due_time_then_priority_and_pages_by_its_own_cursors() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let mut ids = Vec::new();
    for index in 0..4 {
        ids.push(
            app.citizen_reports(&format!("08137710300{index}"), "lapor")
                .await
                .0,
        );
    }
    let prioritise = |id: &str, priority: &str| {
        app.graphql(
            Some(&token),
            "mutation($id: ID!, $p: Priority) { triageReport(id: $id, category: \"curanmor\", priority: $p) { priority } }",
            json!({ "id": id, "p": priority }),
        )
    };
    // The oldest waits a day for its forward, the newest five minutes; the two untriaged ones
    // are due for a first action half an hour after they came in.
    assert_eq!(
        prioritise(&ids[0], "LOW").await["data"]["triageReport"]["priority"],
        "LOW"
    );
    assert_eq!(
        prioritise(&ids[3], "URGENT").await["data"]["triageReport"]["priority"],
        "URGENT"
    );
    let query = "query($order: ReportOrder!, $after: String) { reports(order: $order, first: 1, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let walk = |order: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let (mut seen, mut cursors, mut after) = (Vec::new(), Vec::new(), Value::Null);
            loop {
                let page = app
                    .graphql(
                        Some(token),
                        query,
                        json!({ "order": order, "after": after }),
                    )
                    .await;
                let connection = &page["data"]["reports"];
                assert_eq!(connection["totalCount"], 4, "{page}");
                for edge in connection["edges"].as_array().unwrap() {
                    seen.push(edge["node"]["id"].as_str().unwrap().to_string());
                    cursors.push(edge["cursor"].as_str().unwrap().to_string());
                }
                if connection["pageInfo"]["hasNextPage"] != true {
                    return (seen, cursors);
                }
                after = connection["pageInfo"]["endCursor"].clone();
            }
        }
    };
    let (queue, queue_cursors) = walk("QUEUE").await;
    assert_eq!(queue, [&*ids[3], &ids[1], &ids[2], &ids[0]]);
    let (newest, newest_cursors) = walk("NEWEST_FIRST").await;
    assert_eq!(newest, [&*ids[3], &ids[2], &ids[1], &ids[0]]);
    assert_eq!(
        newest_cursors[0], ids[3],
        "newest-first cursors are still report ids"
    );

    let refused = |order: &'static str, after: String| {
        let app = &app;
        let token = &token;
        async move {
            let response = app
                .graphql(
                    Some(token),
                    query,
                    json!({ "order": order, "after": after }),
                )
                .await;
            assert_eq!(
                error_code(&response).as_deref(),
                Some("BAD_USER_INPUT"),
                "{response}"
            );
            response["errors"][0]["message"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let message = refused("NEWEST_FIRST", queue_cursors[0].clone()).await;
    assert!(message.contains("QUEUE order"), "{message}");
    let message = refused("QUEUE", newest_cursors[0].clone()).await;
    assert!(message.contains("NEWEST_FIRST order"), "{message}");
    for garbage in ["Q", "Qnot-base64!", "QAAAA", "-1", "banana"] {
        refused("QUEUE", garbage.to_string()).await;
        refused("NEWEST_FIRST", garbage.to_string()).await;
    }
    let default_order = app
        .graphql(
            Some(&token),
            "{ reports(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        default_order["data"]["reports"]["edges"][0]["node"]["id"],
        ids[3].as_str()
    );
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
