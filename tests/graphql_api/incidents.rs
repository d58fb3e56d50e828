//! One incident, many reporters, through signed webhooks and GraphQL: twenty citizens report
//! one fire; the similar reports are proposed, linked under one primary, forwarded and resolved
//! with it, and every citizen gets their own notice; unlinking takes one out again.

use super::*;

const FIRE: &str = "tolong ada kebakaran besar di pasar 16 ilir palembang, api sudah membesar";

/// The number of the `index`th citizen of the fire.
fn phone(index: usize) -> String {
    format!("0813775020{index:02}")
}

fn e164(phone: &str) -> String {
    siaga::domain::phone::PhoneNumber::parse(phone)
        .unwrap()
        .as_e164()
        .to_string()
}

#[tokio::test]
async fn twenty_reports_of_one_fire_are_linked_and_each_citizen_is_notified_on_resolve() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let mut ids = Vec::new();
    for index in 0..20 {
        let (id, _) = app.citizen_reports(&phone(index), FIRE).await;
        ids.push(id);
    }
    let primary = ids[0].clone();

    let similar = app
        .graphql(
            Some(&token),
            "query($id: ID!) { report(id: $id) { similar(first: 30) { score reasons report { id } } } }",
            json!({ "id": primary }),
        )
        .await;
    let candidates = similar["data"]["report"]["similar"]
        .as_array()
        .unwrap_or_else(|| panic!("{similar}"))
        .clone();
    assert_eq!(
        candidates.len(),
        19,
        "every other report of the fire: {similar}"
    );
    for candidate in &candidates {
        let score = candidate["score"].as_f64().unwrap();
        assert!(score > 0.0 && score <= 1.0, "{candidate}");
        assert!(candidate["reasons"].to_string().contains("same_category"));
        assert_ne!(candidate["report"]["id"], primary.as_str());
    }

    let others: Vec<&String> = ids[1..].iter().collect();
    let linked = app
        .graphql(
            Some(&token),
            "mutation($p: ID!, $o: [ID!]!) { linkReports(primary: $p, others: $o) { id incident { primary { id } reports { ticket } } } }",
            json!({ "p": primary, "o": others }),
        )
        .await;
    let incident = &linked["data"]["linkReports"]["incident"];
    assert_eq!(incident["primary"]["id"], primary.as_str(), "{linked}");
    assert_eq!(incident["reports"].as_array().unwrap().len(), 20);
    // Each linked report shows the same incident, and is no longer proposed as similar.
    let seen_from_other = app
        .graphql(
            Some(&token),
            "query($id: ID!) { report(id: $id) { incident { primary { id } } similar { report { id } } } }",
            json!({ "id": ids[7] }),
        )
        .await;
    assert_eq!(
        seen_from_other["data"]["report"]["incident"]["primary"]["id"],
        primary.as_str()
    );
    assert_eq!(seen_from_other["data"]["report"]["similar"], json!([]));

    let forwarded = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { forwardReport(id: $id, unitCode: \"POLRESTABES_PALEMBANG\", withLinked: true) { status } }",
            json!({ "id": primary }),
        )
        .await;
    assert_eq!(
        forwarded["data"]["forwardReport"]["status"], "FORWARDED",
        "{forwarded}"
    );
    let resolved = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { setReportStatus(id: $id, status: RESOLVED, withLinked: true) { status } }",
            json!({ "id": primary }),
        )
        .await;
    assert_eq!(
        resolved["data"]["setReportStatus"]["status"], "RESOLVED",
        "{resolved}"
    );
    for report in app.reports() {
        assert_eq!(report.status, siaga::domain::report::ReportStatus::Resolved);
    }

    // Twenty resolved notices, one to each of the twenty numbers.
    app.wait_until("the outbox is drained", |app| {
        app.state.store.outbox().is_empty()
    })
    .await;
    app.wait_for_workers_idle().await;
    let notices: Vec<String> = app
        .graph
        .sent_messages()
        .into_iter()
        .filter(|body| {
            body["text"]["body"]
                .as_str()
                .is_some_and(|text| text.contains("telah selesai ditangani"))
        })
        .map(|body| body["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(notices.len(), 20, "one notice each");
    let notified: std::collections::BTreeSet<String> = notices.into_iter().collect();
    let expected: std::collections::BTreeSet<String> =
        (0..20).map(|index| e164(&phone(index))).collect();
    assert_eq!(notified, expected);

    // Unlinking one takes it out; unlinking the primary dissolves the rest.
    let unlinked = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { unlinkReport(id: $id) { incident { primary { id } } } }",
            json!({ "id": ids[5] }),
        )
        .await;
    assert!(
        unlinked["data"]["unlinkReport"]["incident"].is_null(),
        "{unlinked}"
    );
    let again = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { unlinkReport(id: $id) { id } }",
            json!({ "id": ids[5] }),
        )
        .await;
    assert_eq!(error_code(&again).as_deref(), Some("CONFLICT"));
    let dissolved = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { unlinkReport(id: $id) { incident { primary { id } } } }",
            json!({ "id": primary }),
        )
        .await;
    assert!(
        dissolved["data"]["unlinkReport"]["incident"].is_null(),
        "{dissolved}"
    );
    assert!(app.reports().iter().all(|report| report.incident.is_none()));
}

#[tokio::test]
async fn linking_refuses_a_report_of_another_incident_and_a_carry_along_that_cannot_follow() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let mut ids = Vec::new();
    for index in 40..44 {
        let (id, _) = app.citizen_reports(&phone(index), FIRE).await;
        ids.push(id);
    }
    let link = "mutation($p: ID!, $o: [ID!]!) { linkReports(primary: $p, others: $o) { id } }";
    let first = app
        .graphql(Some(&token), link, json!({ "p": ids[0], "o": [ids[1]] }))
        .await;
    assert!(first["errors"].is_null(), "{first}");
    let taken = app
        .graphql(
            Some(&token),
            link,
            json!({ "p": ids[2], "o": [ids[1], ids[3]] }),
        )
        .await;
    assert_eq!(error_code(&taken).as_deref(), Some("CONFLICT"), "{taken}");
    let in_incidents: Vec<String> = app
        .reports()
        .iter()
        .filter(|report| report.incident.is_some())
        .map(|report| report.id.to_string())
        .collect();
    assert_eq!(
        in_incidents,
        [ids[0].clone(), ids[1].clone()],
        "a refused link changes nothing"
    );
    let itself = app
        .graphql(Some(&token), link, json!({ "p": ids[0], "o": [ids[0]] }))
        .await;
    assert_eq!(error_code(&itself).as_deref(), Some("BAD_USER_INPUT"));

    // The primary forwarded alone, its linked report still NEW cannot be resolved along
    // with it: refused, and nothing moves.
    let forwarded = forward(&app, &token, &ids[0], "POLRESTABES_PALEMBANG").await;
    assert!(forwarded["errors"].is_null(), "{forwarded}");
    let resolve = app
        .graphql(
            Some(&token),
            "mutation($id: ID!) { setReportStatus(id: $id, status: RESOLVED, withLinked: true) { status } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(
        error_code(&resolve).as_deref(),
        Some("BAD_USER_INPUT"),
        "{resolve}"
    );
    let message = resolve["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("cannot be carried along"), "{message}");
    let statuses: Vec<_> = app
        .reports()
        .iter()
        .filter(|report| report.incident.is_some())
        .map(|report| report.status)
        .collect();
    use siaga::domain::report::ReportStatus;
    assert_eq!(statuses, [ReportStatus::Forwarded, ReportStatus::New]);
}

#[tokio::test]
async fn merge_refuses_two_citizens_reports_and_points_to_link_reports() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (first, _) = app.citizen_reports(&phone(60), FIRE).await;
    let (second, _) = app.citizen_reports(&phone(61), FIRE).await;
    let merged = app
        .graphql(
            Some(&token),
            "mutation($a: ID!, $b: ID!) { mergeReports(into: $a, from: $b) { id } }",
            json!({ "a": first, "b": second }),
        )
        .await;
    assert_eq!(
        error_code(&merged).as_deref(),
        Some("BAD_USER_INPUT"),
        "{merged}"
    );
    assert!(
        merged["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("linkReports")
    );
    assert!(
        app.reports()
            .iter()
            .all(|report| report.status == siaga::domain::report::ReportStatus::New),
        "nothing changed"
    );
}
