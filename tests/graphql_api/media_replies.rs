//! Replies with media (#18 part 3), black-box: `POST /media/upload` over real HTTP, then
//! `replyToReporter(attachmentId)`, the upload to the mock Graph API's `/{phone}/media`, the
//! send by media id, and the signed status callback that marks the message; the limits and
//! refusals that store nothing; the 24-hour window; audio's text; retries and re-uploads.

use sha2::Digest as _;
use siaga::domain::audit::{AuditAction, AuditEntry};
use siaga::domain::ids::MessageId;
use siaga::domain::inbound::DeliveryStatus;
use siaga::whatsapp::payload;

use super::*;

/// The first bytes of a PNG, then `size - 16` bytes of padding.
fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(size, 7);
    bytes
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    bytes.resize(size, b'x');
    bytes
}

fn mp3(size: usize) -> Vec<u8> {
    let mut bytes = b"ID3\x04\0\0\0\0\0\0".to_vec();
    bytes.resize(size, 0x55);
    bytes
}

/// `POST /media/upload` with the file in the field `file`; returns (status, JSON body).
async fn upload(
    app: &TestApp,
    token: Option<&str>,
    bytes: Vec<u8>,
    file_name: &str,
    content_type: &str,
) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(file_name.to_string())
        .mime_str(content_type)
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let mut request = app
        .client
        .post(format!("{}/media/upload", app.base_url))
        .multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("upload request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn reply_with(
    app: &TestApp,
    token: &str,
    report: &str,
    text: &str,
    attachment: &str,
) -> Value {
    app.graphql(
        Some(token),
        "mutation($r: ID!, $t: String!, $a: ID) { replyToReporter(reportId: $r, text: $t, attachmentId: $a) { id kind text mediaUrl mediaContentType fileName deliveryStatus } }",
        json!({ "r": report, "t": text, "a": attachment }),
    )
    .await
}

fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(folder: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&app.data_dir.join("media"), &mut found);
    found
}

fn delivery_of(app: &TestApp, message_id: &str) -> Option<DeliveryStatus> {
    let id = MessageId::parse(message_id).unwrap();
    let message = app.state.store.messages().get(id).unwrap()?;
    message.delivery.map(|delivery| delivery.status)
}

/// A citizen's report whose automatic answer went out; returns its id.
async fn answered_report(app: &TestApp, phone: &str) -> String {
    let before = app.graph.sent_messages().len();
    let (id, _) = app
        .citizen_reports(
            phone,
            "mau buat surat kehilangan, dompet saya hilang di terminal",
        )
        .await;
    app.graph
        .wait_for_sent_messages(before + 1, Duration::from_secs(10))
        .await;
    id
}

#[tokio::test]
async fn a_photo_reply_is_uploaded_to_meta_sent_by_its_media_id_and_marked_by_the_status_callback()
{
    let app = spawn_app().await;
    let token = operator(&app).await;
    let report = answered_report(&app, "081377201001").await;

    let photo = png(40_000);
    let (status, uploaded) =
        upload(&app, Some(&token), photo.clone(), "dompet.png", "image/png").await;
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["kind"], "image");
    assert_eq!(uploaded["contentType"], "image/png");
    assert_eq!(uploaded["sizeBytes"], 40_000);
    let sha256 = uploaded["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha256, hex::encode(sha2::Sha256::digest(&photo)));
    let stored = app.data_dir.join("media").join(&sha256[..2]).join(&sha256);
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        photo,
        "kept in the media store"
    );
    let audit: Vec<AuditEntry> = app
        .state
        .store
        .scan_records::<AuditEntry>(Table::Audit, &[])
        .map(|entry| entry.unwrap().1)
        .filter(|entry| entry.action == AuditAction::MediaUpload)
        .collect();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor.as_deref(), Some("ops1"));
    assert!(audit[0].detail.as_deref().unwrap().contains(&sha256));

    let attachment = uploaded["attachmentId"].as_str().unwrap();
    let reply = reply_with(&app, &token, &report, "Apakah ini dompet Anda?", attachment).await;
    let message = &reply["data"]["replyToReporter"];
    assert_eq!(message["kind"], "image", "{reply}");
    assert_eq!(message["text"], "Apakah ini dompet Anda?");
    assert_eq!(message["mediaContentType"], "image/png");
    let message_id = message["id"].as_str().unwrap().to_string();

    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    let uploads = app.graph.uploads();
    assert_eq!(uploads.len(), 1, "uploaded once");
    let summary = &uploads[0].summary;
    assert_eq!(summary["messaging_product"], "whatsapp");
    assert_eq!(summary["type"], "image/png");
    assert_eq!(summary["file"]["sha256"], sha256.as_str());
    assert_eq!(summary["file"]["content_type"], "image/png");
    assert_eq!(summary["file"]["name"], "dompet.png");
    assert_eq!(sent[1]["type"], "image");
    assert_eq!(sent[1]["image"]["id"], uploads[0].media_id.as_str());
    assert_eq!(sent[1]["image"]["caption"], "Apakah ini dompet Anda?");
    assert_eq!(sent[1]["to"], "+6281377201001");

    // Meta's status callbacks mark the message, found by its wamid.
    let wamid = app
        .graph
        .accepted_sends()
        .into_iter()
        .find(|(body, _)| body["type"] == "image")
        .unwrap()
        .1;
    app.wait_until("the send is recorded", |app| {
        delivery_of(app, &message_id) == Some(DeliveryStatus::Accepted)
    })
    .await;
    for status in ["sent", "delivered"] {
        let callback = payload::status(
            &wamid,
            status,
            "6281377201001",
            chrono::Utc::now().timestamp(),
            None,
        );
        assert_eq!(app.post_signed_webhook(&callback).await.status(), 200);
    }
    app.wait_until("the message is delivered", |app| {
        delivery_of(app, &message_id) == Some(DeliveryStatus::Delivered)
    })
    .await;

    // In the report's conversation, viewable through the media route.
    let shown = app
        .graphql(
            Some(&token),
            "query($id: ID) { report(id: $id) { messages { id kind text deliveryStatus mediaUrl } } }",
            json!({ "id": report }),
        )
        .await;
    let messages = shown["data"]["report"]["messages"].as_array().unwrap();
    let shown = messages
        .iter()
        .find(|m| m["id"] == message_id.as_str())
        .unwrap();
    assert_eq!(shown["deliveryStatus"], "DELIVERED", "{shown}");
    let media_url = shown["mediaUrl"].as_str().unwrap();
    let file = app
        .client
        .get(format!("{}{media_url}", app.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.bytes().await.unwrap().to_vec(), photo);
}

#[tokio::test]
async fn uploads_too_large_of_another_type_than_declared_or_unauthenticated_are_refused_and_nothing_is_stored()
 {
    let app = spawn_app().await;
    let token = operator(&app).await;

    let (status, refused) =
        upload(&app, Some(&token), png(5_000_001), "foto.png", "image/png").await;
    assert_eq!(status, 413, "{refused}");
    assert_eq!(refused["code"], "PAYLOAD_TOO_LARGE");
    assert!(
        refused["error"].as_str().unwrap().contains("5 MB"),
        "{refused}"
    );

    let (status, refused) = upload(
        &app,
        Some(&token),
        png(2_000),
        "surat.pdf",
        "application/pdf",
    )
    .await;
    assert_eq!(status, 415, "{refused}");
    assert_eq!(refused["code"], "UNSUPPORTED_MEDIA_TYPE");
    let reason = refused["error"].as_str().unwrap();
    assert!(
        reason.contains("PNG") && reason.contains("application/pdf"),
        "{reason}"
    );

    let (status, refused) = upload(&app, None, png(2_000), "foto.png", "image/png").await;
    assert_eq!(status, 401, "{refused}");
    assert_eq!(refused["code"], "UNAUTHENTICATED");

    let analyst = app.user_token("analis", Role::Analyst, None).await;
    let (status, refused) = upload(&app, Some(&analyst), png(2_000), "foto.png", "image/png").await;
    assert_eq!(status, 403, "{refused}");

    let (status, refused) = upload(
        &app,
        Some(&token),
        b"GIF89a\x01\0\x01\0".to_vec(),
        "a.gif",
        "image/gif",
    )
    .await;
    assert_eq!(status, 415, "{refused}");

    assert!(app.state.store.is_empty(Table::Attachments), "no record");
    assert_eq!(
        stored_files(&app),
        Vec::<std::path::PathBuf>::new(),
        "no file, partial or whole"
    );

    // A document may be far larger than an image, and larger than the other routes' bodies.
    let (status, accepted) = upload(
        &app,
        Some(&token),
        pdf(6_000_000),
        "surat panggilan.pdf",
        "application/pdf",
    )
    .await;
    assert_eq!(status, 201, "{accepted}");
    assert_eq!(accepted["kind"], "document");
    assert_eq!(accepted["fileName"], "surat panggilan.pdf");
    assert_eq!(stored_files(&app).len(), 1);
}

#[tokio::test]
async fn an_attachment_outside_the_24_hour_window_is_refused_as_text_is() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let report = answered_report(&app, "081377201003").await;
    let (_, uploaded) = upload(
        &app,
        Some(&token),
        pdf(3_000),
        "surat.pdf",
        "application/pdf",
    )
    .await;
    let attachment = uploaded["attachmentId"].as_str().unwrap().to_string();

    close_the_window(&app).await;
    let messages_before = app.state.store.len(Table::Messages);
    let refused = reply_with(&app, &token, &report, "Surat panggilan", &attachment).await;
    assert_refused_outside_the_window(&app, &refused, messages_before);
    assert!(app.graph.uploads().is_empty(), "nothing went to Meta");

    // Someone else's upload, or an unknown one, is refused too.
    let other = app
        .user_token("ops2", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let refused = reply_with(&app, &other, &report, "x", &attachment).await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("FORBIDDEN"),
        "{refused}"
    );
    let refused = reply_with(&app, &token, &report, "x", "999999").await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("NOT_FOUND"),
        "{refused}"
    );
}

#[tokio::test]
async fn audio_goes_without_a_caption_and_its_text_follows_as_a_text_message() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let report = answered_report(&app, "081377201004").await;
    let (status, uploaded) =
        upload(&app, Some(&token), mp3(20_000), "pesan.mp3", "audio/mpeg").await;
    assert_eq!(status, 201, "{uploaded}");
    let attachment = uploaded["attachmentId"].as_str().unwrap();
    let reply = reply_with(
        &app,
        &token,
        &report,
        "Dengarkan pesan suara ini.",
        attachment,
    )
    .await;
    assert_eq!(reply["data"]["replyToReporter"]["kind"], "audio", "{reply}");
    assert_eq!(reply["data"]["replyToReporter"]["text"], Value::Null);

    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    let audio = sent
        .iter()
        .find(|body| body["type"] == "audio")
        .expect("audio sent");
    assert_eq!(
        audio["audio"]["id"],
        app.graph.uploads()[0].media_id.as_str()
    );
    assert!(audio["audio"].get("caption").is_none(), "{audio}");
    assert!(
        sent.iter()
            .any(|body| body["text"]["body"] == "Dengarkan pesan suara ini."),
        "{sent:?}"
    );
}

#[tokio::test]
async fn a_failed_upload_is_retried_and_a_media_id_meta_rejects_is_uploaded_again() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let report = answered_report(&app, "081377201005").await;
    let (_, uploaded) = upload(&app, Some(&token), png(3_000), "barang.png", "image/png").await;
    let attachment = uploaded["attachmentId"].as_str().unwrap().to_string();

    app.graph.fail_uploads(1);
    reply_with(&app, &token, &report, "Foto 1", &attachment).await;
    let sent = app
        .graph
        .wait_for_sent_messages(2, Duration::from_secs(10))
        .await;
    assert_eq!(
        sent[1]["image"]["id"], "mockmedia1",
        "sent after the upload's retry"
    );
    let failed_uploads = app
        .graph
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/media") && request.response_status == 500)
        .count();
    assert_eq!(failed_uploads, 1);

    // The same file again: Meta's id is reused, no second upload.
    reply_with(&app, &token, &report, "Foto 2", &attachment).await;
    let sent = app
        .graph
        .wait_for_sent_messages(3, Duration::from_secs(10))
        .await;
    assert_eq!(sent[2]["image"]["id"], "mockmedia1");
    assert_eq!(app.graph.uploads().len(), 1);

    // Meta no longer knows the id (expired): the file is uploaded again and the send retried.
    app.graph.push_send_response(
        400,
        json!({ "error": { "message": "(#131053) Media upload error", "type": "OAuthException", "code": 131053, "fbtrace_id": "T" } }),
    );
    reply_with(&app, &token, &report, "Foto 3", &attachment).await;
    let sent = app
        .graph
        .wait_for_sent_messages(4, Duration::from_secs(10))
        .await;
    assert_eq!(sent[3]["image"]["id"], "mockmedia2", "{:?}", sent[3]);
    assert_eq!(sent[3]["image"]["caption"], "Foto 3");
    assert_eq!(app.graph.uploads().len(), 2);
}

#[tokio::test]
async fn an_upload_meta_keeps_refusing_fails_the_message_visibly_on_the_report() {
    let app = spawn_app_with(|settings| settings.wa_max_attempts = Some(3)).await;
    let token = operator(&app).await;
    let report = answered_report(&app, "081377201006").await;
    let (_, uploaded) = upload(&app, Some(&token), png(3_000), "barang.png", "image/png").await;
    let attachment = uploaded["attachmentId"].as_str().unwrap().to_string();
    app.graph.fail_uploads(100);
    let reply = reply_with(&app, &token, &report, "Foto", &attachment).await;
    let message_id = reply["data"]["replyToReporter"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.wait_until("the message failed", |app| {
        delivery_of(app, &message_id) == Some(DeliveryStatus::Failed)
    })
    .await;
    let shown = app
        .graphql(
            Some(&token),
            "query($id: ID) { report(id: $id) { messages { id deliveryStatus deliveryError } timeline { kind } } }",
            json!({ "id": report }),
        )
        .await;
    let report = &shown["data"]["report"];
    let message = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == message_id.as_str())
        .unwrap();
    assert_eq!(message["deliveryStatus"], "FAILED");
    assert!(message["deliveryError"].is_string(), "{message}");
    assert!(
        report["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["kind"] == "REPLY_FAILED"),
        "{report}"
    );
}
