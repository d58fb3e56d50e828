//! Proof that a webhook call comes from Meta: the `X-Hub-Signature-256` HMAC over the raw POST
//! body, and the `hub.*` verification handshake Meta performs with a GET.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// What precedes the hex digest in `X-Hub-Signature-256`.
const SIGNATURE_PREFIX: &str = "sha256=";

/// A SHA-256 digest written as hex.
const SHA256_HEX_LENGTH: usize = 64;

/// The only `hub.mode` Meta uses when it checks a callback URL.
const SUBSCRIBE_MODE: &str = "subscribe";

/// Why a webhook POST was refused. The text never includes the expected digest, so logging the
/// error cannot help an attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not of the form sha256=<64 hex digits>")]
    Malformed,
    #[error("the X-Hub-Signature-256 header does not match the body")]
    Mismatch,
}

fn keyed_mac(app_secret: &[u8]) -> HmacSha256 {
    // HMAC hashes or pads a key of any length, so this constructor has no failing input.
    HmacSha256::new_from_slice(app_secret).expect("HMAC-SHA256 accepts keys of any length")
}

/// Checks `X-Hub-Signature-256` against the exact bytes received. The body must not have been
/// parsed and re-serialised first: Meta signs its own escaped form (`\/`, `\u0040`, surrogate
/// pairs), which no JSON library reproduces.
pub fn verify_signature(
    app_secret: &[u8],
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header.map(str::trim).unwrap_or_default();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let Some(hex_digest) = header.strip_prefix(SIGNATURE_PREFIX) else {
        return Err(SignatureError::Malformed);
    };
    let hex_digest = hex_digest.trim();
    // Checking the length first keeps a huge attacker-chosen header from being decoded at all.
    if hex_digest.len() != SHA256_HEX_LENGTH {
        return Err(SignatureError::Malformed);
    }
    let Ok(claimed_digest) = hex::decode(hex_digest) else {
        return Err(SignatureError::Malformed);
    };
    // An empty secret is a configuration mistake; anyone could compute a valid signature for it.
    if app_secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    let mut mac = keyed_mac(app_secret);
    mac.update(body);
    mac.verify_slice(&claimed_digest)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value Meta would send for `body`: `sha256=<lowercase hex>`.
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut mac = keyed_mac(app_secret);
    mac.update(body);
    format!(
        "{SIGNATURE_PREFIX}{}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Meta's GET handshake (`hub.mode`, `hub.verify_token`, `hub.challenge`): the challenge to echo
/// back with 200 when the request is genuine, `None` when it must be refused.
///
/// An empty configured token never matches, so a server without a token cannot be subscribed by
/// someone sending an empty one. An empty challenge counts as absent.
pub fn verify_subscription(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
    expected_token: &str,
) -> Option<String> {
    if mode != Some(SUBSCRIBE_MODE) || expected_token.is_empty() {
        return None;
    }
    let token = token?;
    // ct_eq on slices of different lengths is already false; the length is not a secret.
    let token_matches: bool = token.as_bytes().ct_eq(expected_token.as_bytes()).into();
    if !token_matches {
        return None;
    }
    challenge
        .filter(|challenge| !challenge.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = include_str!("../../tests/fixtures/signature/expected.json");
    const WIRE_BODY: &[u8] =
        include_bytes!("../../tests/fixtures/signature/inbound_text_wire.body");
    const RESERIALIZED_BODY: &[u8] =
        include_bytes!("../../tests/fixtures/signature/inbound_text_reserialized.body");

    struct Vector {
        app_secret: String,
        header: String,
        reserialized_header: String,
    }

    fn vector() -> Vector {
        let expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
        Vector {
            app_secret: expected["app_secret"].as_str().unwrap().to_owned(),
            header: expected["x_hub_signature_256"].as_str().unwrap().to_owned(),
            reserialized_header: expected["hmac_of_reserialized_body_for_reference"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    #[test]
    fn the_wire_body_verifies_against_the_fixture_header() {
        let vector = vector();
        let secret = vector.app_secret.as_bytes();
        assert_eq!(
            verify_signature(secret, Some(&vector.header), WIRE_BODY),
            Ok(())
        );
    }

    #[test]
    fn a_parsed_and_reserialised_body_is_refused_as_a_mismatch() {
        let vector = vector();
        let secret = vector.app_secret.as_bytes();
        assert_eq!(
            verify_signature(secret, Some(&vector.header), RESERIALIZED_BODY),
            Err(SignatureError::Mismatch)
        );
        // The reserialised body is well-formed, it was just signed over different bytes.
        assert_eq!(sign(secret, RESERIALIZED_BODY), vector.reserialized_header);
    }

    #[test]
    fn sign_reproduces_the_fixture_header_and_round_trips() {
        let vector = vector();
        let secret = vector.app_secret.as_bytes();
        assert_eq!(sign(secret, WIRE_BODY), vector.header);
        let header = sign(b"another secret", b"{\"object\":\"x\"}");
        assert!(header.starts_with("sha256="));
        assert_eq!(header.len(), "sha256=".len() + 64);
        assert_eq!(header, header.to_lowercase());
        assert_eq!(
            verify_signature(b"another secret", Some(&header), b"{\"object\":\"x\"}"),
            Ok(())
        );
    }

    #[test]
    fn uppercase_hex_and_surrounding_whitespace_are_accepted() {
        let vector = vector();
        let secret = vector.app_secret.as_bytes();
        let uppercase = format!("sha256={}", vector.header["sha256=".len()..].to_uppercase());
        assert_eq!(
            verify_signature(secret, Some(&uppercase), WIRE_BODY),
            Ok(())
        );
        let padded = format!("  {}\t", vector.header);
        assert_eq!(verify_signature(secret, Some(&padded), WIRE_BODY), Ok(()));
    }

    #[test]
    fn a_missing_or_blank_header_is_refused_as_missing() {
        let secret = vector().app_secret;
        for header in [None, Some(""), Some("   ")] {
            assert_eq!(
                verify_signature(secret.as_bytes(), header, WIRE_BODY),
                Err(SignatureError::Missing),
                "{header:?}"
            );
        }
    }

    #[test]
    fn malformed_headers_are_refused_as_malformed() {
        let vector = vector();
        let secret = vector.app_secret.as_bytes();
        let digest = &vector.header["sha256=".len()..];
        let wrong_prefix = format!("sha1={digest}");
        let no_prefix = digest.to_owned();
        let non_hex = format!("sha256={}", "zz".repeat(32));
        let odd_length = format!("sha256={}", &digest[..63]);
        let too_long = format!("sha256={digest}00");
        let multibyte = format!("sha256={}", "é".repeat(32));
        for header in [
            wrong_prefix.as_str(),
            no_prefix.as_str(),
            non_hex.as_str(),
            odd_length.as_str(),
            too_long.as_str(),
            multibyte.as_str(),
            "sha256=",
            "SHA256",
        ] {
            assert_eq!(
                verify_signature(secret, Some(header), WIRE_BODY),
                Err(SignatureError::Malformed),
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_well_formed_header_for_other_bytes_or_another_secret_is_a_mismatch() {
        let vector = vector();
        let secret = vector.app_secret.as_bytes();
        let zeros = format!("sha256={}", "0".repeat(64));
        assert_eq!(
            verify_signature(secret, Some(&zeros), WIRE_BODY),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"wrong secret", Some(&vector.header), WIRE_BODY),
            Err(SignatureError::Mismatch)
        );
        let mut tampered = WIRE_BODY.to_vec();
        tampered.push(b' ');
        assert_eq!(
            verify_signature(secret, Some(&vector.header), &tampered),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_empty_app_secret_never_verifies() {
        let header = sign(b"", WIRE_BODY);
        assert_eq!(
            verify_signature(b"", Some(&header), WIRE_BODY),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_handshake_echoes_the_challenge_only_for_the_right_mode_and_token() {
        let token = "rahasia-verifikasi";
        assert_eq!(
            verify_subscription(Some("subscribe"), Some(token), Some("1158201444"), token),
            Some("1158201444".to_owned())
        );
        assert_eq!(
            verify_subscription(Some("subscribe"), Some("salah"), Some("1158201444"), token),
            None
        );
        assert_eq!(
            verify_subscription(
                Some("subscribe"),
                Some("rahasia-verifikasX"),
                Some("1"),
                token
            ),
            None
        );
        assert_eq!(
            verify_subscription(Some("unsubscribe"), Some(token), Some("1"), token),
            None
        );
        assert_eq!(
            verify_subscription(None, Some(token), Some("1"), token),
            None
        );
        assert_eq!(
            verify_subscription(Some("subscribe"), None, Some("1"), token),
            None
        );
        assert_eq!(
            verify_subscription(Some("subscribe"), Some(token), None, token),
            None
        );
        assert_eq!(
            verify_subscription(Some("subscribe"), Some(token), Some(""), token),
            None
        );
    }

    #[test]
    fn an_empty_expected_token_never_matches() {
        assert_eq!(
            verify_subscription(Some("subscribe"), Some(""), Some("1"), ""),
            None
        );
        assert_eq!(
            verify_subscription(Some("subscribe"), None, Some("1"), ""),
            None
        );
    }
}
