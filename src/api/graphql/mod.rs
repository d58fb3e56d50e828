//! The operator API: a GraphQL schema (queries, mutations, subscriptions) over the workflow,
//! with the caller's identity taken from a JWT (HTTP `Authorization` header, or the
//! `connection_init` payload of a WebSocket).

mod audit;
mod mutation;
mod query;
mod report_view;
mod search;
mod socket;
mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql::{Context, ErrorExtensions, Schema};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;

use crate::auth::{Auth, Session};
use crate::domain::user::Principal;
use crate::error::{ErrorCode, UserError};
use crate::profile::Profile;
use crate::workflow::Workflow;

pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use socket::websocket;
pub use subscription::SubscriptionRoot;

pub type SiagaSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Deeper or costlier queries are refused before they run; a query of thousands of aliases
/// exceeds the complexity limit at once.
const MAX_DEPTH: usize = 12;
const MAX_COMPLEXITY: usize = 2_000;

/// What resolvers reach through the context.
#[derive(Clone)]
pub struct Services {
    pub workflow: Workflow,
    pub auth: Auth,
    pub profile: Arc<Profile>,
    pub bus: crate::bus::Bus,
    pub search: Arc<crate::search::SearchIndex>,
}

/// Why the request carries no principal, kept so that resolvers can say so.
#[derive(Clone)]
struct AuthenticationFailure(UserError);

pub fn build_schema(services: Option<Services>) -> SiagaSchema {
    let builder = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .limit_depth(MAX_DEPTH)
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
    async_graphql::Error::new(error.message)
        .extend_with(|_, extensions| extensions.set("code", code))
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

/// `POST /graphql`: runs a query or mutation as the caller named by the bearer token.
pub async fn execute(
    State(state): State<std::sync::Arc<super::AppState>>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let mut request = request.into_inner();
    if let Some(header) = headers.get(axum::http::header::AUTHORIZATION) {
        let verdict = header
            .to_str()
            .map_err(|_| UserError::unauthenticated("invalid authorization header"))
            .and_then(|value| state.services.auth.authenticate_header_session(value));
        request = match verdict {
            Ok((principal, session)) => request.data(principal).data(session),
            Err(error) => request.data(AuthenticationFailure(error)),
        };
    }
    state.schema.execute(request).await.into()
}

/// `GET /graphql`: the GraphiQL page.
pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish(),
    )
}

impl ErrorExtensions for UserError {
    fn extend(&self) -> async_graphql::Error {
        to_graphql_error(self.clone())
    }
}
