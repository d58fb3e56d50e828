//! `GET /media/{message_id}`: the stored original of a photo, video, voice note or document, to
//! users who may see its report. Every view is written to the report's timeline.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;

use std::sync::Arc;

use super::AppState;
use super::bearer::{Peer, authenticate, error_response};
use crate::error::UserError;
use crate::whatsapp::media::media_path;

pub async fn download(
    State(state): State<Arc<AppState>>,
    Path(message_id): Path<String>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    let who = match authenticate(&state, peer, &headers) {
        Ok((who, _)) => who,
        Err(refusal) => return error_response(refusal),
    };
    let Ok(message_id) = message_id.parse::<u64>() else {
        return error_response(UserError::not_found("message"));
    };
    let (message, _report) = match state
        .services
        .workflow
        .record_media_view(&who, message_id)
        .await
    {
        Ok(found) => found,
        Err(error) => return error_response(error),
    };
    let Some(media) = message.media.filter(|media| media.sha256_hex.is_some()) else {
        return error_response(UserError::not_found("downloaded media of this message"));
    };
    let Some(sha256_hex) = media.sha256_hex.as_deref() else {
        return error_response(UserError::not_found("downloaded media of this message"));
    };
    let path = media_path(&state.media_dir, sha256_hex);
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(error) => {
            return error_response(UserError::internal(&format!(
                "media file {} unreadable: {error}",
                path.display()
            )));
        }
    };
    let content_type = media
        .content_type
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let stream = tokio_util::io::ReaderStream::new(file);
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    if let Ok(value) = content_type.parse() {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = format!("\"sha256-{sha256_hex}\"").parse() {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = "private, no-store".parse() {
        headers.insert(header::CACHE_CONTROL, value);
    }
    response
}
