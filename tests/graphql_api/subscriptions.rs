//! Live events over a real WebSocket: both protocols, refused tokens, and officers' filter.

use super::*;

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
