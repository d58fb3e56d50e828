//! Signed media URLs: `<img>`, `<audio>` and `<video>` cannot send a bearer header, so the API
//! hands out short-lived links to `/media/{message_id}` that carry their own proof instead.
//!
//! A link names its report, its user and its expiry, and is signed (HMAC-SHA256, with a key
//! derived from the stored token signing key, so links survive a restart) over those and the
//! user's token generation. It is refused once
//! expired, once the user's sessions were ended (password reset, deactivation, change of role
//! or unit: the generation moves on), and once the user may no longer see the report (the
//! media endpoint asks the workflow, as it does for a bearer token). It is the only place a
//! credential travels in a URL.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::domain::ids::{MessageId, ReportId};
use crate::domain::user::{Principal, User};
use crate::error::UserError;

/// How long a link works. A chat view asks for fresh links each time it reloads a report.
pub const MEDIA_URL_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

const EXPIRED: &str = "media link expired: reload the report";
const INVALID: &str = "media link invalid";

/// Signs and checks media links with a key that lives as long as the process.
#[derive(Clone)]
pub struct MediaUrlSigner {
    key: std::sync::Arc<[u8; 32]>,
}

impl std::fmt::Debug for MediaUrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaUrlSigner(..)")
    }
}

/// The query of a signed link, as it arrives.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SignedQuery {
    /// The report of the message.
    pub r: ReportId,
    /// The username.
    pub u: String,
    /// Expiry, in seconds since the epoch.
    pub e: i64,
    /// The signature, hex.
    pub s: String,
}

impl MediaUrlSigner {
    /// A signer with `key` (in the server, `Auth::media_link_key`).
    pub fn with_key(key: [u8; 32]) -> MediaUrlSigner {
        MediaUrlSigner {
            key: std::sync::Arc::new(key),
        }
    }

    pub fn random() -> MediaUrlSigner {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        MediaUrlSigner {
            key: std::sync::Arc::new(key),
        }
    }

    /// `/media/{message_id}?r=…&u=…&e=…&s=…`, valid until `now + MEDIA_URL_LIFETIME`.
    pub fn sign(
        &self,
        user: &User,
        report_id: ReportId,
        message_id: MessageId,
        now: DateTime<Utc>,
    ) -> String {
        let expires = (now + MEDIA_URL_LIFETIME).timestamp();
        let signature = self.signature(
            message_id,
            report_id,
            &user.username,
            user.token_generation,
            expires,
        );
        format!(
            "/media/{message_id}?r={report_id}&u={}&e={expires}&s={signature}",
            user.username
        )
    }

    /// Who the link was signed for, when it is intact, unexpired and its user's sessions
    /// stand. The caller still asks whether that user may see the report.
    pub fn verify(
        &self,
        message_id: MessageId,
        query: &SignedQuery,
        user: Option<&User>,
        now: DateTime<Utc>,
    ) -> Result<Principal, UserError> {
        let Some(user) = user.filter(|user| user.username == query.u) else {
            return Err(UserError::unauthenticated(INVALID));
        };
        let expected = self.signature(
            message_id,
            query.r,
            &user.username,
            user.token_generation,
            query.e,
        );
        let intact: bool =
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), query.s.as_bytes()).into();
        if !intact {
            return Err(UserError::unauthenticated(INVALID));
        }
        if now.timestamp() >= query.e {
            return Err(UserError::unauthenticated(EXPIRED));
        }
        if !user.active {
            return Err(UserError::unauthenticated(INVALID));
        }
        Ok(Principal {
            username: user.username.clone(),
            role: user.role,
            unit: user.unit.clone(),
        })
    }

    fn signature(
        &self,
        message_id: MessageId,
        report_id: ReportId,
        username: &str,
        token_generation: u64,
        expires: i64,
    ) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.key.as_slice()) else {
            unreachable!("HMAC takes a key of any length");
        };
        let signed =
            format!("media\n{message_id}\n{report_id}\n{username}\n{token_generation}\n{expires}");
        mac.update(signed.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::Role;

    fn user(generation: u64) -> User {
        User {
            username: "operator1".to_string(),
            password_hash: String::new(),
            role: Role::Operator,
            unit: None,
            active: true,
            created_at: Utc::now(),
            display_name: None,
            token_generation: generation,
        }
    }

    fn query_of(url: &str) -> SignedQuery {
        let query = url
            .split_once('?')
            .map(|(_, query)| query)
            .unwrap_or_default();
        let mut parts = std::collections::HashMap::new();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            parts.insert(name.to_string(), value.to_string());
        }
        SignedQuery {
            r: parts["r"].parse().unwrap_or(ReportId::new(1)),
            u: parts["u"].clone(),
            e: parts["e"].parse().unwrap_or_default(),
            s: parts["s"].clone(),
        }
    }

    #[test]
    fn a_fresh_link_names_its_user() {
        let signer = MediaUrlSigner::random();
        let now = Utc::now();
        let url = signer.sign(&user(1), ReportId::new(7), MessageId::new(42), now);
        assert!(url.starts_with("/media/42?r=7&u=operator1&e="));
        let who = signer.verify(MessageId::new(42), &query_of(&url), Some(&user(1)), now);
        assert_eq!(
            who.map(|who| who.username).ok().as_deref(),
            Some("operator1")
        );
    }

    #[test]
    fn an_expired_link_is_refused() {
        let signer = MediaUrlSigner::random();
        let then = Utc::now() - chrono::Duration::minutes(11);
        let url = signer.sign(&user(1), ReportId::new(7), MessageId::new(42), then);
        let refusal = signer.verify(
            MessageId::new(42),
            &query_of(&url),
            Some(&user(1)),
            Utc::now(),
        );
        assert_eq!(
            refusal.err().map(|error| error.message),
            Some(EXPIRED.to_string())
        );
    }

    #[test]
    fn a_link_for_another_message_or_an_ended_session_is_refused() {
        let signer = MediaUrlSigner::random();
        let now = Utc::now();
        let url = signer.sign(&user(1), ReportId::new(7), MessageId::new(42), now);
        assert!(
            signer
                .verify(MessageId::new(43), &query_of(&url), Some(&user(1)), now)
                .is_err()
        );
        assert!(
            signer
                .verify(MessageId::new(42), &query_of(&url), Some(&user(2)), now)
                .is_err()
        );
        let other_key = MediaUrlSigner::random();
        assert!(
            other_key
                .verify(MessageId::new(42), &query_of(&url), Some(&user(1)), now)
                .is_err()
        );
        let mut longer = query_of(&url);
        longer.e += 3600;
        assert!(
            signer
                .verify(MessageId::new(42), &longer, Some(&user(1)), now)
                .is_err()
        );
    }
}
