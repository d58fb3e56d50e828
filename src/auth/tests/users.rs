//! User administration: input checks, roles, the last admin, passwords, and the offline command.

use super::*;

#[tokio::test]
async fn a_new_password_replaces_the_old_one_and_ends_the_slow_down() {
    let (_dir, auth) = open_auth_with_users().await;
    for _ in 0..4 {
        auth.login("op.siti", "wrong password").await.unwrap_err();
    }
    let user = auth
        .set_password("op.siti", "a brand new password")
        .await
        .unwrap();
    assert!(verify_password("a brand new password", &user.password_hash));
    assert_eq!(auth.throttle.consecutive_failures("op.siti"), 0);
    auth.login("op.siti", OPERATOR_PASSWORD).await.unwrap_err();
    auth.login("op.siti", "a brand new password").await.unwrap();

    let error = auth.set_password("op.siti", "short").await.unwrap_err();
    assert_eq!(error.code, ErrorCode::BadUserInput);
    let error = auth
        .set_password("nobody", "long enough password")
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn create_user_checks_its_input() {
    let (_dir, auth) = open_auth_with_users().await;
    let cases: [(&str, &str, Role, Option<&str>, ErrorCode); 6] = [
        (
            "op.siti",
            "long enough password",
            Role::Operator,
            None,
            ErrorCode::Conflict,
        ),
        (
            "Op.Siti2",
            "long enough password",
            Role::Operator,
            None,
            ErrorCode::BadUserInput,
        ),
        (
            "ab",
            "long enough password",
            Role::Operator,
            None,
            ErrorCode::BadUserInput,
        ),
        (
            "new.user",
            "too short",
            Role::Operator,
            None,
            ErrorCode::BadUserInput,
        ),
        (
            "new.user",
            "long enough password",
            Role::Officer,
            None,
            ErrorCode::BadUserInput,
        ),
        (
            "new.user",
            &"x".repeat(257),
            Role::Analyst,
            None,
            ErrorCode::BadUserInput,
        ),
    ];
    for (username, password, role, unit, expected_code) in cases {
        let error = auth
            .create_user(username, password, role, unit.map(UnitCode::trusted), None)
            .await
            .unwrap_err();
        assert_eq!(
            error.code, expected_code,
            "{username} {role:?} {unit:?}: {error:?}"
        );
        assert!(
            !error.message.contains(password),
            "a password must never be echoed"
        );
    }
    assert_eq!(auth.user_count(), 3);

    let supervisor = auth
        .create_user(
            "spv.andi",
            "long enough password",
            Role::Supervisor,
            Some(UnitCode::trusted("POLDA_SUMSEL")),
            Some("  ".to_string()),
        )
        .await
        .unwrap();
    assert_eq!(supervisor.unit.as_deref(), Some("POLDA_SUMSEL"));
    assert_eq!(supervisor.display_name, None);
    assert!(supervisor.active);
    assert_eq!(auth.user("spv.andi").unwrap(), Some(supervisor));
}

#[tokio::test]
async fn users_are_listed_by_username() {
    let (_dir, auth) = open_auth_with_users().await;
    let usernames: Vec<String> = auth
        .list_users()
        .unwrap()
        .into_iter()
        .map(|user| user.username)
        .collect();
    assert_eq!(usernames, ["admin", "off.budi", "op.siti"]);
    assert_eq!(auth.user_count(), 3);
    assert_eq!(auth.user("nobody").unwrap(), None);
}

#[tokio::test]
async fn an_officer_needs_a_unit_and_an_unknown_user_is_not_found() {
    let (_dir, auth) = open_auth_with_users().await;
    let error = auth
        .set_role("op.siti", Role::Officer, None)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::BadUserInput);
    let user = auth
        .set_role(
            "op.siti",
            Role::Officer,
            Some(UnitCode::trusted("POLSEK_IB1")),
        )
        .await
        .unwrap();
    assert_eq!(
        (user.role, user.unit.as_deref()),
        (Role::Officer, Some("POLSEK_IB1"))
    );
    let error = auth
        .set_role("nobody", Role::Analyst, None)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    let error = auth.set_active("nobody", false).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_deactivated_or_demoted() {
    let (_dir, auth) = open_auth_with_users().await;
    let error = auth.set_active("admin", false).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Conflict);
    let error = auth
        .set_role("admin", Role::Operator, None)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Conflict);
    assert_eq!(auth.user("admin").unwrap().unwrap().role, Role::Admin);

    auth.set_role("op.siti", Role::Admin, None).await.unwrap();
    auth.set_active("admin", false).await.unwrap();
    let error = auth
        .set_role("op.siti", Role::Operator, None)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Conflict);
}

#[test]
fn add_user_offline_works_without_a_runtime() {
    assert!(tokio::runtime::Handle::try_current().is_err());
    let (dir, store) = open_store();
    let user = add_user_offline(
        &store,
        "off.rina",
        "offline password 1",
        Role::Officer,
        Some(UnitCode::trusted("POLRES_OKI")),
    )
    .unwrap();
    assert_eq!(user.unit.as_deref(), Some("POLRES_OKI"));
    let error = add_user_offline(
        &store,
        "off.rina",
        "offline password 1",
        Role::Analyst,
        None,
    )
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::Conflict);
    let error = add_user_offline(
        &store,
        "off.dian",
        "offline password 1",
        Role::Officer,
        None,
    )
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::BadUserInput);

    drop(store);
    let reopened = Store::open(dir.path()).unwrap();
    let stored: User = crate::ledger::Ledger::users(&reopened)
        .get("off.rina")
        .unwrap()
        .unwrap();
    assert!(verify_password("offline password 1", &stored.password_hash));
    assert_eq!(stored.role, Role::Officer);
}
