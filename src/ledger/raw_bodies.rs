//! Raw webhook bodies as they are kept: evidence of what Meta delivered, compressed.
//!
//! A body is stored as `0x00 'R' 'B' <codec> <received at, ms, 8 bytes BE> <compressed>`. Codec
//! 1 is LZ4 (`store::compress`) against a fixed dictionary of typical deliveries
//! (`raw_body_dictionary.json`): a one-message body of about 1 KB becomes about 300 bytes.
//! Bodies written before this codec are the plain JSON, and are read as they are (JSON never
//! starts with a NUL byte). The dictionary belongs to codec 1 and must never change; a new
//! dictionary is a new codec number.

use chrono::{DateTime, TimeZone, Utc};

use crate::store::{StoreError, compress};

const MAGIC: [u8; 3] = [0, b'R', b'B'];
const CODEC_LZ4_DICTIONARY_1: u8 = 1;
const HEADER_LEN: usize = MAGIC.len() + 1 + 8;
const DICTIONARY_1: &[u8] = include_bytes!("raw_body_dictionary.json");

/// A raw body as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBody {
    pub bytes: Vec<u8>,
    /// When it was received; `None` for a body kept before the time was stored with it.
    pub received_at: Option<DateTime<Utc>>,
}

/// The stored form of `body`, received at `received_at`.
pub fn pack(body: &[u8], received_at: DateTime<Utc>) -> Vec<u8> {
    // Only a body over 4 GiB does not compress (the webhook's limit is far below); kept plain,
    // it still reads.
    let Some(compressed) = compress::compress(body, DICTIONARY_1) else {
        return body.to_vec();
    };
    let mut stored = Vec::with_capacity(HEADER_LEN + compressed.len());
    stored.extend_from_slice(&MAGIC);
    stored.push(CODEC_LZ4_DICTIONARY_1);
    stored.extend_from_slice(&received_at.timestamp_millis().to_be_bytes());
    stored.extend_from_slice(&compressed);
    stored
}

/// The receive time in a stored body's header, without decompressing it (`None` for a body
/// in the old, plain form).
pub fn received_at(stored: &[u8]) -> Option<DateTime<Utc>> {
    if !stored.starts_with(&MAGIC) || stored.len() < HEADER_LEN {
        return None;
    }
    let millis = i64::from_be_bytes(stored[4..HEADER_LEN].try_into().ok()?);
    Utc.timestamp_millis_opt(millis).single()
}

/// Reads a stored body back, in either form.
pub fn unpack(stored: &[u8]) -> Result<RawBody, StoreError> {
    let codec_error = |reason: String| StoreError::Codec {
        record: "raw_body",
        reason,
    };
    if !stored.starts_with(&MAGIC) {
        return Ok(RawBody {
            bytes: stored.to_vec(),
            received_at: None,
        });
    }
    if stored.len() < HEADER_LEN {
        return Err(codec_error(format!(
            "a header of {} bytes is too short",
            stored.len()
        )));
    }
    match stored[3] {
        CODEC_LZ4_DICTIONARY_1 => Ok(RawBody {
            bytes: compress::decompress(&stored[HEADER_LEN..], DICTIONARY_1)
                .map_err(codec_error)?,
            received_at: received_at(stored),
        }),
        codec => Err(codec_error(format!(
            "written by a newer siaga (raw body codec {codec}, this build reads up to {CODEC_LZ4_DICTIONARY_1})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Vec<u8> {
        br#"{"object":"whatsapp_business_account","entry":[{"id":"109876543210987","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"6281200000110","phone_number_id":"112233445566778"},"contacts":[{"profile":{"name":"Warga 17"},"wa_id":"6281300000017"}],"messages":[{"from":"6281300000017","id":"wamid.loadgen.17","timestamp":"1795871700","type":"text","text":{"body":"tolong pak motor saya dicuri di depan pasar 16 ilir tadi pagi"}}]},"field":"messages"}]}]}"#.to_vec()
    }

    #[test]
    fn a_body_round_trips_with_its_time_and_shrinks() {
        let at = Utc.timestamp_millis_opt(1_795_871_700_123).unwrap();
        let stored = pack(&body(), at);
        assert!(stored.len() * 2 < body().len(), "{} bytes", stored.len());
        assert_eq!(received_at(&stored), Some(at));
        assert_eq!(
            unpack(&stored).unwrap(),
            RawBody {
                bytes: body(),
                received_at: Some(at)
            }
        );
    }

    #[test]
    fn a_body_kept_plain_by_an_older_build_reads_as_it_is() {
        assert_eq!(received_at(&body()), None);
        assert_eq!(
            unpack(&body()).unwrap(),
            RawBody {
                bytes: body(),
                received_at: None
            }
        );
    }

    #[test]
    fn an_unknown_codec_or_a_broken_value_is_an_error() {
        let mut stored = pack(&body(), Utc::now());
        stored[3] = 9;
        assert!(
            unpack(&stored)
                .unwrap_err()
                .to_string()
                .contains("newer siaga")
        );
        let mut truncated = pack(&body(), Utc::now());
        truncated.truncate(HEADER_LEN + 6);
        assert!(unpack(&truncated).is_err());
        assert!(unpack(&MAGIC).is_err());
    }

    #[test]
    fn the_dictionary_of_codec_1_never_changes() {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(DICTIONARY_1));
        assert_eq!(
            (DICTIONARY_1.len(), &digest[..16]),
            (5337, "738c87bd2e428741")
        );
    }
}
