//! The media fetcher: downloads verified and stored by hash, retries, mismatches and limits.

use super::*;

fn image_payload(media_id: &str, bytes: &[u8], with_url: Option<String>) -> serde_json::Value {
    let mut body = fixture("inbound_image_caption");
    let image = &mut body["entry"][0]["changes"][0]["value"]["messages"][0]["image"];
    image["id"] = json!(media_id);
    image["sha256"] =
        json!(base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes)));
    match with_url {
        Some(url) => image["url"] = json!(url),
        None => {
            image.as_object_mut().unwrap().remove("url");
        }
    }
    body
}

fn stored_media(app: &TestApp) -> Option<Message> {
    let report = app.reports().into_iter().next()?;
    app.messages(report.id)
        .into_iter()
        .find(|message| message.media.is_some())
}

#[tokio::test]
async fn a_photo_is_downloaded_verified_and_stored_by_its_hash() {
    let app = spawn_app().await;
    let photo = b"\xff\xd8\xff\xe0 a jpeg of the stolen motorbike".to_vec();
    app.graph
        .add_media("media-photo-1", photo.clone(), "image/jpeg");
    app.post_signed_webhook(&image_payload("media-photo-1", &photo, None))
        .await;
    app.wait_until("the photo is stored", |app| {
        stored_media(app).is_some_and(|message| message.media.unwrap().state == MediaState::Stored)
    })
    .await;
    let media = stored_media(&app).unwrap().media.unwrap();
    let hex = hex::encode(sha2::Sha256::digest(&photo));
    assert_eq!(media.sha256_hex.as_deref(), Some(hex.as_str()));
    assert_eq!(media.content_type.as_deref(), Some("image/jpeg"));
    let path = siaga::whatsapp::media::media_path(&app.data_dir.join("media"), &hex);
    assert_eq!(std::fs::read(path).unwrap(), photo);
    let report = app.only_report();
    assert!(report.has_media);
    assert!(
        app.timeline(report.id)
            .iter()
            .any(|event| event.kind == TimelineKind::MediaStored)
    );
}

#[tokio::test]
async fn the_media_url_in_the_webhook_is_used_directly_when_present() {
    let app = spawn_app().await;
    let clip = b"voice note bytes".to_vec();
    app.graph
        .add_media("media-direct", clip.clone(), "image/jpeg");
    let url = format!("{}/download/media-direct", app.graph.url);
    app.post_signed_webhook(&image_payload("media-direct", &clip, Some(url)))
        .await;
    app.wait_until("the photo is stored", |app| {
        stored_media(app).is_some_and(|message| message.media.unwrap().state == MediaState::Stored)
    })
    .await;
    let lookups = app
        .graph
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/v") && request.path.ends_with("/media-direct"))
        .count();
    assert_eq!(lookups, 0, "no media lookup needed");
}

#[tokio::test]
async fn a_failing_download_is_retried_and_the_message_is_kept_meanwhile() {
    let app = spawn_app().await;
    let video = b"mp4 bytes of the cctv".to_vec();
    app.graph
        .add_media("media-flaky", video.clone(), "video/mp4");
    app.graph.fail_media_downloads("media-flaky", 2);
    app.post_signed_webhook(&image_payload("media-flaky", &video, None))
        .await;
    assert!(
        stored_media(&app).is_some(),
        "the message is stored before its media"
    );
    app.wait_until("the media is stored after retries", |app| {
        stored_media(app).is_some_and(|message| message.media.unwrap().state == MediaState::Stored)
    })
    .await;
    assert_eq!(stored_media(&app).unwrap().media.unwrap().attempts, 3);
}

#[tokio::test]
async fn a_file_whose_hash_does_not_match_is_never_stored_as_evidence() {
    let app = spawn_app().await;
    let bytes = b"tampered".to_vec();
    app.graph
        .add_media("media-bad-hash", bytes.clone(), "image/jpeg");
    let mut body = image_payload("media-bad-hash", &bytes, None);
    body["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["sha256"] =
        json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    app.post_signed_webhook(&body).await;
    app.wait_until("a hash mismatch is recorded", |app| {
        stored_media(app)
            .and_then(|message| message.media)
            .and_then(|media| media.error)
            .is_some_and(|error| error.contains("sha256 mismatch"))
    })
    .await;
    let media = stored_media(&app).unwrap().media.unwrap();
    assert_ne!(media.state, MediaState::Stored);
    // A retry may be downloading into a temporary file; nothing is stored under a hash name.
    assert_eq!(stored_files(&app.data_dir.join("media")), 0);
}

/// Files under `dir`, less the temporary files of downloads under way.
fn stored_files(dir: &std::path::Path) -> usize {
    use siaga::whatsapp::media_file::PARTIAL_PREFIX;
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    let is_partial = entry
                        .file_name()
                        .to_str()
                        .is_some_and(|name| name.starts_with(PARTIAL_PREFIX));
                    if entry.path().is_dir() {
                        stored_files(&entry.path())
                    } else {
                        usize::from(!is_partial)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn media_larger_than_the_limit_is_refused_and_marked_failed() {
    let app = spawn_app_with(|settings| settings.media_max_mb = Some(1)).await;
    let big = vec![7u8; 2 * 1024 * 1024];
    app.graph.add_media("media-big", big.clone(), "video/mp4");
    app.post_signed_webhook(&image_payload("media-big", &big, None))
        .await;
    app.wait_until("the media is marked failed", |app| {
        stored_media(app).is_some_and(|message| message.media.unwrap().state == MediaState::Failed)
    })
    .await;
    let report_id = app.only_report().id;
    assert!(
        app.timeline(report_id)
            .iter()
            .any(|event| event.kind == TimelineKind::MediaFailed)
    );
}
