//! Black-box tests of the webhook path: signature, parsing of every shape Meta sends,
//! dedupe, threading, the automatic reply, and what bad input is refused with.
//!
//! Split by subject: `threading` (reports opened, joined and answered), `received_time` (the
//! citizen's stated send time against ours), `refusals` (what bad input is refused with) and
//! `kinds` (every other kind of item, and restarts).

mod citizen;
#[path = "../common/mod.rs"]
mod common;
mod kinds;
mod questions;
mod received_time;
mod refusals;
mod threading;

use common::{APP_SECRET, TestApp, VERIFY_TOKEN, fixture, spawn_app, spawn_app_with};
use serde_json::json;
use siaga::domain::inbound::{DeliveryStatus, MessageContent};
use siaga::domain::message::{Direction, MessageBody};
use siaga::domain::phone::PhoneNumber;
use siaga::domain::report::ReportStatus;
use siaga::domain::timeline::TimelineKind;
use siaga::ledger::Ledger;
use siaga::store::Table;
use siaga::whatsapp::payload::{self, Citizen};
use std::time::Duration;

fn citizen(phone: &str, name: &str) -> Citizen {
    Citizen {
        phone: PhoneNumber::parse(phone).unwrap(),
        name: name.into(),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn ticket_pattern_holds(ticket: &str) -> bool {
    let year = chrono::Utc::now().format("%Y").to_string();
    ticket.starts_with(&format!("WA-{year}-")) && ticket.len() == "WA-2026-000001".len()
}

/// Applies a webhook body through the real intake as if it had arrived at `received_at`.
async fn deliver_received_at(
    app: &TestApp,
    payload: &serde_json::Value,
    received_at: chrono::DateTime<chrono::Utc>,
) {
    let body = payload::to_wire_bytes(payload);
    let items = siaga::whatsapp::webhook::parse_notification(&body, received_at).unwrap();
    app.state
        .ingest
        .accept(body.into(), items, received_at)
        .await
        .unwrap();
}
