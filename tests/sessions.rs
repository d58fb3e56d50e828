//! Black-box tests of sessions ending when access ends: open subscriptions end and their
//! WebSocket closes when the user is deactivated, moved or demoted or the token expires;
//! tokens die with a password reset; refreshToken cannot stretch a session past its maximum
//! age; tokens of another generation are refused everywhere.

mod common;

use std::time::Duration;

use common::{JWT_SECRET, TestApp, WAIT_LIMIT, error_code, password_of, spawn_app_with};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use siaga::domain::user::Role;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const PROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];
const SESSION_ENDED: &str = "session ended: sign in again";

/// A server whose subscriptions re-check their session every second.
async fn spawn_app_rechecking_every_second() -> TestApp {
    spawn_app_with(|settings| settings.subscription_recheck_seconds = Some(1)).await
}

async fn admin(app: &TestApp) -> String {
    app.user_token("chief", Role::Admin, None).await
}

/// Signs a token with the test server's key, as the server would with these claims.
fn forge(claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("token signed")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn admin_mutation(app: &TestApp, admin: &str, mutation: &str) {
    let response = app.graphql(Some(admin), mutation, json!({})).await;
    assert!(response["errors"].is_null(), "{mutation}: {response}");
}

/// A WebSocket signed in with `token` (acknowledged) and subscribed to report events.
async fn subscribed(app: &TestApp, protocol: &str, token: &str) -> Socket {
    let url = format!("{}/graphql/ws", app.base_url.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("websocket request");
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", protocol.parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket connects");
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    send(&mut socket, init).await;
    let ack = next_message(&mut socket).await;
    assert!(
        matches!(&ack, Received::Json(value) if value["type"] == "connection_ack"),
        "{ack:?}"
    );
    let start = if protocol == "graphql-ws" {
        "start"
    } else {
        "subscribe"
    };
    let subscribe = json!({ "id": "1", "type": start, "payload": { "query": "subscription { reportEvents { kind report { ticket } } }" } });
    send(&mut socket, subscribe).await;
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(WsMessage::Text(message.to_string().into()))
        .await
        .expect("sent");
}

#[derive(Debug)]
enum Received {
    Json(Value),
    Closed(Option<u16>),
}

/// The next text message or the close, waiting at most `WAIT_LIMIT`.
async fn next_message(socket: &mut Socket) -> Received {
    loop {
        let message = tokio::time::timeout(WAIT_LIMIT, socket.next())
            .await
            .expect("a message in time");
        match message {
            Some(Ok(WsMessage::Text(text))) => {
                return Received::Json(serde_json::from_str(&text).expect("JSON message"));
            }
            Some(Ok(WsMessage::Close(frame))) => {
                return Received::Closed(frame.map(|frame| u16::from(frame.code)));
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return Received::Closed(None),
        }
    }
}

/// What the client saw when its subscription ended: the error, and the close code.
struct Ending {
    error: Value,
    close_code: Option<u16>,
    data_events_before: usize,
}

/// Reads until the socket closes, and returns the subscription's error and the close code.
async fn ending_of(socket: &mut Socket) -> Ending {
    let mut error = None;
    let mut data_events_before = 0;
    loop {
        match next_message(socket).await {
            Received::Json(message) => {
                let kind = message["type"].as_str().unwrap_or_default();
                if matches!(kind, "next" | "data" | "error") {
                    let payload = &message["payload"];
                    let errors = if payload.is_array() {
                        payload.clone()
                    } else {
                        payload["errors"].clone()
                    };
                    if errors.is_null() {
                        data_events_before += 1;
                    } else if error.is_none() {
                        error = Some(errors[0].clone());
                    }
                }
            }
            Received::Closed(close_code) => {
                return Ending {
                    error: error.expect("an error before the close"),
                    close_code,
                    data_events_before,
                };
            }
        }
    }
}

fn assert_ended_unauthenticated(ending: &Ending, message: &str, what: &str) {
    assert_eq!(
        ending.error["extensions"]["code"], "UNAUTHENTICATED",
        "{what}: {}",
        ending.error
    );
    assert_eq!(ending.error["message"], message, "{what}");
    assert_eq!(
        ending.close_code,
        Some(4401),
        "{what}: the socket closes as unauthorized"
    );
}

#[tokio::test]
async fn a_subscription_of_a_user_deactivated_mid_stream_ends_and_its_socket_closes() {
    let app = spawn_app_rechecking_every_second().await;
    let admin = admin(&app).await;
    for protocol in PROTOCOLS {
        let username = format!("ops.{}", protocol.len());
        let token = app
            .user_token(&username, Role::Operator, Some("COMMAND_CENTER"))
            .await;
        let mut socket = subscribed(&app, protocol, &token).await;
        let deactivated_at = std::time::Instant::now();
        admin_mutation(
            &app,
            &admin,
            &format!(
                "mutation {{ setUserActive(username: \"{username}\", active: false) {{ active }} }}"
            ),
        )
        .await;
        let ending = ending_of(&mut socket).await;
        assert_ended_unauthenticated(&ending, "account deactivated", protocol);
        assert!(
            deactivated_at.elapsed() < Duration::from_secs(5),
            "{protocol}: ended within a few re-check intervals, not {:?}",
            deactivated_at.elapsed()
        );
    }
}

#[tokio::test]
async fn a_subscription_ends_when_its_user_changes_role_or_unit() {
    let app = spawn_app_rechecking_every_second().await;
    let admin = admin(&app).await;
    let changes = [
        (
            "officer moved to another unit",
            "mutation { setUserRole(username: \"sako\", role: OFFICER, unitCode: \"POLSEK_PLG_KEMUNING\") { role } }",
        ),
        (
            "officer made analyst",
            "mutation { setUserRole(username: \"sako\", role: ANALYST) { role } }",
        ),
    ];
    app.user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    for (what, change) in changes {
        let token = app.login("sako").await;
        let mut socket = subscribed(&app, "graphql-transport-ws", &token).await;
        admin_mutation(&app, &admin, change).await;
        let ending = ending_of(&mut socket).await;
        assert_ended_unauthenticated(&ending, SESSION_ENDED, what);
    }
}

#[tokio::test]
async fn an_event_after_a_demotion_is_not_delivered_and_ends_the_subscription_at_once() {
    // The periodic re-check is far away: only the check before each event can end it in time.
    let app = spawn_app_with(|settings| settings.subscription_recheck_seconds = Some(30)).await;
    let admin = admin(&app).await;
    let token = app
        .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let mut socket = subscribed(&app, "graphql-transport-ws", &token).await;
    admin_mutation(
        &app,
        &admin,
        "mutation { setUserRole(username: \"ops1\", role: ANALYST) { role } }",
    )
    .await;
    let started = std::time::Instant::now();
    app.citizen_reports("081377109001", "ada pencurian motor")
        .await;
    let ending = ending_of(&mut socket).await;
    assert_ended_unauthenticated(&ending, SESSION_ENDED, "demoted");
    assert_eq!(
        ending.data_events_before, 0,
        "nothing reaches a demoted subscriber"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_subscription_ends_when_its_token_expires() {
    // The default 30-second re-check: the subscription wakes for the token's expiry itself.
    let app = spawn_app_with(|_| {}).await;
    app.user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    for protocol in PROTOCOLS {
        let expires_at = now() + 2;
        let short_lived = forge(json!({
            "sub": "ops1", "role": "operator", "unit": "COMMAND_CENTER",
            "iat": now(), "exp": expires_at, "jti": protocol, "gen": 0, "auth_time": now(),
        }));
        let mut socket = subscribed(&app, protocol, &short_lived).await;
        let ending = ending_of(&mut socket).await;
        assert_ended_unauthenticated(&ending, "token expired", protocol);
        assert!(
            now() <= expires_at + 2,
            "{protocol}: ended at the expiry, not at the next periodic check"
        );
    }
}

#[tokio::test]
async fn a_token_issued_before_a_password_reset_is_refused_everywhere_and_a_new_login_works() {
    let app = spawn_app_rechecking_every_second().await;
    let admin = admin(&app).await;
    let old_token = app
        .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let mut socket = subscribed(&app, "graphql-transport-ws", &old_token).await;
    admin_mutation(
        &app,
        &admin,
        "mutation { resetPassword(username: \"ops1\", password: \"a brand new password\") { username } }",
    )
    .await;

    let me = app
        .graphql(Some(&old_token), "{ me { username } }", json!({}))
        .await;
    assert_eq!(error_code(&me).as_deref(), Some("UNAUTHENTICATED"), "{me}");
    assert_eq!(me["errors"][0]["message"], SESSION_ENDED);
    let media = app
        .client
        .get(format!("{}/media/1", app.base_url))
        .bearer_auth(&old_token)
        .send()
        .await
        .expect("media request");
    assert_eq!(media.status(), 401);
    let refresh = app
        .graphql(
            Some(&old_token),
            "mutation { refreshToken { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&refresh).as_deref(), Some("UNAUTHENTICATED"));
    let ending = ending_of(&mut socket).await;
    assert_ended_unauthenticated(&ending, SESSION_ENDED, "the open subscription");

    let url = format!("{}/graphql/ws", app.base_url.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("websocket request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut fresh_socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket connects");
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {old_token}") } });
    send(&mut fresh_socket, init).await;
    match next_message(&mut fresh_socket).await {
        Received::Closed(_) => {}
        Received::Json(message) => assert_ne!(message["type"], "connection_ack", "{message}"),
    }

    let login = app
        .graphql(
            None,
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            json!({ "u": "ops1", "p": "a brand new password" }),
        )
        .await;
    let new_token = login["data"]["login"]["token"]
        .as_str()
        .expect("the new password signs in");
    let me = app
        .graphql(Some(new_token), "{ me { username } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["username"], "ops1", "{me}");
    let old_password = app
        .graphql(
            None,
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            json!({ "u": "ops1", "p": password_of("ops1") }),
        )
        .await;
    assert_eq!(
        error_code(&old_password).as_deref(),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn refresh_token_never_reaches_past_the_maximum_session_age() {
    let app = spawn_app_with(|settings| settings.session_max_hours = Some(2)).await;
    app.user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let claims = |signed_in_seconds_ago: i64| {
        json!({
            "sub": "ops1", "role": "operator", "unit": "COMMAND_CENTER",
            "iat": now() - 60, "exp": now() + 3600, "jti": format!("s{signed_in_seconds_ago}"),
            "gen": 0, "auth_time": now() - signed_in_seconds_ago,
        })
    };
    let refresh = "mutation { refreshToken { token expiresAt } }";

    // Signed in 1 h 50 min ago: the new token ends with the session, in about 10 minutes.
    let late_claims = claims(110 * 60);
    let session_end = late_claims["auth_time"].as_i64().expect("auth_time") + 2 * 3600;
    let refreshed = app
        .graphql(Some(&forge(late_claims)), refresh, json!({}))
        .await;
    let expires_at = refreshed["data"]["refreshToken"]["expiresAt"]
        .as_str()
        .unwrap_or_else(|| panic!("refreshed: {refreshed}"));
    let expires_at = chrono::DateTime::parse_from_rfc3339(expires_at)
        .expect("an RFC 3339 time")
        .timestamp();
    assert_eq!(
        expires_at, session_end,
        "the refreshed token ends when the session does"
    );
    let refreshed_token = refreshed["data"]["refreshToken"]["token"]
        .as_str()
        .expect("token");
    let again = app.graphql(Some(refreshed_token), refresh, json!({})).await;
    let expires_again = again["data"]["refreshToken"]["expiresAt"]
        .as_str()
        .unwrap_or_else(|| panic!("refreshed again: {again}"));
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(expires_again)
            .expect("an RFC 3339 time")
            .timestamp(),
        session_end,
        "refreshing the refreshed token does not move the end either"
    );

    // Signed in more than 2 hours ago: no refresh, no request.
    let too_old = forge(claims(2 * 3600 + 5));
    let refused = app.graphql(Some(&too_old), refresh, json!({})).await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("UNAUTHENTICATED"),
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("sign in again")),
        "{refused}"
    );
    assert!(refused["data"].is_null(), "{refused}");

    // A fresh sign-in starts a new session.
    let fresh = app.login("ops1").await;
    let fresh_refresh = app.graphql(Some(&fresh), refresh, json!({})).await;
    assert!(fresh_refresh["errors"].is_null(), "{fresh_refresh}");
}

#[tokio::test]
async fn a_token_of_an_older_generation_is_refused() {
    let app = spawn_app_with(|_| {}).await;
    let admin = admin(&app).await;
    app.user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let claims = |generation: u64| {
        json!({
            "sub": "ops1", "role": "operator", "unit": "COMMAND_CENTER",
            "iat": now(), "exp": now() + 3600, "jti": format!("g{generation}"),
            "gen": generation, "auth_time": now(),
        })
    };
    let generation_0 = forge(claims(0));
    let me = app
        .graphql(Some(&generation_0), "{ me { username } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["username"], "ops1", "{me}");

    for change in [
        "mutation { setUserActive(username: \"ops1\", active: false) { active } }",
        "mutation { setUserActive(username: \"ops1\", active: true) { active } }",
    ] {
        admin_mutation(&app, &admin, change).await;
    }
    for (what, token) in [
        ("older generation", generation_0),
        ("future generation", forge(claims(7))),
    ] {
        let refused = app
            .graphql(Some(&token), "{ me { username } }", json!({}))
            .await;
        assert_eq!(
            error_code(&refused).as_deref(),
            Some("UNAUTHENTICATED"),
            "{what}: {refused}"
        );
        assert_eq!(refused["errors"][0]["message"], SESSION_ENDED, "{what}");
    }
    let current = app
        .graphql(Some(&forge(claims(2))), "{ me { username } }", json!({}))
        .await;
    assert_eq!(
        current["data"]["me"]["username"], "ops1",
        "deactivation and reactivation raised the generation twice: {current}"
    );
}
