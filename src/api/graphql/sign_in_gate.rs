//! The per-address limit on sign-ins, as the `login` resolver applies it: the client address
//! travels in the request data, put there by the HTTP and WebSocket handlers.

use async_graphql::{Context, ErrorExtensions as _};

use crate::auth::{ClientAddress, RetryAfter};
use crate::error::{ErrorCode, UserError};

/// The client of this request (requests built without one share the `UNKNOWN` bucket).
pub(crate) fn client_of(ctx: &Context<'_>) -> ClientAddress {
    ctx.data_opt::<ClientAddress>()
        .copied()
        .unwrap_or(ClientAddress::UNKNOWN)
}

/// RATE_LIMITED, with `extensions.retryAfterSeconds`.
pub(crate) fn rate_limited(retry_after: RetryAfter) -> async_graphql::Error {
    let seconds = retry_after.seconds();
    UserError::new(
        ErrorCode::RateLimited,
        format!("too many sign-in attempts from this address; try again in {seconds} seconds"),
    )
    .extend()
    .extend_with(|_, extensions| extensions.set("retryAfterSeconds", seconds))
}
