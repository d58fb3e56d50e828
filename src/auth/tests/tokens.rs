//! Tokens: the attacks that must be refused, the signing key, and the store as the source of roles.

use super::*;

#[tokio::test]
async fn a_bearer_header_in_any_case_or_a_bare_token_is_accepted() {
    let (_dir, auth) = open_auth_with_users().await;
    let token = auth
        .login("op.siti", OPERATOR_PASSWORD)
        .await
        .unwrap()
        .token;
    for header in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER   {token}  "),
        token.clone(),
    ] {
        assert_eq!(
            auth.authenticate_header(&header).unwrap().username,
            "op.siti"
        );
    }
    assert_unauthenticated(
        auth.authenticate_header(&format!("Basic {token}")),
        "invalid token",
    );
    assert_unauthenticated(auth.authenticate_header(""), "invalid token");
    assert_unauthenticated(auth.authenticate_header("Bearer"), "invalid token");
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    let other_secret = "another-signing-secret-of-at-least-32-characters";
    let forged = sign(&valid_claims_for("admin"), Algorithm::HS256, other_secret);
    assert_unauthenticated(auth.authenticate(&forged), "invalid token");

    // The same claims with the right key pass, so the key is what was refused.
    let genuine = sign(&valid_claims_for("admin"), Algorithm::HS256, TEST_SECRET);
    assert_eq!(auth.authenticate(&genuine).unwrap().role, Role::Admin);
}

#[tokio::test]
async fn an_unsigned_token_with_alg_none_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    let claims = base64url_json(&valid_claims_for("admin"));
    for alg in ["none", "None", "NONE"] {
        let header = base64url_json(&json!({ "alg": alg, "typ": "JWT" }));
        assert_unauthenticated(
            auth.authenticate(&format!("{header}.{claims}.")),
            "invalid token",
        );
    }
}

#[tokio::test]
async fn tokens_signed_with_hs384_or_hs512_and_the_right_key_are_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let token = sign(&valid_claims_for("admin"), algorithm, TEST_SECRET);
        assert_unauthenticated(auth.authenticate(&token), "invalid token");
    }
}

#[tokio::test]
async fn an_expired_token_is_refused_as_expired() {
    let (_dir, auth) = open_auth_with_users().await;
    let mut claims = valid_claims_for("admin");
    claims["iat"] = json!(now_seconds() - 13 * 3600);
    claims["exp"] = json!(now_seconds() - 5);
    let expired = sign(&claims, Algorithm::HS256, TEST_SECRET);
    assert_unauthenticated(auth.authenticate(&expired), "token expired");
}

#[tokio::test]
async fn a_token_without_an_expiry_or_subject_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    for missing_claim in ["exp", "sub"] {
        let mut claims = valid_claims_for("admin");
        claims.as_object_mut().unwrap().remove(missing_claim);
        let token = sign(&claims, Algorithm::HS256, TEST_SECRET);
        assert_unauthenticated(auth.authenticate(&token), "invalid token");
    }
}

#[tokio::test]
async fn a_token_with_a_tampered_payload_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    let token = auth
        .login("op.siti", OPERATOR_PASSWORD)
        .await
        .unwrap()
        .token;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = payload_of(&token);
    claims["sub"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], base64url_json(&claims), parts[2]);
    assert_unauthenticated(auth.authenticate(&tampered), "invalid token");
}

#[tokio::test]
async fn garbage_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    let very_long = "a".repeat(100_000);
    for garbage in [
        "",
        "   ",
        "abc",
        "a.b.c",
        "...",
        "eyJhbGciOiJIUzI1NiJ9..",
        &very_long,
    ] {
        assert_unauthenticated(auth.authenticate(garbage), "invalid token");
    }
}

#[tokio::test]
async fn a_token_for_a_user_who_does_not_exist_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    let token = sign(&valid_claims_for("ghost"), Algorithm::HS256, TEST_SECRET);
    assert_unauthenticated(auth.authenticate(&token), "invalid token");
}

#[tokio::test]
async fn a_deactivated_user_is_refused_at_once_and_cannot_refresh() {
    let (_dir, auth) = open_auth_with_users().await;
    let token = auth
        .login("op.siti", OPERATOR_PASSWORD)
        .await
        .unwrap()
        .token;
    let (principal, session) = auth.authenticate_session(&token).unwrap();
    auth.set_active("op.siti", false).await.unwrap();
    assert_unauthenticated(auth.authenticate(&token), "account deactivated");
    let error = auth.refresh(&session).unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthenticated);
    assert_eq!(error.message, "account deactivated");

    // Reactivation does not bring the old sessions back: the user signs in again.
    auth.set_active("op.siti", true).await.unwrap();
    assert_unauthenticated(auth.authenticate(&token), "session ended: sign in again");
    let again = auth.login("op.siti", OPERATOR_PASSWORD).await.unwrap();
    assert_eq!(auth.authenticate(&again.token).unwrap(), principal);
}

#[tokio::test]
async fn a_role_or_unit_change_ends_the_session_and_a_new_sign_in_gets_the_new_access() {
    let (_dir, auth) = open_auth_with_users().await;
    let token = auth
        .login("off.budi", OFFICER_PASSWORD)
        .await
        .unwrap()
        .token;
    auth.set_role(
        "off.budi",
        Role::Officer,
        Some(UnitCode::trusted("POLSEK_SAKO")),
    )
    .await
    .unwrap();
    assert_unauthenticated(auth.authenticate(&token), "session ended: sign in again");
    let moved = auth
        .login("off.budi", OFFICER_PASSWORD)
        .await
        .unwrap()
        .token;
    assert_eq!(
        auth.authenticate(&moved).unwrap().unit.as_deref(),
        Some("POLSEK_SAKO")
    );

    auth.set_role("off.budi", Role::Analyst, None)
        .await
        .unwrap();
    assert_unauthenticated(auth.authenticate(&moved), "session ended: sign in again");
    let analyst = auth
        .login("off.budi", OFFICER_PASSWORD)
        .await
        .unwrap()
        .token;
    let principal = auth.authenticate(&analyst).unwrap();
    assert_eq!(principal.role, Role::Analyst);
    assert_eq!(principal.unit, None);
}

#[tokio::test]
async fn setting_the_same_role_and_unit_again_keeps_the_session() {
    let (_dir, auth) = open_auth_with_users().await;
    let token = auth
        .login("off.budi", OFFICER_PASSWORD)
        .await
        .unwrap()
        .token;
    auth.set_role(
        "off.budi",
        Role::Officer,
        Some(UnitCode::trusted("POLRESTA_PLG")),
    )
    .await
    .unwrap();
    auth.set_active("off.budi", true).await.unwrap();
    assert!(auth.authenticate(&token).is_ok());
}

#[tokio::test]
async fn a_password_reset_ends_every_session_of_the_user() {
    let (_dir, auth) = open_auth_with_users().await;
    let first = auth
        .login("op.siti", OPERATOR_PASSWORD)
        .await
        .unwrap()
        .token;
    let second = auth
        .login("op.siti", OPERATOR_PASSWORD)
        .await
        .unwrap()
        .token;
    let other_user = auth
        .login("off.budi", OFFICER_PASSWORD)
        .await
        .unwrap()
        .token;
    auth.set_password("op.siti", "a brand new password")
        .await
        .unwrap();
    for token in [&first, &second] {
        assert_unauthenticated(auth.authenticate(token), "session ended: sign in again");
    }
    assert!(
        auth.authenticate(&other_user).is_ok(),
        "other users keep their sessions"
    );
    let fresh = auth
        .login("op.siti", "a brand new password")
        .await
        .unwrap()
        .token;
    assert_eq!(payload_of(&fresh)["gen"], 1);
    assert!(auth.authenticate(&fresh).is_ok());
}

#[tokio::test]
async fn a_token_without_a_generation_counts_as_generation_0() {
    let (_dir, auth) = open_auth_with_users().await;
    let legacy = sign(&valid_claims_for("op.siti"), Algorithm::HS256, TEST_SECRET);
    assert_eq!(auth.authenticate(&legacy).unwrap().username, "op.siti");
    auth.set_active("op.siti", false).await.unwrap();
    auth.set_active("op.siti", true).await.unwrap();
    assert_unauthenticated(auth.authenticate(&legacy), "session ended: sign in again");
}

#[tokio::test]
async fn a_token_of_another_generation_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    let mut claims = valid_claims_for("op.siti");
    claims["gen"] = json!(1);
    let from_the_future = sign(&claims, Algorithm::HS256, TEST_SECRET);
    assert_unauthenticated(
        auth.authenticate(&from_the_future),
        "session ended: sign in again",
    );
    auth.set_password("op.siti", "a brand new password")
        .await
        .unwrap();
    assert_eq!(
        auth.authenticate(&from_the_future).unwrap().username,
        "op.siti"
    );
    claims["gen"] = json!(0);
    let older = sign(&claims, Algorithm::HS256, TEST_SECRET);
    assert_unauthenticated(auth.authenticate(&older), "session ended: sign in again");
}

#[tokio::test]
async fn a_session_older_than_its_maximum_age_is_refused_and_cannot_be_refreshed() {
    let (_dir, auth) = open_auth_with_users().await;
    let auth = auth.with_session_policy(SessionPolicy {
        max_age: chrono::Duration::hours(1),
        ..SessionPolicy::default()
    });
    let mut claims = valid_claims_for("op.siti");
    claims["auth_time"] = json!(now_seconds() - 3600);
    let too_old = sign(&claims, Algorithm::HS256, TEST_SECRET);
    assert_unauthenticated(
        auth.authenticate(&too_old),
        "session reached its maximum age: sign in again",
    );

    claims["auth_time"] = json!(now_seconds() - 3000);
    let nearly_too_old = sign(&claims, Algorithm::HS256, TEST_SECRET);
    let (_, session) = auth.authenticate_session(&nearly_too_old).unwrap();
    let refreshed = auth.refresh(&session).unwrap();
    assert!(
        refreshed.expires_at.timestamp() <= now_seconds() - 3000 + 3600,
        "a refreshed token ends with the session, not a token lifetime later"
    );
    assert_eq!(
        payload_of(&refreshed.token)["auth_time"],
        claims["auth_time"]
    );
}

#[test]
fn the_generated_key_is_kept_in_the_store_and_survives_a_restart() {
    let (dir, store) = open_store();
    let lifetime = chrono::Duration::hours(12);
    let user = add_user_offline(&store, "admin", "admin password 1", Role::Admin, None).unwrap();
    let first = Auth::open(store.clone(), None, lifetime).unwrap();
    let token = first.issue(&user).unwrap().token;
    assert!(
        crate::ledger::Ledger::signing_keys(&store)
            .get()
            .unwrap()
            .is_some()
    );

    let second = Auth::open(store.clone(), None, lifetime).unwrap();
    assert_eq!(second.authenticate(&token).unwrap().username, "admin");
    assert_eq!(
        first.media_link_key(),
        second.media_link_key(),
        "signed media links survive a restart as tokens do"
    );
    let configured = Auth::open(store.clone(), Some("another secret".into()), lifetime).unwrap();
    assert_ne!(configured.media_link_key(), first.media_link_key());

    drop((first, second, configured, store));
    let reopened_store = Store::open(dir.path()).unwrap();
    let after_restart = Auth::open(reopened_store.clone(), None, lifetime).unwrap();
    assert_eq!(
        after_restart.authenticate(&token).unwrap().username,
        "admin"
    );

    // A configured secret replaces the generated key.
    let configured = Auth::open(reopened_store, Some(TEST_SECRET.to_string()), lifetime).unwrap();
    assert_unauthenticated(configured.authenticate(&token), "invalid token");
}

#[test]
fn two_stores_generate_different_keys() {
    let (_first_dir, first_store) = open_store();
    let (_second_dir, second_store) = open_store();
    let lifetime = chrono::Duration::hours(1);
    let user =
        add_user_offline(&first_store, "admin", "admin password 1", Role::Admin, None).unwrap();
    add_user_offline(
        &second_store,
        "admin",
        "admin password 1",
        Role::Admin,
        None,
    )
    .unwrap();
    let token = Auth::open(first_store, None, lifetime)
        .unwrap()
        .issue(&user)
        .unwrap()
        .token;
    let other = Auth::open(second_store, None, lifetime).unwrap();
    assert_unauthenticated(other.authenticate(&token), "invalid token");
}
