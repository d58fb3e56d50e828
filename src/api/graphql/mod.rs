//! The operator API: a GraphQL schema (queries, mutations, subscriptions) over the workflow,
//! with the caller's identity taken from a JWT (HTTP `Authorization` header, or the
//! `connection_init` payload of a WebSocket).

mod admin;
mod assignment;
mod attachments;
mod audit;
mod blocking;
mod canned;
mod channels;
mod console;
mod fanout;
mod frame_queue;
mod frames;
mod hub;
mod incidents;
mod mutation;
mod query;
mod report_view;
mod satisfaction;
mod search;
mod shape;
pub(crate) mod sign_in_gate;
mod socket;
mod subscription;
mod templates;
mod types;

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions, Schema};
use async_graphql_axum::GraphQLResponse;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Extension, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::auth::{Auth, Session};
use crate::domain::user::Principal;
use crate::error::{ErrorCode, UserError};
use crate::profile::Profile;
use crate::workflow::Workflow;

pub use socket::websocket;
pub use subscription::SubscriptionRoot;

/// The queries: the report and account queries, and what the console needs besides.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "QueryRoot")]
pub struct QueryRoot(
    query::QueryRoot,
    console::ConsoleQuery,
    attachments::AttachmentQuery,
    assignment::AssignmentQuery,
    canned::CannedQuery,
    templates::TemplateQuery,
    channels::ChannelQuery,
);

/// The mutations: one group per module, merged into one type. A new group of mutations goes
/// in its own module and is added here, so `mutation.rs` does not grow without bound.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "MutationRoot")]
pub struct MutationRoot(
    mutation::CoreMutation,
    admin::AdminMutation,
    blocking::BlockingMutation,
    incidents::IncidentMutation,
    assignment::AssignmentMutation,
    canned::CannedMutation,
    templates::TemplateMutation,
);

pub type SiagaSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Costlier queries are refused before they run; a query of thousands of aliases exceeds the
/// complexity limit at once. The depth limit is in `shape`.
const MAX_COMPLEXITY: usize = 2_000;

/// What resolvers reach through the context.
#[derive(Clone)]
pub struct Services {
    pub workflow: Workflow,
    pub auth: Auth,
    pub profile: Arc<Profile>,
    pub bus: crate::bus::Bus,
    pub search: Arc<crate::search::SearchIndex>,
    /// Signs and checks the short-lived media links of `Message.signedMediaUrl`.
    pub media_urls: super::media_url::MediaUrlSigner,
    /// The subscriptions' shared work on each event (`fanout.rs`).
    pub fanout: Arc<fanout::Fanout>,
    /// Reads the template list from Meta on demand (`refreshTemplates`).
    pub templates: Arc<crate::whatsapp::templates::TemplateSync>,
}

/// Why the request carries no principal, kept so that resolvers can say so.
#[derive(Clone)]
struct AuthenticationFailure(UserError);

pub fn build_schema(services: Option<Services>) -> SiagaSchema {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .extension(shape::QueryShape)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .limit_directives(16);
    match services {
        Some(services) => builder.data(services).finish(),
        None => builder.finish(),
    }
}

/// The schema in SDL, as kept in `schema/schema.graphql`.
pub fn schema_sdl() -> String {
    build_schema(None).sdl()
}

pub(crate) fn services<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Services> {
    ctx.data::<Services>()
}

/// The signed-in caller, or UNAUTHENTICATED with the reason.
pub(crate) fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    if let Some(principal) = ctx.data_opt::<Principal>() {
        return Ok(principal);
    }
    let error = match ctx.data_opt::<AuthenticationFailure>() {
        Some(failure) => failure.0.clone(),
        None => UserError::unauthenticated(
            "sign in first: send Authorization: Bearer <token from login>",
        ),
    };
    Err(to_graphql_error(error))
}

/// The sign-in behind the request, beside the principal; UNAUTHENTICATED when there is none.
pub(crate) fn session<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Session> {
    principal(ctx)?;
    ctx.data_opt::<Session>().ok_or_else(|| {
        to_graphql_error(UserError::unauthenticated(
            "sign in first: send Authorization: Bearer <token from login>",
        ))
    })
}

pub(crate) fn to_graphql_error(error: UserError) -> async_graphql::Error {
    let code = error.code.as_str();
    async_graphql::Error::new(error.message).extend_with(|_, extensions| {
        extensions.set("code", code);
        for (name, value) in &error.details {
            if let Ok(value) = async_graphql::Value::from_json(value.clone()) {
                extensions.set(*name, value);
            }
        }
    })
}

/// `result.gql()?` turns a workflow error into a GraphQL error with `extensions.code`.
pub(crate) trait IntoGraphql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGraphql<T> for Result<T, UserError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql_error)
    }
}

pub(crate) fn forbidden(message: &str) -> async_graphql::Error {
    to_graphql_error(UserError::new(ErrorCode::Forbidden, message))
}

pub(crate) fn bad_input(message: &str) -> async_graphql::Error {
    to_graphql_error(UserError::bad_input(message))
}

/// The TCP peer, when the server was started with connect info (always, outside unit tests).
pub(super) type Peer = Option<Extension<ConnectInfo<std::net::SocketAddr>>>;

/// `POST /graphql`: runs a query or mutation as the caller named by the bearer token. The body
/// is JSON of at most the configured size; a failed authentication costs the client address
/// one sign-in attempt.
pub async fn execute(
    State(state): State<std::sync::Arc<super::AppState>>,
    peer: Peer,
    http_request: Request,
) -> Response {
    let (parts, body) = http_request.into_parts();
    let client = state.limits.client_addresses.client_of(
        &parts.headers,
        peer.map(|Extension(ConnectInfo(peer))| peer),
    );
    let limit = state.limits.graphql_body_limit_bytes;
    let mut request = match super::limits::read_graphql_request(&parts.headers, body, limit).await {
        Ok(request) => request.data(client),
        Err(refusal) => return refusal,
    };
    let headers: &HeaderMap = &parts.headers;
    if let Some(header) = headers.get(axum::http::header::AUTHORIZATION) {
        let verdict = header
            .to_str()
            .map_err(|_| UserError::unauthenticated("invalid authorization header"))
            .and_then(|value| state.services.auth.authenticate_header_session(value));
        request = match verdict {
            Ok((principal, session)) => request.data(principal).data(session),
            Err(error) => {
                // The answer stays UNAUTHENTICATED; the attempt only counts against the client.
                let _ = state.services.auth.take_attempt(client);
                request.data(AuthenticationFailure(error))
            }
        };
    }
    let operation =
        crate::metrics::GraphqlOperation::of(&request.query, request.operation_name.as_deref());
    let started = std::time::Instant::now();
    let response = state.schema.execute(request).await;
    state.metrics.latency.observe_graphql(
        &operation,
        response.errors.is_empty(),
        started.elapsed(),
    );
    GraphQLResponse::from(response).into_response()
}

/// `GET /graphql`: the GraphiQL page, embedded in the binary (`console/graphiql/`).
pub async fn graphiql(headers: HeaderMap) -> Response {
    super::console::graphiql_page(&headers)
}

impl ErrorExtensions for UserError {
    fn extend(&self) -> async_graphql::Error {
        to_graphql_error(self.clone())
    }
}
