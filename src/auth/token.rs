//! Operator tokens: HS256 JWTs naming who signed in, signed and checked with one key.

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::ids::UnitCode;
use crate::domain::user::Role;
use crate::error::UserError;

pub(crate) const TOKEN_EXPIRED: &str = "token expired";
pub(crate) const INVALID_TOKEN: &str = "invalid token";

/// Longer than any token we issue by far; anything longer is refused before it is parsed.
const LONGEST_ACCEPTED_TOKEN_BYTES: usize = 8 * 1024;

/// The claims of an operator token. `role` and `unit` are informative for clients: the server
/// takes both from the store on every request, so a role change applies at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TokenClaims {
    /// The username.
    pub(crate) sub: String,
    pub(crate) role: Role,
    #[serde(default)]
    pub(crate) unit: Option<UnitCode>,
    /// Issued at, seconds since the epoch.
    pub(crate) iat: i64,
    /// Expires at, seconds since the epoch.
    pub(crate) exp: i64,
    /// A random id, so that two tokens issued in the same second differ.
    pub(crate) jti: String,
    /// The user's token generation at issue (`User::token_generation`). Tokens issued before
    /// generations existed lack the claim and count as generation 0.
    #[serde(default, rename = "gen")]
    pub(crate) generation: u64,
    /// When the password was entered, seconds since the epoch; a refreshed token keeps it, so
    /// that refreshing cannot stretch a session past its maximum age. Tokens issued before the
    /// claim existed count from their `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auth_time: Option<i64>,
}

impl TokenClaims {
    pub(crate) fn new(
        username: &str,
        role: Role,
        unit: Option<UnitCode>,
        issued_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        generation: u64,
        signed_in_at: DateTime<Utc>,
    ) -> TokenClaims {
        let mut token_id = [0u8; 16];
        rand::rng().fill_bytes(&mut token_id);
        TokenClaims {
            sub: username.to_string(),
            role,
            unit,
            iat: issued_at.timestamp(),
            exp: expires_at.timestamp(),
            jti: hex::encode(token_id),
            generation,
            auth_time: Some(signed_in_at.timestamp()),
        }
    }
}

/// The HS256 key in both of the forms jsonwebtoken needs, and the rules a token must pass.
pub(crate) struct TokenKeys {
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub(crate) fn from_secret(secret: &[u8]) -> TokenKeys {
        // Only HS256 is accepted: a token naming `none`, another HMAC size or a public-key
        // algorithm is refused before its signature is looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        // This server both issues and checks the tokens against one clock, so there is no
        // clock skew to forgive.
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding_key: EncodingKey::from_secret(secret),
            decoding_key: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub(crate) fn sign(&self, claims: &TokenClaims) -> Result<String, UserError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding_key)
            .map_err(|error| UserError::internal(&error))
    }

    /// The claims of a token whose signature, algorithm and expiry are right. The reason given
    /// for a refusal is short and never repeats the token.
    pub(crate) fn verify(&self, token: &str) -> Result<TokenClaims, UserError> {
        if token.is_empty() || token.len() > LONGEST_ACCEPTED_TOKEN_BYTES {
            return Err(UserError::unauthenticated(INVALID_TOKEN));
        }
        match jsonwebtoken::decode::<TokenClaims>(token, &self.decoding_key, &self.validation) {
            Ok(token_data) => Ok(token_data.claims),
            Err(error) => match error.kind() {
                ErrorKind::ExpiredSignature => Err(UserError::unauthenticated(TOKEN_EXPIRED)),
                refusal => {
                    tracing::debug!(?refusal, "token refused");
                    Err(UserError::unauthenticated(INVALID_TOKEN))
                }
            },
        }
    }
}
