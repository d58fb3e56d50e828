//! One download of a citizen's media: from the webhook's URL or a fresh lookup, streamed into a
//! temporary file while it is hashed, checked against the sha256 Meta announced, and stored
//! durably under its hash. Failures are told apart by whose they are: Meta's (or the network's)
//! count against the seven days Meta keeps the media, ours (the disk) never do.

use base64::Engine as _;
use chrono::Utc;

use crate::domain::inbound::{MediaKind, MediaRef};
use crate::domain::message::{MediaState, StoredMedia};
use crate::metrics::{Metrics, add};
use crate::whatsapp::graph::{Disposition, GraphClient, GraphError, MediaDownload};
use crate::whatsapp::media::media_path;
use crate::whatsapp::media_file::PartialFile;

/// Why a download attempt did not store the file.
#[derive(Debug)]
pub enum FetchError {
    /// Meta or the way there: counts as an attempt against the seven days.
    Graph(GraphError),
    HashMismatch {
        expected: String,
        actual: String,
    },
    /// The local disk (full, read-only, a folder in the way): retried, alarmed, and never
    /// counted against Meta's seven days.
    Local(std::io::Error),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Graph(error) => write!(f, "{error}"),
            FetchError::HashMismatch { expected, actual } => {
                write!(
                    f,
                    "sha256 mismatch: meta announced {expected}, the file hashes to {actual}"
                )
            }
            FetchError::Local(error) => write!(f, "cannot write the media file here: {error}"),
        }
    }
}

impl FetchError {
    pub fn retryable(&self) -> bool {
        match self {
            FetchError::Graph(error) => !matches!(
                error.disposition(),
                Disposition::Permanent | Disposition::OutsideWindow
            ),
            // A corrupted transfer may succeed next time; a stored file that disagrees with
            // Meta's hash is never accepted as evidence.
            FetchError::HashMismatch { .. } | FetchError::Local(_) => true,
        }
    }

    /// A refusal by the allowlist of media hosts (counted apart in `/metrics`).
    pub fn is_refusal(&self) -> bool {
        matches!(self, FetchError::Graph(GraphError::Refused(_)))
    }
}

/// What one download needs to know.
pub struct FetchRequest<'a> {
    pub client: &'a GraphClient,
    pub media_dir: &'a std::path::Path,
    pub kind: MediaKind,
    pub media: &'a MediaRef,
    pub limit: u64,
    /// The webhook's URL expires within minutes: only a first attempt tries it.
    pub first_attempt: bool,
    /// Counted into the stored record.
    pub attempts: u32,
    pub metrics: &'a Metrics,
}

/// Downloads, verifies and durably stores the media of `request`.
pub async fn fetch(request: FetchRequest<'_>) -> Result<StoredMedia, FetchError> {
    // Local first: a full disk or a folder in the way must not spend a download from Meta.
    let mut file = PartialFile::create(request.media_dir)
        .await
        .map_err(FetchError::Local)?;
    let outcome = download_into(&request, &mut file).await;
    let (announced_hashes, content_type) = match outcome {
        Ok(downloaded) => downloaded,
        Err(error) => {
            file.discard().await;
            return Err(error);
        }
    };
    let written = match file.finish().await {
        Ok(written) => written,
        Err(error) => {
            file.discard().await;
            return Err(FetchError::Local(error));
        }
    };
    let actual_hex = hex::encode(written.sha256);
    let actual_base64 = base64::engine::general_purpose::STANDARD.encode(written.sha256);
    for expected in &announced_hashes {
        let expected = expected.trim();
        let matches = expected.eq_ignore_ascii_case(&actual_hex) || expected == actual_base64;
        if !matches {
            file.discard().await;
            return Err(FetchError::HashMismatch {
                expected: expected.to_string(),
                actual: actual_hex,
            });
        }
    }
    file.store_as(media_path(request.media_dir, &actual_hex))
        .await
        .map_err(FetchError::Local)?;
    Ok(StoredMedia {
        state: MediaState::Stored,
        sha256_hex: Some(actual_hex),
        size_bytes: Some(written.size),
        content_type: content_type.or_else(|| request.media.mime_type.clone()),
        attempts: request.attempts,
        error: None,
        updated_at: Some(Utc::now()),
    })
}

/// Streams the media into `file`; returns the hashes Meta announced and the content type.
async fn download_into(
    request: &FetchRequest<'_>,
    file: &mut PartialFile,
) -> Result<(Vec<String>, Option<String>), FetchError> {
    let FetchRequest {
        client,
        media,
        limit,
        ..
    } = *request;
    let mut announced_hashes: Vec<String> = media.sha256.iter().cloned().collect();
    let mut download = None;
    if let (Some(url), true) = (&media.url, request.first_attempt) {
        match client.download_media(url, limit).await {
            Ok(started) => download = Some(started),
            Err(GraphError::TooLarge { limit }) => {
                return Err(FetchError::Graph(GraphError::TooLarge { limit }));
            }
            Err(error) => {
                // A refused webhook URL is worth an alarm: only a forged webhook has one.
                if matches!(error, GraphError::Refused(_)) {
                    add(&request.metrics.media_refused, 1);
                    tracing::warn!(%error, "webhook media url refused; looking the media up");
                } else {
                    tracing::debug!(%error, "webhook media url failed; looking the media up");
                }
            }
        }
    }
    let mut download: MediaDownload = match download {
        Some(download) => download,
        None => {
            let info = client
                .media_info(&media.media_id)
                .await
                .map_err(FetchError::Graph)?;
            if let Some(size) = info.file_size
                && size > limit
            {
                return Err(FetchError::Graph(GraphError::TooLarge { limit }));
            }
            announced_hashes.extend(info.sha256.clone());
            client
                .download_media(&info.url, limit)
                .await
                .map_err(FetchError::Graph)?
        }
    };
    while let Some(chunk) = download.chunk().await.map_err(FetchError::Graph)? {
        file.write(&chunk).await.map_err(FetchError::Local)?;
    }
    Ok((announced_hashes, download.content_type.take()))
}
