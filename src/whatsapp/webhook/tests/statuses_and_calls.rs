//! Fixtures of delivery statuses and call events.

use super::*;

#[test]
fn status_sent_carries_recipient_and_callback_data() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/status_sent.json"
    ));
    let status = only_status(&items);
    assert_eq!(status.status, DeliveryStatus::Sent);
    assert_eq!(
        status.external_id,
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEkUzMzBDQ0IxN0IzRjZGOEIxMwA="
    );
    assert_eq!(status.at, at(1_795_871_730));
    assert_eq!(status.recipient.as_deref(), Some("6281234567890"));
    assert_eq!(
        status.callback_data.as_deref(),
        Some("laporan=LP-20261128-0042")
    );
    assert!(status.errors.is_empty());
    assert_eq!(status.raw["pricing"]["type"], "free_customer_service");
}

#[test]
fn status_delivered_is_delivered() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/status_delivered.json"
    ));
    let status = only_status(&items);
    assert_eq!(status.status, DeliveryStatus::Delivered);
    assert_eq!(status.at, at(1_795_871_731));
    assert_eq!(
        status.callback_data.as_deref(),
        Some("laporan=LP-20261128-0042")
    );
}

#[test]
fn status_read_is_read() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/status_read.json"
    ));
    let status = only_status(&items);
    assert_eq!(status.status, DeliveryStatus::Read);
    assert_eq!(status.at, at(1_795_871_795));
}

#[test]
fn status_failed_carries_the_reengagement_error() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/status_failed.json"
    ));
    let status = only_status(&items);
    assert_eq!(status.status, DeliveryStatus::Failed);
    assert_eq!(status.recipient.as_deref(), Some("6281255556666"));
    assert_eq!(status.errors.len(), 1);
    assert_eq!(status.errors[0].code, 131047);
    assert_eq!(
        status.errors[0].title.as_deref(),
        Some("Re-engagement message")
    );
    assert!(
        status.errors[0]
            .details
            .as_deref()
            .unwrap()
            .contains("more than 24 hours")
    );
}

#[test]
fn status_failed_131026_is_undeliverable() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/status_failed_131026_undeliverable.json"
    ));
    let status = only_status(&items);
    assert_eq!(status.status, DeliveryStatus::Failed);
    assert_eq!(status.errors[0].code, 131026);
    assert_eq!(
        status.errors[0].details.as_deref(),
        Some("Message Undeliverable.")
    );
}

#[test]
fn status_sent_legacy_v23_conversation_still_parses() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/status_sent_legacy_v23_conversation.json"
    ));
    let status = only_status(&items);
    assert_eq!(status.status, DeliveryStatus::Sent);
    assert_eq!(status.callback_data, None);
    assert_eq!(status.raw["conversation"]["origin"]["type"], "utility");
}

#[test]
fn played_and_unknown_statuses() {
    let body = json!({ "entry": [{ "changes": [{ "field": "messages", "value": {
        "metadata": { "phone_number_id": PHONE_NUMBER_ID },
        "statuses": [
            { "id": "wamid.v", "status": "played", "timestamp": "1795871800", "recipient_id": "6281234567890" },
            { "id": "wamid.v", "status": "warp_speed", "timestamp": "1795871801" },
            { "status": "read" }
        ]
    } }] }] });
    let items = parse_value(&body);
    assert_eq!(items.len(), 3);
    assert!(
        matches!(&items[0], InboundItem::Status(status) if status.status == DeliveryStatus::Played)
    );
    assert!(matches!(&items[1], InboundItem::Ignored { field, raw }
        if field == "statuses: unknown status" && raw["status"] == "warp_speed"));
    assert!(matches!(&items[2], InboundItem::Ignored { field, .. } if field == "statuses: no id"));
}

#[test]
fn call_connect_user_initiated_identifies_the_caller() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/call_connect_user_initiated.json"
    ));
    let call = only_call(&items);
    assert_eq!(
        call.call_id,
        "wacid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjNFQjA5QTJCNEM2RDdFOEYwMQA="
    );
    assert_eq!(call.event, "connect");
    assert_eq!(call.direction.as_deref(), Some("user_initiated"));
    assert_eq!(call.outcome, None);
    assert_eq!(call.sender.phone, phone("+6281234567890"));
    assert_eq!(call.sender.bsuid.as_deref(), Some("ID.1487265930142857361"));
    assert_eq!(call.sender.profile_name.as_deref(), Some("Budi Santoso"));
    assert_eq!(call.recipient_account.as_deref(), Some("112233445566778"));
    assert_eq!(call.at, at(1_795_872_900));
    assert_eq!(call.duration_seconds, None);
    assert_eq!(call.raw["session"]["sdp_type"], "offer");
    assert_eq!(call.dedupe_key(), format!("{}#connect", call.call_id));
}

#[test]
fn call_terminate_has_outcome_times_and_duration() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/call_terminate.json"
    ));
    let call = only_call(&items);
    assert_eq!(call.event, "terminate");
    assert_eq!(call.outcome.as_deref(), Some("completed"));
    assert_eq!(call.at, at(1_795_873_080));
    assert_eq!(call.started_at, Some(at(1_795_872_905)));
    assert_eq!(call.ended_at, Some(at(1_795_873_080)));
    assert_eq!(call.duration_seconds, Some(175));
    assert_eq!(call.sender.phone, phone("+6281234567890"));
}

#[test]
fn a_business_initiated_call_is_filed_under_the_callee() {
    let body = json!({ "entry": [{ "changes": [{ "field": "calls", "value": {
        "metadata": { "display_phone_number": "6281200000110", "phone_number_id": PHONE_NUMBER_ID },
        "contacts": [{ "profile": { "name": "Siti Rahayu" }, "wa_id": "6281298765432" }],
        "calls": [{ "id": "wacid.out", "from": "6281200000110", "to": "6281298765432",
                    "event": "terminate", "direction": "BUSINESS_INITIATED", "timestamp": "1795873080",
                    "status": "FAILED", "duration": "0" }],
        "errors": [{ "code": 138006, "message": "No call permission" }]
    } }] }] });
    let items = parse_value(&body);
    assert_eq!(items.len(), 2);
    let InboundItem::Call(call) = &items[0] else {
        panic!("{:?}", items[0])
    };
    assert_eq!(call.direction.as_deref(), Some("business_initiated"));
    assert_eq!(call.outcome.as_deref(), Some("failed"));
    assert_eq!(call.sender.phone, phone("+6281298765432"));
    assert_eq!(call.sender.profile_name.as_deref(), Some("Siti Rahayu"));
    assert_eq!(call.duration_seconds, Some(0));
    assert!(matches!(&items[1], InboundItem::ChannelError(error)
        if error.error.code == 138006 && error.error.title.is_none()));
}

#[test]
fn call_statuses_are_call_progress_events() {
    let body = json!({ "entry": [{ "changes": [{ "field": "calls", "value": {
        "metadata": { "phone_number_id": PHONE_NUMBER_ID },
        "statuses": [
            { "id": "wacid.out", "timestamp": "1795873000", "type": "call", "status": "RINGING",
              "recipient_id": "6281298765432", "biz_opaque_callback_data": "laporan=1" },
            { "id": "wacid.out", "timestamp": "1795873005", "status": "ACCEPTED",
              "recipient_id": "6281298765432" }
        ]
    } }] }] });
    let items = parse_value(&body);
    assert_eq!(items.len(), 2);
    let events: Vec<&CallEvent> = items
        .iter()
        .map(|item| match item {
            InboundItem::Call(call) => call,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(events[0].event, "ringing");
    assert_eq!(events[0].at, at(1_795_873_000));
    assert_eq!(events[0].sender.phone, phone("+6281298765432"));
    assert_eq!(events[0].direction.as_deref(), Some("business_initiated"));
    assert_eq!(events[1].event, "accepted");
    assert_ne!(events[0].dedupe_key(), events[1].dedupe_key());
}

#[test]
fn interactive_call_permission_reply_reads_the_integer_expiry() {
    let items = parse_text(include_str!(
        "../../../../tests/fixtures/webhooks/interactive_call_permission_reply.json"
    ));
    let message = only_message(&items);
    assert_eq!(
        message.content,
        MessageContent::CallPermissionReply {
            accepted: true,
            expires_at: Some(at(1_796_476_500)),
            source: Some("user_action".into()),
        }
    );
    assert_eq!(message.sender.profile_name.as_deref(), Some("Siti Rahayu"));
}
