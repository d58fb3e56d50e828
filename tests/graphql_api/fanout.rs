//! The subscriptions' shared work: subscribers of one visibility class and document share an
//! event's resolved value, and still each get exactly what their own `report` query answers;
//! a subscriber that stops reading holds nobody else back; every subscription gets each event
//! once, in order.

use super::*;

/// Fields that no longer change once a report is forwarded, so that an ASSIGNED event and a
/// later query must agree on them; the reporter's phone shows the analysts' masking,
/// `allowedStatusMoves` the reader's role.
const STABLE_FIELDS: &str =
    "id ticket status category reporter { phone } assignedUnit { code } allowedStatusMoves";

async fn subscribe(app: &TestApp, token: &str, query: &str) -> common::ws::Socket {
    let mut socket = common::ws::connect(app, "graphql-transport-ws").await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket
        .send(WsMessage::Text(init.to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        common::ws::next_json(&mut socket).await["type"],
        "connection_ack"
    );
    let subscriptions = app.subscriptions_opened();
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    socket
        .send(WsMessage::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(subscriptions).await;
    socket
}

/// The ASSIGNED events' reports, by report id, until the one of `last`.
async fn assigned_until(socket: &mut common::ws::Socket, last: &str) -> Vec<(String, Value)> {
    let mut assigned = Vec::new();
    loop {
        let message = common::ws::next_json(socket).await;
        assert_eq!(message["type"], "next", "{message}");
        let event = &message["payload"]["data"]["reportEvents"];
        if event["kind"] != "ASSIGNED" {
            continue;
        }
        let id = event["report"]["id"].as_str().unwrap().to_string();
        assigned.push((id.clone(), event["report"].clone()));
        if id == last {
            return assigned;
        }
    }
}

#[tokio::test]
async fn every_subscriber_of_a_shared_event_gets_what_its_own_report_query_answers() {
    let app = spawn_app().await;
    let operator = operator(&app).await;
    let people: [(&str, Role, Option<&str>); 6] = [
        ("sako1", Role::Officer, Some("POLSEK_PLG_SAKO")),
        ("sako2", Role::Officer, Some("POLSEK_PLG_SAKO")),
        ("kemuning1", Role::Officer, Some("POLSEK_PLG_KEMUNING")),
        ("propam1", Role::Officer, Some("BIDPROPAM")),
        ("analyst1", Role::Analyst, None),
        ("supervisor1", Role::Supervisor, None),
    ];
    let document =
        format!("subscription {{ reportEvents {{ kind report {{ {STABLE_FIELDS} }} }} }}");
    let mut readers = Vec::new();
    for (name, role, unit) in people {
        let token = app.user_token(name, role, unit).await;
        let socket = subscribe(&app, &token, &document).await;
        readers.push((name, token, socket));
    }

    let (sako, _) = app.citizen_reports("081377301010", "maling di sako").await;
    forward(&app, &operator, &sako, "POLSEK_PLG_SAKO").await;
    let (complaint, _) = app
        .citizen_reports("081377301011", "oknum polisi minta uang damai")
        .await;
    triage(&app, &operator, &complaint, "pungli_oknum").await;
    forward(&app, &operator, &complaint, "BIDPROPAM").await;
    let (kemuning, _) = app
        .citizen_reports("081377301012", "maling di kemuning")
        .await;
    forward(&app, &operator, &kemuning, "POLSEK_PLG_KEMUNING").await;

    let mut of_sako = std::collections::HashMap::new();
    for (name, token, socket) in &mut readers {
        let (visible, last): (Vec<&str>, &str) = match *name {
            "sako1" | "sako2" => (vec![&sako], &sako),
            "kemuning1" => (vec![&kemuning], &kemuning),
            "propam1" => (vec![&complaint], &complaint),
            "analyst1" => (vec![&sako, &kemuning], &kemuning),
            _ => (vec![&sako, &complaint, &kemuning], &kemuning),
        };
        let assigned = assigned_until(socket, last).await;
        let ids: Vec<&str> = assigned.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, visible, "{name} gets the events of what it may see");
        for (id, streamed) in &assigned {
            let queried = app
                .graphql(
                    Some(token),
                    &format!("query($id: ID!) {{ report(id: $id) {{ {STABLE_FIELDS} }} }}"),
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(
                streamed, &queried["data"]["report"],
                "{name}'s event and its own query agree"
            );
            if id == &sako {
                of_sako.insert(*name, streamed.clone());
            }
        }
    }
    assert_eq!(of_sako["sako1"], of_sako["sako2"], "one class, one value");
    assert_ne!(
        of_sako["analyst1"]["reporter"]["phone"], of_sako["supervisor1"]["reporter"]["phone"],
        "the analyst's copy is masked, the supervisor's is not"
    );
    assert_ne!(
        of_sako["analyst1"]["allowedStatusMoves"], of_sako["supervisor1"]["allowedStatusMoves"],
        "an analyst and a supervisor are offered different moves: {of_sako:?}"
    );
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_holds_no_other_subscriber_back() {
    let app = spawn_app().await;
    let operator = operator(&app).await;
    let (id, _) = app.citizen_reports("081377301020", "ada tawuran").await;
    // The stalled subscriber asks for the whole timeline with every event, so that its frames
    // grow with every note and soon fill its socket's buffers.
    let heavy = "subscription { reportEvents { kind report { timeline { kind at actor note } } } }";
    let light = "subscription { reportEvents { kind report { id } } }";
    let _stalled = subscribe(&app, &operator, heavy).await;
    let mut reading = subscribe(&app, &operator, light).await;
    let note = "catatan panjang ".repeat(60);
    let notes = 150;
    for _ in 0..notes {
        let added = app
            .graphql(
                Some(&operator),
                "mutation($id: ID!, $text: String!) { addNote(reportId: $id, text: $text) { kind } }",
                json!({ "id": id, "text": note }),
            )
            .await;
        assert!(added["errors"].is_null(), "{added}");
    }
    let mut seen = 0;
    while seen < notes {
        let message = common::ws::next_json(&mut reading).await;
        if message["payload"]["data"]["reportEvents"]["kind"] == "NOTE_ADDED" {
            seen += 1;
        }
    }
}

/// The REPORT_CREATED frames of `ticket`, by subscription id, until every id in `ids` has one;
/// every message read on the way is returned too.
async fn created_frames(
    socket: &mut common::ws::Socket,
    ticket: &str,
    ids: &[&str],
) -> (std::collections::HashMap<String, Value>, Vec<Value>) {
    let mut frames = std::collections::HashMap::new();
    let mut read = Vec::new();
    while ids.iter().any(|id| !frames.contains_key(*id)) {
        let message = common::ws::next_json(socket).await;
        read.push(message.clone());
        let Some(data) = message["payload"]["data"].as_object() else {
            continue;
        };
        let Some(event) = data.values().next() else {
            continue;
        };
        let created = event["kind"] == "REPORT_CREATED";
        let of_ticket = event["report"]["ticket"] == ticket || event["report"].is_null();
        if message["type"] == "next" && created && of_ticket {
            frames.insert(message["id"].as_str().unwrap().to_string(), message);
        }
    }
    (frames, read)
}

#[tokio::test]
async fn subscriptions_on_one_socket_get_their_own_frames_and_none_once_completed() {
    let app = spawn_app().await;
    let operator = operator(&app).await;
    let mut socket = subscribe(
        &app,
        &operator,
        "subscription { reportEvents { kind report { ticket } } }",
    )
    .await;
    // A second subscription on the same socket: another id (one that needs escaping), an
    // alias, another selection.
    let other_id = "dua \"kedua\"";
    let opened = app.subscriptions_opened();
    let subscribe = json!({ "id": other_id, "type": "subscribe", "payload": {
        "query": "subscription Live { live: reportEvents { kind at } }" } });
    socket
        .send(WsMessage::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(opened).await;

    let (_, ticket) = app.citizen_reports("081377301031", "ada pencurian").await;
    let (frames, _) = created_frames(&mut socket, &ticket, &["1", other_id]).await;
    let first = &frames["1"]["payload"]["data"];
    assert_eq!(first["reportEvents"]["report"]["ticket"], ticket.as_str());
    assert_eq!(
        first.as_object().unwrap().len(),
        1,
        "only its own field: {first}"
    );
    let second = &frames[other_id]["payload"]["data"];
    assert_eq!(second["live"]["kind"], "REPORT_CREATED");
    assert!(second["live"]["at"].is_string(), "{second}");
    assert!(second["live"]["report"].is_null(), "{second}");

    // The client completes "1": nothing more of it arrives, the other goes on.
    let complete = json!({ "id": "1", "type": "complete" });
    socket
        .send(WsMessage::Text(complete.to_string().into()))
        .await
        .unwrap();
    // async-graphql confirms the completion; frames of "1" may come before it, none after.
    loop {
        let message = common::ws::next_json(&mut socket).await;
        if message["id"] == "1" && message["type"] == "complete" {
            break;
        }
    }
    let (_, later) = app.citizen_reports("081377301032", "ada tawuran").await;
    let (_, read) = created_frames(&mut socket, &later, &[other_id]).await;
    assert!(
        read.iter().all(|message| message["id"] != "1"),
        "a completed subscription got more: {read:?}"
    );
}

/// The REPORT_CREATED tickets on `socket`, by subscription id, until every id in `ids` has
/// `count` of them; every item must be of `item_type` (`next`, or `data` for graphql-ws).
async fn created_tickets(
    socket: &mut common::ws::Socket,
    item_type: &str,
    ids: &[&str],
    count: usize,
) -> std::collections::HashMap<String, Vec<String>> {
    let mut tickets: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    while ids
        .iter()
        .any(|id| tickets.get(*id).map_or(0, Vec::len) < count)
    {
        let message = common::ws::next_json(socket).await;
        assert_eq!(message["type"], item_type, "{message}");
        let event = message["payload"]["data"]
            .as_object()
            .and_then(|data| data.values().next())
            .unwrap_or_else(|| panic!("an event: {message}"));
        if event["kind"] == "REPORT_CREATED" {
            let id = message["id"].as_str().unwrap().to_string();
            let ticket = event["report"]["ticket"].as_str().unwrap().to_string();
            tickets.entry(id).or_default().push(ticket);
        }
    }
    tickets
}

#[tokio::test]
async fn every_subscription_gets_each_event_once_and_in_order_over_both_protocols() {
    let app = spawn_app().await;
    let operator = operator(&app).await;
    // Two subscriptions of different documents on one socket, a third on a legacy socket with
    // the first one's document: three (class, document) deliveries, two of them sharing bytes.
    let document = "subscription { reportEvents { kind report { ticket } } }";
    let mut socket = subscribe(&app, &operator, document).await;
    let opened = app.subscriptions_opened();
    let second = json!({ "id": "2", "type": "subscribe", "payload": {
        "query": "subscription { other: reportEvents { kind report { ticket status } } }" } });
    socket
        .send(WsMessage::Text(second.to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(opened).await;
    let mut legacy = common::ws::connect(&app, "graphql-ws").await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {operator}") } });
    legacy
        .send(WsMessage::Text(init.to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        common::ws::next_json(&mut legacy).await["type"],
        "connection_ack"
    );
    let opened = app.subscriptions_opened();
    let start = json!({ "id": "x", "type": "start", "payload": { "query": document } });
    legacy
        .send(WsMessage::Text(start.to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(opened).await;

    let mut posted = Vec::new();
    for index in 0..12 {
        let (_, ticket) = app
            .citizen_reports(&format!("0813773020{index:02}"), "ada tawuran")
            .await;
        posted.push(ticket);
    }
    let on_socket = created_tickets(&mut socket, "next", &["1", "2"], posted.len()).await;
    assert_eq!(on_socket["1"], posted, "each once, in the order published");
    assert_eq!(on_socket["2"], posted);
    let on_legacy = created_tickets(&mut legacy, "data", &["x"], posted.len()).await;
    assert_eq!(on_legacy["x"], posted);
}
