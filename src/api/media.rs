//! `GET /media/{message_id}`: the stored original of a photo, video, voice note or document, to
//! users who may see its report. Every view is written to the report's timeline.
//!
//! The caller proves who they are with a bearer token or, for `<img>`, `<audio>` and `<video>`
//! in the console, with a signed link (`media_url`). Byte ranges are served (one range per
//! request) so that players can seek; a request for a later part of a file that a signed link
//! already opened is checked against the report again but not written as another view.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::AppState;
use super::bearer::{Peer, authenticate, error_response};
use super::media_url::SignedQuery;
use crate::domain::ids::{MessageId, ReportId};
use crate::domain::message::Message;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::whatsapp::media::media_path;

pub async fn download(
    State(state): State<Arc<AppState>>,
    Path(message_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    peer: Peer,
    headers: HeaderMap,
) -> Response {
    let Ok(message_id) = MessageId::parse(&message_id) else {
        return error_response(UserError::not_found("message"));
    };
    let signed = signed_query(&query);
    let who = match (&signed, headers.contains_key(header::AUTHORIZATION)) {
        (Some(signed), false) => match signed_principal(&state, message_id, signed, peer, &headers)
        {
            Ok(who) => who,
            Err(refusal) => return error_response(refusal),
        },
        _ => match authenticate(&state, peer, &headers) {
            Ok((who, _)) => who,
            Err(refusal) => return error_response(refusal),
        },
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_range);
    let continues_a_view = matches!(range, Some(ByteRange::From(start, _)) if start > 0);
    let message = match (&signed, continues_a_view) {
        (Some(signed), true) => read_without_recording(&state, &who, signed.r, message_id),
        _ => state
            .services
            .workflow
            .record_media_view(&who, message_id)
            .await
            .map(|(message, _report)| message),
    };
    match message {
        Ok(message) => serve_file(&state, message, range).await,
        Err(error) => error_response(error),
    }
}

fn signed_query(query: &HashMap<String, String>) -> Option<SignedQuery> {
    Some(SignedQuery {
        r: ReportId::parse(query.get("r")?).ok()?,
        u: query.get("u")?.clone(),
        e: query.get("e")?.parse().ok()?,
        s: query.get("s")?.clone(),
    })
}

/// The user a signed link names; a forged link costs the client a sign-in attempt.
fn signed_principal(
    state: &AppState,
    message_id: MessageId,
    signed: &SignedQuery,
    peer: Peer,
    headers: &HeaderMap,
) -> Result<Principal, UserError> {
    let user = state.services.auth.user(&signed.u)?;
    let verdict = state
        .services
        .media_urls
        .verify(message_id, signed, user.as_ref(), Utc::now());
    if verdict.is_err() && Utc::now().timestamp() < signed.e {
        let peer = peer.map(|axum::Extension(axum::extract::ConnectInfo(peer))| peer);
        let client = state.limits.client_addresses.client_of(headers, peer);
        let _ = state.services.auth.take_attempt(client);
    }
    verdict
}

/// The message, when `who` may still see its report; nothing is written.
fn read_without_recording(
    state: &AppState,
    who: &Principal,
    report_id: ReportId,
    message_id: MessageId,
) -> Result<Message, UserError> {
    let messages = state.services.workflow.messages(who, report_id)?;
    messages
        .into_iter()
        .find(|message| message.id == message_id)
        .ok_or_else(|| UserError::not_found("message"))
}

/// `bytes=START-[END]` or `bytes=-SUFFIX`; anything else (several ranges too) is ignored and the
/// whole file is sent, as RFC 9110 allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByteRange {
    From(u64, Option<u64>),
    Last(u64),
}

fn parse_range(value: &str) -> Option<ByteRange> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    if start.is_empty() {
        return end.parse().ok().map(ByteRange::Last);
    }
    let start = start.parse().ok()?;
    let end = if end.is_empty() {
        None
    } else {
        Some(end.parse().ok()?)
    };
    Some(ByteRange::From(start, end))
}

/// The inclusive span of a file of `length` bytes that a range asks for, or `None` when it
/// cannot be satisfied.
fn span_of(range: ByteRange, length: u64) -> Option<(u64, u64)> {
    if length == 0 {
        return None;
    }
    match range {
        ByteRange::From(start, end) => {
            let end = end.unwrap_or(length - 1).min(length - 1);
            (start <= end).then_some((start, end))
        }
        ByteRange::Last(0) => None,
        ByteRange::Last(suffix) => Some((length.saturating_sub(suffix), length - 1)),
    }
}

async fn serve_file(state: &AppState, message: Message, range: Option<ByteRange>) -> Response {
    let Some(media) = message.media.filter(|media| media.sha256_hex.is_some()) else {
        return error_response(UserError::not_found("downloaded media of this message"));
    };
    let Some(sha256_hex) = media.sha256_hex.as_deref() else {
        return error_response(UserError::not_found("downloaded media of this message"));
    };
    let path = media_path(&state.media_dir, sha256_hex);
    let unreadable = |error: std::io::Error| {
        error_response(UserError::internal(&format!(
            "media file {} unreadable: {error}",
            path.display()
        )))
    };
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(error) => return unreadable(error),
    };
    let length = match file.metadata().await {
        Ok(metadata) => metadata.len(),
        Err(error) => return unreadable(error),
    };
    let mut response = match range.map(|range| span_of(range, length)) {
        None => Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(file))),
        Some(None) => {
            let mut refused = Response::new(Body::empty());
            *refused.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{length}")) {
                refused.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return refused;
        }
        Some(Some((start, end))) => {
            if let Err(error) = file.seek(std::io::SeekFrom::Start(start)).await {
                return unreadable(error);
            }
            let part = file.take(end - start + 1);
            let mut partial =
                Response::new(Body::from_stream(tokio_util::io::ReaderStream::new(part)));
            *partial.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{length}")) {
                partial.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            partial
        }
    };
    let headers = response.headers_mut();
    let content_type = media
        .content_type
        .unwrap_or_else(|| "application/octet-stream".to_string());
    if let Ok(value) = content_type.parse() {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = format!("\"sha256-{sha256_hex}\"").parse() {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_players_send_them() {
        assert_eq!(parse_range("bytes=0-"), Some(ByteRange::From(0, None)));
        assert_eq!(
            parse_range("bytes=100-199"),
            Some(ByteRange::From(100, Some(199)))
        );
        assert_eq!(parse_range("bytes=-500"), Some(ByteRange::Last(500)));
        assert_eq!(parse_range("bytes=0-1,5-9"), None);
        assert_eq!(parse_range("items=0-1"), None);
    }

    #[test]
    fn a_span_stays_inside_the_file() {
        assert_eq!(span_of(ByteRange::From(0, None), 10), Some((0, 9)));
        assert_eq!(span_of(ByteRange::From(5, Some(100)), 10), Some((5, 9)));
        assert_eq!(span_of(ByteRange::Last(3), 10), Some((7, 9)));
        assert_eq!(span_of(ByteRange::Last(30), 10), Some((0, 9)));
        assert_eq!(span_of(ByteRange::From(10, None), 10), None);
        assert_eq!(span_of(ByteRange::From(0, None), 0), None);
    }
}
