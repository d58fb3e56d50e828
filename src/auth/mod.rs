//! Accounts and access: signing in with a password, the HS256 operator tokens that follow, and
//! turning a token back into the `Principal` a request acts as.
//!
//! Users live in the ledger (`ledger::Users`) (see `users` for their administration). Roles and units are
//! always read from the store, never trusted from a token, and a change of a user's access
//! ends their sessions (see `session`), so that it takes effect on the very next request.

mod address_throttle;
mod password;
mod session;
mod throttle;
mod token;
mod users;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::RngCore;

use crate::domain::user::{Principal, User, valid_username};
use crate::error::UserError;
use crate::ledger::{Ledger, StoredSigningKey};
use crate::store::{Record, Store, StoreError};

pub use address_throttle::{ClientAddress, RetryAfter, SignInLimits};
pub use password::{hash_password, verify_password};
pub use session::{DEFAULT_RECHECK_SECONDS, DEFAULT_SESSION_MAX_HOURS, Session, SessionPolicy};
pub use users::add_user_offline;

use password::{DUMMY_PASSWORD_HASH, MAX_PASSWORD_CHARS};
use throttle::{Admission, DEFAULT_THROTTLE_BASE, LoginThrottle, MAX_TRACKED_USERNAMES};
use token::{INVALID_TOKEN, TokenKeys};

/// One answer for an unknown user, a wrong password and a deactivated account, so that a
/// sign-in attempt does not tell which usernames exist.
const INVALID_CREDENTIALS: &str = "invalid username or password";
const ACCOUNT_DEACTIVATED: &str = "account deactivated";

const GENERATED_SIGNING_KEY_BYTES: usize = 32;

/// A token handed to a user who signed in, with the account it names.
#[derive(Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A bearer token in a log line is as good as a password.
        formatter
            .debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("username", &self.user.username)
            .finish()
    }
}

/// Sign-in, tokens and user administration over one store. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    shared: Arc<AuthShared>,
    throttle: Arc<LoginThrottle>,
    session_policy: SessionPolicy,
    /// Per-address attempts and the cap on concurrent argon2 checks (see `address_throttle`).
    sign_in_gate: Arc<address_throttle::SignInGate>,
    /// Written in the transaction of the next user change made through this handle (see
    /// `recording`).
    audit_entry: Option<crate::domain::audit::AuditEntry>,
}

struct AuthShared {
    store: Store,
    token_keys: TokenKeys,
    /// The key of signed media links, derived from the token signing key: links survive a
    /// restart as tokens do, and rotating the secret ends both.
    media_link_key: [u8; 32],
    token_lifetime: chrono::Duration,
    /// Serialises role and activation changes, so that two admins demoting each other at once
    /// cannot both pass the last-admin check.
    user_role_changes: std::sync::Mutex<()>,
}

impl Auth {
    /// The signing key: `configured_secret` when given, else a random 32-byte key generated once
    /// and kept in the store (`ledger::SigningKeys`), so tokens survive restarts.
    pub fn open(
        store: Store,
        configured_secret: Option<String>,
        token_lifetime: chrono::Duration,
    ) -> Result<Auth, StoreError> {
        debug_assert!(token_lifetime > chrono::Duration::zero());
        let signing_key = match configured_secret.filter(|secret| !secret.trim().is_empty()) {
            Some(secret) => secret.into_bytes(),
            None => load_or_generate_signing_key(&store)?,
        };
        Ok(Auth {
            shared: Arc::new(AuthShared {
                store,
                token_keys: TokenKeys::from_secret(&signing_key),
                media_link_key: derive_key(&signing_key, b"siaga media links v1"),
                token_lifetime,
                user_role_changes: std::sync::Mutex::new(()),
            }),
            throttle: Arc::new(LoginThrottle::new(
                DEFAULT_THROTTLE_BASE,
                MAX_TRACKED_USERNAMES,
            )),
            session_policy: SessionPolicy::default(),
            sign_in_gate: Arc::new(address_throttle::SignInGate::new(&SignInLimits::default())),
            audit_entry: None,
        })
    }

    /// The key signed media links are made with (see `api::media_url`).
    pub fn media_link_key(&self) -> [u8; 32] {
        self.shared.media_link_key
    }

    /// Scales the waits after repeated failed sign-ins (default 250 ms, doubling, capped at 20
    /// times the base); tests use a tiny base. Starts with no failures remembered.
    pub fn with_throttle_base(self, base: Duration) -> Auth {
        Auth {
            throttle: Arc::new(LoginThrottle::new(base, MAX_TRACKED_USERNAMES)),
            ..self
        }
    }

    pub fn token_lifetime(&self) -> chrono::Duration {
        self.shared.token_lifetime
    }

    fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Checks the password, then issues a token. An unknown user, a wrong password and a
    /// deactivated account all get the same answer after the same work. After three failures
    /// in a row for a username, every further attempt on it waits first (see `throttle`).
    pub async fn login(&self, username: &str, password: &str) -> Result<IssuedToken, UserError> {
        // Usernames are stored in lowercase; phones like to capitalise the first letter.
        let username = username.trim().to_ascii_lowercase();
        if !valid_username(&username) {
            // Such a username cannot exist, so there is no account to protect by throttling
            // (nor a reason to remember it); the dummy check keeps the answer time the same.
            self.check_password_off_thread(password, DUMMY_PASSWORD_HASH)
                .await?;
            return Err(UserError::unauthenticated(INVALID_CREDENTIALS));
        }

        match self.throttle.admit(&username, Instant::now()) {
            Admission::WaitThenCheck(wait) => {
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
            }
            Admission::Refuse { retry_after } => {
                tracing::warn!(%username, "sign-in refused: too many failed attempts queued");
                let seconds = retry_after.as_secs_f64().ceil().max(1.0);
                return Err(UserError::unauthenticated(format!(
                    "too many failed sign-ins for this username; try again in {seconds} seconds"
                )));
            }
        }

        // Read after the wait, so that a deactivation made meanwhile counts.
        let stored_user = self.store().users().get(&username)?;
        let hash_to_check = stored_user
            .as_ref()
            .map_or(DUMMY_PASSWORD_HASH, |user| user.password_hash.as_str());
        let password_matches = self
            .check_password_off_thread(password, hash_to_check)
            .await?;

        match stored_user {
            Some(user) if password_matches && user.active => {
                self.throttle.forget(&username);
                tracing::info!(%username, role = user.role.as_str(), "signed in");
                self.issue(&user)
            }
            _ => {
                self.throttle.record_failure(&username, Instant::now());
                tracing::warn!(
                    %username,
                    consecutive_failures = self.throttle.consecutive_failures(&username),
                    "sign-in failed"
                );
                Err(UserError::unauthenticated(INVALID_CREDENTIALS))
            }
        }
    }

    /// Runs the argon2 check on the blocking pool, a few at a time.
    async fn check_password_off_thread(
        &self,
        password: &str,
        phc_hash: &str,
    ) -> Result<bool, UserError> {
        // No password we accept is this long; hashing megabytes would only burn CPU. The dummy
        // check keeps the answer as slow as for any other wrong password.
        let (password, phc_hash) = if password.chars().count() > MAX_PASSWORD_CHARS {
            (String::new(), DUMMY_PASSWORD_HASH.to_string())
        } else {
            (password.to_string(), phc_hash.to_string())
        };
        let checking_against_dummy = phc_hash == DUMMY_PASSWORD_HASH;
        let _permit = self
            .sign_in_gate
            .password_checks
            .acquire()
            .await
            .map_err(|error| UserError::internal(&error))?;
        let matched = tokio::task::spawn_blocking(move || verify_password(&password, &phc_hash))
            .await
            .map_err(|error| UserError::internal(&error))?;
        Ok(matched && !checking_against_dummy)
    }

    /// Hashes a new password on the blocking pool, a few at a time.
    async fn hash_password_off_thread(&self, password: &str) -> Result<String, UserError> {
        let password = password.to_string();
        let _permit = self
            .sign_in_gate
            .password_checks
            .acquire()
            .await
            .map_err(|error| UserError::internal(&error))?;
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|error| UserError::internal(&error))?
    }

    /// Verifies a token as `authenticate_session` does and returns whom it names.
    pub fn authenticate(&self, token: &str) -> Result<Principal, UserError> {
        self.authenticate_session(token)
            .map(|(principal, _session)| principal)
    }

    /// Accepts "Bearer <token>" (the scheme in any case) or a bare token.
    pub fn authenticate_header(&self, header_value: &str) -> Result<Principal, UserError> {
        self.authenticate_header_session(header_value)
            .map(|(principal, _session)| principal)
    }

    /// `authenticate_header`, with the session the token belongs to.
    pub fn authenticate_header_session(
        &self,
        header_value: &str,
    ) -> Result<(Principal, Session), UserError> {
        let header_value = header_value.trim();
        let token = match header_value.split_once(char::is_whitespace) {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            Some(_) => return Err(UserError::unauthenticated(INVALID_TOKEN)),
            None => header_value,
        };
        self.authenticate_session(token)
    }
}

fn principal_of(user: &User) -> Principal {
    Principal {
        username: user.username.clone(),
        role: user.role,
        unit: user.unit.clone(),
    }
}

/// The key kept in the store, generated and made durable on first use. Two processes
/// cannot race here (sled locks the data dir), but the transaction keeps a key that is already
/// there even so.
fn load_or_generate_signing_key(store: &Store) -> Result<Vec<u8>, StoreError> {
    if let Some(stored_key) = store.signing_keys().get()? {
        return decode_signing_key(&stored_key);
    }
    let mut fresh_key = [0u8; GENERATED_SIGNING_KEY_BYTES];
    rand::rng().fill_bytes(&mut fresh_key);
    let fresh_record = StoredSigningKey {
        key_hex: hex::encode(fresh_key),
        created_at: Utc::now(),
    };
    let kept_record = crate::ledger::write(store, |tx| {
        if let Some(existing) = tx.signing_keys().get()? {
            return Ok(existing);
        }
        tx.signing_keys().save(&fresh_record)?;
        Ok(fresh_record.clone())
    })?;
    // Tokens signed with a key that a crash could lose would stop working after the restart.
    store.flush_blocking()?;
    tracing::info!("generated a token signing key and kept it in the data directory");
    decode_signing_key(&kept_record)
}

fn decode_signing_key(stored_key: &StoredSigningKey) -> Result<Vec<u8>, StoreError> {
    let unreadable = |reason: &str| StoreError::Codec {
        record: StoredSigningKey::NAME,
        reason: reason.to_string(),
    };
    let key = hex::decode(&stored_key.key_hex).map_err(|_| unreadable("not hexadecimal"))?;
    if key.len() != GENERATED_SIGNING_KEY_BYTES {
        return Err(unreadable("not 32 bytes long"));
    }
    Ok(key)
}

/// A key for another purpose, derived from the signing key (HMAC-SHA256 over `label`).
fn derive_key(signing_key: &[u8], label: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(signing_key)
        .expect("HMAC takes a key of any length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}
