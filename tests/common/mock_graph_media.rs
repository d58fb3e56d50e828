//! The mock's media downloads, as Meta serves them: `GET /{ver}/{media_id}` answers the media's
//! URL, type, size and sha256 (or a wrong sha256 when the test asks for one), and
//! `GET /download/{media_id}` the bytes, only with a bearer token, after the scripted failures.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::{PlannedBody, PlannedResponse, Shared, graph_error, lock};

pub(super) fn plan_media_info(shared: &Shared, media_id: &str) -> PlannedResponse {
    let state = lock(shared);
    let Some(media) = state.media.get(media_id) else {
        return PlannedResponse::json(
            400,
            graph_error(
                100,
                &format!(
                    "Unsupported get request. Object with ID '{media_id}' does not exist, \
                     cannot be loaded due to missing permissions, or does not support this operation."
                ),
            ),
        );
    };
    let sha256 = if media.report_wrong_hash {
        hex::encode(Sha256::digest(b"not the media bytes"))
    } else {
        hex::encode(Sha256::digest(&media.bytes))
    };
    PlannedResponse::json(
        200,
        json!({
            "messaging_product": "whatsapp",
            "url": format!("{}/download/{media_id}", shared.url),
            "mime_type": media.mime_type,
            "sha256": sha256,
            "file_size": media.bytes.len().to_string(),
            "id": media_id,
        }),
    )
}

pub(super) fn plan_download(
    shared: &Shared,
    media_id: &str,
    authorization: Option<&str>,
) -> PlannedResponse {
    if let Some(refusal) = refuse_without_bearer(authorization) {
        return refusal;
    }
    let mut state = lock(shared);
    let Some(media) = state.media.get_mut(media_id) else {
        return PlannedResponse {
            status: 404,
            body: PlannedBody::Text("Not Found".to_string()),
            delay: None,
        };
    };
    if media.failures_left > 0 {
        media.failures_left -= 1;
        return PlannedResponse {
            status: 500,
            body: PlannedBody::Text("Internal Server Error".to_string()),
            delay: None,
        };
    }
    PlannedResponse {
        status: 200,
        body: PlannedBody::Binary {
            bytes: media.bytes.clone(),
            content_type: media.mime_type.clone(),
        },
        delay: None,
    }
}

/// Meta's answer to a request without a bearer token; none when it has one.
pub(super) fn refuse_without_bearer(authorization: Option<&str>) -> Option<PlannedResponse> {
    let has_bearer = authorization
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| !token.trim().is_empty());
    (!has_bearer)
        .then(|| PlannedResponse::json(401, graph_error(190, "Invalid OAuth access token.")))
}
