//! Black-box tests of the operator API: sign-in and token attacks, the report workflow through
//! GraphQL, roles and compartments, replies and the 24-hour window, paging, query limits,
//! subscriptions over a real WebSocket, and the media endpoint.
//!
//! Split by subject: `sign_in` (logins and token attacks), `reports` (the workflow through
//! GraphQL, replies and the 24-hour window, the unit tree, merges, urgent reports), `access`
//! (roles, compartments, masking, the media endpoint), `queries` (paging, query limits,
//! GraphiQL), `subscriptions` (live events over a real WebSocket), `desk_claim` (reports in a
//! person's hands: claims, assignment, the idle timeout), `desk_canned` (canned replies),
//! `templates` and `template_sends` (WhatsApp templates from Meta, their purposes, and what
//! goes out with them outside the window), `satisfaction` (the question, the answers, the
//! event, the counts) and `satisfaction_filter` (`ReportFilter.satisfaction` and the export).

mod access;
mod blocking;
mod citizen_status;
#[path = "../common/mod.rs"]
mod common;
mod desk_canned;
mod desk_claim;
mod fanout;
mod incidents;
mod media_replies;
mod queries;
mod reports;
mod satisfaction;
mod satisfaction_filter;
mod sign_in;
mod subscriptions;
mod template_sends;
mod templates;

use std::time::Duration;

use base64::Engine as _;
use common::{JWT_SECRET, TestApp, error_code, spawn_app, spawn_app_with};
use futures_util::{SinkExt, StreamExt};
use hmac::Mac;
use serde_json::{Value, json};
use siaga::domain::user::Role;
use siaga::ledger::Ledger;
use siaga::store::Table;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const REPORT_FIELDS: &str = "id ticket status category priority summary createdAt updatedAt \
    reporter { id name phone } messages { id direction kind text createdAt deliveryStatus } \
    timeline { kind at actor note } assignedUnit { code name } location { latitude longitude }";

async fn operator(app: &TestApp) -> String {
    app.user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await
}

/// Moves the only citizen's last message 25 hours back, which closes their 24-hour window, and
/// waits until the outbox has nothing left to send.
async fn close_the_window(app: &TestApp) {
    let mut reporter: siaga::domain::reporter::Reporter = app
        .state
        .store
        .scan_records(Table::Reporters, &[])
        .next()
        .unwrap()
        .unwrap()
        .1;
    reporter.last_inbound_at = Some(chrono::Utc::now() - chrono::Duration::hours(25));
    app.state
        .store
        .transaction(|tx| -> Result<(), siaga::store::TxError<()>> {
            Ok(tx.reporters().save(&reporter)?)
        })
        .unwrap();
    app.wait_until("the outbox is empty", |app| {
        app.state.store.is_empty(Table::Outbox)
    })
    .await;
}

/// A reply refused because the window is closed: CONFLICT naming the 24 hours, and nothing
/// queued or stored.
fn assert_refused_outside_the_window(app: &TestApp, refused: &Value, messages_before: usize) {
    assert_eq!(
        error_code(refused).as_deref(),
        Some("CONFLICT"),
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("24"), "{refused}");
    assert!(app.state.store.is_empty(Table::Outbox), "nothing is queued");
    assert_eq!(app.state.store.len(Table::Messages), messages_before);
}

async fn set_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    app.graphql(
        Some(token),
        "mutation($id: ID!, $s: ReportStatus!) { setReportStatus(id: $id, status: $s, note: \"ok\") { status } }",
        json!({ "id": id, "s": status }),
    )
    .await
}

async fn forward(app: &TestApp, token: &str, id: &str, unit: &str) -> Value {
    app.graphql(
        Some(token),
        "mutation($id: ID!, $u: String!) { forwardReport(id: $id, unitCode: $u, note: \"tolong ditangani\") { status assignedUnit { code name } } }",
        json!({ "id": id, "u": unit }),
    )
    .await
}

async fn triage(app: &TestApp, token: &str, id: &str, category: &str) -> Value {
    app.graphql(
        Some(token),
        "mutation($id: ID!, $c: String) { triageReport(id: $id, category: $c, priority: HIGH, summary: \"ringkasan\") { status category priority summary } }",
        json!({ "id": id, "c": category }),
    )
    .await
}
