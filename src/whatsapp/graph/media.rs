//! Media requests: the lookup of an inbound media id and the size-limited, streamed download of
//! its URL.

use std::time::Duration;

use bytes::Bytes;
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;

use super::errors::{GraphError, classify_reqwest_error, unexpected_json};
use super::{GraphClient, StringOrNumber};

/// The slowest download rate still treated as progress. A 100 MB document cannot arrive within
/// the request timeout meant for small JSON calls, so downloads get extra time in proportion
/// to their size limit.
pub(super) const MINIMUM_DOWNLOAD_BYTES_PER_SECOND: u64 = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Download URL; it expires about five minutes after this lookup.
    pub url: String,
    pub mime_type: Option<String>,
    /// Hex here, unlike webhooks, where it is base64.
    pub sha256: Option<String>,
    pub file_size: Option<u64>,
}

/// A download under way: the body arrives in pieces through [`MediaDownload::chunk`], so a file
/// is never held whole in memory.
#[derive(Debug)]
pub struct MediaDownload {
    response: reqwest::Response,
    limit: u64,
    received: u64,
    pub content_type: Option<String>,
}

impl MediaDownload {
    /// The next piece of the body, `None` at its end. `TooLarge` as soon as the body grows past
    /// the limit (whatever length was declared).
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, GraphError> {
        let Some(chunk) = self
            .response
            .chunk()
            .await
            .map_err(classify_reqwest_error)?
        else {
            return Ok(None);
        };
        self.received = self.received.saturating_add(chunk.len() as u64);
        if self.received > self.limit {
            return Err(GraphError::TooLarge { limit: self.limit });
        }
        Ok(Some(chunk))
    }
}

impl GraphClient {
    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        let mut url = self.graph_url(&[media_id]);
        url.query_pairs_mut()
            .append_pair("phone_number_id", &self.phone_number_id);
        let request = self.http.get(url).bearer_auth(&self.access_token);
        let response = request.send().await.map_err(classify_reqwest_error)?;
        let (http_status, body) = self.read_api_response(response).await?;
        let parsed: MediaInfoBody = match serde_json::from_value(body.clone()) {
            Ok(parsed) => parsed,
            Err(_) => return Err(unexpected_json(http_status, &body, &self.access_token)),
        };
        let Some(media_url) = parsed.url.filter(|url| !url.is_empty()) else {
            return Err(unexpected_json(http_status, &body, &self.access_token));
        };
        Ok(MediaInfo {
            url: media_url,
            mime_type: parsed.mime_type,
            sha256: parsed.sha256,
            file_size: parsed.file_size.and_then(StringOrNumber::into_u64),
        })
    }

    /// Starts downloading a media URL from [`GraphClient::media_info`] (or a webhook) with the
    /// token, if the URL is on the allowlist (`media_hosts`); redirects are followed only
    /// within it. A declared length over `max_bytes` is refused before the body is read.
    pub async fn download_media(
        &self,
        url: &str,
        max_bytes: u64,
    ) -> Result<MediaDownload, GraphError> {
        let media_url = Url::parse(url).map_err(|_| GraphError::UnexpectedResponse {
            http_status: 0,
            body_snippet: "media url is not a valid url".to_string(),
        })?;
        self.media_hosts
            .check(&media_url)
            .map_err(GraphError::Refused)?;
        // The bearer token travels with the download, so never send it in clear text when the
        // Graph API itself is reached over https.
        let downgrade = self.base_url.scheme() == "https" && media_url.scheme() != "https";
        if downgrade || !matches!(media_url.scheme(), "http" | "https") {
            return Err(GraphError::Refused(
                "media url is not https; refusing to send the token".to_string(),
            ));
        }
        let extra_time = Duration::from_secs(max_bytes / MINIMUM_DOWNLOAD_BYTES_PER_SECOND);
        let response = self
            .media_http
            .get(media_url)
            .bearer_auth(&self.access_token)
            .timeout(self.request_timeout.saturating_add(extra_time))
            .send()
            .await
            .map_err(classify_reqwest_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.failure_from_error_response(response).await);
        }
        if response
            .content_length()
            .is_some_and(|declared| declared > max_bytes)
        {
            return Err(GraphError::TooLarge { limit: max_bytes });
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        Ok(MediaDownload {
            response,
            limit: max_bytes,
            received: 0,
            content_type,
        })
    }
}

#[derive(Deserialize)]
pub(super) struct MediaInfoBody {
    url: Option<String>,
    mime_type: Option<String>,
    sha256: Option<String>,
    file_size: Option<StringOrNumber>,
}
