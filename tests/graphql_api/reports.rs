//! The report workflow through GraphQL: status changes, replies and the 24-hour window, the
//! unit tree, calls and notes, merges, and the answer to an urgent report.

use super::*;

#[tokio::test]
async fn an_operator_works_a_report_from_new_to_closed_and_the_citizen_is_told() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, ticket) = app
        .citizen_reports("081377101001", "motor saya dicuri di pasar 16 ilir")
        .await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;

    let triaged = triage(&app, &token, &id, "curanmor").await;
    assert_eq!(
        triaged["data"]["triageReport"],
        json!({ "status": "TRIAGED", "category": "curanmor", "priority": "HIGH", "summary": "ringkasan" })
    );
    let forwarded = forward(&app, &token, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    assert_eq!(
        forwarded["data"]["forwardReport"]["status"], "FORWARDED",
        "{forwarded}"
    );
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    let notice = sent[1]["text"]["body"].as_str().unwrap();
    assert!(
        notice.contains(&ticket) && notice.contains("diteruskan"),
        "{notice}"
    );

    for status in ["IN_PROGRESS", "RESOLVED", "CLOSED"] {
        let moved = set_status(&app, &token, &id, status).await;
        assert_eq!(
            moved["data"]["setReportStatus"]["status"], status,
            "{moved}"
        );
    }
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    assert!(
        sent[2]["text"]["body"]
            .as_str()
            .unwrap()
            .contains("selesai"),
        "the citizen hears it is resolved"
    );

    let report = app
        .graphql(
            Some(&token),
            &format!("query($id: ID) {{ report(id: $id) {{ {REPORT_FIELDS} }} }}"),
            json!({ "id": id }),
        )
        .await;
    let report = &report["data"]["report"];
    assert_eq!(report["ticket"], ticket);
    assert_eq!(report["reporter"]["phone"], "+6281377101001");
    assert_eq!(report["assignedUnit"]["code"], "POLSEK_PLG_ILIR_TIMUR_I");
    let kinds: Vec<&str> = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds
            .iter()
            .filter(|kind| **kind == "STATUS_CHANGED")
            .count()
            >= 3,
        "{kinds:?}"
    );
    let actors: Vec<&str> = report["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["actor"].as_str().unwrap())
        .collect();
    assert!(actors.contains(&"ops1"));
}

#[tokio::test]
async fn an_illegal_status_change_is_a_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377101002", "ada keributan").await;
    let before = app.only_report();
    let refused = set_status(&app, &token, &id, "RESOLVED").await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("CONFLICT"),
        "{refused}"
    );
    assert_eq!(app.only_report(), before);
    let spam = set_status(&app, &token, &id, "SPAM").await;
    assert_eq!(spam["data"]["setReportStatus"]["status"], "SPAM");
    let after_final = set_status(&app, &token, &id, "TRIAGED").await;
    assert_eq!(error_code(&after_final).as_deref(), Some("CONFLICT"));
}

#[tokio::test]
async fn replies_follow_the_24_hour_window() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377101005", "ada pencurian").await;
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    let reply = app
        .graphql(Some(&token), "mutation($id: ID!) { replyToReporter(reportId: $id, text: \"Apakah ada saksi?\") { direction kind text } }", json!({ "id": id }))
        .await;
    assert_eq!(
        reply["data"]["replyToReporter"],
        json!({ "direction": "OUTBOUND", "kind": "text", "text": "Apakah ada saksi?" })
    );
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    assert_eq!(sent[1]["text"]["body"], "Apakah ada saksi?");

    close_the_window(&app).await;
    let messages_before = app.state.store.len(Table::Messages);
    let refused = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { replyToReporter(reportId: $id, text: \"halo?\") { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_refused_outside_the_window(&app, &refused, messages_before);
}

#[tokio::test]
async fn the_unit_tree_comes_from_the_profile_and_admins_change_it() {
    let app = spawn_app().await;
    let admin = app.user_token("chief", Role::Admin, None).await;
    let tree = app
        .graphql(
            Some(&admin),
            "{ units { code children { code children { code } } } }",
            json!({}),
        )
        .await;
    let roots = tree["data"]["units"].as_array().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0]["code"], "POLDA_SUMSEL");
    let count = |unit: &Value| -> usize {
        fn walk(unit: &Value) -> usize {
            1 + unit["children"]
                .as_array()
                .map(|children| children.iter().map(walk).sum())
                .unwrap_or(0)
        }
        walk(unit)
    };
    assert_eq!(count(&roots[0]), 194);
    let malformed = app
        .graphql(Some(&admin), "mutation { addUnit(code: \"polsek baru\", name: \"Polsek Baru\", kind: TERRITORIAL, parentCode: \"POLRESTABES_PALEMBANG\") { code } }", json!({}))
        .await;
    assert_eq!(
        error_code(&malformed).as_deref(),
        Some("BAD_USER_INPUT"),
        "{malformed}"
    );
    let added = app
        .graphql(Some(&admin), "mutation { addUnit(code: \"POLSEK_PLG_JAKABARING\", name: \"Polsek Jakabaring\", kind: TERRITORIAL, parentCode: \"POLRESTABES_PALEMBANG\") { code parentCode active } }", json!({}))
        .await;
    assert_eq!(
        added["data"]["addUnit"]["parentCode"], "POLRESTABES_PALEMBANG",
        "{added}"
    );
    let renamed = app.graphql(Some(&admin), "mutation { renameUnit(code: \"POLSEK_PLG_JAKABARING\", name: \"Polsek Jakabaring Baru\") { name } }", json!({})).await;
    assert_eq!(
        renamed["data"]["renameUnit"]["name"],
        "Polsek Jakabaring Baru"
    );
    let deactivated = app
        .graphql(
            Some(&admin),
            "mutation { setUnitActive(code: \"POLSEK_PLG_JAKABARING\", active: false) { active } }",
            json!({}),
        )
        .await;
    assert_eq!(deactivated["data"]["setUnitActive"]["active"], false);
}

#[tokio::test]
async fn calls_notes_location_and_call_permission_requests_are_logged() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app
        .citizen_reports("081377101006", "ada orang mencurigakan")
        .await;
    let call = app
        .graphql(Some(&token), "mutation($id: ID!) { logCall(reportId: $id, kind: PHONE, outcome: \"answered\", durationSeconds: 95, note: \"saksi dua orang\") { kind actor note } }", json!({ "id": id }))
        .await;
    assert_eq!(call["data"]["logCall"]["actor"], "ops1", "{call}");
    let location = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { requestLocation(reportId: $id) { kind } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        location["data"]["requestLocation"]["kind"], "location_request",
        "{location}"
    );
    let permission = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { requestCallPermission(reportId: $id) { kind } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        permission["data"]["requestCallPermission"]["kind"], "call_permission_request",
        "{permission}"
    );
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    assert!(
        sent.iter()
            .any(|body| body["interactive"]["type"] == "location_request_message")
    );
    assert!(
        sent.iter()
            .any(|body| body["interactive"]["type"] == "call_permission_request")
    );
}

#[tokio::test]
async fn merging_moves_the_messages_and_marks_the_other_report_duplicate() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (first, _) = app
        .citizen_reports("081377101007", "tabrakan di jalan")
        .await;
    // The citizen writes again once the case is closed: a new report, about the same case.
    forward(&app, &token, &first, "POLRESTABES_PALEMBANG").await;
    for status in ["RESOLVED", "CLOSED"] {
        let moved = set_status(&app, &token, &first, status).await;
        assert!(moved["errors"].is_null(), "{moved}");
    }
    let (second, _) = app
        .citizen_reports("081377101007", "kecelakaan motor di jalan yang sama")
        .await;
    assert_ne!(first, second);
    let other_citizen = app
        .citizen_reports("081377101008", "kecelakaan motor di jalan yang sama")
        .await
        .0;
    let refused = app
        .graphql(
            Some(&token),
            "mutation($a: ID!, $b: ID!) { mergeReports(into: $a, from: $b) { id } }",
            json!({ "a": second, "b": other_citizen }),
        )
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("BAD_USER_INPUT"),
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("linkReports"), "{message}");
    let merged = app
        .graphql(Some(&token), "mutation($a: ID!, $b: ID!) { mergeReports(into: $a, from: $b) { id messages { text } } }", json!({ "a": first, "b": second }))
        .await;
    let texts: Vec<&str> = merged["data"]["mergeReports"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(
        texts.iter().any(|text| text.contains("kecelakaan motor")),
        "{merged}"
    );
    let other = app
        .graphql(
            Some(&token),
            "query($id: ID) { report(id: $id) { status } }",
            json!({ "id": second }),
        )
        .await;
    assert_eq!(other["data"]["report"]["status"], "DUPLICATE");
}

#[tokio::test]
async fn an_urgent_report_is_answered_with_110_and_a_location_request_and_carries_its_suggestion() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let mut socket = common::ws::connect(&app, "graphql-transport-ws").await;
    socket
        .send(WsMessage::Text(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }).to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        common::ws::next_json(&mut socket).await["type"],
        "connection_ack"
    );
    let subscriptions = app.subscriptions_opened();
    socket
        .send(WsMessage::Text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents { kind report { ticket } } }" } }).to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(subscriptions).await;

    let text = "tolong pak ada perampokan sekarang di toko emas pasar 16 ilir, pelaku bawa pisau masih di lokasi";
    let (id, ticket) = app.citizen_reports("081377101020", text).await;
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    // Both go out at once; their order at the Graph API is not fixed.
    let text_reply = sent
        .iter()
        .find(|body| body["type"] == "text")
        .expect("the urgent text");
    let body = text_reply["text"]["body"].as_str().unwrap();
    assert!(body.contains("110") && body.contains(&ticket), "{body}");
    assert!(
        sent.iter()
            .any(|body| body["interactive"]["type"] == "location_request_message"),
        "{sent:?}"
    );

    let mut kinds = Vec::new();
    for _ in 0..6 {
        let event = common::ws::next_json(&mut socket).await;
        kinds.push(
            event["payload"]["data"]["reportEvents"]["kind"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        if kinds.iter().any(|kind| kind == "URGENT_REPORT") {
            break;
        }
    }
    assert!(
        kinds.iter().any(|kind| kind == "URGENT_REPORT"),
        "operators hear of it at once: {kinds:?}"
    );

    let report = app
        .graphql(
            Some(&token),
            "query($id: ID) { report(id: $id) { priority flags suggestion { category confidence urgent reasons territorialUnit { code } functionalUnits { code } place { kabupaten kecamatan } } } }",
            json!({ "id": id }),
        )
        .await;
    let report = &report["data"]["report"];
    assert_eq!(report["priority"], "URGENT", "{report}");
    let suggestion = &report["suggestion"];
    assert_eq!(suggestion["category"], "begal_perampokan");
    assert_eq!(suggestion["urgent"], true);
    assert_eq!(
        suggestion["territorialUnit"]["code"],
        "POLSEK_PLG_ILIR_TIMUR_I"
    );
    assert_eq!(suggestion["place"]["kabupaten"], "Kota Palembang");
    assert!(
        suggestion["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|reason| reason.as_str().unwrap().contains("perampokan"))
    );
}
