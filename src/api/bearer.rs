//! The plain HTTP routes' sign-in: a bearer token in `Authorization`, refusals as JSON with
//! the status of their code. (GraphQL reads its token in `graphql::execute`.)

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::auth::ClientAddress;
use crate::domain::user::Principal;
use crate::error::UserError;

/// The TCP peer, when the server was started with connect info (always, outside unit tests).
pub type Peer = Option<axum::Extension<ConnectInfo<SocketAddr>>>;

/// A refusal as JSON with the status of its code: `{"error": …, "code": …}`.
pub fn error_response(error: UserError) -> Response {
    let status =
        StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({ "error": error.message, "code": error.code.as_str() });
    (status, axum::Json(body)).into_response()
}

/// Who the request's bearer token names, and where the request came from; or why not (answer
/// it with `error_response`). A failed authentication spends one of the client's sign-in
/// attempts.
pub fn authenticate(
    state: &AppState,
    peer: Peer,
    headers: &HeaderMap,
) -> Result<(Principal, ClientAddress), UserError> {
    let peer = peer.map(|axum::Extension(ConnectInfo(peer))| peer);
    let client = state.limits.client_addresses.client_of(headers, peer);
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    else {
        return Err(UserError::unauthenticated(
            "send Authorization: Bearer <token>",
        ));
    };
    match state.services.auth.authenticate_header(authorization) {
        Ok(who) => Ok((who, client)),
        Err(error) => {
            let _ = state.services.auth.take_attempt(client);
            Err(error)
        }
    }
}
