//! `POST /media/upload`: a file an operator will send to a citizen (`replyToReporter` with
//! `attachmentId`). Signed in with the same bearer token as GraphQL; the file is the multipart
//! field `file`. What the file is comes from its first bytes (`domain::attachment::sniff`),
//! checked against its declared type and name, and Meta's limit for its kind is enforced while
//! it streams into the media store (`whatsapp::media_file`: hashed, synced, renamed to its
//! hash), so that at most one write buffer of it is in memory. A refused file leaves nothing:
//! the temporary file is removed and no record is written.
//!
//! Answers `{"attachmentId", "kind", "contentType", "fileName", "sizeBytes", "sha256"}`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::bearer::{Peer, authenticate, error_response};
use crate::domain::attachment::{
    AcceptedType, LARGEST_ATTACHMENT_BYTES, SNIFF_BYTES, clean_file_name, sniff,
};
use crate::error::{ErrorCode, UserError};
use crate::metrics::add;
use crate::whatsapp::media::media_path;
use crate::whatsapp::media_file::PartialFile;
use crate::workflow::UploadedFile;

/// Room for the multipart framing and a few small fields around the largest file.
pub const UPLOAD_BODY_LIMIT_BYTES: usize = LARGEST_ATTACHMENT_BYTES as usize + 256 * 1024;
/// A 100 MB document over a slow police LAN takes minutes, not the request timeout's seconds.
pub const UPLOAD_TIME_LIMIT: Duration = Duration::from_secs(15 * 60);
/// The multipart field that carries the file.
const FILE_FIELD: &str = "file";

pub async fn receive(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (who, client) = match authenticate(&state, peer, &headers) {
        Ok(signed_in) => signed_in,
        Err(refusal) => return error_response(refusal),
    };
    let outcome = async {
        state.services.workflow.may_upload(&who)?;
        let declared_length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > UPLOAD_BODY_LIMIT_BYTES as u64) {
            return Err(too_large(LARGEST_ATTACHMENT_BYTES, "file"));
        }
        let mut multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|rejection| {
                UserError::new(
                    ErrorCode::UnsupportedMediaType,
                    format!("send the file as multipart/form-data in the field \"{FILE_FIELD}\": {rejection}"),
                )
            })?;
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            if field.name() == Some(FILE_FIELD) {
                let mut file = store_field(&state, field).await?;
                file.client = Some(client.to_string());
                return state.services.workflow.record_upload(&who, file).await;
            }
        }
        Err(UserError::new(
            ErrorCode::BadRequest,
            format!("no multipart field \"{FILE_FIELD}\" with the file"),
        ))
    }
    .await;
    match outcome {
        Ok(attachment) => {
            add(&state.metrics.attachments_accepted, 1);
            tracing::info!(
                attachment = %attachment.id,
                user = %attachment.uploaded_by,
                kind = attachment.kind.as_str(),
                size = attachment.size_bytes,
                "attachment uploaded"
            );
            let body = serde_json::json!({
                "attachmentId": attachment.id.to_string(),
                "kind": attachment.kind.as_str(),
                "contentType": attachment.content_type,
                "fileName": attachment.file_name,
                "sizeBytes": attachment.size_bytes,
                "sha256": attachment.sha256_hex,
            });
            (StatusCode::CREATED, axum::Json(body)).into_response()
        }
        Err(refusal) => {
            add(&state.metrics.attachments_refused, 1);
            tracing::info!(user = %who.username, code = refusal.code.as_str(), reason = %refusal.message, "attachment refused");
            error_response(refusal)
        }
    }
}

/// Streams one file field into the media store: sniffed from its first bytes, limited by its
/// kind as it arrives, stored under its hash only once whole.
async fn store_field(state: &AppState, mut field: Field<'_>) -> Result<UploadedFile, UserError> {
    let content_type = field.content_type().map(str::to_string);
    let file_name = field.file_name().and_then(clean_file_name);
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut pending = Vec::new();
    while head.len() < SNIFF_BYTES {
        let Some(chunk) = field.chunk().await.map_err(multipart_error)? else {
            break;
        };
        let wanted = (SNIFF_BYTES - head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..wanted]);
        pending.push(chunk);
    }
    let accepted: AcceptedType = sniff(&head, content_type.as_deref(), file_name.as_deref())
        .map_err(|refusal| UserError::new(ErrorCode::UnsupportedMediaType, refusal.to_string()))?;
    let mut file = PartialFile::create(&state.media_dir)
        .await
        .map_err(|error| UserError::internal(&format!("media store: {error}")))?;
    let mut size: u64 = 0;
    // On any error the partial file is dropped, which removes it.
    for chunk in pending {
        append(&mut file, &mut size, accepted, &chunk).await?;
    }
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        append(&mut file, &mut size, accepted, &chunk).await?;
    }
    let written = file
        .finish()
        .await
        .map_err(|error| UserError::internal(&format!("media store: {error}")))?;
    if written.size == 0 {
        return Err(UserError::bad_input("the file is empty"));
    }
    let sha256_hex = hex::encode(written.sha256);
    file.store_as(media_path(&state.media_dir, &sha256_hex))
        .await
        .map_err(|error| UserError::internal(&format!("media store: {error}")))?;
    Ok(UploadedFile {
        kind: accepted.kind,
        content_type: accepted.mime.to_string(),
        file_name,
        sha256_hex,
        size_bytes: written.size,
        client: None,
    })
}

/// Adds `bytes` to the file unless the file grows past its kind's limit.
async fn append(
    file: &mut PartialFile,
    size: &mut u64,
    accepted: AcceptedType,
    bytes: &[u8],
) -> Result<(), UserError> {
    *size += bytes.len() as u64;
    let limit = accepted.kind.max_bytes();
    if *size > limit {
        return Err(too_large(limit, accepted.kind.as_str()));
    }
    file.write(bytes)
        .await
        .map_err(|error| UserError::internal(&format!("media store: {error}")))
}

fn too_large(limit: u64, what: &str) -> UserError {
    UserError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "the {what} is larger than WhatsApp accepts: at most {} MB ({limit} bytes); nothing was stored",
            limit / 1_000_000
        ),
    )
}

fn multipart_error(error: MultipartError) -> UserError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(LARGEST_ATTACHMENT_BYTES, "upload");
    }
    UserError::new(
        ErrorCode::BadRequest,
        format!(
            "the multipart body could not be read: {}",
            error.body_text()
        ),
    )
}
