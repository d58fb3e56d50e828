//! Black-box tests of the limits at the HTTP doors: body sizes and multipart on `/graphql`,
//! one `login` per request, the per-address sign-in bucket, the webhook body limit and buffer
//! budget, and the request timeout (which the WebSocket is exempt from).

mod common;

use common::{APP_SECRET, TestApp, WAIT_LIMIT, error_code, fixture, password_of, spawn_app_with};
use serde_json::{Value, json};
use siaga::domain::user::Role;
use siaga::whatsapp::{payload, signature};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const MIB: usize = 1024 * 1024;

/// An HTTP/1.1 exchange by hand, for what reqwest cannot send: chunked bodies without a
/// length, bodies that stall, lies about Content-Length.
struct RawRequest {
    stream: TcpStream,
}

impl RawRequest {
    async fn start(app: &TestApp, head: &str) -> RawRequest {
        let address = app.base_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).await.expect("connects");
        let head = format!("{head}Host: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).await.expect("head sent");
        RawRequest { stream }
    }

    /// Writes what the server still reads; a server that has answered may stop reading.
    async fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).await.is_ok()
    }

    async fn send_chunk(&mut self, bytes: &[u8]) -> bool {
        let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
        chunk.extend_from_slice(bytes);
        chunk.extend_from_slice(b"\r\n");
        self.send(&chunk).await
    }

    /// The status and body of the answer (the server closes after it: `Connection: close`).
    async fn answer(mut self) -> (u16, String) {
        let mut received = Vec::new();
        let read = tokio::time::timeout(WAIT_LIMIT, async {
            let mut buffer = [0u8; 16 * 1024];
            loop {
                match self.stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(count) => received.extend_from_slice(&buffer[..count]),
                }
            }
        })
        .await;
        assert!(read.is_ok(), "no answer in time");
        let text = String::from_utf8_lossy(&received).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default();
        (status, body)
    }
}

#[tokio::test]
async fn a_five_mib_graphql_body_is_refused_with_413_with_or_without_a_length() {
    let app = spawn_app_with(|_| {}).await;
    let padding = "x".repeat(5 * MIB);

    let declared = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"query\": \"{{ me {{ username }} }}\", \"extensions\": {{\"p\": \"{padding}\"}}}}"
        ))
        .send()
        .await
        .expect("answered");
    assert_eq!(declared.status(), 413);
    let body: Value = declared.json().await.expect("a JSON refusal");
    assert_eq!(error_code(&body).as_deref(), Some("PAYLOAD_TOO_LARGE"));

    // Chunked, no Content-Length: the reading stops at the limit.
    let mut chunked = RawRequest::start(
        &app,
        "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
    )
    .await;
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < 5 * MIB && chunked.send_chunk(&chunk).await {
        sent += chunk.len();
    }
    let (status, body) = chunked.answer().await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("PAYLOAD_TOO_LARGE"), "{body}");

    // A body within the limit still works.
    let fine = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(fine["data"]["__typename"], "QueryRoot");
}

#[tokio::test]
async fn multipart_and_other_non_json_graphql_bodies_are_refused() {
    let app = spawn_app_with(|settings| settings.graphql_body_limit_bytes = Some(4096)).await;
    let multipart = "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"{ __typename }\"}\r\n--x--\r\n";
    for content_type in ["multipart/form-data; boundary=x", "text/plain"] {
        let response = app
            .client
            .post(format!("{}/graphql", app.base_url))
            .header("content-type", content_type)
            .body(multipart)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 415, "{content_type}");
        let body: Value = response.json().await.expect("a JSON refusal");
        assert_eq!(error_code(&body).as_deref(), Some("UNSUPPORTED_MEDIA_TYPE"));
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|message| message.contains("application/json"))
        );
    }
    let batch = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .json(&json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]))
        .send()
        .await
        .expect("answered");
    assert_eq!(batch.status(), 400);
}

#[tokio::test]
async fn fifty_aliased_logins_are_refused_as_one_request_before_any_password_is_checked() {
    let app = spawn_app_with(|settings| settings.sign_in_burst = Some(3)).await;
    app.state
        .services
        .auth
        .create_user(
            "siti",
            &password_of("siti"),
            Role::Operator,
            Some("COMMAND_CENTER".parse().unwrap()),
            None,
        )
        .await
        .expect("user created");
    // 49 wrong passwords and the right one, as aliases and through a fragment.
    let mut fields: String = (0..48)
        .map(|index| {
            format!("a{index}: login(username: \"siti\", password: \"wrong-{index}\") {{ token }} ")
        })
        .collect();
    fields.push_str(&format!(
        "right: login(username: \"siti\", password: \"{}\") {{ token }} ...L",
        password_of("siti")
    ));
    let query = format!(
        "mutation {{ {fields} }} fragment L on MutationRoot {{ last: login(username: \"siti\", password: \"wrong\") {{ token }} }}"
    );
    let refused = app.graphql(None, &query, json!({})).await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("BAD_USER_INPUT"),
        "{refused}"
    );
    assert!(refused["data"].is_null(), "{refused}");
    assert!(!refused.to_string().contains("\"token\""), "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("one login per request"))
    );

    // Nothing was checked: no failures were recorded for siti, and the address's three
    // attempts are all still there.
    for _ in 0..3 {
        let token = app.login("siti").await;
        assert!(!token.is_empty());
    }
}

async fn login_from(
    client: &reqwest::Client,
    app: &TestApp,
    username: &str,
    password: &str,
) -> Value {
    client
        .post(format!("{}/graphql", app.base_url))
        .json(&json!({
            "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            "variables": { "u": username, "p": password },
        }))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn a_password_spray_from_one_address_is_refused_while_another_address_signs_in() {
    let app = spawn_app_with(|settings| {
        settings.sign_in_burst = Some(5);
        settings.sign_in_refill_per_minute = Some(1);
    })
    .await;
    app.state
        .services
        .auth
        .create_user(
            "budi",
            &password_of("budi"),
            Role::Operator,
            Some("COMMAND_CENTER".parse().unwrap()),
            None,
        )
        .await
        .expect("user created");
    let attacker = reqwest::Client::new();
    let mut unauthenticated = 0;
    let mut rate_limited = 0;
    for index in 0..200 {
        let answer = login_from(&attacker, &app, &format!("user{index}"), "guess-123").await;
        match error_code(&answer).as_deref() {
            Some("UNAUTHENTICATED") => unauthenticated += 1,
            Some("RATE_LIMITED") => {
                rate_limited += 1;
                let retry_after = answer["errors"][0]["extensions"]["retryAfterSeconds"].as_u64();
                assert!(retry_after.is_some_and(|seconds| seconds >= 1), "{answer}");
            }
            other => panic!("unexpected answer {other:?}: {answer}"),
        }
    }
    assert_eq!((unauthenticated, rate_limited), (5, 195));
    // Even the right password is refused from that address until its bucket refills.
    let blocked = login_from(&attacker, &app, "budi", &password_of("budi")).await;
    assert_eq!(error_code(&blocked).as_deref(), Some("RATE_LIMITED"));

    // Another address (127.0.0.2 is loopback too) is not affected.
    let colleague = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .expect("client");
    let signed_in = login_from(&colleague, &app, "budi", &password_of("budi")).await;
    assert!(
        signed_in["data"]["login"]["token"].is_string(),
        "{signed_in}"
    );
}

#[tokio::test]
async fn failed_bearer_tokens_spend_the_same_attempts_and_successful_sign_ins_do_not() {
    let app = spawn_app_with(|settings| {
        settings.sign_in_burst = Some(3);
        settings.sign_in_refill_per_minute = Some(1);
    })
    .await;
    // Signing in costs nothing when it succeeds (colleagues behind one NAT at shift change).
    app.user_token("ani", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    for _ in 0..5 {
        app.login("ani").await;
    }
    for _ in 0..3 {
        let refused = app
            .graphql(Some("not-a-token"), "{ me { username } }", json!({}))
            .await;
        assert_eq!(error_code(&refused).as_deref(), Some("UNAUTHENTICATED"));
    }
    let blocked = login_from(&app.client, &app, "ani", &password_of("ani")).await;
    assert_eq!(
        error_code(&blocked).as_deref(),
        Some("RATE_LIMITED"),
        "{blocked}"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_has_the_bucket() {
    let app = spawn_app_with(|settings| {
        settings.sign_in_burst = Some(1);
        settings.sign_in_refill_per_minute = Some(1);
        settings.trusted_proxy_header = Some("X-Forwarded-For".into());
    })
    .await;
    let login = |forwarded: &'static str| {
        app.client
            .post(format!("{}/graphql", app.base_url))
            .header("x-forwarded-for", forwarded)
            .json(&json!({ "query": "mutation { login(username: \"nobody\", password: \"guess-123\") { token } }" }))
            .send()
    };
    let code = |response: reqwest::Response| async move {
        let body: Value = response.json().await.expect("JSON");
        error_code(&body)
    };
    assert_eq!(
        code(login("203.0.113.1").await.unwrap()).await.as_deref(),
        Some("UNAUTHENTICATED")
    );
    // A forged entry on the left does not escape the bucket: the proxy's entry is the last.
    assert_eq!(
        code(login("198.51.100.7, 203.0.113.1").await.unwrap())
            .await
            .as_deref(),
        Some("RATE_LIMITED")
    );
    assert_eq!(
        code(login("203.0.113.2").await.unwrap()).await.as_deref(),
        Some("UNAUTHENTICATED")
    );
}

fn signed_head(body_length: Option<usize>, signature_header: &str) -> String {
    let length = match body_length {
        Some(length) => format!("Content-Length: {length}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_string(),
    };
    format!(
        "POST /webhooks/whatsapp HTTP/1.1\r\nContent-Type: application/json\r\nX-Hub-Signature-256: {signature_header}\r\n{length}"
    )
}

#[tokio::test]
async fn a_webhook_over_the_limit_gets_413_and_stores_nothing_even_without_a_length() {
    let app = spawn_app_with(|settings| settings.body_limit_bytes = Some(4096)).await;
    let mut huge = fixture("inbound_text");
    huge["padding"] = json!("x".repeat(10_000));
    let bytes = payload::to_wire_bytes(&huge);
    let mut chunked = RawRequest::start(
        &app,
        &signed_head(None, &signature::sign(APP_SECRET.as_bytes(), &bytes)),
    )
    .await;
    for piece in bytes.chunks(1000) {
        if !chunked.send_chunk(piece).await {
            break;
        }
    }
    chunked.send(b"0\r\n\r\n").await;
    let (status, _) = chunked.answer().await;
    assert_eq!(status, 413);
    assert!(app.reports().is_empty());
    app.post_fixture("inbound_text").await;
    assert_eq!(app.reports().len(), 1);
}

#[tokio::test]
async fn webhooks_beyond_the_buffer_budget_get_503_with_retry_after_then_flow_again() {
    let app = spawn_app_with(|settings| {
        settings.body_limit_bytes = Some(8192);
        settings.webhook_buffer_budget_bytes = Some(8192);
    })
    .await;
    // A body of unknown length reserves the largest accepted: the whole budget. It stalls.
    let mut stalled = RawRequest::start(&app, &signed_head(None, "sha256=00")).await;
    assert!(stalled.send_chunk(b"{\"object\":").await);
    common::poll_until("the stalled body reserved its room", || {
        app.state.limits.webhook_buffers.available_bytes() == 0
    })
    .await;
    let busy = app.post_signed_webhook(&fixture("inbound_text")).await;
    assert_eq!(busy.status(), 503);
    assert_eq!(
        busy.headers()
            .get("retry-after")
            .map(|value| value.as_bytes()),
        Some(&b"1"[..])
    );
    assert!(app.reports().is_empty());

    // The stalled sender finishes; its (unsigned) body is refused and its room given back.
    stalled.send_chunk(b"1}").await;
    stalled.send(b"0\r\n\r\n").await;
    let (status, _) = stalled.answer().await;
    assert_eq!(status, 401);
    assert_eq!(app.state.limits.webhook_buffers.available_bytes(), 8192);
    app.post_fixture("inbound_text").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("siaga_webhooks_refused_total{reason=\"busy\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_gets_503_while_the_websocket_stays_open() {
    let app = spawn_app_with(|settings| settings.request_timeout_seconds = Some(1)).await;
    let token = app
        .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let url = format!("{}/graphql/ws", app.base_url.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket");
    use futures_util::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::Message;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket
        .send(Message::Text(init.to_string().into()))
        .await
        .unwrap();

    // A GraphQL body that never finishes arriving.
    let mut slow = RawRequest::start(
        &app,
        "POST /graphql HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n",
    )
    .await;
    assert!(slow.send(b"{\"query\":").await);
    let (status, body) = slow.answer().await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("TIMEOUT"), "{body}");

    // More than the timeout has passed; the WebSocket still answers.
    let ping = json!({ "type": "ping" });
    socket
        .send(Message::Text(ping.to_string().into()))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let pong = tokio::time::timeout(WAIT_LIMIT, async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "pong" {
                    return true;
                }
                seen.push(value);
            }
        }
        false
    })
    .await;
    assert_eq!(pong, Ok(true), "{seen:?}");
}
