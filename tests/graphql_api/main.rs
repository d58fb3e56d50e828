//! Black-box tests of the operator API: sign-in and token attacks, the report workflow through
//! GraphQL, roles and compartments, replies and the 24-hour window, paging, query limits,
//! subscriptions over a real WebSocket, and the media endpoint.
//!
//! Split by subject: `sign_in` (logins and token attacks), `reports` (the workflow through
//! GraphQL, replies and the 24-hour window, the unit tree, merges, urgent reports), `access`
//! (roles, compartments, masking, the media endpoint), `queries` (paging, query limits,
//! GraphiQL), `subscriptions` (live events over a real WebSocket), `desk_claim` (reports in a
//! person's hands: claims, assignment, the idle timeout) and `desk_canned` (canned replies).

mod access;
#[path = "../common/mod.rs"]
mod common;
mod desk_canned;
mod desk_claim;
mod fanout;
mod queries;
mod reports;
mod sign_in;
mod subscriptions;

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
