//! `siaga demo`: a sandbox help desk on a throw-away data dir. The profile's sample citizen
//! messages are signed and POSTed to the real webhook endpoint, and a live feed shows the
//! reports, tickets and automatic replies as they happen.

use std::time::Duration;

use chrono::Utc;
use rand::{Rng, SeedableRng};

use crate::api::AppState;
use crate::bus::ReportEventKind;
use crate::domain::ids::UnitCode;
use crate::domain::inbound::MessageContent;
use crate::domain::message::MessageBody;
use crate::domain::phone::PhoneNumber;
use crate::domain::user::Role;
use crate::ledger::Ledger;
use crate::profile::SampleMessage;
use crate::whatsapp::payload::{self, Citizen};
use crate::whatsapp::signature;

pub const DEMO_APP_SECRET: &str = "siaga-demo-app-secret";

const DEMO_NAMES: [&str; 12] = [
    "Budi Santoso",
    "Siti Aminah",
    "Andi Pratama",
    "Rina Wati",
    "Dewi Lestari",
    "Agus Salim",
    "Yusuf Hidayat",
    "Maya Sari",
    "Hendra Gunawan",
    "Nurul Fitri",
    "Rudi Hartono",
    "Lina Marlina",
];

/// The demo's accounts, one per role: (username, password, role, unit).
pub const DEMO_USERS: [(&str, &str, Role, Option<&str>); 5] = [
    ("admin", "demo-admin-110", Role::Admin, None),
    (
        "supervisor",
        "demo-supervisor-110",
        Role::Supervisor,
        Some("COMMAND_CENTER"),
    ),
    (
        "operator",
        "demo-operator-110",
        Role::Operator,
        Some("COMMAND_CENTER"),
    ),
    (
        "officer",
        "demo-officer-110",
        Role::Officer,
        Some("POLRESTABES_PALEMBANG"),
    ),
    ("analyst", "demo-analyst-110", Role::Analyst, None),
];

/// Creates the demo accounts (on a fresh data dir).
pub async fn create_demo_users(auth: &crate::auth::Auth) -> Result<(), crate::error::UserError> {
    for (username, password, role, unit) in DEMO_USERS {
        auth.create_user(username, password, role, unit.map(UnitCode::trusted), None)
            .await?;
    }
    Ok(())
}

/// Prints each report event as one line for a person watching the terminal.
pub async fn print_feed(state: std::sync::Arc<AppState>) {
    let mut events = state.bus.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                println!("  … {missed} events skipped");
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let store = state.store.clone();
        let line = match event.kind {
            ReportEventKind::ReportCreated => {
                Some(format!("NEW     {}  report opened", event.ticket))
            }
            ReportEventKind::MessageAdded => event
                .message_id
                .and_then(|id| store.messages().get(id).ok().flatten())
                .map(|message| {
                    let text = match &message.body {
                        MessageBody::Inbound {
                            content:
                                MessageContent::Location {
                                    latitude,
                                    longitude,
                                    ..
                                },
                            ..
                        } => {
                            format!("{latitude:.5}, {longitude:.5}")
                        }
                        _ => message.text().unwrap_or("").replace('\n', " "),
                    };
                    let short: String = text.chars().take(90).collect();
                    format!(
                        "  <-    {}  [{}] {short}",
                        event.ticket,
                        message.kind_name()
                    )
                }),
            ReportEventKind::DeliveryUpdated => event
                .message_id
                .and_then(|id| store.messages().get(id).ok().flatten())
                .and_then(|message| {
                    let MessageBody::Outbound { content, .. } = &message.body else {
                        return None;
                    };
                    let status = message
                        .delivery
                        .as_ref()
                        .map_or("?", |delivery| delivery.status.as_str());
                    let first_line: String = content
                        .text()
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(70)
                        .collect();
                    Some(format!(
                        "  ->    {}  reply ({status}): {first_line}…",
                        event.ticket
                    ))
                }),
            ReportEventKind::DeliveryFailed => {
                Some(format!("  !!    {}  reply failed", event.ticket))
            }
            _ => None,
        };
        if let Some(line) = line {
            let status = store
                .reports()
                .get(event.report_id)
                .ok()
                .flatten()
                .map(|report| report.status.as_str())
                .unwrap_or("");
            println!(
                "{line}{}",
                if status.is_empty() || event.kind != ReportEventKind::ReportCreated {
                    String::new()
                } else {
                    format!(" ({status})")
                }
            );
        }
    }
}

/// Plays `count` sample messages (cycling through the corpus) at `interval` from a small
/// crowd of citizens, some of whom write twice and share their location.
pub async fn play_samples(
    base_url: String,
    samples: Vec<SampleMessage>,
    count: usize,
    interval: Duration,
) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let mut random = rand::rngs::StdRng::seed_from_u64(110);
    let citizens: Vec<Citizen> = (0..samples.len().max(1))
        .map(|index| Citizen {
            phone: PhoneNumber::parse(&format!("0813{:08}", 71_000_000 + index * 7))
                .unwrap_or_else(|_| unreachable_phone()),
            name: DEMO_NAMES[index % DEMO_NAMES.len()].to_string(),
        })
        .collect();
    for index in 0..count {
        let sample = &samples[index % samples.len()];
        let citizen = &citizens[index % citizens.len()];
        let wamid = format!("wamid.demo.{index}.{}", random.random::<u32>());
        let now = Utc::now().timestamp();
        let body =
            payload::to_wire_bytes(&payload::text_message(citizen, &wamid, now, &sample.text));
        post_signed(&client, &base_url, &body).await?;
        // Every fifth citizen also shares where they are, as the reply asks them to.
        if index % 5 == 0 {
            let latitude = -2.99 + random.random_range(-0.05..0.05);
            let longitude = 104.76 + random.random_range(-0.05..0.05);
            let body = payload::to_wire_bytes(&payload::location_message(
                citizen,
                &format!("{wamid}.loc"),
                now,
                latitude,
                longitude,
                None,
            ));
            post_signed(&client, &base_url, &body).await?;
        }
        tokio::time::sleep(interval).await;
    }
    Ok(())
}

/// The demo's supervisor at work: every few seconds it accepts the suggestion of every third
/// new report (triage, then forward to the suggested territorial unit) through the GraphQL
/// API, as the console's "accept" does, so that an officer's queue, the statistics and the
/// timelines have something in them.
pub async fn work_some_reports(base_url: String, every: Duration) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let graphql = format!("{base_url}/graphql");
    let call = |token: Option<String>, query: &'static str, variables: serde_json::Value| {
        let mut request = client
            .post(&graphql)
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let answer: serde_json::Value = request.send().await?.json().await?;
            anyhow::ensure!(answer["errors"].is_null(), "graphql: {}", answer["errors"]);
            Ok::<_, anyhow::Error>(answer["data"].clone())
        }
    };
    let (username, password, ..) = DEMO_USERS[1];
    let login = call(
        None,
        "mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
        serde_json::json!({ "u": username, "p": password }),
    )
    .await?;
    let token = login["login"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Each report once: one that could not be forwarded stays with the people at the console.
    let mut tried = std::collections::HashSet::new();
    loop {
        tokio::time::sleep(every).await;
        let open = call(
            Some(token.clone()),
            "{ reports(first: 200, filter: { status: [NEW] }) { edges { node { id ticket
               suggestion { category urgent territorialUnit { code name } } } } } }",
            serde_json::json!({}),
        )
        .await?;
        for edge in open["reports"]["edges"].as_array().into_iter().flatten() {
            let report = &edge["node"];
            let ticket = report["ticket"].as_str().unwrap_or_default();
            let number: u64 = ticket
                .rsplit('-')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            let suggestion = &report["suggestion"];
            let (Some(category), Some(unit)) = (
                suggestion["category"].as_str(),
                suggestion["territorialUnit"]["code"].as_str(),
            ) else {
                continue;
            };
            if !number.is_multiple_of(3) || !tried.insert(ticket.to_string()) {
                continue;
            }
            let priority = if suggestion["urgent"] == true {
                "URGENT"
            } else {
                "NORMAL"
            };
            let triaged = call(
                Some(token.clone()),
                "mutation ($id: ID!, $c: String, $p: Priority) { triageReport(id: $id, category: $c, priority: $p) { id } }",
                serde_json::json!({ "id": report["id"], "c": category, "p": priority }),
            )
            .await;
            let forwarded = match triaged {
                Ok(_) => call(
                    Some(token.clone()),
                    "mutation ($id: ID!, $u: String!) { forwardReport(id: $id, unitCode: $u) { id } }",
                    serde_json::json!({ "id": report["id"], "u": unit }),
                )
                .await,
                Err(error) => Err(error),
            };
            // A refusal (a complaint about the police goes to Propam, not to the place's unit)
            // leaves that report to the people at the console.
            if let Err(error) = forwarded {
                println!("  ==    {ticket}  left to the operators: {error}");
                continue;
            }
            let name = suggestion["territorialUnit"]["name"]
                .as_str()
                .unwrap_or(unit);
            println!(
                "  ==    {ticket}  accepted by the demo's supervisor: {category}, forwarded to {name}"
            );
        }
    }
}

fn unreachable_phone() -> PhoneNumber {
    // The demo numbers are generated in range; this keeps the code free of panics anyway.
    PhoneNumber::parse("081370002110").unwrap_or_else(|_| unreachable!())
}

async fn post_signed(client: &reqwest::Client, base_url: &str, body: &[u8]) -> anyhow::Result<()> {
    let response = client
        .post(format!("{base_url}/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            signature::sign(DEMO_APP_SECRET.as_bytes(), body),
        )
        .body(body.to_vec())
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "webhook answered {}",
        response.status()
    );
    Ok(())
}
