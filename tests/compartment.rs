//! The internal-affairs compartment, asked the same question on every read path: roles ×
//! {normal, compartmented by category, compartmented by suggestion} × {report, reports, search
//! hits, facet counts, stats, subscription events, /media, /export}. Every path must give the
//! same answer for every cell, and counts must agree with lists.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{TestApp, fixture, spawn_app};
use futures_util::SinkExt;
use serde_json::{Value, json};
use siaga::domain::user::Role;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const NORMAL_PHONE: &str = "081377201001";
const BY_CATEGORY_PHONE: &str = "081377201002";
const BY_SUGGESTION_PHONE: &str = "081377201003";
/// A word every report of the table carries, so that one search finds them all.
const SHARED_WORD: &str = "sukarami";

struct Case {
    name: &'static str,
    id: String,
    media_message: Option<String>,
}

struct Reader {
    name: &'static str,
    token: String,
}

async fn readers(app: &TestApp) -> Vec<Reader> {
    let people: [(&str, Role, Option<&str>); 7] = [
        ("admin1", Role::Admin, None),
        ("supervisor1", Role::Supervisor, None),
        ("operator1", Role::Operator, None),
        ("polsek1", Role::Officer, Some("POLSEK_PLG_ILIR_BARAT_I")),
        ("polres1", Role::Officer, Some("POLRESTABES_PALEMBANG")),
        ("propam1", Role::Officer, Some("BIDPROPAM")),
        ("analyst1", Role::Analyst, None),
    ];
    let mut readers = Vec::new();
    for (name, role, unit) in people {
        readers.push(Reader {
            name,
            token: app.user_token(name, role, unit).await,
        });
    }
    readers
}

/// Who may see each kind of report: the rule the table checks every path against.
fn expected(reader: &str, case: &str) -> bool {
    match reader {
        "admin1" | "supervisor1" | "operator1" => true,
        "propam1" => case != "normal",
        _ => case == "normal",
    }
}

async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql(Some(token), query, variables).await;
    assert!(response["errors"].is_null(), "{query}: {response}");
    response
}

const FORWARD: &str =
    "mutation($id: ID!, $unit: String!) { forwardReport(id: $id, unitCode: $unit) { status } }";
const TRIAGE: &str =
    "mutation($id: ID!, $c: String) { triageReport(id: $id, category: $c) { status } }";

/// A photo from the same citizen, joining their open report; returns the message id once the
/// file is stored.
async fn photo_from(app: &TestApp, phone: &str, media_id: &str) -> String {
    use sha2::Digest;
    let bytes = format!("jpeg bytes of {media_id}").into_bytes();
    app.graph.add_media(media_id, bytes.clone(), "image/jpeg");
    let digits = siaga::domain::phone::PhoneNumber::parse(phone)
        .unwrap()
        .digits()
        .to_string();
    let mut body = fixture("inbound_image_caption");
    let value = &mut body["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(digits);
    value["contacts"][0]
        .as_object_mut()
        .unwrap()
        .remove("user_id");
    let message = &mut value["messages"][0];
    message["from"] = json!(digits);
    message.as_object_mut().unwrap().remove("from_user_id");
    message["id"] = json!(format!("wamid.photo.{media_id}"));
    message["image"]["id"] = json!(media_id);
    message["image"]["caption"] = json!("ini fotonya");
    message["image"]["sha256"] = json!(base64_of(&sha2::Sha256::digest(&bytes)));
    message["image"].as_object_mut().unwrap().remove("url");
    assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
    let wamid = format!("wamid.photo.{media_id}");
    app.wait_until("the photo is stored", |app| {
        stored_message(app, &wamid).is_some_and(|message| {
            message
                .media
                .is_some_and(|media| media.state == siaga::domain::message::MediaState::Stored)
        })
    })
    .await;
    stored_message(app, &wamid).unwrap().id.to_string()
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn stored_message(app: &TestApp, wamid: &str) -> Option<siaga::domain::message::Message> {
    let store = &app.state.store;
    use siaga::ledger::Ledger;
    let id = store
        .messages()
        .id_by_wamid(&wamid.parse().unwrap())
        .unwrap()?;
    store.messages().get(id).unwrap()
}

/// The three reports of the table, each with a photo, forwarded where they belong.
async fn cases(app: &TestApp, operator: &str) -> Vec<Case> {
    let (normal, _) = app
        .citizen_reports(
            NORMAL_PHONE,
            &format!("motor saya dicuri di parkiran pasar {SHARED_WORD}"),
        )
        .await;
    mutate(
        app,
        operator,
        TRIAGE,
        json!({ "id": normal, "c": "curanmor" }),
    )
    .await;
    mutate(
        app,
        operator,
        FORWARD,
        json!({ "id": normal, "unit": "POLSEK_PLG_ILIR_BARAT_I" }),
    )
    .await;

    let (by_category, _) = app
        .citizen_reports(
            BY_CATEGORY_PHONE,
            &format!("petugas di pos {SHARED_WORD} kasar sekali kepada saya"),
        )
        .await;
    mutate(
        app,
        operator,
        TRIAGE,
        json!({ "id": by_category, "c": "perilaku_anggota" }),
    )
    .await;
    mutate(
        app,
        operator,
        FORWARD,
        json!({ "id": by_category, "unit": "BIDPROPAM" }),
    )
    .await;

    let (by_suggestion, _) = app
        .citizen_reports(
            BY_SUGGESTION_PHONE,
            &format!("oknum polisi minta uang damai 500 ribu waktu tilang di {SHARED_WORD}"),
        )
        .await;
    let suggested = mutate(
        app,
        operator,
        "query($id: ID) { report(id: $id) { category suggestion { category } } }",
        json!({ "id": by_suggestion }),
    )
    .await;
    assert_eq!(
        suggested["data"]["report"],
        json!({ "category": null, "suggestion": { "category": "pungli_oknum" } }),
        "the table needs an untriaged complaint whose suggestion is police conduct"
    );
    mutate(
        app,
        operator,
        FORWARD,
        json!({ "id": by_suggestion, "unit": "BIDPROPAM" }),
    )
    .await;

    let mut cases = vec![
        Case {
            name: "normal",
            id: normal,
            media_message: None,
        },
        Case {
            name: "by_category",
            id: by_category,
            media_message: None,
        },
        Case {
            name: "by_suggestion",
            id: by_suggestion,
            media_message: None,
        },
    ];
    for (case, phone) in
        cases
            .iter_mut()
            .zip([NORMAL_PHONE, BY_CATEGORY_PHONE, BY_SUGGESTION_PHONE])
    {
        case.media_message = Some(photo_from(app, phone, &format!("media-{}", case.name)).await);
    }
    app.wait_for_index().await;
    cases
}

/// What one reader finds of the table's reports on every read path, by path.
async fn seen_by(
    app: &TestApp,
    reader: &Reader,
    cases: &[Case],
) -> BTreeMap<&'static str, BTreeSet<String>> {
    let token = Some(reader.token.as_str());
    let mut paths: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for case in cases {
        let one = app
            .graphql(
                token,
                "query($id: ID) { report(id: $id) { id } }",
                json!({ "id": case.id }),
            )
            .await;
        if !one["data"]["report"].is_null() {
            paths.entry("report").or_default().insert(case.id.clone());
        }
        let media = app
            .client
            .get(format!(
                "{}/media/{}",
                app.base_url,
                case.media_message.as_ref().unwrap()
            ))
            .bearer_auth(&reader.token)
            .send()
            .await
            .unwrap();
        if media.status() == 200 {
            paths.entry("media").or_default().insert(case.id.clone());
        } else {
            assert_eq!(media.status(), 403, "{} {}", reader.name, case.name);
        }
    }
    let list = app
        .graphql(
            token,
            "{ reports(first: 200) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    let listed: BTreeSet<String> = list["data"]["reports"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        list["data"]["reports"]["totalCount"],
        listed.len(),
        "{list}"
    );
    paths.insert("reports", listed.clone());

    let found = app
        .graphql(
            token,
            "query($q: String!) { search(query: $q, first: 50) { totalCount edges { node { report { id } } } facets { field values { value count } } } }",
            json!({ "q": SHARED_WORD }),
        )
        .await;
    let search = &found["data"]["search"];
    let hits: BTreeSet<String> = search["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{found}"))
        .iter()
        .map(|edge| edge["node"]["report"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        search["totalCount"],
        hits.len(),
        "{} search: {found}",
        reader.name
    );
    for facet in search["facets"].as_array().unwrap() {
        if facet["field"] == "status" {
            let counted: u64 = facet["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|value| value["count"].as_u64().unwrap())
                .sum();
            assert_eq!(
                counted as usize,
                hits.len(),
                "{} facets: {found}",
                reader.name
            );
        }
    }
    paths.insert("search", hits);

    let stats = app
        .graphql(token, "{ stats { totalReports } }", json!({}))
        .await;
    assert!(stats["errors"].is_null(), "{}: {stats}", reader.name);
    assert_eq!(
        stats["data"]["stats"]["totalReports"],
        listed.len(),
        "{}: stats count what the list shows",
        reader.name
    );

    let export = app
        .client
        .get(format!("{}/export?format=jsonl", app.base_url))
        .bearer_auth(&reader.token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200, "{}", reader.name);
    let body = export.text().await.unwrap();
    let exported: BTreeSet<String> = body
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    paths.insert("export", exported);
    paths
}

#[tokio::test]
async fn every_read_path_gives_every_role_the_same_answer_about_the_compartment() {
    let app = spawn_app().await;
    let readers = readers(&app).await;
    let operator = &readers[2].token;
    let cases = cases(&app, operator).await;

    // Subscriptions first: each reader listens while every report gets a note.
    let baseline = app.state.bus.subscriber_count();
    let mut sockets = Vec::new();
    for reader in &readers {
        sockets.push(subscribe(&app, &reader.token).await);
    }
    app.wait_until("every subscription is registered", |app| {
        app.state.bus.subscriber_count() >= baseline + readers.len()
    })
    .await;
    for case in &cases {
        mutate(
            &app,
            operator,
            "mutation($id: ID!) { addNote(reportId: $id, text: \"dicek\") { kind } }",
            json!({ "id": case.id }),
        )
        .await;
    }
    // A last note on a report everyone may see tells each subscriber that it has been sent
    // everything it will get.
    let (sentinel, _) = app.citizen_reports("081377201009", "catatan penutup").await;
    let (sentinel_propam, _) = app.citizen_reports("081377201010", "catatan penutup").await;
    mutate(
        &app,
        operator,
        FORWARD,
        json!({ "id": sentinel, "unit": "POLSEK_PLG_ILIR_BARAT_I" }),
    )
    .await;
    mutate(
        &app,
        operator,
        FORWARD,
        json!({ "id": sentinel_propam, "unit": "BIDPROPAM" }),
    )
    .await;
    app.wait_for_index().await;

    let ids: BTreeMap<String, &str> = cases
        .iter()
        .map(|case| (case.id.clone(), case.name))
        .collect();
    for (reader, socket) in readers.iter().zip(sockets.iter_mut()) {
        let mut streamed = BTreeSet::new();
        loop {
            let event = next_event(socket).await;
            let id = event["report"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if (id == sentinel || id == sentinel_propam) && event["kind"] == "ASSIGNED" {
                break;
            }
            if ids.contains_key(&id) {
                streamed.insert(id);
            }
        }
        let mut paths = seen_by(&app, reader, &cases).await;
        paths.insert("subscription", streamed);
        for case in &cases {
            let want = expected(reader.name, case.name);
            for path in [
                "report",
                "reports",
                "search",
                "export",
                "media",
                "subscription",
            ] {
                let got = paths.get(path).is_some_and(|seen| seen.contains(&case.id));
                assert_eq!(
                    got, want,
                    "{} on {path}, {} report: sees {got}, should {want}",
                    reader.name, case.name
                );
            }
        }
    }
}

async fn subscribe(app: &TestApp, token: &str) -> common::ws::Socket {
    let mut socket = common::ws::connect(app, "graphql-transport-ws").await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket
        .send(WsMessage::Text(init.to_string().into()))
        .await
        .unwrap();
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents { kind report { id } } }" } });
    socket
        .send(WsMessage::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    socket
}

/// The next `reportEvents` payload, skipping the protocol's own messages.
async fn next_event(socket: &mut common::ws::Socket) -> Value {
    loop {
        let message = common::ws::next_json(socket).await;
        if message["type"] == "next" {
            return message["payload"]["data"]["reportEvents"].clone();
        }
    }
}
