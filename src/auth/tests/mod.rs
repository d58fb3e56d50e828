//! Tests of sign-in, tokens and user administration against a real store in a temporary
//! directory; this file holds the shared helpers.

mod sessions;
mod sign_in;
mod tokens;
mod users;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::*;
use crate::domain::ids::UnitCode;
use crate::domain::user::Role;
use crate::error::ErrorCode;

const TEST_SECRET: &str = "a-test-signing-secret-of-at-least-32-characters";
const OFFICER_PASSWORD: &str = "officer password 1";
const OPERATOR_PASSWORD: &str = "operator password 1";

fn open_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn open_auth() -> (tempfile::TempDir, Auth) {
    let (dir, store) = open_store();
    let auth = Auth::open(
        store,
        Some(TEST_SECRET.to_string()),
        chrono::Duration::hours(12),
    )
    .unwrap()
    .with_throttle_base(Duration::from_millis(1));
    (dir, auth)
}

/// An Auth with an admin, an operator and an officer of unit POLRESTA_PLG.
async fn open_auth_with_users() -> (tempfile::TempDir, Auth) {
    let (dir, auth) = open_auth();
    auth.create_user("admin", "admin password 1", Role::Admin, None, None)
        .await
        .unwrap();
    auth.create_user("op.siti", OPERATOR_PASSWORD, Role::Operator, None, None)
        .await
        .unwrap();
    auth.create_user(
        "off.budi",
        OFFICER_PASSWORD,
        Role::Officer,
        Some(UnitCode::trusted("POLRESTA_PLG")),
        Some("Budi Santoso".to_string()),
    )
    .await
    .unwrap();
    (dir, auth)
}

fn now_seconds() -> i64 {
    Utc::now().timestamp()
}

fn valid_claims_for(username: &str) -> Value {
    json!({
        "sub": username,
        "role": "operator",
        "unit": null,
        "iat": now_seconds(),
        "exp": now_seconds() + 3600,
        "jti": "0123456789abcdef",
    })
}

fn sign(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn base64url_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn payload_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn assert_unauthenticated(result: Result<Principal, UserError>, expected_message: &str) {
    let error = result.unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthenticated, "{error:?}");
    assert_eq!(error.message, expected_message);
}
