//! Message requests and read receipts: the request each send posts and the wamid it returns.

use super::*;

#[tokio::test]
async fn sending_a_text_returns_the_wamid_and_posts_the_expected_request() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    let receipt = client
        .send_message(&budi(), &text("Laporan Anda sudah kami terima."), None)
        .await
        .unwrap();

    assert_eq!(receipt.wamid, "wamid.mock.1");
    assert_eq!(receipt.message_status, None);
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/v25.0/{PHONE_NUMBER_ID}/messages"));
    assert_eq!(
        request.authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        request.body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+6281234567890",
            "type": "text",
            "text": { "preview_url": false, "body": "Laporan Anda sudah kami terima." },
        })
    );
    assert_eq!(mock.sent_messages(), vec![request.body.clone()]);
}

#[tokio::test]
async fn each_send_gets_its_own_wamid() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    let first = client
        .send_message(&budi(), &text("satu"), None)
        .await
        .unwrap();
    let second = client
        .send_message(&budi(), &text("dua"), None)
        .await
        .unwrap();

    assert_ne!(first.wamid, second.wamid);
}

#[tokio::test]
async fn a_reply_carries_the_quoted_wamid_and_the_callback_data() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    let message = OutgoingMessage::Text {
        body: "Mohon kirim lokasi persis kejadian.".to_string(),
        reply_to: Some("wamid.inbound.1".to_string()),
    };

    client
        .send_message(&budi(), &message, Some("laporan=LP-20261128-0042"))
        .await
        .unwrap();

    let sent = mock.sent_messages();
    assert_eq!(
        sent[0]["context"],
        json!({ "message_id": "wamid.inbound.1" })
    );
    assert_eq!(
        sent[0]["biz_opaque_callback_data"],
        "laporan=LP-20261128-0042"
    );
}

#[tokio::test]
async fn a_template_send_carries_name_language_and_body_parameters_and_reports_pacing() {
    let mock = MockGraph::start().await;
    mock.push_send_response(200, graph_response_fixture("send_template_success_paced"));
    let client = client_for(&mock);
    let dewi = Recipient::Phone(PhoneNumber::parse("+62 812 5555 6666").unwrap());
    let message = OutgoingMessage::Template {
        name: "update_status_laporan".to_string(),
        language: "id".to_string(),
        body_parameters: vec!["Dewi Lestari".to_string(), "LP-20261127-0311".to_string()],
        parameter_names: Vec::new(),
    };

    let receipt = client.send_message(&dewi, &message, None).await.unwrap();

    assert_eq!(receipt.message_status.as_deref(), Some("accepted"));
    assert!(receipt.wamid.starts_with("wamid."), "{}", receipt.wamid);
    let sent = mock.sent_messages();
    assert_eq!(sent[0]["to"], "+6281255556666");
    assert_eq!(sent[0]["type"], "template");
    assert_eq!(
        sent[0]["template"],
        json!({
            "name": "update_status_laporan",
            "language": { "code": "id" },
            "components": [{
                "type": "body",
                "parameters": [
                    { "type": "text", "text": "Dewi Lestari" },
                    { "type": "text", "text": "LP-20261127-0311" },
                ],
            }],
        })
    );
}

#[tokio::test]
async fn a_location_request_asks_for_the_send_location_action() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    let message = OutgoingMessage::LocationRequest {
        body: "Mohon bagikan lokasi Anda saat ini.".to_string(),
    };

    client.send_message(&budi(), &message, None).await.unwrap();

    let sent = mock.sent_messages();
    assert_eq!(sent[0]["type"], "interactive");
    assert_eq!(
        sent[0]["interactive"],
        json!({
            "type": "location_request_message",
            "body": { "text": "Mohon bagikan lokasi Anda saat ini." },
            "action": { "name": "send_location" },
        })
    );
}

#[tokio::test]
async fn a_call_permission_request_uses_the_interactive_call_permission_type() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    let message = OutgoingMessage::CallPermissionRequest {
        body: "Boleh petugas kami menelepon Anda?".to_string(),
    };

    client.send_message(&budi(), &message, None).await.unwrap();

    let sent = mock.sent_messages();
    assert_eq!(sent[0]["interactive"]["type"], "call_permission_request");
    assert_eq!(
        sent[0]["interactive"]["action"]["name"],
        "call_permission_request"
    );
}

#[tokio::test]
async fn a_bsuid_recipient_is_addressed_with_the_recipient_field() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    let recipient = Recipient::Bsuid("ID.1349000111222333".to_string());

    let receipt = client
        .send_message(&recipient, &text("halo"), None)
        .await
        .unwrap();

    assert!(!receipt.wamid.is_empty());
    let sent = mock.sent_messages();
    assert_eq!(sent[0]["recipient"], "ID.1349000111222333");
    assert!(sent[0].get("to").is_none(), "{}", sent[0]);
}

#[tokio::test]
async fn mark_read_posts_a_read_receipt_for_the_inbound_wamid() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    client
        .mark_read(&Wamid::parse("wamid.inbound.7").unwrap())
        .await
        .unwrap();

    assert_eq!(
        mock.mark_read_requests(),
        vec![json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.inbound.7",
        })]
    );
    let requests = mock.requests();
    assert_eq!(
        requests[0].path,
        format!("/v25.0/{PHONE_NUMBER_ID}/messages")
    );
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert!(
        mock.sent_messages().is_empty(),
        "a read receipt is not a sent message"
    );
}
