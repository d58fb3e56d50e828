//! Issue 18 parts 1 and 2 through signed webhooks and GraphQL over HTTP: a report in one
//! person's hands (the claim race, the idle timeout on an injected clock, the reach of officers,
//! supervisors assigning, claims ending when a report leaves the holder's reach, the list
//! filters, the ASSIGNED event), and canned replies (variables filled, an unknown variable
//! refused, usage counted, who may manage them, the profile's starter set).

use chrono::{DateTime, Duration as Span, Utc};

use super::*;
use common::timeline_kinds;

const REPORT_HOLDER: &str = "query($id: ID) { report(id: $id) { status assignee { username displayName since lastActionAt idleUntil assignedBy } timeline { kind actor note } } }";
const CLAIM: &str = "mutation($id: ID!) { claimReport(id: $id) { id assignee { username } } }";
const RELEASE: &str = "mutation($id: ID!) { releaseReport(id: $id) { id assignee { username } } }";
const ASSIGN: &str = "mutation($id: ID!, $u: String!) { assignReport(id: $id, username: $u) { assignee { username assignedBy } } }";

async fn holder_of(app: &TestApp, token: &str, id: &str) -> Value {
    let response = app
        .graphql(Some(token), REPORT_HOLDER, json!({ "id": id }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["report"].clone()
}

async fn supervisor(app: &TestApp) -> String {
    app.user_token("spv1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await
}

/// A user with a display name, signed in.
async fn named_user(app: &TestApp, username: &str, role: Role, unit: &str, name: &str) -> String {
    app.state
        .services
        .auth
        .create_user(
            username,
            &common::password_of(username),
            role,
            Some(unit.parse().unwrap()),
            Some(name.to_string()),
        )
        .await
        .unwrap();
    app.login(username).await
}

#[tokio::test]
async fn two_operators_racing_to_claim_leave_exactly_one_holder_and_the_other_is_told_who() {
    let app = spawn_app().await;
    let sari = named_user(
        &app,
        "sari",
        Role::Operator,
        "COMMAND_CENTER",
        "Bripda Sari",
    )
    .await;
    let budi = named_user(
        &app,
        "budi",
        Role::Operator,
        "COMMAND_CENTER",
        "Bripda Budi",
    )
    .await;
    for round in 0..6 {
        let (id, ticket) = app
            .citizen_reports(&format!("08137710{round:04}"), "motor saya dicuri di pasar")
            .await;
        let (first, second) = tokio::join!(
            app.graphql(Some(&sari), CLAIM, json!({ "id": id })),
            app.graphql(Some(&budi), CLAIM, json!({ "id": id })),
        );
        let outcomes = [
            ("sari", "Bripda Sari", &first),
            ("budi", "Bripda Budi", &second),
        ];
        let winners: Vec<_> = outcomes
            .iter()
            .filter(|(_, _, response)| response["errors"].is_null())
            .collect();
        assert_eq!(winners.len(), 1, "exactly one claim wins: {first} {second}");
        let (winner, winner_name, won) = winners[0];
        assert_eq!(won["data"]["claimReport"]["assignee"]["username"], *winner);
        let (_, _, lost) = outcomes
            .iter()
            .find(|(username, _, _)| username != winner)
            .unwrap();
        assert_eq!(error_code(lost).as_deref(), Some("CONFLICT"), "{lost}");
        let message = lost["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(&ticket) && message.contains(winner) && message.contains(winner_name),
            "the refusal names the report and its holder: {message}"
        );
        let report = holder_of(&app, &sari, &id).await;
        assert_eq!(report["assignee"]["username"], *winner);
        assert_eq!(report["assignee"]["displayName"], *winner_name);
        let claims = timeline_kinds(&report)
            .into_iter()
            .filter(|kind| kind == "CLAIMED")
            .count();
        assert_eq!(claims, 1, "the losing claim wrote nothing: {report}");
    }
}

#[tokio::test]
async fn a_claim_runs_out_after_the_idle_period_without_action_by_its_holder() {
    let app = spawn_app_with(|settings| settings.claim_idle_minutes = Some(30)).await;
    let ops1 = operator(&app).await;
    let ops2 = app
        .user_token("ops2", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let (id, _) = app
        .citizen_reports("081377109001", "ada pencurian helm di parkiran")
        .await;
    assert!(app.graphql(Some(&ops1), CLAIM, json!({ "id": id })).await["errors"].is_null());
    let claimed = holder_of(&app, &ops1, &id).await;
    let since: DateTime<Utc> = claimed["assignee"]["since"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Someone else's note does not keep ops1's claim alive; ops1's own note does.
    let note = "mutation($id: ID!, $t: String!) { addNote(reportId: $id, text: $t) { kind } }";
    let noted = app
        .graphql(Some(&ops2), note, json!({ "id": id, "t": "saya cek cctv" }))
        .await;
    assert!(noted["errors"].is_null(), "{noted}");
    let after_other = holder_of(&app, &ops1, &id).await;
    assert_eq!(
        after_other["assignee"]["lastActionAt"],
        claimed["assignee"]["lastActionAt"]
    );
    let noted = app
        .graphql(
            Some(&ops1),
            note,
            json!({ "id": id, "t": "pelapor dihubungi" }),
        )
        .await;
    assert!(noted["errors"].is_null(), "{noted}");
    let acted = holder_of(&app, &ops1, &id).await;
    let last_action: DateTime<Utc> = acted["assignee"]["lastActionAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(last_action > since, "{acted}");
    let idle_until: DateTime<Utc> = acted["assignee"]["idleUntil"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(idle_until, last_action + Span::minutes(30));

    let workflow = &app.state.services.workflow;
    let mut events = app.state.bus.subscribe();
    let early = workflow
        .run_clock(last_action + Span::minutes(30) - Span::milliseconds(1))
        .await
        .unwrap();
    assert_eq!(early.claims_expired, 0, "{early:?}");
    assert_eq!(
        holder_of(&app, &ops1, &id).await["assignee"]["username"],
        "ops1"
    );

    let due = workflow
        .run_clock(last_action + Span::minutes(30))
        .await
        .unwrap();
    assert_eq!(due.claims_expired, 1, "{due:?}");
    loop {
        let event = events.recv().await.unwrap();
        if event.kind == siaga::bus::ReportEventKind::Assigned {
            assert_eq!(event.report_id.to_string(), id);
            break;
        }
    }
    let expired = holder_of(&app, &ops1, &id).await;
    assert_eq!(expired["assignee"], Value::Null, "{expired}");
    let entry = expired["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "CLAIM_EXPIRED")
        .expect("a timeline entry says the claim ran out");
    assert_eq!(entry["actor"], "system");
    assert!(entry["note"].as_str().unwrap().contains("ops1"), "{entry}");
    let again = workflow
        .run_clock(last_action + Span::minutes(90))
        .await
        .unwrap();
    assert_eq!(again.claims_expired, 0, "it runs out once");

    // The report is free for the next operator.
    let claimed = app.graphql(Some(&ops2), CLAIM, json!({ "id": id })).await;
    assert_eq!(
        claimed["data"]["claimReport"]["assignee"]["username"], "ops2",
        "{claimed}"
    );
}

#[tokio::test]
async fn officers_claim_only_what_they_see_and_supervisors_assign_only_to_who_can_see_it() {
    let app = spawn_app().await;
    let ops = operator(&app).await;
    let spv = supervisor(&app).await;
    let sako = app
        .user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    let (id, _) = app
        .citizen_reports("081377109101", "motor saya hilang di depan rumah")
        .await;

    let refused = app.graphql(Some(&sako), CLAIM, json!({ "id": id })).await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("FORBIDDEN"),
        "{refused}"
    );
    let refused = app
        .graphql(Some(&spv), ASSIGN, json!({ "id": id, "u": "sako" }))
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("BAD_USER_INPUT"),
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot see"),
        "{refused}"
    );
    let by_operator = app
        .graphql(Some(&ops), ASSIGN, json!({ "id": id, "u": "ops1" }))
        .await;
    assert_eq!(
        error_code(&by_operator).as_deref(),
        Some("FORBIDDEN"),
        "{by_operator}"
    );
    assert_eq!(
        holder_of(&app, &ops, &id).await["assignee"],
        Value::Null,
        "refusals change nothing"
    );

    let forwarded = forward(&app, &ops, &id, "POLSEK_PLG_SAKO").await;
    assert!(forwarded["errors"].is_null(), "{forwarded}");
    let assigned = app
        .graphql(Some(&spv), ASSIGN, json!({ "id": id, "u": "sako" }))
        .await;
    assert_eq!(
        assigned["data"]["assignReport"]["assignee"],
        json!({ "username": "sako", "assignedBy": "spv1" }),
        "{assigned}"
    );
    let people = app
        .graphql(
            Some(&spv),
            "query($id: ID!) { assignableUsers(reportId: $id) { username } }",
            json!({ "id": id }),
        )
        .await;
    let usernames: Vec<&str> = people["data"]["assignableUsers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["username"].as_str().unwrap())
        .collect();
    assert_eq!(usernames, vec!["ops1", "sako", "spv1"], "{people}");

    // Forwarded to a unit the holder cannot see: the claim ends with the forward.
    let moved = forward(&app, &ops, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    assert!(moved["errors"].is_null(), "{moved}");
    let report = holder_of(&app, &ops, &id).await;
    assert_eq!(report["assignee"], Value::Null, "{report}");
    let released = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|event| event["kind"] == "RELEASED")
        .expect("a RELEASED entry");
    assert!(
        released["note"]
            .as_str()
            .unwrap()
            .contains("sako cannot see it"),
        "{released}"
    );
}

#[tokio::test]
async fn a_claim_is_released_by_its_holder_or_a_supervisor_and_ends_when_the_report_closes() {
    let app = spawn_app().await;
    let ops1 = operator(&app).await;
    let ops2 = app
        .user_token("ops2", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let spv = supervisor(&app).await;
    let (id, _) = app
        .citizen_reports("081377109201", "ada penipuan jual beli online")
        .await;
    app.graphql(Some(&ops1), CLAIM, json!({ "id": id })).await;
    let refused = app.graphql(Some(&ops2), RELEASE, json!({ "id": id })).await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("FORBIDDEN"),
        "{refused}"
    );
    let released = app.graphql(Some(&spv), RELEASE, json!({ "id": id })).await;
    assert_eq!(
        released["data"]["releaseReport"]["assignee"],
        Value::Null,
        "{released}"
    );
    app.graphql(Some(&ops2), CLAIM, json!({ "id": id })).await;
    let released = app.graphql(Some(&ops2), RELEASE, json!({ "id": id })).await;
    assert_eq!(
        released["data"]["releaseReport"]["assignee"],
        Value::Null,
        "{released}"
    );

    app.graphql(Some(&ops1), CLAIM, json!({ "id": id })).await;
    let rejected = set_status(&app, &ops1, &id, "REJECTED").await;
    assert!(rejected["errors"].is_null(), "{rejected}");
    let report = holder_of(&app, &ops1, &id).await;
    assert_eq!(
        report["assignee"],
        Value::Null,
        "a final report is nobody's: {report}"
    );
    let late = app.graphql(Some(&ops2), CLAIM, json!({ "id": id })).await;
    assert_eq!(error_code(&late).as_deref(), Some("CONFLICT"), "{late}");
}

#[tokio::test]
async fn lists_filter_by_holder_and_claims_reach_subscribers_with_the_person() {
    let app = spawn_app().await;
    let ops1 = operator(&app).await;
    let ops2 = app
        .user_token("ops2", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let mut socket = common::ws::connect(&app, "graphql-transport-ws").await;
    socket
        .send(WsMessage::Text(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {ops2}") } }).to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        common::ws::next_json(&mut socket).await["type"],
        "connection_ack"
    );
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents(filter: { unassigned: false }) { kind report { ticket assignee { username } } } }" } });
    let opened = app.subscriptions_opened();
    socket
        .send(WsMessage::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(opened).await;

    let mut ids = Vec::new();
    for n in 0..3 {
        let (id, _) = app
            .citizen_reports(&format!("0813771093{n:02}"), "ada orang mencurigakan")
            .await;
        ids.push(id);
    }
    app.graphql(Some(&ops1), CLAIM, json!({ "id": ids[0] }))
        .await;
    app.graphql(Some(&ops2), CLAIM, json!({ "id": ids[1] }))
        .await;

    // Only events of held reports pass the filter; delivery updates of the automatic replies
    // may come first.
    let mut assigned = None;
    for _ in 0..10 {
        let event = common::ws::next_json(&mut socket).await;
        let body = event["payload"]["data"]["reportEvents"].clone();
        assert!(body["report"]["assignee"].is_object(), "{event}");
        if body["kind"] == "ASSIGNED" {
            assigned = Some(body);
            break;
        }
    }
    let assigned = assigned.expect("an ASSIGNED event");
    assert_eq!(
        assigned["report"]["assignee"]["username"], "ops1",
        "{assigned}"
    );

    let list = |filter: Value| {
        let app = &app;
        let ops1 = ops1.clone();
        async move {
            let response = app
                .graphql(
                    Some(&ops1),
                    "query($f: ReportFilter) { reports(filter: $f, first: 50) { totalCount edges { node { id } } } }",
                    json!({ "f": filter }),
                )
                .await;
            assert!(response["errors"].is_null(), "{response}");
            let mut found: Vec<String> = response["data"]["reports"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|edge| edge["node"]["id"].as_str().unwrap().to_string())
                .collect();
            found.sort();
            found
        }
    };
    assert_eq!(
        list(json!({ "assignedToMe": true })).await,
        vec![ids[0].clone()]
    );
    assert_eq!(
        list(json!({ "assignee": "ops2" })).await,
        vec![ids[1].clone()]
    );
    assert_eq!(
        list(json!({ "unassigned": true })).await,
        vec![ids[2].clone()]
    );
    let mut not_mine = vec![ids[1].clone(), ids[2].clone()];
    not_mine.sort();
    assert_eq!(list(json!({ "assignedToMe": false })).await, not_mine);
    assert_eq!(
        list(json!({ "assignee": "nobody" })).await,
        Vec::<String>::new()
    );

    let contradiction = app
        .graphql(
            Some(&ops1),
            "query { reports(filter: { assignee: \"ops2\", assignedToMe: true }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&contradiction).as_deref(),
        Some("BAD_USER_INPUT"),
        "{contradiction}"
    );
    let searched = app
        .graphql(
            Some(&ops1),
            "query { search(query: \"\", filter: { assignedToMe: true }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&searched).as_deref(),
        Some("BAD_USER_INPUT"),
        "{searched}"
    );
}
