//! A stand-in for Meta's Graph API on loopback: a real axum server that records every request
//! and answers like graph.facebook.com, with scripted errors, delays and media for the tests.
//!
//! Routes (any version segment and phone number id are accepted):
//! - `POST /{ver}/{phone_id}/messages`: mark-read and typing bodies (`"status": "read"`) always
//!   get `{"success": true}`; real messages take the next scripted answer, or a fresh wamid.
//! - `POST /{ver}/{phone_id}/calls`: `calls_initiate_success.json`.
//! - `GET /{ver}/{media_id}`: the media lookup for media added with [`MockGraph::add_media`].
//! - `GET /download/{media_id}`: the bytes, only with a bearer token.
//! - `POST /{ver}/{phone_id}/media`: an upload (multipart), answered `{"id": …}` (see
//!   `mock_graph_upload.rs`).
//! - `GET /{ver}/{waba_id}/message_templates`: the templates added with
//!   [`MockGraph::add_template`], paged as Meta pages them (see `mock_graph_templates.rs`).
//! - anything else: 404 with a Graph-style error body.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::watch;

#[path = "mock_graph_media.rs"]
mod media;
#[path = "mock_graph_templates.rs"]
mod templates;
#[path = "mock_graph_upload.rs"]
mod upload;
pub use upload::Upload;

const CALLS_INITIATE_SUCCESS: &str =
    include_str!("../fixtures/graph_responses/calls_initiate_success.json");

/// One request as the mock received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The raw `Authorization` header, e.g. `Bearer <token>`.
    pub authorization: Option<String>,
    /// The body parsed as JSON, or `Value::Null` when it is not JSON.
    pub body: Value,
    pub received_at: Instant,
    /// The status the mock answered with.
    pub response_status: u16,
}

impl RecordedRequest {
    fn is_messages_post(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/messages")
    }

    /// Mark-read and typing-indicator bodies share the endpoint with real messages.
    fn is_read_receipt(&self) -> bool {
        self.is_messages_post() && self.body.get("status").and_then(Value::as_str) == Some("read")
    }

    fn is_successful_real_message(&self) -> bool {
        self.is_messages_post()
            && !self.is_read_receipt()
            && (200..300).contains(&self.response_status)
    }
}

struct StoredMedia {
    bytes: Vec<u8>,
    mime_type: String,
    failures_left: u32,
    report_wrong_hash: bool,
}

#[derive(Default)]
struct MockState {
    requests: Vec<RecordedRequest>,
    scripted_send_responses: VecDeque<(u16, Value)>,
    send_delay: Option<Duration>,
    media: HashMap<String, StoredMedia>,
    next_wamid_number: u64,
    /// Every message accepted with a default answer: its body and the wamid we gave it.
    accepted: Vec<(Value, String)>,
    /// Media uploads accepted, and the number of the next one.
    uploads: Vec<Upload>,
    /// The next this many uploads answer 500.
    upload_failures_left: u32,
    /// The account's message templates, in Meta's JSON shape.
    templates: Vec<Value>,
    /// Templates per page regardless of the `limit` asked for.
    template_page_size: Option<usize>,
    /// The next this many template listings answer 503.
    template_failures_left: u32,
    /// Bearer tokens Meta no longer accepts: their message sends answer 401, error 190.
    expired_tokens: std::collections::HashSet<String>,
}

struct Shared {
    url: String,
    state: Mutex<MockState>,
    /// Bumped on every recorded request so waiters wake without polling.
    request_counter: watch::Sender<u64>,
}

#[derive(Clone)]
pub struct MockGraph {
    pub url: String,
    shared: Arc<Shared>,
}

impl MockGraph {
    pub async fn start() -> MockGraph {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock graph api on loopback");
        let address = listener.local_addr().expect("mock graph api address");
        let url = format!("http://{address}");
        let (request_counter, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            url: url.clone(),
            state: Mutex::new(MockState::default()),
            request_counter,
        });
        let router = Router::new()
            .fallback(handle_request)
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("mock graph api server");
        });
        MockGraph { url, shared }
    }

    fn state(&self) -> MutexGuard<'_, MockState> {
        lock(&self.shared)
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    /// Bodies of real messages (not mark-read or typing) that the mock accepted.
    /// Messages accepted with a default answer, with the wamid each was given (what Meta's
    /// `sent` status callbacks would then carry).
    pub fn accepted_sends(&self) -> Vec<(Value, String)> {
        lock(&self.shared).accepted.clone()
    }

    pub fn sent_messages(&self) -> Vec<Value> {
        self.sent_at().into_iter().map(|(body, _)| body).collect()
    }

    /// Read receipts without a typing indicator.
    pub fn mark_read_requests(&self) -> Vec<Value> {
        self.read_receipts(false)
    }

    pub fn typing_indicator_requests(&self) -> Vec<Value> {
        self.read_receipts(true)
    }

    fn read_receipts(&self, with_typing_indicator: bool) -> Vec<Value> {
        self.state()
            .requests
            .iter()
            .filter(|request| request.is_read_receipt())
            .filter(|request| {
                request.body.get("typing_indicator").is_some() == with_typing_indicator
            })
            .map(|request| request.body.clone())
            .collect()
    }

    /// Every later message sent with this token answers 401 with error 190 (expired).
    pub fn expire_token(&self, token: &str) {
        self.state().expired_tokens.insert(token.to_string());
    }

    /// Accepted real messages with the path each was posted to
    /// (`/{version}/{phone_number_id}/messages`): which number sent it.
    pub fn sent_with_paths(&self) -> Vec<(String, Value)> {
        self.state()
            .requests
            .iter()
            .filter(|request| request.is_successful_real_message())
            .map(|request| (request.path.clone(), request.body.clone()))
            .collect()
    }

    /// Queues the answer for the next real message. A JSON string body is sent as plain text,
    /// which is how to imitate a proxy's HTML or text error page.
    pub fn push_send_response(&self, status: u16, body: Value) {
        self.state()
            .scripted_send_responses
            .push_back((status, body));
    }

    /// Queues `tests/fixtures/graph_responses/<name>.json` (the `.json` may be omitted).
    pub fn push_send_error_fixture(&self, fixture_name: &str, status: u16) {
        self.push_send_response(status, graph_response_fixture(fixture_name));
    }

    /// Every later real message is answered only after `delay`.
    pub fn delay_send_responses(&self, delay: Duration) {
        self.state().send_delay = Some(delay);
    }

    pub fn add_media(&self, media_id: &str, bytes: Vec<u8>, mime_type: &str) {
        self.state().media.insert(
            media_id.to_string(),
            StoredMedia {
                bytes,
                mime_type: mime_type.to_string(),
                failures_left: 0,
                report_wrong_hash: false,
            },
        );
    }

    /// The next `times` downloads of this media answer 500.
    pub fn fail_media_downloads(&self, media_id: &str, times: u32) {
        let mut state = self.state();
        let media = state
            .media
            .get_mut(media_id)
            .unwrap_or_else(|| panic!("fail_media_downloads: add_media({media_id:?}) first"));
        media.failures_left = times;
    }

    /// The media lookup reports a sha256 that does not match the bytes.
    pub fn corrupt_media_hash(&self, media_id: &str) {
        let mut state = self.state();
        let media = state
            .media
            .get_mut(media_id)
            .unwrap_or_else(|| panic!("corrupt_media_hash: add_media({media_id:?}) first"));
        media.report_wrong_hash = true;
    }

    /// Waits until at least `count` real messages were accepted and returns them all.
    pub async fn wait_for_sent_messages(&self, count: usize, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        // Subscribing before looking means a request recorded in between still wakes us.
        let mut receiver = self.shared.request_counter.subscribe();
        loop {
            let sent = self.sent_messages();
            if sent.len() >= count {
                return sent;
            }
            let woke = tokio::time::timeout_at(deadline, receiver.changed()).await;
            if woke.is_err() {
                let received: Vec<String> = self
                    .requests()
                    .iter()
                    .map(|request| {
                        format!(
                            "  {} {} -> {} {}",
                            request.method, request.path, request.response_status, request.body
                        )
                    })
                    .collect();
                panic!(
                    "expected {count} sent messages within {timeout:?}, got {}; requests received:\n{}",
                    sent.len(),
                    if received.is_empty() {
                        "  (none)".to_string()
                    } else {
                        received.join("\n")
                    }
                );
            }
        }
    }

    /// Accepted real messages with the time the mock received each.
    pub fn sent_at(&self) -> Vec<(Value, Instant)> {
        self.state()
            .requests
            .iter()
            .filter(|request| request.is_successful_real_message())
            .map(|request| (request.body.clone(), request.received_at))
            .collect()
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, MockState> {
    // A panicking test thread must not take every later assertion down with it.
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn graph_response_fixture(name: &str) -> Value {
    let file_name = name.strip_suffix(".json").unwrap_or(name);
    let path = format!(
        "{}/tests/fixtures/graph_responses/{file_name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

async fn handle_request(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received_at = Instant::now();
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let json_body = match (method.as_str(), segments.as_slice()) {
        ("POST", [_version, _phone_id, "media"]) => upload::summarise(&headers, body).await,
        _ => serde_json::from_slice(&body).unwrap_or(Value::Null),
    };

    let planned = plan_response(
        &shared,
        &method,
        &segments,
        &json_body,
        (uri.query(), authorization.as_deref()),
    );
    let response_status = planned.status;
    lock(&shared).requests.push(RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        authorization,
        body: json_body,
        received_at,
        response_status,
    });
    shared.request_counter.send_modify(|count| *count += 1);

    if let Some(delay) = planned.delay {
        tokio::time::sleep(delay).await;
    }
    planned.into_response()
}

struct PlannedResponse {
    status: u16,
    body: PlannedBody,
    delay: Option<Duration>,
}

enum PlannedBody {
    Json(Value),
    Text(String),
    Binary {
        bytes: Vec<u8>,
        content_type: String,
    },
}

impl PlannedResponse {
    fn json(status: u16, body: Value) -> PlannedResponse {
        PlannedResponse {
            status,
            body: PlannedBody::Json(body),
            delay: None,
        }
    }

    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match self.body {
            PlannedBody::Json(body) => (
                status,
                [(CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response(),
            PlannedBody::Text(text) => {
                (status, [(CONTENT_TYPE, "text/plain")], text).into_response()
            }
            PlannedBody::Binary {
                bytes,
                content_type,
            } => (status, [(CONTENT_TYPE, content_type)], bytes).into_response(),
        }
    }
}

fn plan_response(
    shared: &Shared,
    method: &Method,
    segments: &[&str],
    body: &Value,
    (query, authorization): (Option<&str>, Option<&str>),
) -> PlannedResponse {
    match (method.as_str(), segments) {
        ("GET", [_version, waba_id, "message_templates"]) => {
            templates::plan(shared, waba_id, query, authorization)
        }
        ("POST", [_version, _phone_id, "messages"]) => {
            plan_messages_response(shared, body, authorization)
        }
        ("POST", [_version, _phone_id, "calls"]) => PlannedResponse::json(
            200,
            serde_json::from_str(CALLS_INITIATE_SUCCESS).expect("calls fixture is JSON"),
        ),
        ("POST", [_version, _phone_id, "media"]) => upload::plan(shared, body),
        ("GET", ["download", media_id]) => media::plan_download(shared, media_id, authorization),
        ("GET", [_version, media_id]) => media::plan_media_info(shared, media_id),
        _ => PlannedResponse::json(
            404,
            graph_error(
                2500,
                &format!("Unknown path components: /{}", segments.join("/")),
            ),
        ),
    }
}

fn plan_messages_response(
    shared: &Shared,
    body: &Value,
    authorization: Option<&str>,
) -> PlannedResponse {
    let mut state = lock(shared);
    let token = authorization
        .and_then(|header| header.strip_prefix("Bearer "))
        .unwrap_or_default();
    if state.expired_tokens.contains(token) {
        return PlannedResponse::json(401, graph_response_fixture("error_190_token_expired"));
    }
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return PlannedResponse::json(200, json!({ "success": true }));
    }
    let delay = state.send_delay;
    if let Some((status, scripted)) = state.scripted_send_responses.pop_front() {
        let body = match scripted {
            Value::String(text) => PlannedBody::Text(text),
            other => PlannedBody::Json(other),
        };
        return PlannedResponse {
            status,
            body,
            delay,
        };
    }
    state.next_wamid_number += 1;
    let wamid = format!("wamid.mock.{}", state.next_wamid_number);
    state.accepted.push((body.clone(), wamid.clone()));
    let contact = match (body.get("to"), body.get("recipient")) {
        (Some(to), _) => {
            let digits: String = to
                .as_str()
                .unwrap_or_default()
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            json!({ "input": to, "wa_id": digits })
        }
        // BSUID sends come back without a wa_id.
        (None, Some(recipient)) => json!({ "input": recipient, "user_id": recipient }),
        (None, None) => json!({ "input": Value::Null }),
    };
    PlannedResponse {
        status: 200,
        body: PlannedBody::Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{ "id": wamid }],
        })),
        delay,
    }
}

fn graph_error(code: i64, message: &str) -> Value {
    json!({
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "MockGraphTrace",
        }
    })
}
