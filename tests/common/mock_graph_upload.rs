//! The mock's media upload, `POST /{ver}/{phone_id}/media`: the multipart body is read as Meta
//! reads it (`messaging_product`, `type`, `file` with its name and type), recorded as a JSON
//! summary (with the file's sha256, never the bytes), and answered with a fresh media id, or
//! with Meta's error when a field is missing.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{MockGraph, PlannedResponse, Shared, graph_error, lock};

/// One upload the mock accepted.
#[derive(Debug, Clone)]
pub struct Upload {
    pub media_id: String,
    /// The recorded summary: `messaging_product`, `type`, `file{name, content_type, size, sha256}`.
    pub summary: Value,
}

impl MockGraph {
    /// Uploads accepted so far, oldest first.
    pub fn uploads(&self) -> Vec<Upload> {
        self.state().uploads.clone()
    }

    /// The next `times` uploads answer 500.
    pub fn fail_uploads(&self, times: u32) {
        self.state().upload_failures_left = times;
    }
}

/// The multipart body as JSON; `{"unreadable": …}` when it is not multipart.
pub(super) async fn summarise(headers: &HeaderMap, body: Bytes) -> Value {
    let mut request = axum::http::Request::new(Body::from(body));
    if let Some(content_type) = headers.get(CONTENT_TYPE) {
        request
            .headers_mut()
            .insert(CONTENT_TYPE, content_type.clone());
    }
    let mut multipart = match Multipart::from_request(request, &()).await {
        Ok(multipart) => multipart,
        Err(rejection) => return json!({ "unreadable": rejection.to_string() }),
    };
    let mut summary = serde_json::Map::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return json!({ "unreadable": error.to_string() }),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let Ok(bytes) = field.bytes().await else {
            return json!({ "unreadable": "a field could not be read" });
        };
        let value = match file_name {
            Some(file_name) => json!({
                "name": file_name,
                "content_type": content_type,
                "size": bytes.len(),
                "sha256": hex::encode(Sha256::digest(&bytes)),
            }),
            None => json!(String::from_utf8_lossy(&bytes)),
        };
        summary.insert(name, value);
    }
    Value::Object(summary)
}

pub(super) fn plan(shared: &Shared, summary: &Value) -> PlannedResponse {
    let mut state = lock(shared);
    if state.upload_failures_left > 0 {
        state.upload_failures_left -= 1;
        return PlannedResponse::json(500, graph_error(2, "Service temporarily unavailable"));
    }
    let complete = summary["messaging_product"] == "whatsapp"
        && summary["file"]["sha256"].is_string()
        && summary["type"].is_string();
    if !complete {
        return PlannedResponse::json(
            400,
            graph_error(
                100,
                "(#100) The parameter messaging_product, type or file is missing",
            ),
        );
    }
    let media_id = format!("mockmedia{}", state.uploads.len() + 1);
    state.uploads.push(Upload {
        media_id: media_id.clone(),
        summary: summary.clone(),
    });
    PlannedResponse::json(200, json!({ "id": media_id }))
}
