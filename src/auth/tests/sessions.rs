//! The pure session rules with injected times: token expiry under the maximum session age,
//! the verdict on a session against its stored user, and when a connection looks again.

use chrono::TimeZone;

use super::*;
use crate::auth::session::{check_session, recheck_delay, token_expiry};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
}

fn hours(count: i64) -> chrono::Duration {
    chrono::Duration::hours(count)
}

fn stored_operator(generation: u64) -> User {
    User {
        username: "op.siti".into(),
        password_hash: String::new(),
        role: Role::Operator,
        unit: None,
        active: true,
        created_at: at(0),
        display_name: None,
        token_generation: generation,
    }
}

fn session(generation: u64, signed_in_at: DateTime<Utc>, expires_at: DateTime<Utc>) -> Session {
    Session {
        username: "op.siti".into(),
        generation,
        signed_in_at,
        expires_at,
    }
}

fn refusal(result: Result<impl std::fmt::Debug, UserError>) -> String {
    let error = result.unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthenticated, "{error:?}");
    error.message
}

#[test]
fn a_token_lives_its_lifetime_while_the_session_is_young() {
    let expiry = token_expiry(at(3600), at(0), hours(12), hours(168)).unwrap();
    assert_eq!(expiry, at(3600) + hours(12));
}

#[test]
fn a_token_never_outlives_the_session() {
    let session_end = at(0) + hours(168);
    let late = session_end - hours(2);
    assert_eq!(
        token_expiry(late, at(0), hours(12), hours(168)).unwrap(),
        session_end
    );
    assert_eq!(
        refusal(token_expiry(session_end, at(0), hours(12), hours(168))),
        "session reached its maximum age: sign in again"
    );
    assert!(token_expiry(session_end + hours(1), at(0), hours(12), hours(168)).is_err());
}

#[test]
fn a_session_with_no_whole_second_left_is_over() {
    let signed_in_at = at(0) + chrono::Duration::milliseconds(500);
    let after_the_last_whole_second = at(0) + hours(1) + chrono::Duration::milliseconds(200);
    assert!(
        token_expiry(
            after_the_last_whole_second,
            signed_in_at,
            hours(12),
            hours(1)
        )
        .is_err()
    );
}

#[test]
fn the_expiry_is_whole_seconds_as_the_claim_is() {
    let now = at(10) + chrono::Duration::milliseconds(750);
    let expiry = token_expiry(now, now, hours(1), hours(168)).unwrap();
    assert_eq!(expiry.timestamp_subsec_nanos(), 0);
    assert_eq!(expiry, at(10) + hours(1));
}

#[test]
fn a_current_session_of_an_active_user_stands() {
    let user = stored_operator(3);
    let current = session(3, at(0), at(0) + hours(12));
    assert!(check_session(at(60), &current, Some(&user), hours(168), None).is_ok());
}

#[test]
fn each_way_a_session_ends_has_its_own_reason() {
    let user = stored_operator(3);
    let current = session(3, at(0), at(0) + hours(12));
    let max_age = hours(168);
    let expired = check_session(at(0) + hours(12), &current, Some(&user), max_age, None);
    assert_eq!(refusal(expired), "token expired");
    assert_eq!(
        refusal(check_session(at(60), &current, None, max_age, None)),
        "invalid token"
    );
    let deactivated = User {
        active: false,
        ..user.clone()
    };
    assert_eq!(
        refusal(check_session(
            at(60),
            &current,
            Some(&deactivated),
            max_age,
            None
        )),
        "account deactivated"
    );
    let older = session(2, at(0), at(0) + hours(12));
    assert_eq!(
        refusal(check_session(at(60), &older, Some(&user), max_age, None)),
        "session ended: sign in again"
    );
    let too_old = session(3, at(0), at(0) + hours(200));
    assert_eq!(
        refusal(check_session(
            at(0) + hours(168),
            &too_old,
            Some(&user),
            max_age,
            None
        )),
        "session reached its maximum age: sign in again"
    );
}

#[test]
fn a_connection_ends_when_its_role_or_unit_no_longer_match_the_store() {
    let user = stored_operator(0);
    let current = session(0, at(0), at(0) + hours(12));
    let as_opened = principal_of(&user);
    assert!(check_session(at(60), &current, Some(&user), hours(168), Some(&as_opened)).is_ok());
    let opened_as_officer = Principal {
        role: Role::Officer,
        unit: Some(UnitCode::trusted("POLSEK_SAKO")),
        ..as_opened.clone()
    };
    let moved = Principal {
        unit: Some(UnitCode::trusted("POLSEK_SAKO")),
        ..as_opened
    };
    for connected_as in [opened_as_officer, moved] {
        assert_eq!(
            refusal(check_session(
                at(60),
                &current,
                Some(&user),
                hours(168),
                Some(&connected_as)
            )),
            "session ended: sign in again"
        );
    }
}

#[test]
fn a_connection_looks_again_at_the_interval_or_at_its_deadline_if_sooner() {
    let policy = SessionPolicy {
        max_age: hours(168),
        recheck_interval: std::time::Duration::from_secs(30),
    };
    let young = session(0, at(0), at(0) + hours(12));
    assert_eq!(
        recheck_delay(at(60), &young, &policy),
        std::time::Duration::from_secs(30)
    );
    let expiring = session(0, at(0), at(70));
    assert_eq!(
        recheck_delay(at(60), &expiring, &policy),
        std::time::Duration::from_secs(10)
    );
    let at_max_age = session(0, at(0), at(0) + hours(169));
    let late = at(0) + hours(168) - chrono::Duration::seconds(5);
    assert_eq!(
        recheck_delay(late, &at_max_age, &policy),
        std::time::Duration::from_secs(5)
    );
    assert_eq!(
        recheck_delay(at(80), &expiring, &policy),
        std::time::Duration::ZERO,
        "a deadline already passed is checked at once"
    );
}

#[test]
fn a_user_stored_before_token_generations_loads_as_generation_0() {
    let stored = json!({
        "username": "op.siti",
        "password_hash": "",
        "role": "operator",
        "unit": null,
        "active": true,
        "created_at": "2026-01-01T00:00:00Z",
    });
    let user: User = serde_json::from_value(stored).unwrap();
    assert_eq!(user.token_generation, 0);
}
