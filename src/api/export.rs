//! `GET /export?format=csv|jsonl&from=&to=&status=&category=&unit=&priority=&hasMedia=&overdue=&satisfaction=&channel=`:
//! the reports the caller may see, streamed as they are read from the store, with phone numbers
//! masked for analysts. Each export is written to the audit trail before it starts.

use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;

use super::AppState;
use super::bearer::{Peer, authenticate, error_response};
use crate::domain::access::{can_see, mask_phones};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::error::UserError;
use crate::export::{DateRange, ExportFormat, FilterText, Reader, Selection, export};

/// Bytes gathered before a chunk goes to the client.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks waiting for a slow client before the export waits for it.
const CHUNKS_IN_FLIGHT: usize = 8;

/// The query string. (Not a flattened `FilterText`: serde's flatten reads every value of a
/// query string as text, and booleans then fail.)
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportParams {
    /// `jsonl` (default) or `csv`.
    format: Option<String>,
    /// First and last day of creation (YYYY-MM-DD, UTC), both included.
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    status: Option<String>,
    category: Option<String>,
    unit: Option<String>,
    priority: Option<String>,
    has_media: Option<bool>,
    overdue: Option<bool>,
    /// PUAS, CUKUP, TIDAK_PUAS (separated by commas): reports answered so.
    satisfaction: Option<String>,
    /// A phone number id: reports that came in on that business number.
    channel: Option<String>,
}

impl ExportParams {
    fn filter_text(&self) -> FilterText {
        FilterText {
            status: self.status.clone(),
            category: self.category.clone(),
            unit: self.unit.clone(),
            priority: self.priority.clone(),
            has_media: self.has_media,
            overdue: self.overdue,
            satisfaction: self.satisfaction.clone(),
            channel: self.channel.clone(),
        }
    }
}

/// `GET /export`: authenticated with `Authorization: Bearer <token>`.
pub async fn download(
    State(state): State<Arc<AppState>>,
    peer: Peer,
    headers: HeaderMap,
    params: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (who, client) = match authenticate(&state, peer, &headers) {
        Ok(authenticated) => authenticated,
        Err(refusal) => return error_response(refusal),
    };
    let Query(params) = match params {
        Ok(params) => params,
        Err(rejection) => {
            return error_response(UserError::bad_input(format!(
                "export parameters: {}",
                rejection.body_text()
            )));
        }
    };
    let format = match params.format.as_deref().map(str::trim) {
        None | Some("") | Some("jsonl") => ExportFormat::Jsonl,
        Some("csv") => ExportFormat::Csv,
        Some(other) => {
            return error_response(UserError::bad_input(format!(
                "format {other:?}: use csv or jsonl"
            )));
        }
    };
    let workflow = state.services.workflow.clone();
    let filter = match params.filter_text().to_filter(workflow.channels()) {
        Ok(filter) => filter,
        Err(error) => return error_response(error),
    };
    let tree = workflow.units().tree();
    if let Err(error) = filter.validate(&tree) {
        return error_response(error);
    }
    let masked = mask_phones(&who);
    let format_name = match format {
        ExportFormat::Jsonl => "jsonl",
        ExportFormat::Csv => "csv",
    };
    let entry = AuditEntry::by(AuditAction::Export, &who)
        .from_client(Some(client.to_string()))
        .subject(format_name)
        .detail(describe(&params, masked));
    let store = state.store.clone();
    if let Err(error) =
        tokio::task::spawn_blocking(move || crate::audit::append(&store, entry)).await
    {
        return error_response(UserError::internal(&error));
    }

    let (chunks, receiver) =
        tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS_IN_FLIGHT);
    let store = state.store.clone();
    let range = DateRange {
        from: params.from,
        to: params.to,
    };
    tokio::task::spawn_blocking(move || {
        let rules = workflow.rules().clone();
        let visible = |report: &crate::domain::report::Report| can_see(&who, report, &tree, &rules);
        let selection = Selection {
            range,
            filter: &filter,
            tree: &tree,
            sla: &workflow.clock().sla,
            reader: Reader {
                visible: &visible,
                mask_phones: masked,
            },
        };
        let mut out = ChunkWriter {
            chunks: chunks.clone(),
            buffer: Vec::with_capacity(CHUNK_BYTES),
        };
        match export(&store, format, &selection, &mut out) {
            Ok(count) => tracing::info!(username = %who.username, count, "export streamed"),
            Err(error) => {
                tracing::warn!(username = %who.username, %error, "export ended early");
                // The client sees a broken download rather than a short file that looks whole.
                let _ = chunks.blocking_send(Err(std::io::Error::other("export failed")));
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let mut response = Response::new(Body::from_stream(stream));
    let (content_type, extension) = match format {
        ExportFormat::Jsonl => ("application/x-ndjson; charset=utf-8", "jsonl"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    let file_name = format!(
        "attachment; filename=\"siaga-export-{}.{extension}\"",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    if let Ok(value) = HeaderValue::from_str(&file_name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The export's parameters for the audit trail.
fn describe(params: &ExportParams, masked: bool) -> String {
    let mut parts = Vec::new();
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            parts.push(format!("{name}={value}"));
        }
    };
    add("from", params.from.map(|day| day.to_string()));
    add("to", params.to.map(|day| day.to_string()));
    add("status", params.status.clone());
    add("category", params.category.clone());
    add("unit", params.unit.clone());
    add("priority", params.priority.clone());
    add("hasMedia", params.has_media.map(|value| value.to_string()));
    add("overdue", params.overdue.map(|value| value.to_string()));
    add("satisfaction", params.satisfaction.clone());
    add("channel", params.channel.clone());
    if masked {
        parts.push("phones masked".to_string());
    }
    if parts.is_empty() {
        "everything visible".to_string()
    } else {
        parts.join(" ")
    }
}

/// Hands the export to the response body in chunks; a client that went away stops the export.
struct ChunkWriter {
    chunks: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChunkWriter {
    fn send_buffer(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES),
        ));
        self.chunks
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send_buffer()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buffer()
    }
}
