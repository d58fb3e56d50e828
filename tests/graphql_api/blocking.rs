//! Abusive numbers through signed webhooks and GraphQL: a blocked number's messages are kept
//! but open nothing in the queue and earn no reply; the block and unblock are on the timeline
//! and in the audit trail; the automatic rate limit answers a flood once and survives a restart.

use super::*;
use siaga::domain::message::Direction;
use siaga::whatsapp::payload;

const BLOCK: &str = "mutation($r: ID!, $reason: String!, $until: DateTime, $report: ID) { \
    blockReporter(reporterId: $r, reason: $reason, until: $until, reportId: $report) { \
    id blocked block { reason until blockedBy blockedAt } } }";
const UNBLOCK: &str = "mutation($r: ID!, $report: ID) { unblockReporter(reporterId: $r, reportId: $report) { id blocked block { reason } } }";
const LIST: &str = "query($f: ReportFilter) { reports(filter: $f) { totalCount edges { node { id ticket blocked } } } }";

async fn supervisor(app: &TestApp) -> String {
    app.user_token("spv1", Role::Supervisor, Some("COMMAND_CENTER"))
        .await
}

/// The number as the mock Graph API sees it in `to` (E.164).
fn recipient(phone: &str) -> String {
    siaga::domain::phone::PhoneNumber::parse(phone)
        .unwrap()
        .as_e164()
        .to_string()
}

/// Every reply the mock Graph API received for `phone`, once the sender has nothing left.
async fn replies_to(app: &TestApp, phone: &str) -> Vec<Value> {
    app.wait_until("the outbox is drained", |app| {
        app.state.store.outbox().is_empty()
    })
    .await;
    app.wait_for_workers_idle().await;
    let to = recipient(phone);
    app.graph
        .sent_messages()
        .into_iter()
        .filter(|body| body["to"] == to.as_str())
        .collect()
}

/// A text from `phone` through the signed webhook, at the current time.
async fn citizen_writes(app: &TestApp, phone: &str, wamid: &str, text: &str) {
    let citizen = payload::Citizen {
        phone: siaga::domain::phone::PhoneNumber::parse(phone).unwrap(),
        name: "Warga".into(),
    };
    let body = payload::text_message(&citizen, wamid, chrono::Utc::now().timestamp(), text);
    assert_eq!(app.post_signed_webhook(&body).await.status(), 200);
}

async fn reporter_id_of(app: &TestApp, token: &str, report_id: &str) -> String {
    let response = app
        .graphql(
            Some(token),
            "query($id: ID!) { report(id: $id) { reporter { id blocked } } }",
            json!({ "id": report_id }),
        )
        .await;
    response["data"]["report"]["reporter"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no reporter: {response}"))
        .to_string()
}

fn list_ids(response: &Value) -> Vec<String> {
    response["data"]["reports"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no list: {response}"))
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_blocked_numbers_message_is_stored_but_opens_no_report_in_the_queue_and_gets_no_reply() {
    let app = spawn_app().await;
    let spv = supervisor(&app).await;
    let phone = "081377501001";
    let (first_report, _) = app
        .citizen_reports(phone, "ada yang terus menelepon mengancam")
        .await;
    let replies_before = replies_to(&app, phone).await.len();
    assert!(replies_before >= 1, "the first report is answered");
    let reporter = reporter_id_of(&app, &spv, &first_report).await;

    let blocked = app
        .graphql(
            Some(&spv),
            BLOCK,
            json!({ "r": reporter, "reason": "mengirim pesan cabul berulang", "report": first_report }),
        )
        .await;
    let view = &blocked["data"]["blockReporter"];
    assert_eq!(view["blocked"], true, "{blocked}");
    assert_eq!(view["block"]["reason"], "mengirim pesan cabul berulang");
    assert_eq!(view["block"]["blockedBy"], "spv1");
    assert!(view["block"]["until"].is_null());

    citizen_writes(
        &app,
        phone,
        "wamid.blocked.1",
        "pesan kasar dari nomor yang diblokir",
    )
    .await;
    citizen_writes(&app, phone, "wamid.blocked.2", "pesan kasar kedua").await;

    // Stored as evidence, in one report of its own, hidden from the queue.
    let kept: Vec<_> = app
        .reports()
        .into_iter()
        .filter(|report| report.blocked)
        .collect();
    assert_eq!(kept.len(), 1, "one blocked report keeps both messages");
    let evidence = &kept[0];
    let texts: Vec<_> = app
        .messages(evidence.id)
        .iter()
        .filter(|message| message.direction == Direction::Inbound)
        .filter_map(|message| message.text().map(str::to_string))
        .collect();
    assert_eq!(
        texts,
        ["pesan kasar dari nomor yang diblokir", "pesan kasar kedua"]
    );
    assert!(
        app.messages(evidence.id)
            .iter()
            .all(|message| message.direction == Direction::Inbound),
        "nothing was queued for the blocked number"
    );
    // A call from the blocked number joins its blocked report, not the queue.
    let mut call = crate::common::fixture("call_connect_user_initiated");
    let wa_id = recipient(phone).trim_start_matches('+').to_string();
    let value = &mut call["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(wa_id);
    value["calls"][0]["from"] = json!(wa_id);
    value["calls"][0]["timestamp"] = json!(chrono::Utc::now().timestamp().to_string());
    assert_eq!(app.post_signed_webhook(&call).await.status(), 200);
    let kept_call = app.timeline(evidence.id);
    assert!(
        kept_call
            .iter()
            .any(|event| event.kind == siaga::domain::timeline::TimelineKind::CallReceived),
        "the call is on the blocked report's timeline"
    );
    let queue = app.graphql(Some(&spv), LIST, json!({})).await;
    assert_eq!(
        list_ids(&queue),
        std::slice::from_ref(&first_report),
        "{queue}"
    );
    let under_blocked = app
        .graphql(Some(&spv), LIST, json!({ "f": { "blocked": true } }))
        .await;
    assert_eq!(list_ids(&under_blocked), [evidence.id.to_string()]);
    assert_eq!(
        under_blocked["data"]["reports"]["edges"][0]["node"]["blocked"],
        true
    );
    app.wait_for_index().await;
    let searched = app
        .graphql(
            Some(&spv),
            "query($f: ReportFilter) { search(query: \"kasar\", filter: $f) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(searched["data"]["search"]["totalCount"], 0, "{searched}");
    let searched = app
        .graphql(
            Some(&spv),
            "query($f: ReportFilter) { search(query: \"kasar\", filter: $f) { totalCount } }",
            json!({ "f": { "blocked": true } }),
        )
        .await;
    assert_eq!(searched["data"]["search"]["totalCount"], 1, "{searched}");

    // No reply went out: the mock Graph API saw nothing new for the number.
    assert_eq!(replies_to(&app, phone).await.len(), replies_before);

    // On the timeline of the report acted from, and in the audit trail.
    let id = first_report.parse().unwrap();
    assert!(
        app.timeline(id)
            .iter()
            .any(|event| event.kind.as_str() == "REPORTER_BLOCKED"
                && event.note.as_deref().unwrap_or("").contains("cabul")),
        "the block is on the timeline"
    );
    let audit = app
        .graphql(
            Some(&spv),
            "{ auditLog(filter: { action: [REPORTER_BLOCK, REPORTER_UNBLOCK] }) { edges { node { action actor subject reportId } } } }",
            json!({}),
        )
        .await;
    let entries = audit["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["node"]["actor"], "spv1");
    assert_eq!(entries[0]["node"]["reportId"], first_report.as_str());

    // Unblocked, the number's next message joins its report in the queue again.
    let unblocked = app
        .graphql(
            Some(&spv),
            UNBLOCK,
            json!({ "r": reporter, "report": first_report }),
        )
        .await;
    assert_eq!(
        unblocked["data"]["unblockReporter"]["blocked"], false,
        "{unblocked}"
    );
    let (joined, _) = app
        .citizen_reports(phone, "maaf, ini laporan sungguhan")
        .await;
    assert_eq!(joined, first_report);
    assert!(
        app.timeline(id)
            .iter()
            .any(|event| event.kind.as_str() == "REPORTER_UNBLOCKED")
    );
    let audit = app
        .graphql(
            Some(&spv),
            "{ auditLog(filter: { action: [REPORTER_UNBLOCK] }) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        audit["data"]["auditLog"]["edges"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn only_supervisors_and_admins_block_and_a_refused_block_changes_nothing() {
    let app = spawn_app().await;
    let spv = supervisor(&app).await;
    let ops = operator(&app).await;
    let phone = "081377501002";
    let (report, _) = app.citizen_reports(phone, "motor saya hilang").await;
    let reporter = reporter_id_of(&app, &spv, &report).await;

    let by_operator = app
        .graphql(
            Some(&ops),
            BLOCK,
            json!({ "r": reporter, "reason": "spam" }),
        )
        .await;
    assert_eq!(
        error_code(&by_operator).as_deref(),
        Some("FORBIDDEN"),
        "{by_operator}"
    );
    let in_the_past = app
        .graphql(
            Some(&spv),
            BLOCK,
            json!({ "r": reporter, "reason": "spam", "until": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(error_code(&in_the_past).as_deref(), Some("BAD_USER_INPUT"));
    let no_reason = app
        .graphql(Some(&spv), BLOCK, json!({ "r": reporter, "reason": "  " }))
        .await;
    assert_eq!(error_code(&no_reason).as_deref(), Some("BAD_USER_INPUT"));
    let unknown = app
        .graphql(
            Some(&spv),
            BLOCK,
            json!({ "r": "999999", "reason": "spam" }),
        )
        .await;
    assert_eq!(error_code(&unknown).as_deref(), Some("NOT_FOUND"));
    let not_blocked = app
        .graphql(Some(&spv), UNBLOCK, json!({ "r": reporter }))
        .await;
    assert_eq!(error_code(&not_blocked).as_deref(), Some("CONFLICT"));

    let after = app
        .graphql(
            Some(&spv),
            "query($id: ID!) { report(id: $id) { reporter { blocked } timeline { kind } } }",
            json!({ "id": report }),
        )
        .await;
    assert_eq!(after["data"]["report"]["reporter"]["blocked"], false);
    let kinds = after["data"]["report"]["timeline"].to_string();
    assert!(!kinds.contains("REPORTER_BLOCKED"), "{kinds}");

    // A block with an end in the future holds now; the reporter shows until when.
    let until = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let blocked = app
        .graphql(
            Some(&spv),
            BLOCK,
            json!({ "r": reporter, "reason": "banjir pesan", "until": until }),
        )
        .await;
    assert_eq!(
        blocked["data"]["blockReporter"]["blocked"], true,
        "{blocked}"
    );
    assert!(blocked["data"]["blockReporter"]["block"]["until"].is_string());
}

#[tokio::test]
async fn the_twenty_first_message_in_ten_minutes_gets_one_slow_down_reply_and_a_restart_keeps_the_count()
 {
    let app = spawn_app().await;
    let phone = "081377501003";
    let (report, _) = app.citizen_reports(phone, "tolong ada tawuran").await;
    let first_replies = replies_to(&app, phone).await.len();
    for number in 2..=20 {
        citizen_writes(
            &app,
            phone,
            &format!("wamid.flood.{number}"),
            "tolong tolong",
        )
        .await;
    }
    // Follow-ups within the acknowledgement interval get no reply of their own.
    assert_eq!(replies_to(&app, phone).await.len(), first_replies);
    citizen_writes(&app, phone, "wamid.flood.21", "tolong tolong").await;
    let replies = replies_to(&app, phone).await;
    assert_eq!(replies.len(), first_replies + 1, "the 21st earns one reply");
    let slow_down = replies.last().unwrap()["text"]["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(slow_down.contains("balasan otomatis"), "{slow_down}");
    citizen_writes(&app, phone, "wamid.flood.22", "tolong tolong").await;
    assert_eq!(replies_to(&app, phone).await.len(), first_replies + 1);

    // The count lives on the reporter record: a restart does not forget the flood.
    let app = app.restart().await;
    citizen_writes(&app, phone, "wamid.flood.23", "tolong tolong").await;
    assert_eq!(replies_to(&app, phone).await.len(), first_replies + 1);

    // Not a block: every message is stored on the report, which stays in the queue.
    let id = report.parse().unwrap();
    let inbound = app
        .messages(id)
        .iter()
        .filter(|message| message.direction == Direction::Inbound)
        .count();
    assert_eq!(inbound, 23);
    let spv = supervisor(&app).await;
    let reporter = app
        .graphql(
            Some(&spv),
            "query($id: ID!) { report(id: $id) { blocked reporter { blocked slowedDown } } }",
            json!({ "id": report }),
        )
        .await;
    assert_eq!(reporter["data"]["report"]["blocked"], false, "{reporter}");
    assert_eq!(reporter["data"]["report"]["reporter"]["blocked"], false);
    assert_eq!(reporter["data"]["report"]["reporter"]["slowedDown"], true);
}
