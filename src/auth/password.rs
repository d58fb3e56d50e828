//! Password hashing with argon2id: the parameters, the PHC strings, and the length rule.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::error::UserError;

pub(crate) const MIN_PASSWORD_CHARS: usize = 10;
pub(crate) const MAX_PASSWORD_CHARS: usize = 256;

/// A hash, with the same parameters as real ones, of a password nobody knows. Verifying against
/// it costs as much as verifying a real user's password, so an unknown username answers as slowly
/// as a wrong password and the timing does not tell which usernames exist.
pub(crate) const DUMMY_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$y1ObGp2+4k7ZNfYMH9rD4w$r/FXRrahVgsHAMi3R3jv3LNJpyOx/X4xzgh+GGSqlEE";

/// argon2id, version 19, 19 MiB, 2 passes, 1 lane: the crate's defaults, which are OWASP's
/// recommendation. Verification reads the parameters from each stored hash, so raising them
/// later keeps old hashes working.
fn password_hasher() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password into an argon2id PHC string with a fresh random salt. Takes tens of
/// milliseconds: in async code call it through `spawn_blocking`.
pub fn hash_password(password: &str) -> Result<String, UserError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|error| UserError::internal(&error))?;
    let hash = password_hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| UserError::internal(&error))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string. An unreadable hash never matches. As slow as
/// `hash_password`.
pub fn verify_password(password: &str, phc_hash: &str) -> bool {
    let Ok(parsed_hash) = PasswordHash::new(phc_hash) else {
        tracing::warn!("a stored password hash is not a readable PHC string");
        return false;
    };
    password_hasher()
        .verify_password(password.as_bytes(), &parsed_hash)
        .is_ok()
}

/// The length rule for new passwords, counted in characters.
pub(crate) fn check_new_password(password: &str) -> Result<(), UserError> {
    let length_in_chars = password.chars().count();
    if length_in_chars < MIN_PASSWORD_CHARS {
        return Err(UserError::bad_input(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if length_in_chars > MAX_PASSWORD_CHARS {
        return Err(UserError::bad_input(format!(
            "password must be at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_hashed_password_verifies_and_a_different_one_does_not() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
    }

    #[test]
    fn the_same_password_gets_a_different_salt_each_time() {
        let first = hash_password("same password here").unwrap();
        let second = hash_password("same password here").unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn an_unreadable_hash_never_matches() {
        assert!(!verify_password("anything at all", ""));
        assert!(!verify_password("anything at all", "not a phc string"));
        assert!(!verify_password(
            "anything at all",
            "$argon2id$v=19$m=19456"
        ));
    }

    #[test]
    fn the_dummy_hash_uses_the_same_parameters_as_real_hashes() {
        let dummy = PasswordHash::new(DUMMY_PASSWORD_HASH).unwrap();
        let real_hash_text = hash_password("some real password").unwrap();
        let real = PasswordHash::new(&real_hash_text).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(
            dummy.hash.map(|output| output.len()),
            real.hash.map(|output| output.len())
        );
        assert!(!verify_password("", DUMMY_PASSWORD_HASH));
    }

    #[test]
    fn new_passwords_must_be_10_to_256_characters() {
        assert_eq!(
            check_new_password("short").unwrap_err().code,
            ErrorCode::BadUserInput
        );
        assert_eq!(
            check_new_password(&"x".repeat(257)).unwrap_err().code,
            ErrorCode::BadUserInput
        );
        check_new_password("exactly10!").unwrap();
        check_new_password(&"x".repeat(256)).unwrap();
        // Counted in characters, not bytes: ten two-byte letters are enough.
        check_new_password(&"é".repeat(10)).unwrap();
    }
}
