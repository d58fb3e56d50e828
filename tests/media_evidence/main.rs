//! Media as evidence, black-box: the fetcher fetches only from the allowlist of media hosts
//! (and never hands the token to anything else), streams large files to disk while hashing
//! them, and treats a local write failure as ours: retried and alarmed, never counted against
//! the seven days Meta keeps media. The real app, real sled, real HTTP on loopback; only Meta is
//! a fake (`meta`), with a trap on 127.0.0.2 that records whether anything reached it.

#[path = "../common/mod.rs"]
mod common;
mod meta;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use base64::Engine as _;
use common::{ACCESS_TOKEN, TestApp, fixture, poll_until, spawn_app_with};
use meta::{Download, FakeMeta, Trap};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use siaga::domain::message::{MediaState, Message, StoredMedia};
use siaga::ledger::Ledger as _;
use siaga::whatsapp::media::media_path;
use siaga::whatsapp::media_file::{PARTIAL_PREFIX, WRITE_BUFFER_BYTES};

/// The app, with the fake Meta as its Graph API.
async fn app_with_fake_meta() -> (TestApp, FakeMeta) {
    let meta = FakeMeta::start().await;
    let graph_url = meta.url.clone();
    let app = spawn_app_with(move |settings| settings.wa_graph_url = Some(graph_url)).await;
    (app, meta)
}

/// A citizen's photo with Meta's base64 sha256, and the webhook's own `url` when given.
fn photo_webhook(media_id: &str, bytes: &[u8], url: Option<&str>) -> Value {
    let mut body = fixture("inbound_image_caption");
    let image = &mut body["entry"][0]["changes"][0]["value"]["messages"][0]["image"];
    image["id"] = json!(media_id);
    image["sha256"] =
        json!(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes)));
    match url {
        Some(url) => image["url"] = json!(url),
        None => {
            image.as_object_mut().expect("image object").remove("url");
        }
    }
    body
}

fn photo(size: usize) -> Vec<u8> {
    (0..size).map(|index| (index % 251) as u8).collect()
}

fn the_message_with_media(app: &TestApp) -> Option<Message> {
    let report = app.reports().into_iter().next()?;
    app.messages(report.id)
        .into_iter()
        .find(|message| message.media.is_some())
}

fn media_of(app: &TestApp) -> Option<StoredMedia> {
    the_message_with_media(app).and_then(|message| message.media)
}

/// Waits until the media failed, or the trap was reached (which the caller then reports).
async fn wait_for_failure_or_trap(app: &TestApp, trap: &Trap) -> StoredMedia {
    app.wait_until("the media fails or the trap is reached", |app| {
        !trap.hits().is_empty()
            || media_of(app).is_some_and(|media| media.state == MediaState::Failed)
    })
    .await;
    assert!(
        trap.hits().is_empty(),
        "the trap was reached: {:?}",
        trap.hits()
    );
    media_of(app).expect("media")
}

async fn wait_for_media_state(app: &TestApp, state: MediaState) -> StoredMedia {
    app.wait_until(&format!("the media is {state:?}"), |app| {
        media_of(app).is_some_and(|media| media.state == state)
    })
    .await;
    media_of(app).expect("media")
}

fn files_under(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn partial_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.data_dir.join("media"))
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(PARTIAL_PREFIX))
        })
        .collect()
}

#[tokio::test]
async fn a_webhook_media_url_on_127_0_0_2_is_refused_and_never_reached_and_the_media_is_looked_up_instead()
 {
    let (app, meta) = app_with_fake_meta().await;
    let trap = Trap::start().await;
    let bytes = photo(40_000);
    meta.add_media("media-forged-url", bytes.clone(), Download::Serve);

    let forged = trap.url("/whatsapp_business/attachments/?mid=1");
    app.post_signed_webhook(&photo_webhook("media-forged-url", &bytes, Some(&forged)))
        .await;
    let media = wait_for_media_state(&app, MediaState::Stored).await;

    assert!(
        trap.hits().is_empty(),
        "the trap was reached: {:?}",
        trap.hits()
    );
    assert_eq!(media.sha256_hex, Some(hex::encode(Sha256::digest(&bytes))));
    let at_meta = meta.media_requests("media-forged-url");
    assert_eq!(at_meta.len(), 2, "lookup and download at meta: {at_meta:?}");
    let bearer = format!("Bearer {ACCESS_TOKEN}");
    assert!(
        at_meta
            .iter()
            .all(|request| request.authorization.as_deref() == Some(bearer.as_str()))
    );
    assert_eq!(app.state.metrics.media_refused.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_looked_up_media_url_on_127_0_0_2_is_refused_for_good_and_the_token_never_reaches_it() {
    let (app, meta) = app_with_fake_meta().await;
    let trap = Trap::start().await;
    let bytes = photo(1_000);
    meta.add_media("media-elsewhere", bytes.clone(), Download::Serve);
    meta.point_lookup_to("media-elsewhere", &trap.url("/steal"));

    app.post_signed_webhook(&photo_webhook("media-elsewhere", &bytes, None))
        .await;
    let media = wait_for_failure_or_trap(&app, &trap).await;
    let error = media.error.unwrap_or_default();
    assert!(error.contains("not on the allowlist"), "{error}");
    assert_eq!(app.state.metrics.media_refused.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_redirect_off_the_allowlist_is_not_followed_and_one_within_it_is() {
    let (app, meta) = app_with_fake_meta().await;
    let trap = Trap::start().await;
    let bytes = photo(2_000);
    meta.add_media(
        "media-redirected",
        bytes.clone(),
        Download::RedirectTo(trap.url("/steal")),
    );

    app.post_signed_webhook(&photo_webhook("media-redirected", &bytes, None))
        .await;
    let media = wait_for_failure_or_trap(&app, &trap).await;
    let error = media.error.unwrap_or_default();
    assert!(error.contains("redirect"), "{error}");

    // The same redirect, to Meta's own origin, is followed.
    let (app, meta) = app_with_fake_meta().await;
    meta.add_media("media-real", bytes.clone(), Download::Serve);
    let within = format!("{}/download/media-real", meta.url);
    meta.add_media("media-moved", bytes.clone(), Download::RedirectTo(within));
    app.post_signed_webhook(&photo_webhook("media-moved", &bytes, None))
        .await;
    wait_for_media_state(&app, MediaState::Stored).await;
}

#[tokio::test]
async fn a_large_download_is_written_to_disk_while_it_arrives_and_stored_with_its_hash() {
    let (app, meta) = app_with_fake_meta().await;
    let size = 6 * 1024 * 1024;
    let first_part = 3 * 1024 * 1024;
    let bytes = photo(size);
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let download = Download::PauseAfter {
        bytes: first_part,
        gate: Arc::clone(&gate),
    };
    meta.add_media("media-large", bytes.clone(), download);

    app.post_signed_webhook(&photo_webhook("media-large", &bytes, None))
        .await;
    // Halfway through, what arrived is on disk already, less at most one write buffer.
    let on_disk_halfway = (first_part - WRITE_BUFFER_BYTES) as u64;
    poll_until("the first half of the download is on disk", || {
        partial_files(&app).iter().any(|path| {
            std::fs::metadata(path).is_ok_and(|metadata| metadata.len() >= on_disk_halfway)
        })
    })
    .await;
    assert_ne!(
        media_of(&app).map(|media| media.state),
        Some(MediaState::Stored)
    );
    gate.add_permits(1);
    let media = wait_for_media_state(&app, MediaState::Stored).await;

    let hex = hex::encode(Sha256::digest(&bytes));
    assert_eq!(media.sha256_hex.as_deref(), Some(hex.as_str()));
    assert_eq!(media.size_bytes, Some(size as u64));
    let stored = std::fs::read(media_path(&app.data_dir.join("media"), &hex)).unwrap();
    assert!(stored == bytes, "the stored file differs from the download");
    assert!(partial_files(&app).is_empty(), "{:?}", partial_files(&app));
}

#[tokio::test]
async fn a_local_write_failure_is_retried_and_alarmed_without_spending_metas_seven_days() {
    let (app, meta) = app_with_fake_meta().await;
    let bytes = photo(5_000);
    meta.add_media("media-disk-full", bytes.clone(), Download::Serve);
    // A file where the media folder should be: every write fails, as on a full disk.
    let media_dir = app.data_dir.join("media");
    let _ = std::fs::remove_dir(&media_dir);
    std::fs::write(&media_dir, b"in the way").unwrap();
    let local_errors = || app.state.metrics.media_local_errors.load(Ordering::Relaxed);

    app.post_signed_webhook(&photo_webhook("media-disk-full", &bytes, None))
        .await;
    poll_until("local failures are retried", || local_errors() >= 3).await;

    let media = media_of(&app).expect("media");
    assert_eq!(media.state, MediaState::Pending);
    assert_eq!(
        media.attempts, 0,
        "a local failure is not a download attempt"
    );
    assert!(media.error.unwrap_or_default().contains("cannot write"));
    assert!(
        meta.media_requests("media-disk-full").is_empty(),
        "meta is not asked while the disk is broken"
    );

    // Past Meta's seven days, a local failure still only waits for the disk.
    let mut message = the_message_with_media(&app).expect("message");
    message.received_at = chrono::Utc::now() - chrono::Duration::days(8);
    app.state
        .store
        .transaction(|tx| -> Result<(), siaga::store::TxError<()>> {
            tx.messages().save(&message)?;
            Ok(())
        })
        .unwrap();
    let after_aging = local_errors();
    poll_until("local failures go on past seven days", || {
        local_errors() >= after_aging + 2
    })
    .await;
    assert_eq!(media_of(&app).expect("media").state, MediaState::Pending);

    std::fs::remove_file(&media_dir).unwrap();
    let media = wait_for_media_state(&app, MediaState::Stored).await;
    assert_eq!(media.attempts, 1, "one download, after the disk came back");
    assert_eq!(meta.media_requests("media-disk-full").len(), 2);
}
