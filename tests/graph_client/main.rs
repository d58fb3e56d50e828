//! Black-box tests of the Graph API client against the mock Graph API over real HTTP on
//! loopback: request shapes, error classification, timeouts and media downloads.
//!
//! Split by request and error class, like the client: `send` (messages and read receipts),
//! `errors` (classification, timeouts, settings refused up front), `media` (lookups and
//! downloads), `templates` (the account's template list) and `mock` (the mock Graph API's own
//! promises).

#[path = "../common/mod.rs"]
mod common;
mod errors;
mod media;
mod mock;
mod send;
mod templates;

use std::time::{Duration, Instant};

use common::mock_graph::{MockGraph, graph_response_fixture};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use siaga::domain::ids::Wamid;
use siaga::domain::phone::PhoneNumber;
use siaga::whatsapp::graph::{
    Disposition, GraphClient, GraphError, GraphSettings, OutgoingMessage, Recipient,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "EAAG-test-token-do-not-log";
const PHONE_NUMBER_ID: &str = "112233445566778";

fn settings_for(base_url: &str, request_timeout: Duration) -> GraphSettings {
    GraphSettings {
        base_url: base_url.to_string(),
        api_version: "v25.0".to_string(),
        phone_number_id: PHONE_NUMBER_ID.to_string(),
        access_token: TOKEN.to_string(),
        request_timeout,
    }
}

fn client_for(mock: &MockGraph) -> GraphClient {
    GraphClient::new(settings_for(&mock.url, Duration::from_secs(5))).unwrap()
}

fn budi() -> Recipient {
    Recipient::Phone(PhoneNumber::parse("081234567890").unwrap())
}

fn text(body: &str) -> OutgoingMessage {
    OutgoingMessage::Text {
        body: body.to_string(),
        reply_to: None,
    }
}
