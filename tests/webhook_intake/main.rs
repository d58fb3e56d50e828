//! Black-box tests of the webhook path: signature, parsing of every shape Meta sends,
//! dedupe, threading, the automatic reply, and what bad input is refused with.
//!
//! Split by subject: `threading` (reports opened, joined and answered), `refusals` (what bad
//! input is refused with) and `kinds` (every other kind of item, and restarts).

#[path = "../common/mod.rs"]
mod common;
mod kinds;
mod questions;
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
