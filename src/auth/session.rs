//! Sessions: what a verified token says about its sign-in, the rules that end a session
//! (token expiry, a newer token generation, the maximum age since the password was entered),
//! issuing and refreshing tokens under those rules, and the re-check of a long-lived
//! connection against the store.

use chrono::{DateTime, Utc};

use super::token::{TOKEN_EXPIRED, TokenClaims};
use super::{ACCOUNT_DEACTIVATED, Auth, IssuedToken, principal_of};
use crate::domain::user::{Principal, User};
use crate::error::UserError;

/// The user's access changed (password reset, deactivation, role or unit change) after the
/// token was issued.
pub(crate) const SESSION_ENDED: &str = "session ended: sign in again";
/// Refreshing cannot keep a session alive for longer than the configured maximum age.
pub(crate) const SESSION_TOO_OLD: &str = "session reached its maximum age: sign in again";

/// How long sessions may live and how often long-lived connections look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// The longest time from entering the password to the end of the last refreshed token.
    pub max_age: chrono::Duration,
    /// How often an open subscription re-checks its user and token when no event comes.
    pub recheck_interval: std::time::Duration,
}

impl Default for SessionPolicy {
    fn default() -> SessionPolicy {
        SessionPolicy {
            max_age: chrono::Duration::hours(DEFAULT_SESSION_MAX_HOURS),
            recheck_interval: std::time::Duration::from_secs(DEFAULT_RECHECK_SECONDS),
        }
    }
}

pub const DEFAULT_SESSION_MAX_HOURS: i64 = 7 * 24;
pub const DEFAULT_RECHECK_SECONDS: u64 = 30;

/// The sign-in behind a request, as its verified token says. It travels beside the
/// `Principal` in the GraphQL request data, so that `refreshToken` and subscriptions can apply
/// the session rules without the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub username: String,
    /// `User::token_generation` when the token was issued.
    pub generation: u64,
    /// When the password was entered; kept across refreshes.
    pub signed_in_at: DateTime<Utc>,
    /// The token's `exp`.
    pub expires_at: DateTime<Utc>,
}

impl Session {
    fn from_claims(claims: &TokenClaims) -> Result<Session, UserError> {
        let at = |seconds: i64| {
            DateTime::from_timestamp(seconds, 0)
                .ok_or_else(|| UserError::unauthenticated(super::token::INVALID_TOKEN))
        };
        Ok(Session {
            username: claims.sub.clone(),
            generation: claims.generation,
            signed_in_at: at(claims.auth_time.unwrap_or(claims.iat))?,
            expires_at: at(claims.exp)?,
        })
    }
}

/// The `exp` of a token issued at `now` in a session that began at `signed_in_at`: one token
/// lifetime, but never past the session's maximum age. Whole seconds, as the claim is. A
/// session with no whole second left is over.
pub(crate) fn token_expiry(
    now: DateTime<Utc>,
    signed_in_at: DateTime<Utc>,
    token_lifetime: chrono::Duration,
    max_age: chrono::Duration,
) -> Result<DateTime<Utc>, UserError> {
    let out_of_range = || UserError::internal(&"token expiry is out of range");
    let session_end = signed_in_at
        .checked_add_signed(max_age)
        .ok_or_else(out_of_range)?;
    let token_end = now
        .checked_add_signed(token_lifetime)
        .ok_or_else(out_of_range)?;
    let expires_at = DateTime::from_timestamp(token_end.min(session_end).timestamp(), 0)
        .ok_or_else(out_of_range)?;
    if expires_at <= now {
        return Err(UserError::unauthenticated(SESSION_TOO_OLD));
    }
    Ok(expires_at)
}

/// Whether `session` still stands at `now` for the stored `user` (`None`: the user is gone).
/// `connected_as`, when given, is the principal a long-lived connection began with: a
/// connection keeps the role and unit it was opened with, so any difference ends it even if
/// some path changed the user without raising the generation.
pub(crate) fn check_session(
    now: DateTime<Utc>,
    session: &Session,
    user: Option<&User>,
    max_age: chrono::Duration,
    connected_as: Option<&Principal>,
) -> Result<(), UserError> {
    if now >= session.expires_at {
        return Err(UserError::unauthenticated(TOKEN_EXPIRED));
    }
    let Some(user) = user else {
        return Err(UserError::unauthenticated(super::token::INVALID_TOKEN));
    };
    if !user.active {
        return Err(UserError::unauthenticated(ACCOUNT_DEACTIVATED));
    }
    if session.generation != user.token_generation {
        return Err(UserError::unauthenticated(SESSION_ENDED));
    }
    // Already capped at issue; checked again so that lowering the setting applies at once.
    let past_max_age = session
        .signed_in_at
        .checked_add_signed(max_age)
        .is_none_or(|session_end| now >= session_end);
    if past_max_age {
        return Err(UserError::unauthenticated(SESSION_TOO_OLD));
    }
    if let Some(connected_as) = connected_as
        && (connected_as.role != user.role || connected_as.unit != user.unit)
    {
        return Err(UserError::unauthenticated(SESSION_ENDED));
    }
    Ok(())
}

/// How long a connection in `session` may wait before it looks again at `now`: the re-check
/// interval, or less when the token expires or the session reaches its maximum age sooner.
pub(crate) fn recheck_delay(
    now: DateTime<Utc>,
    session: &Session,
    policy: &SessionPolicy,
) -> std::time::Duration {
    let session_end = session
        .signed_in_at
        .checked_add_signed(policy.max_age)
        .unwrap_or(session.expires_at);
    let until_deadline = (session.expires_at.min(session_end) - now)
        .to_std()
        .unwrap_or(std::time::Duration::ZERO);
    policy.recheck_interval.min(until_deadline)
}

impl Auth {
    /// How long an open connection in `session` may wait before `recheck`.
    pub fn next_recheck_in(&self, session: &Session) -> std::time::Duration {
        recheck_delay(Utc::now(), session, &self.session_policy)
    }

    pub fn session_policy(&self) -> SessionPolicy {
        self.session_policy
    }

    /// Sets the maximum session age and the subscription re-check interval (defaults: 7 days
    /// and 30 seconds).
    pub fn with_session_policy(self, session_policy: SessionPolicy) -> Auth {
        debug_assert!(session_policy.max_age > chrono::Duration::zero());
        debug_assert!(!session_policy.recheck_interval.is_zero());
        Auth {
            session_policy,
            ..self
        }
    }

    /// A token for `user` who has just entered their password, valid for the configured
    /// lifetime (at most the maximum session age).
    pub fn issue(&self, user: &User) -> Result<IssuedToken, UserError> {
        self.issue_in_session(user, Utc::now())
    }

    /// A fresh token in the session of the presented token (the refreshToken mutation): the
    /// session must still stand, and the new token ends no later than the session's maximum
    /// age allows. Role and unit come from the store.
    pub fn refresh(&self, session: &Session) -> Result<IssuedToken, UserError> {
        let user = self.user(&session.username)?;
        check_session(
            Utc::now(),
            session,
            user.as_ref(),
            self.session_policy.max_age,
            None,
        )?;
        let Some(user) = user else {
            return Err(UserError::unauthenticated(super::token::INVALID_TOKEN));
        };
        let issued = self.issue_in_session(&user, session.signed_in_at)?;
        tracing::info!(username = %user.username, expires_at = %issued.expires_at, "token refreshed");
        Ok(issued)
    }

    fn issue_in_session(
        &self,
        user: &User,
        signed_in_at: DateTime<Utc>,
    ) -> Result<IssuedToken, UserError> {
        if !user.active {
            return Err(UserError::unauthenticated(ACCOUNT_DEACTIVATED));
        }
        let issued_at = Utc::now();
        let expires_at = token_expiry(
            issued_at,
            signed_in_at,
            self.shared.token_lifetime,
            self.session_policy.max_age,
        )?;
        let claims = TokenClaims::new(
            &user.username,
            user.role,
            user.unit.clone(),
            issued_at,
            expires_at,
            user.token_generation,
            signed_in_at,
        );
        let token = self.shared.token_keys.sign(&claims)?;
        Ok(IssuedToken {
            token,
            expires_at,
            user: user.clone(),
        })
    }

    /// Verifies an HS256 token (signature, algorithm, expiry), loads its user from the store
    /// and applies the session rules: unknown and deactivated users, tokens of an older
    /// generation and sessions past their maximum age are refused. Role and unit come from
    /// the store.
    pub fn authenticate_session(&self, token: &str) -> Result<(Principal, Session), UserError> {
        let claims = self.shared.token_keys.verify(token.trim())?;
        let session = Session::from_claims(&claims)?;
        let user = self.user(&session.username)?;
        check_session(
            Utc::now(),
            &session,
            user.as_ref(),
            self.session_policy.max_age,
            None,
        )?;
        let Some(user) = user else {
            return Err(UserError::unauthenticated(super::token::INVALID_TOKEN));
        };
        Ok((principal_of(&user), session))
    }

    /// Whether a connection opened as `connected_as` in `session` may go on: the token has not
    /// expired, the session stands, and the user still has the role and unit it had.
    pub fn recheck(&self, connected_as: &Principal, session: &Session) -> Result<(), UserError> {
        let user = self.user(&session.username)?;
        self.recheck_against(connected_as, session, user.as_ref())
    }

    /// `recheck` against a user record the caller has just read (`None`: the user is gone), so
    /// that many connections of one user can share one read.
    pub fn recheck_against(
        &self,
        connected_as: &Principal,
        session: &Session,
        user: Option<&User>,
    ) -> Result<(), UserError> {
        check_session(
            Utc::now(),
            session,
            user,
            self.session_policy.max_age,
            Some(connected_as),
        )
    }
}
