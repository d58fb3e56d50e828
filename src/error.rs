//! One catalogue of error codes shared by every layer: each error a user can see maps to one
//! code, which fixes its HTTP status and its GraphQL `extensions.code`.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    Internal,
    /// Too many attempts from one client address; the message says when to try again.
    RateLimited,
    /// The HTTP body of a request could not be read as a GraphQL request.
    BadRequest,
    PayloadTooLarge,
    /// Multipart and other bodies the API does not take.
    UnsupportedMediaType,
    /// The query text is not GraphQL (the code Apollo's clients expect).
    GraphqlParseFailed,
    /// The query does not fit the schema or the depth and complexity limits.
    GraphqlValidationFailed,
    /// The request took longer than the configured request timeout.
    Timeout,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::Timeout => "TIMEOUT",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::BadUserInput => 400,
            ErrorCode::Conflict => 409,
            ErrorCode::Internal => 500,
            ErrorCode::RateLimited => 429,
            ErrorCode::BadRequest => 400,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::GraphqlParseFailed => 400,
            ErrorCode::GraphqlValidationFailed => 400,
            ErrorCode::Timeout => 503,
        }
    }
}

/// An error as a user may see it: a code and a safe message. Internal causes are logged where
/// they happen and never carried here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub code: ErrorCode,
    pub message: String,
    /// What a client may act on beside the message, as (name, JSON value) pairs; the GraphQL
    /// error carries each one in `extensions` (the templates that fit, for a reply refused
    /// outside the 24-hour window).
    pub details: Vec<(&'static str, serde_json::Value)>,
}

impl UserError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> UserError {
        UserError {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The same error with `value` under `name` in its GraphQL `extensions`.
    pub fn with_detail(mut self, name: &'static str, value: serde_json::Value) -> UserError {
        self.details.push((name, value));
        self
    }

    pub fn not_found(what: &str) -> UserError {
        UserError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> UserError {
        UserError::new(ErrorCode::Forbidden, message)
    }

    pub fn conflict(message: impl Into<String>) -> UserError {
        UserError::new(ErrorCode::Conflict, message)
    }

    pub fn bad_input(message: impl Into<String>) -> UserError {
        UserError::new(ErrorCode::BadUserInput, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> UserError {
        UserError::new(ErrorCode::Unauthenticated, message)
    }

    /// Logs the cause and returns an opaque internal error.
    pub fn internal(cause: &dyn std::fmt::Display) -> UserError {
        tracing::error!(%cause, "internal error");
        UserError::new(ErrorCode::Internal, "internal error; see the server log")
    }
}

impl From<crate::store::StoreError> for UserError {
    fn from(error: crate::store::StoreError) -> Self {
        UserError::internal(&error)
    }
}
