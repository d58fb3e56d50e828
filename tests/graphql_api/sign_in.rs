//! Sign-in and token attacks: logins, wrong passwords, forged, expired and deactivated tokens.

use super::*;

#[tokio::test]
async fn login_returns_a_token_that_names_the_user() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let me = app
        .graphql(
            Some(&token),
            "{ me { username role unitCode active } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "username": "ops1", "role": "OPERATOR", "unitCode": "COMMAND_CENTER", "active": true })
    );

    let refreshed = app
        .graphql(
            Some(&token),
            "mutation { refreshToken { token expiresAt } }",
            json!({}),
        )
        .await;
    let new_token = refreshed["data"]["refreshToken"]["token"].as_str().unwrap();
    let me_again = app
        .graphql(Some(new_token), "{ me { username } }", json!({}))
        .await;
    assert_eq!(me_again["data"]["me"]["username"], "ops1");
}

#[tokio::test]
async fn wrong_passwords_and_missing_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    operator(&app).await;
    let wrong = app
        .graphql(
            None,
            "mutation { login(username: \"ops1\", password: \"not-the-password\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&wrong).as_deref(), Some("UNAUTHENTICATED"));
    let unknown = app
        .graphql(
            None,
            "mutation { login(username: \"ghost\", password: \"whatever-123\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&unknown).as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(
        wrong["errors"][0]["message"], unknown["errors"][0]["message"],
        "the same answer for both"
    );
    let anonymous = app
        .graphql(None, "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&anonymous).as_deref(), Some("UNAUTHENTICATED"));
}

fn forge(header: Value, claims: Value, key: Option<&[u8]>) -> String {
    let encode =
        |value: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let signing_input = format!("{}.{}", encode(&header), encode(&claims));
    let signature = match key {
        Some(key) => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(signing_input.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    format!("{signing_input}.{signature}")
}

#[tokio::test]
async fn forged_expired_and_deactivated_tokens_are_refused() {
    let app = spawn_app().await;
    let admin = app.user_token("chief", Role::Admin, None).await;
    operator(&app).await;
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": "ops1", "role": "operator", "unit": "COMMAND_CENTER", "iat": now, "exp": now + 3600, "jti": "x" });
    let attempts = [
        (
            "another key",
            forge(
                json!({ "alg": "HS256", "typ": "JWT" }),
                claims.clone(),
                Some(b"some-other-key-some-other-key-123"),
            ),
        ),
        (
            "alg none",
            forge(json!({ "alg": "none", "typ": "JWT" }), claims.clone(), None),
        ),
        (
            "expired",
            forge(
                json!({ "alg": "HS256", "typ": "JWT" }),
                json!({ "sub": "ops1", "role": "operator", "iat": now - 7200, "exp": now - 3600, "jti": "y" }),
                Some(JWT_SECRET.as_bytes()),
            ),
        ),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, token) in attempts {
        let response = app
            .graphql(Some(&token), "{ me { username } }", json!({}))
            .await;
        assert_eq!(
            error_code(&response).as_deref(),
            Some("UNAUTHENTICATED"),
            "{what}: {response}"
        );
    }
    let valid = forge(
        json!({ "alg": "HS256", "typ": "JWT" }),
        claims,
        Some(JWT_SECRET.as_bytes()),
    );
    let accepted = app
        .graphql(Some(&valid), "{ me { username } }", json!({}))
        .await;
    assert_eq!(
        accepted["data"]["me"]["username"], "ops1",
        "the forging helper itself is right: {accepted}"
    );

    let deactivate = app
        .graphql(
            Some(&admin),
            "mutation { setUserActive(username: \"ops1\", active: false) { active } }",
            json!({}),
        )
        .await;
    assert_eq!(deactivate["data"]["setUserActive"]["active"], false);
    let refused = app
        .graphql(Some(&valid), "{ me { username } }", json!({}))
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("UNAUTHENTICATED"),
        "a deactivated account's token stops working"
    );
}
