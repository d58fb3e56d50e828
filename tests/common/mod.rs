//! Shared helpers of the black-box tests: the real app on port 0 with a fresh data dir, and a
//! mock Graph API on loopback in place of Meta's servers.
#![allow(dead_code)]

pub mod mock_graph;
pub mod ws;

use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use serde_json::Value;
use siaga::api::AppState;
use siaga::app::App;
use siaga::config::{Config, Settings};
use siaga::domain::ids::{ReportId, Wamid};
use siaga::domain::message::Message;
use siaga::domain::report::Report;
use siaga::domain::timeline::TimelineEvent;
use siaga::ledger::Ledger;
use siaga::whatsapp::{payload, signature};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use mock_graph::MockGraph;

/// The app secret of the signature test vector in `fixtures/signature/expected.json`.
pub const APP_SECRET: &str = "test_app_secret_NOT_REAL_0123456789";
pub const VERIFY_TOKEN: &str = "siaga-verify-token";
pub const ACCESS_TOKEN: &str = "test-access-token";
pub const WAIT_LIMIT: Duration = Duration::from_secs(15);
/// The HS256 key of the test server, so that tests can forge tokens to see them refused.
pub const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef-0123456789";

static TRACING: Once = Once::new();

fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info,siaga=debug")
                .with_test_writer()
                .try_init();
        }
    });
}

pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub state: std::sync::Arc<AppState>,
    pub graph: MockGraph,
    pub data_dir: PathBuf,
    _data_dir_guard: Option<tempfile::TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    settings: Settings,
}

/// Live mode (access token set) against a fresh mock Graph API.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    init_tracing();
    let graph = MockGraph::start().await;
    // As the binary does: a private data dir (0700), private files.
    siaga::data_dir::restrict_new_file_permissions();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        data_dir: Some(data_dir.path().to_path_buf()),
        listen: Some("127.0.0.1:0".into()),
        wa_app_secret: Some(APP_SECRET.into()),
        wa_verify_token: Some(VERIFY_TOKEN.into()),
        wa_access_token: Some(ACCESS_TOKEN.into()),
        wa_phone_number_id: Some(payload::DEMO_PHONE_NUMBER_ID.into()),
        wa_graph_url: Some(graph.url.clone()),
        wa_retry_base_ms: Some(10),
        wa_send_rate: Some(10_000),
        wa_timeout_seconds: Some(2),
        wa_reconcile_seconds: Some(1),
        jwt_secret: Some(JWT_SECRET.into()),
        ..Settings::default()
    };
    customise(&mut settings);
    start(settings, graph, Some(data_dir)).await
}

async fn start(settings: Settings, graph: MockGraph, guard: Option<tempfile::TempDir>) -> TestApp {
    let config = Config::validate(settings.clone()).expect("valid test config");
    // A test may hand in a folder it made before the umask was set; siaga refuses a data dir
    // others can read (tests/data_dir.rs checks that through the binary).
    #[cfg(unix)]
    if config.data_dir.exists() {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&config.data_dir, std::fs::Permissions::from_mode(0o700))
            .expect("data dir made private");
    }
    let data_dir = config.data_dir.clone();
    let app = App::build(config).await.expect("app builds");
    let base_url = format!("http://{}", app.local_addr());
    let state = app.state();
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    // Started means ready, as a deployment's health check sees it: the workers run and the
    // search index has caught up with the store.
    poll_until("the server is ready", || {
        state.ready.load(std::sync::atomic::Ordering::SeqCst)
    })
    .await;
    TestApp {
        base_url,
        client: reqwest::Client::new(),
        state,
        graph,
        data_dir,
        _data_dir_guard: guard,
        shutdown: Some(shutdown),
        server: Some(server),
        settings,
    }
}

/// Waits until `fact` holds, looking every few milliseconds (for state that changes without an
/// event to wait on). Panics after `WAIT_LIMIT`.
pub async fn poll_until(what: &str, fact: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
    while !fact() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Reads a webhook fixture, with every message/status timestamp moved to now so that the
/// 24-hour window is open whenever the tests run.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/webhooks/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let mut value: Value = serde_json::from_str(&text).expect("fixture is JSON");
    refresh_timestamps(&mut value, chrono::Utc::now().timestamp());
    value
}

/// Meta's `button_reply` webhook (the fixture's shape) from `phone`, tapping the button `id`
/// titled `title`, as the WhatsApp message `wamid`.
pub fn button_reply(phone: &str, id: &str, title: &str, wamid: &str) -> Value {
    let mut payload = fixture("inbound_interactive_button_reply");
    let value = &mut payload["entry"][0]["changes"][0]["value"];
    value["contacts"][0] = serde_json::json!({ "profile": { "name": "Warga" }, "wa_id": phone });
    let message = &mut value["messages"][0];
    message["from"] = serde_json::json!(phone);
    if let Some(message) = message.as_object_mut() {
        message.remove("from_user_id");
    }
    message["id"] = serde_json::json!(wamid);
    message["timestamp"] = serde_json::json!(chrono::Utc::now().timestamp().to_string());
    message["interactive"]["button_reply"] = serde_json::json!({ "id": id, "title": title });
    payload
}

pub fn refresh_timestamps(value: &mut Value, now: i64) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "timestamp" && child.is_string() {
                    *child = Value::String(now.to_string());
                } else {
                    refresh_timestamps(child, now);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| refresh_timestamps(item, now)),
        _ => {}
    }
}

impl TestApp {
    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/whatsapp", self.base_url)
    }

    /// POSTs `body` exactly as given, signed with the app secret.
    pub async fn post_signed_bytes(&self, body: &[u8]) -> reqwest::Response {
        self.client
            .post(self.webhook_url())
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                signature::sign(APP_SECRET.as_bytes(), body),
            )
            .body(body.to_vec())
            .send()
            .await
            .expect("webhook request")
    }

    pub async fn post_signed_webhook(&self, payload: &Value) -> reqwest::Response {
        self.post_signed_bytes(&payload::to_wire_bytes(payload))
            .await
    }

    pub async fn post_fixture(&self, name: &str) -> reqwest::Response {
        let response = self.post_signed_webhook(&fixture(name)).await;
        assert_eq!(response.status(), 200, "fixture {name} was refused");
        response
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("get")
    }

    pub fn reports(&self) -> Vec<Report> {
        self.state
            .store
            .reports()
            .oldest_first()
            .collect::<Result<_, _>>()
            .expect("reports readable")
    }

    pub fn only_report(&self) -> Report {
        let reports = self.reports();
        assert_eq!(
            reports.len(),
            1,
            "expected exactly one report, got {reports:#?}"
        );
        reports.into_iter().next().unwrap_or_else(|| unreachable!())
    }

    pub fn messages(&self, report_id: ReportId) -> Vec<Message> {
        self.state
            .store
            .reports()
            .messages(report_id)
            .expect("messages readable")
    }

    pub fn timeline(&self, report_id: ReportId) -> Vec<TimelineEvent> {
        self.state
            .store
            .reports()
            .timeline(report_id)
            .expect("timeline readable")
    }

    /// Waits until `condition` holds, re-checking whenever the app publishes an event (and at
    /// least every 20 ms, for state that changes without one). Panics after `WAIT_LIMIT`.
    pub async fn wait_until(&self, what: &str, condition: impl Fn(&TestApp) -> bool) {
        let mut events = self.state.bus.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        loop {
            if condition(self) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("timed out waiting until {what}");
            }
            tokio::select! {
                _ = events.recv() => {}
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
        }
    }

    /// Waits until every background worker waits for work with nothing of its own in flight
    /// (sends, downloads, acceptances not yet recorded). Work handed to a worker but not yet
    /// picked up does not count: wait for a fact about the queue first.
    pub async fn wait_for_workers_idle(&self) {
        poll_until("the workers are idle", || self.state.workers.all_idle()).await
    }

    /// The subscriptions opened on the bus so far: read before subscribing, then
    /// `wait_for_subscription` with it.
    pub fn subscriptions_opened(&self) -> u64 {
        self.state.bus.subscriptions_opened()
    }

    /// Waits until a subscription opened after the reading `before` is registered, so that
    /// every event published from now on reaches it.
    pub async fn wait_for_subscription(&self, before: u64) {
        poll_until("the subscription is registered", || {
            self.state.bus.subscriptions_opened() > before
        })
        .await
    }

    /// Waits until every report change so far is searchable: the indexer removes a queue
    /// entry only after its change is committed to the index and visible to searches.
    pub async fn wait_for_index(&self) {
        self.wait_until("the search index caught up", |app| {
            app.state.store.index_queue().is_empty()
        })
        .await
    }

    /// Stops the server gracefully (drain, stop workers, flush) and keeps the data dir.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }

    /// Stops and starts again on the same data dir and mock Graph API.
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let guard = self._data_dir_guard.take();
        let settings = self.settings.clone();
        let graph = self.graph.clone();
        drop(self);
        start(settings, graph, guard).await
    }

    /// Stops for good and lets go of the store, keeping the data dir (for the command line)
    /// until the returned guard is dropped.
    pub async fn close(mut self) -> Option<tempfile::TempDir> {
        self.stop().await;
        self._data_dir_guard.take()
    }
}

/// The password the helpers give each test user.
pub fn password_of(username: &str) -> String {
    format!("password-for-{username}")
}

/// The kinds of a report's `timeline { kind }`, oldest first.
pub fn timeline_kinds(report: &Value) -> Vec<String> {
    report["timeline"]
        .as_array()
        .expect("the report's timeline")
        .iter()
        .map(|event| event["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `extensions.code` of the first error of a GraphQL response.
pub fn error_code(response: &Value) -> Option<String> {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_string)
}

impl TestApp {
    /// Creates a user directly in the store and signs them in through the `login` mutation.
    pub async fn user_token(
        &self,
        username: &str,
        role: siaga::domain::user::Role,
        unit: Option<&str>,
    ) -> String {
        self.state
            .services
            .auth
            .create_user(
                username,
                &password_of(username),
                role,
                unit.map(|code| code.parse().unwrap()),
                None,
            )
            .await
            .expect("user created");
        self.login(username).await
    }

    pub async fn login(&self, username: &str) -> String {
        let response = self
            .graphql(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
                serde_json::json!({ "u": username, "p": password_of(username) }),
            )
            .await;
        response["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {response}"))
            .to_string()
    }

    /// `GET /export?{query}` with `token`: the status and the body.
    pub async fn export(&self, token: &str, query: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}/export?{query}", self.base_url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self.client.post(format!("{}/graphql", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .json(&serde_json::json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("graphql request");
        response.json().await.expect("graphql answers JSON")
    }

    /// A citizen's text through the signed webhook; returns the new report's (id, ticket).
    pub async fn citizen_reports(&self, phone: &str, text: &str) -> (String, String) {
        let citizen = payload::Citizen {
            phone: siaga::domain::phone::PhoneNumber::parse(phone).unwrap(),
            name: "Warga".into(),
        };
        let wamid = format!("wamid.test.{}", rand_suffix());
        let body = payload::text_message(&citizen, &wamid, chrono::Utc::now().timestamp(), text);
        assert_eq!(self.post_signed_webhook(&body).await.status(), 200);
        let store = &self.state.store;
        let message_id = store
            .messages()
            .id_by_wamid(&Wamid::parse(&wamid).unwrap())
            .unwrap()
            .expect("message stored");
        let message: Message = store.messages().get(message_id).unwrap().expect("message");
        let report_id = message.report_id.expect("message threaded");
        let report: Report = store.reports().get(report_id).unwrap().expect("report");
        (report.id.to_string(), report.ticket.to_string())
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed) * 1000 + u64::from(std::process::id() % 1000)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Runs the siaga binary on `data_dir` with `args`, feeding `stdin`, and waits for it.
pub fn run_siaga(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_siaga"))
        .args(args)
        .env("SIAGA_DATA_DIR", data_dir)
        .env_remove("SIAGA_ALLOW_SHARED_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
