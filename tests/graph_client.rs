//! Black-box tests of the Graph API client against the mock Graph API over real HTTP on
//! loopback: request shapes, error classification, timeouts and media downloads.

mod common;

use std::time::{Duration, Instant};

use common::mock_graph::{MockGraph, graph_response_fixture};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
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
async fn each_scripted_graph_error_comes_back_as_an_api_failure_with_its_disposition() {
    let cases = [
        ("error_130429_rate_limit", 400, 130429, Disposition::Retry),
        ("error_130429_rate_limit", 429, 130429, Disposition::Retry),
        (
            "error_131047_reengagement",
            400,
            131047,
            Disposition::OutsideWindow,
        ),
        (
            "error_131056_pair_rate_limit",
            400,
            131056,
            Disposition::RetryForRecipient,
        ),
        (
            "error_190_token_expired",
            401,
            190,
            Disposition::ChannelUnhealthy,
        ),
        (
            "error_100_invalid_parameter",
            400,
            100,
            Disposition::Permanent,
        ),
    ];
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    for (fixture_name, http_status, expected_code, expected_disposition) in cases {
        mock.push_send_error_fixture(fixture_name, http_status);
        let error = client
            .send_message(&budi(), &text("halo"), None)
            .await
            .unwrap_err();

        let GraphError::Api(failure) = &error else {
            panic!("{fixture_name}: expected an api failure, got {error:?}");
        };
        let fixture = graph_response_fixture(fixture_name);
        assert_eq!(failure.code, expected_code, "{fixture_name}");
        assert_eq!(failure.http_status, http_status, "{fixture_name}");
        assert_eq!(
            failure.fbtrace_id.as_deref(),
            fixture["error"]["fbtrace_id"].as_str()
        );
        assert_eq!(failure.subcode, fixture["error"]["error_subcode"].as_i64());
        assert_eq!(
            failure.details.as_deref(),
            fixture["error"]["error_data"]["details"].as_str()
        );
        assert_eq!(error.disposition(), expected_disposition, "{fixture_name}");
        let logged = error.to_string();
        assert!(logged.contains(&expected_code.to_string()), "{logged}");
        assert!(
            logged.contains(failure.fbtrace_id.as_deref().unwrap()),
            "{logged}"
        );
        assert!(!logged.contains(TOKEN), "{logged}");
    }
    assert!(mock.sent_messages().is_empty());
}

#[tokio::test]
async fn an_error_object_inside_a_200_is_still_an_api_failure() {
    let mock = MockGraph::start().await;
    mock.push_send_error_fixture("error_131056_pair_rate_limit", 200);
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert_eq!(error.disposition(), Disposition::RetryForRecipient);
}

#[tokio::test]
async fn a_non_json_502_is_an_unexpected_response_worth_retrying() {
    let mock = MockGraph::start().await;
    mock.push_send_response(
        502,
        Value::String("<html>502 Bad Gateway</html>".to_string()),
    );
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    let GraphError::UnexpectedResponse {
        http_status,
        body_snippet,
    } = &error
    else {
        panic!("expected an unexpected response, got {error:?}");
    };
    assert_eq!(*http_status, 502);
    assert!(body_snippet.contains("502 Bad Gateway"), "{body_snippet}");
    assert_eq!(error.disposition(), Disposition::Retry);
}

#[tokio::test]
async fn a_non_json_4xx_is_an_unexpected_response_not_worth_retrying() {
    let mock = MockGraph::start().await;
    mock.push_send_response(403, Value::String("Forbidden".to_string()));
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert!(matches!(
        error,
        GraphError::UnexpectedResponse {
            http_status: 403,
            ..
        }
    ));
    assert_eq!(error.disposition(), Disposition::Permanent);
}

#[tokio::test]
async fn a_200_without_a_message_id_is_an_unexpected_response() {
    let mock = MockGraph::start().await;
    mock.push_send_response(
        200,
        json!({ "messaging_product": "whatsapp", "messages": [] }),
    );
    let client = client_for(&mock);

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            GraphError::UnexpectedResponse {
                http_status: 200,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_graph_api_slower_than_the_request_timeout_gives_a_timeout() {
    let mock = MockGraph::start().await;
    mock.delay_send_responses(Duration::from_secs(3));
    let client = GraphClient::new(settings_for(&mock.url, Duration::from_millis(200))).unwrap();

    let started = Instant::now();
    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert_eq!(error, GraphError::Timeout);
    assert_eq!(error.disposition(), Disposition::Retry);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_unreachable_graph_api_is_a_retryable_network_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = GraphClient::new(settings_for(&closed_url, Duration::from_secs(5))).unwrap();

    let error = client
        .send_message(&budi(), &text("halo"), None)
        .await
        .unwrap_err();

    assert!(matches!(error, GraphError::Network(_)), "{error:?}");
    assert_eq!(error.disposition(), Disposition::Retry);
    assert!(!error.to_string().contains(TOKEN));
}

#[tokio::test]
async fn settings_without_a_token_are_refused_up_front() {
    let mut settings = settings_for("https://graph.facebook.com", Duration::from_secs(5));
    settings.access_token = "  ".to_string();

    let error = GraphClient::new(settings).unwrap_err();

    assert!(matches!(error, GraphError::InvalidSettings(_)), "{error:?}");
}

#[tokio::test]
async fn settings_with_a_malformed_base_url_are_refused_up_front() {
    let settings = settings_for("graph.facebook.com", Duration::from_secs(5));

    let error = GraphClient::new(settings).unwrap_err();

    assert!(matches!(error, GraphError::InvalidSettings(_)), "{error:?}");
}

#[tokio::test]
async fn mark_read_posts_a_read_receipt_for_the_inbound_wamid() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    client.mark_read("wamid.inbound.7").await.unwrap();

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

#[tokio::test]
async fn media_lookup_and_download_round_trip_with_a_matching_sha256() {
    let mock = MockGraph::start().await;
    let photo: Vec<u8> = (0..50_000u32).map(|index| (index % 251) as u8).collect();
    mock.add_media("3898908084126216", photo.clone(), "image/jpeg");
    let client = client_for(&mock);

    let info = client.media_info("3898908084126216").await.unwrap();
    let downloaded = client.download_media(&info.url, 1_000_000).await.unwrap();

    assert_eq!(info.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(info.file_size, Some(photo.len() as u64));
    assert_eq!(downloaded.bytes.as_ref(), photo.as_slice());
    assert_eq!(downloaded.content_type.as_deref(), Some("image/jpeg"));
    let actual_sha256 = hex::encode(Sha256::digest(&downloaded.bytes));
    assert_eq!(info.sha256.as_deref(), Some(actual_sha256.as_str()));
    let requests = mock.requests();
    assert_eq!(requests[0].path, "/v25.0/3898908084126216");
    assert_eq!(
        requests[0].query.as_deref(),
        Some(&*format!("phone_number_id={PHONE_NUMBER_ID}"))
    );
    assert_eq!(requests[1].path, "/download/3898908084126216");
    assert_eq!(
        requests[1].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[tokio::test]
async fn a_corrupted_media_hash_is_visible_to_the_caller() {
    let mock = MockGraph::start().await;
    mock.add_media("555", b"foto barang bukti".to_vec(), "image/png");
    mock.corrupt_media_hash("555");
    let client = client_for(&mock);

    let info = client.media_info("555").await.unwrap();
    let downloaded = client.download_media(&info.url, 1024).await.unwrap();

    let actual_sha256 = hex::encode(Sha256::digest(&downloaded.bytes));
    assert_ne!(info.sha256.as_deref(), Some(actual_sha256.as_str()));
}

#[tokio::test]
async fn the_mock_refuses_media_downloads_without_a_bearer_token() {
    let mock = MockGraph::start().await;
    mock.add_media("777", b"rekaman suara".to_vec(), "audio/ogg");
    let url = format!("{}/download/777", mock.url);
    let raw_http = reqwest::Client::new();

    let anonymous = raw_http.get(&url).send().await.unwrap();
    let empty_bearer = raw_http
        .get(&url)
        .header("Authorization", "Bearer ")
        .send()
        .await
        .unwrap();
    let authorized = raw_http
        .get(&url)
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();

    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(empty_bearer.status().as_u16(), 401);
    assert_eq!(authorized.status().as_u16(), 200);
    assert_eq!(authorized.bytes().await.unwrap().as_ref(), b"rekaman suara");
}

#[tokio::test]
async fn a_media_file_larger_than_the_limit_is_refused_as_too_large() {
    let mock = MockGraph::start().await;
    mock.add_media("888", vec![7u8; 10_000], "video/mp4");
    let client = client_for(&mock);

    let info = client.media_info("888").await.unwrap();
    let error = client.download_media(&info.url, 9_999).await.unwrap_err();

    assert_eq!(error, GraphError::TooLarge { limit: 9_999 });
    assert_eq!(error.disposition(), Disposition::Permanent);
    let exactly_at_limit = client.download_media(&info.url, 10_000).await.unwrap();
    assert_eq!(exactly_at_limit.bytes.len(), 10_000);
}

#[tokio::test]
async fn a_chunked_download_stops_as_soon_as_it_passes_the_limit() {
    // A server that declares no length, sends more than the limit, then never finishes: only
    // a client that counts while streaming can answer before its timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/download/endless", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let chunk = vec![b'x'; 4096];
        let mut response =
            b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_vec();
        for _ in 0..4 {
            response.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            response.extend_from_slice(&chunk);
            response.extend_from_slice(b"\r\n");
        }
        socket.write_all(&response).await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let client = GraphClient::new(settings_for(&url, Duration::from_secs(10))).unwrap();

    let started = Instant::now();
    let error = client.download_media(&url, 10_000).await.unwrap_err();

    assert_eq!(error, GraphError::TooLarge { limit: 10_000 });
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_failing_media_download_is_retryable_and_succeeds_later() {
    let mock = MockGraph::start().await;
    mock.add_media("999", b"dokumen".to_vec(), "application/pdf");
    mock.fail_media_downloads("999", 1);
    let client = client_for(&mock);
    let info = client.media_info("999").await.unwrap();

    let first = client.download_media(&info.url, 1024).await.unwrap_err();
    let second = client.download_media(&info.url, 1024).await.unwrap();

    assert!(matches!(
        first,
        GraphError::UnexpectedResponse {
            http_status: 500,
            ..
        }
    ));
    assert_eq!(first.disposition(), Disposition::Retry);
    assert_eq!(second.bytes.as_ref(), b"dokumen");
}

#[tokio::test]
async fn looking_up_unknown_media_is_a_permanent_api_failure() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);

    let error = client.media_info("does-not-exist").await.unwrap_err();

    let GraphError::Api(failure) = &error else {
        panic!("expected an api failure, got {error:?}");
    };
    assert_eq!(failure.code, 100);
    assert_eq!(error.disposition(), Disposition::Permanent);
}

#[tokio::test]
async fn waiting_for_sent_messages_wakes_when_concurrent_sends_arrive() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    for index in 0..3 {
        let client = client.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50 * index)).await;
            client
                .send_message(&budi(), &text(&format!("pesan {index}")), None)
                .await
                .unwrap();
        });
    }

    let sent = mock.wait_for_sent_messages(3, Duration::from_secs(5)).await;

    assert_eq!(sent.len(), 3);
    assert_eq!(mock.sent_at().len(), 3);
}

#[tokio::test]
async fn the_mock_answers_unknown_paths_with_a_graph_style_404() {
    let mock = MockGraph::start().await;

    let response = reqwest::Client::new()
        .get(format!(
            "{}/v25.0/{PHONE_NUMBER_ID}/nonsense/path",
            mock.url
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_i64(), "{body}");
}
