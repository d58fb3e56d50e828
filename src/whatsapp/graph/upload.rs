//! The upload of an operator's file to `POST /{phone-number-id}/media` (multipart, streamed
//! from the media store, never read whole into memory), which returns the media id that an
//! image, document, audio or video message is then sent by.

use std::path::Path;
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::GraphClient;
use super::errors::{GraphError, classify_reqwest_error, unexpected_json};
use super::media::MINIMUM_DOWNLOAD_BYTES_PER_SECOND;

/// What to upload: a stored file and how Meta is to see it.
pub struct MediaUpload<'a> {
    pub path: &'a Path,
    pub size_bytes: u64,
    pub content_type: &'a str,
    pub file_name: &'a str,
}

impl GraphClient {
    /// Uploads the file and returns Meta's media id for it (valid for 30 days). A file that is
    /// missing or unreadable here is `GraphError::Local`.
    pub async fn upload_media(&self, upload: MediaUpload<'_>) -> Result<String, GraphError> {
        let file = tokio::fs::File::open(upload.path)
            .await
            .map_err(|error| GraphError::Local(format!("{}: {error}", upload.path.display())))?;
        let part = Part::stream_with_length(file, upload.size_bytes)
            .file_name(upload.file_name.to_string())
            .mime_str(upload.content_type)
            .map_err(|error| GraphError::Local(format!("content type: {error}")))?;
        let form = Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", upload.content_type.to_string())
            .part("file", part);
        let url = self.graph_url(&[&self.phone_number_id, "media"]);
        // The request timeout is meant for small JSON calls; a large file gets time in
        // proportion to its size, as downloads do.
        let timeout = self.request_timeout
            + Duration::from_secs(upload.size_bytes / MINIMUM_DOWNLOAD_BYTES_PER_SECOND);
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.access_token)
            .timeout(timeout)
            .multipart(form)
            .send()
            .await
            .map_err(classify_reqwest_error)?;
        let (http_status, body) = self.read_api_response(response).await?;
        match body.get("id").and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() => Ok(id.trim().to_string()),
            _ => Err(unexpected_json(http_status, &body, &self.access_token)),
        }
    }
}
