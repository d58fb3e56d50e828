//! Black-box tests of the outbox sender (retries, the 24-hour window and its template
//! fallback, an expired token, permanent errors, delivery statuses) and of the media fetcher.
//!
//! Split by worker: `sender` (the outbox: statuses, retries, the window, the token, read
//! receipts, restarts) and `media` (the media fetcher).

#[path = "../common/mod.rs"]
mod common;
mod concurrency;
mod media;
mod sender;

use std::time::Duration;

use base64::Engine as _;
use common::{TestApp, fixture, spawn_app, spawn_app_with};
use serde_json::json;
use sha2::Digest as _;
use siaga::domain::ids::ReportId;
use siaga::domain::inbound::DeliveryStatus;
use siaga::domain::message::{Direction, MediaState, Message};
use siaga::domain::phone::PhoneNumber;
use siaga::domain::timeline::TimelineKind;
use siaga::profile::{ReplyOverrides, TemplateRef};
use siaga::store::Table;
use siaga::whatsapp::payload;

fn outbound(app: &TestApp, report_id: ReportId) -> Vec<Message> {
    app.messages(report_id)
        .into_iter()
        .filter(|message| message.direction == Direction::Outbound)
        .collect()
}

fn delivery_status(message: &Message) -> DeliveryStatus {
    message
        .delivery
        .as_ref()
        .map(|delivery| delivery.status)
        .unwrap_or(DeliveryStatus::Queued)
}

/// Posts a message, waits for its reply to be accepted, returns (report id, reply wamid).
async fn answered_report(app: &TestApp) -> (ReportId, String) {
    app.post_fixture("inbound_text").await;
    let report_id = app.only_report().id;
    app.wait_until("the reply is accepted", |app| {
        outbound(app, report_id)
            .iter()
            .any(|message| message.external_id.is_some())
    })
    .await;
    let wamid = outbound(app, report_id)[0].external_id.clone().unwrap();
    let wamid = wamid.into_string();
    (report_id, wamid)
}

async fn post_status(app: &TestApp, wamid: &str, status: &str, errors: Option<serde_json::Value>) {
    let mut body = payload::status(
        wamid,
        status,
        "6281234567890",
        chrono::Utc::now().timestamp(),
        None,
    );
    if let Some(errors) = errors {
        body["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = errors;
    }
    assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
}
