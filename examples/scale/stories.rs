//! The scale example's citizens: every synthetic report of the benches' corpus
//! (`benches/support/corpus.rs`) told as the webhook deliveries that would have opened it (the
//! first text, then perhaps a shared location, a photo and a follow-up text, minutes apart),
//! plus what the desk later did with it (the corpus's status, category, priority, unit and
//! times), which `build.rs` applies through the ledger. Deterministic: the same seed and index
//! give the same story. Also used by `tests/scale_paths.rs`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use siaga::domain::phone::PhoneNumber;
use siaga::domain::report::ReportStatus;
use siaga::search::IndexDoc;
use siaga::whatsapp::payload::{self, Citizen};

use super::corpus::{Corpus, end_time};

/// Open reports older than this are closed (or rejected) in the synthetic archive: a desk does not leave
/// two years of reports open, and the SLA clock would otherwise breach them all at start.
const OPEN_FOR_AT_MOST_DAYS: i64 = 14;

/// One webhook delivery of a story: when it arrived, its wamid, and its body (unsigned).
pub struct Delivery {
    pub received_at: DateTime<Utc>,
    pub wamid: String,
    pub body: Vec<u8>,
}

/// One citizen's report: the deliveries that open it, and the desk's outcome.
pub struct Story {
    pub deliveries: Vec<Delivery>,
    pub outcome: IndexDoc,
}

/// The citizen of story `index`: a number of their own (`0812` and eight digits), so that
/// every story opens a report of its own and never meets the load generator's citizens.
pub fn citizen(index: u64) -> Citizen {
    Citizen {
        phone: PhoneNumber::parse(&format!("0812{index:08}")).expect("a generated number"),
        name: format!("Warga {index}"),
    }
}

/// `count` stories from `seed`, oldest first; when `now` is given, the first message of each
/// arrives then instead of at the corpus's time (the stories are then threaded as they would
/// be today: the paths test posts them through HTTP, whose receive time is the clock's).
pub fn stories(
    corpus: &Corpus,
    count: u64,
    seed: u64,
    now: Option<DateTime<Utc>>,
) -> impl Iterator<Item = Story> + '_ {
    corpus
        .reports(count, seed)
        .enumerate()
        .map(move |(index, mut doc)| {
            if let Some(now) = now {
                doc.created_at = now;
            }
            close_if_old(&mut doc);
            story(index as u64, doc)
        })
}

fn close_if_old(doc: &mut IndexDoc) {
    let old = doc.created_at < end_time() - Duration::days(OPEN_FOR_AT_MOST_DAYS);
    if !old || doc.status.is_final() {
        return;
    }
    // A report never forwarded cannot be closed (see `ReportStatus::can_move_to`): the desk
    // rejected it.
    doc.status = if doc.unit_path.is_empty() {
        ReportStatus::Rejected
    } else {
        ReportStatus::Closed
    };
    let forwarded = doc.forward_secs.unwrap_or(0);
    doc.first_action_secs.get_or_insert(600);
    doc.resolve_secs = Some(forwarded + 86_400 + (doc.report_id.get() % 7) as i64 * 3600);
    doc.sla_due_at = None;
}

fn story(index: u64, outcome: IndexDoc) -> Story {
    let citizen = citizen(index);
    let start = outcome.created_at;
    let mut deliveries = Vec::new();
    let mut add = |offset_seconds: i64, kind: &str, value: Value| {
        let wamid = format!("wamid.scale.{index}.{kind}");
        let at = start + Duration::seconds(offset_seconds);
        let body = payload::text_message(&citizen, &wamid, at.timestamp(), "");
        deliveries.push(Delivery {
            received_at: at,
            body: payload::to_wire_bytes(&with_message(body, kind, value)),
            wamid,
        });
    };
    add(0, "text", json!({ "body": outcome.citizen_texts[0] }));
    if let Some(point) = &outcome.location {
        add(
            45,
            "location",
            json!({ "latitude": point.latitude, "longitude": point.longitude }),
        );
    }
    if outcome.has_media {
        add(
            90,
            "image",
            json!({
                "id": format!("{}", 7_000_000_000_000u64 + index),
                "mime_type": "image/jpeg",
                "sha256": format!("{index:064x}"),
            }),
        );
    }
    if let Some(follow_up) = outcome.citizen_texts.get(1) {
        add(180, "follow-up", json!({ "body": follow_up }));
    }
    Story {
        deliveries,
        outcome,
    }
}

/// Turns the text message of `body` into a message of `kind` (`follow-up` is a text).
fn with_message(mut body: Value, kind: &str, value: Value) -> Value {
    let message = &mut body["entry"][0]["changes"][0]["value"]["messages"][0];
    let wire_type = if kind == "follow-up" { "text" } else { kind };
    if let Some(message) = message.as_object_mut() {
        message.remove("text");
        message.insert("type".into(), json!(wire_type));
        message.insert(wire_type.into(), value);
    }
    body
}
