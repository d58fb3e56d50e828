//! The rules that keep a complaint about police conduct in its compartment: no forward to a
//! territorial unit and no merge out of it, and only a supervisor, with a note, takes a report
//! out of it. (`compartment.rs` checks what each role reads.)

mod common;

use common::{error_code, spawn_app};
use serde_json::json;
use siaga::domain::user::Role;

const NORMAL_PHONE: &str = "081377201001";
const BY_SUGGESTION_PHONE: &str = "081377201003";
const FORWARD: &str =
    "mutation($id: ID!, $unit: String!) { forwardReport(id: $id, unitCode: $unit) { status } }";
const TRIAGE: &str =
    "mutation($id: ID!, $c: String) { triageReport(id: $id, category: $c) { status } }";

#[tokio::test]
async fn an_untriaged_complaint_about_police_conduct_cannot_be_forwarded_to_a_polsek() {
    let app = spawn_app().await;
    let operator = app.user_token("operator1", Role::Operator, None).await;
    let (id, _) = app
        .citizen_reports(
            BY_SUGGESTION_PHONE,
            "oknum polisi minta uang damai 500 ribu waktu tilang di sukarami",
        )
        .await;
    let before = app.timeline(id.parse().unwrap()).len();
    let refused = app
        .graphql(
            Some(&operator),
            FORWARD,
            json!({ "id": id, "unit": "POLSEK_PLG_SUKARAMI" }),
        )
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("FORBIDDEN"),
        "{refused}"
    );
    let report = app
        .reports()
        .into_iter()
        .find(|report| report.id.to_string() == id)
        .unwrap();
    assert_eq!(report.status, siaga::domain::report::ReportStatus::New);
    assert_eq!(report.assigned_unit, None);
    assert_eq!(app.timeline(report.id).len(), before, "nothing written");

    // Nor merged out of the compartment into an ordinary report.
    let (ordinary, _) = app.citizen_reports(NORMAL_PHONE, "jalan macet total").await;
    let merged = app
        .graphql(
            Some(&operator),
            "mutation($into: ID!, $from: ID!) { mergeReports(into: $into, from: $from) { id } }",
            json!({ "into": ordinary, "from": id }),
        )
        .await;
    assert_eq!(
        error_code(&merged).as_deref(),
        Some("FORBIDDEN"),
        "{merged}"
    );
}

#[tokio::test]
async fn only_a_supervisor_with_a_note_takes_a_complaint_out_of_the_compartment() {
    let app = spawn_app().await;
    let operator = app.user_token("operator1", Role::Operator, None).await;
    let supervisor = app.user_token("supervisor1", Role::Supervisor, None).await;
    let analyst = app.user_token("analyst1", Role::Analyst, None).await;
    let (id, _) = app
        .citizen_reports(
            BY_SUGGESTION_PHONE,
            "oknum polisi minta uang damai 500 ribu waktu tilang di sukarami",
        )
        .await;
    let by_operator = app
        .graphql(
            Some(&operator),
            TRIAGE,
            json!({ "id": id, "c": "curanmor" }),
        )
        .await;
    assert_eq!(
        error_code(&by_operator).as_deref(),
        Some("FORBIDDEN"),
        "{by_operator}"
    );
    let without_note = app
        .graphql(
            Some(&supervisor),
            TRIAGE,
            json!({ "id": id, "c": "curanmor" }),
        )
        .await;
    assert_eq!(
        error_code(&without_note).as_deref(),
        Some("BAD_USER_INPUT"),
        "{without_note}"
    );
    let hidden = app
        .graphql(
            Some(&analyst),
            "query($id: ID) { report(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(hidden["data"]["report"].is_null(), "{hidden}");

    let out = app
        .graphql(
            Some(&supervisor),
            "mutation($id: ID!) { triageReport(id: $id, category: \"curanmor\", note: \"pelapor salah pilih kata; ini pencurian motor\") { category timeline { kind note } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(out["errors"].is_null(), "{out}");
    let notes = out["data"]["triageReport"]["timeline"].to_string();
    assert!(
        notes.contains("taken out of the internal-affairs compartment"),
        "{notes}"
    );
    assert!(notes.contains("pelapor salah pilih kata"), "{notes}");
    let visible = app
        .graphql(
            Some(&analyst),
            "query($id: ID) { report(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(visible["data"]["report"]["id"], id.as_str(), "{visible}");
    let audit = app
        .graphql(
            Some(&supervisor),
            "{ auditLog(filter: { action: [COMPARTMENT_EXIT] }) { totalCount edges { node { actor reportId detail } } } }",
            json!({}),
        )
        .await;
    assert_eq!(audit["data"]["auditLog"]["totalCount"], 1, "{audit}");
    assert_eq!(
        audit["data"]["auditLog"]["edges"][0]["node"]["actor"],
        "supervisor1"
    );
}
