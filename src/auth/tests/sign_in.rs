//! Signing in: one answer for every failure, the slow-down, refresh, and token hygiene.

use super::*;

#[tokio::test]
async fn the_right_password_signs_in_and_the_token_names_the_user() {
    let (_dir, auth) = open_auth_with_users().await;
    let issued = auth.login("off.budi", OFFICER_PASSWORD).await.unwrap();
    assert_eq!(issued.user.username, "off.budi");
    let lifetime = issued.expires_at - Utc::now();
    assert!(lifetime > chrono::Duration::hours(11) && lifetime <= chrono::Duration::hours(12));

    let claims = payload_of(&issued.token);
    assert_eq!(claims["sub"], "off.budi");
    assert_eq!(claims["role"], "officer");
    assert_eq!(claims["unit"], "POLRESTA_PLG");
    assert_eq!(claims["exp"], issued.expires_at.timestamp());
    assert!(claims["iat"].as_i64().unwrap() <= now_seconds());
    assert_eq!(claims["jti"].as_str().unwrap().len(), 32);

    let principal = auth.authenticate(&issued.token).unwrap();
    assert_eq!(
        principal,
        Principal {
            username: "off.budi".to_string(),
            role: Role::Officer,
            unit: Some(UnitCode::trusted("POLRESTA_PLG")),
        }
    );
}

#[tokio::test]
async fn the_username_is_read_in_lowercase_without_surrounding_spaces() {
    let (_dir, auth) = open_auth_with_users().await;
    let issued = auth.login("  Op.Siti ", OPERATOR_PASSWORD).await.unwrap();
    assert_eq!(issued.user.username, "op.siti");
}

#[tokio::test]
async fn wrong_password_unknown_user_and_deactivated_account_get_one_answer() {
    let (_dir, auth) = open_auth_with_users().await;
    auth.set_active("op.siti", false).await.unwrap();
    let attempts = [
        ("off.budi", "not the password"),
        ("nobody", OFFICER_PASSWORD),
        ("op.siti", OPERATOR_PASSWORD),
        ("Not A Valid Username!", "whatever it is"),
        ("off.budi", ""),
    ];
    for (username, password) in attempts {
        let error = auth.login(username, password).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::Unauthenticated);
        assert_eq!(error.message, "invalid username or password");
    }
    let far_too_long_password = "x".repeat(100_000);
    let error = auth
        .login("off.budi", &far_too_long_password)
        .await
        .unwrap_err();
    assert_eq!(error.message, "invalid username or password");
}

#[tokio::test]
async fn refresh_issues_a_new_token_in_the_same_session() {
    let (_dir, auth) = open_auth_with_users().await;
    let first = auth.login("op.siti", OPERATOR_PASSWORD).await.unwrap();
    let (principal, session) = auth.authenticate_session(&first.token).unwrap();
    let refreshed = auth.refresh(&session).unwrap();
    assert_ne!(refreshed.token, first.token);
    assert_eq!(refreshed.user.role, Role::Operator);
    assert_eq!(
        payload_of(&refreshed.token)["auth_time"],
        payload_of(&first.token)["auth_time"],
        "a refresh keeps the time the password was entered"
    );
    assert_eq!(auth.authenticate(&refreshed.token).unwrap(), principal);
}

#[tokio::test]
async fn a_role_change_ends_the_session_so_refresh_is_refused() {
    let (_dir, auth) = open_auth_with_users().await;
    let first = auth.login("op.siti", OPERATOR_PASSWORD).await.unwrap();
    let (_, session) = auth.authenticate_session(&first.token).unwrap();
    auth.set_role("op.siti", Role::Supervisor, None)
        .await
        .unwrap();
    let error = auth.refresh(&session).unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthenticated);
    assert_eq!(error.message, "session ended: sign in again");
    let again = auth.login("op.siti", OPERATOR_PASSWORD).await.unwrap();
    assert_eq!(payload_of(&again.token)["role"], "supervisor");
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_is_slowed_and_a_success_resets_it() {
    let (_dir, auth) = open_auth_with_users().await;
    let auth = auth.with_throttle_base(Duration::from_millis(40));
    for _ in 0..3 {
        auth.login("off.budi", "wrong password").await.unwrap_err();
    }
    assert_eq!(auth.throttle.consecutive_failures("off.budi"), 3);

    // The fourth and fifth attempts wait 40 ms and 80 ms before their password is checked.
    let started = Instant::now();
    auth.login("off.budi", "wrong password").await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(40));
    let started = Instant::now();
    auth.login("off.budi", "wrong password").await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(80));

    // The right password waits too (160 ms), then succeeds and starts the username afresh.
    let started = Instant::now();
    auth.login("off.budi", OFFICER_PASSWORD).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(160));
    assert_eq!(auth.throttle.consecutive_failures("off.budi"), 0);

    // Unknown usernames are slowed the same way, so the wait does not tell which exist.
    for _ in 0..4 {
        auth.login("nobody", "wrong password").await.unwrap_err();
    }
    assert_eq!(auth.throttle.consecutive_failures("nobody"), 4);
}

#[tokio::test]
async fn a_deactivated_user_gets_no_token_from_issue() {
    let (_dir, auth) = open_auth_with_users().await;
    let user = auth.set_active("op.siti", false).await.unwrap();
    let error = auth.issue(&user).unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn the_debug_form_of_an_issued_token_hides_the_token() {
    let (_dir, auth) = open_auth_with_users().await;
    let issued = auth.login("op.siti", OPERATOR_PASSWORD).await.unwrap();
    let printed = format!("{issued:?}");
    assert!(!printed.contains(&issued.token));
    assert!(!printed.contains(&issued.user.password_hash));
    assert!(printed.contains("op.siti"));
}
