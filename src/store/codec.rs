//! Value encoding: every stored value starts with a two-byte word, the record's schema
//! version, then its JSON. Records evolve by adding `#[serde(default)]` fields; a value written
//! by a newer siaga is refused instead of being misread.
//!
//! The word's top bit says how the JSON is kept: clear, as it is (every value written before
//! compression, and short ones); set, compressed with LZ4 against a fixed dictionary of typical
//! records (`value_dictionary.json`, `compress`), which takes a report or a message to a third
//! or less. A build from before compression reads the set bit as a version from the future and
//! refuses the value rather than misreading it. The dictionary must never change: another one
//! would take another bit.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use super::compress;

/// The version word's bit for JSON compressed with `VALUE_DICTIONARY_1`.
const COMPRESSED_1: u16 = 0x8000;
/// Values shorter than this are kept as they are: compression would save next to nothing.
const COMPRESS_FROM_BYTES: usize = 96;
const VALUE_DICTIONARY_1: &[u8] = include_bytes!("value_dictionary.json");

/// A type stored as a value. `VERSION` goes up when the meaning of a field changes in a way
/// that `#[serde(default)]` cannot express; `upgrade` then converts older values.
pub trait Record: Serialize + DeserializeOwned {
    const NAME: &'static str;
    const VERSION: u16 = 1;

    /// Converts a value written under an older `VERSION`; the default accepts it as it is.
    fn upgrade(value: serde_json::Value, _from_version: u16) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }
}

pub fn encode<T: Record>(value: &T) -> Result<Vec<u8>, StoreError> {
    debug_assert!(T::VERSION < COMPRESSED_1);
    let mut bytes = Vec::with_capacity(128);
    bytes.extend_from_slice(&T::VERSION.to_be_bytes());
    serde_json::to_writer(&mut bytes, value).map_err(|error| StoreError::Codec {
        record: T::NAME,
        reason: error.to_string(),
    })?;
    if bytes.len() < COMPRESS_FROM_BYTES {
        return Ok(bytes);
    }
    let Some(packed) = compress::compress(&bytes[2..], VALUE_DICTIONARY_1) else {
        return Ok(bytes);
    };
    let mut compressed = Vec::with_capacity(2 + packed.len());
    compressed.extend_from_slice(&(T::VERSION | COMPRESSED_1).to_be_bytes());
    compressed.extend_from_slice(&packed);
    Ok(compressed)
}

pub fn decode<T: Record>(bytes: &[u8]) -> Result<T, StoreError> {
    let codec_error = |reason: String| StoreError::Codec {
        record: T::NAME,
        reason,
    };
    if bytes.len() < 2 {
        return Err(codec_error(format!(
            "value of {} bytes has no version header",
            bytes.len()
        )));
    }
    let word = u16::from_be_bytes([bytes[0], bytes[1]]);
    let version = word & !COMPRESSED_1;
    let unpacked;
    let body = if word & COMPRESSED_1 != 0 {
        unpacked = compress::decompress(&bytes[2..], VALUE_DICTIONARY_1).map_err(codec_error)?;
        &unpacked[..]
    } else {
        &bytes[2..]
    };
    if version == T::VERSION {
        return serde_json::from_slice(body).map_err(|error| codec_error(error.to_string()));
    }
    if version > T::VERSION {
        return Err(codec_error(format!(
            "written by a newer siaga (schema version {version}, this build reads up to {})",
            T::VERSION
        )));
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| codec_error(error.to_string()))?;
    T::upgrade(value, version).map_err(|error| codec_error(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct NoteV1 {
        text: String,
    }
    impl Record for NoteV1 {
        const NAME: &'static str = "note";
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct NoteV1WithNewField {
        text: String,
        #[serde(default)]
        pinned: bool,
    }
    impl Record for NoteV1WithNewField {
        const NAME: &'static str = "note";
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct NoteV2 {
        body: String,
    }
    impl Record for NoteV2 {
        const NAME: &'static str = "note";
        const VERSION: u16 = 2;
        fn upgrade(value: serde_json::Value, from_version: u16) -> Result<Self, serde_json::Error> {
            assert_eq!(from_version, 1);
            let old: NoteV1 = serde_json::from_value(value)?;
            Ok(NoteV2 { body: old.text })
        }
    }

    #[test]
    fn a_value_round_trips() {
        let note = NoteV1 {
            text: "halo".into(),
        };
        assert_eq!(decode::<NoteV1>(&encode(&note).unwrap()).unwrap(), note);
    }

    #[test]
    fn an_added_field_with_a_default_reads_old_values() {
        let old = encode(&NoteV1 {
            text: "lama".into(),
        })
        .unwrap();
        let read: NoteV1WithNewField = decode(&old).unwrap();
        assert_eq!(
            read,
            NoteV1WithNewField {
                text: "lama".into(),
                pinned: false
            }
        );
    }

    #[test]
    fn an_older_version_is_upgraded() {
        let old = encode(&NoteV1 {
            text: "lama".into(),
        })
        .unwrap();
        assert_eq!(
            decode::<NoteV2>(&old).unwrap(),
            NoteV2 {
                body: "lama".into()
            }
        );
    }

    #[test]
    fn a_newer_version_is_refused_not_misread() {
        let newer = encode(&NoteV2 {
            body: "baru".into(),
        })
        .unwrap();
        let error = decode::<NoteV1>(&newer).unwrap_err().to_string();
        assert!(error.contains("newer siaga"), "{error}");
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Long {
        text: String,
        pinned: bool,
    }
    impl Record for Long {
        const NAME: &'static str = "long";
    }

    #[test]
    fn a_long_value_is_kept_compressed_and_a_plain_one_still_reads() {
        let long = Long {
            text: "Terima kasih, laporan Anda telah diterima oleh Command Center Polda Sumatera Selatan. Terima kasih, laporan Anda telah diterima.".into(),
            pinned: true,
        };
        let stored = encode(&long).unwrap();
        assert_eq!(stored[0] & 0x80, 0x80, "compressed");
        assert!(stored.len() * 2 < serde_json::to_vec(&long).unwrap().len());
        assert_eq!(decode::<Long>(&stored).unwrap(), long);
        // As every build before compression wrote it.
        let mut plain = 1u16.to_be_bytes().to_vec();
        plain.extend(serde_json::to_vec(&long).unwrap());
        assert_eq!(decode::<Long>(&plain).unwrap(), long);
        // A compressed value of a newer schema is refused, not misread.
        let mut newer = stored.clone();
        newer[1] = 9;
        assert!(
            decode::<Long>(&newer)
                .unwrap_err()
                .to_string()
                .contains("newer siaga")
        );
        let mut broken = stored;
        broken.truncate(broken.len() - 4);
        assert!(decode::<Long>(&broken).is_err());
    }

    #[test]
    fn the_value_dictionary_never_changes() {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(VALUE_DICTIONARY_1));
        assert_eq!(
            (VALUE_DICTIONARY_1.len(), &digest[..16]),
            (3608, "d22032259a7df129")
        );
    }

    #[test]
    fn truncated_and_garbage_values_are_errors() {
        assert!(decode::<NoteV1>(&[]).is_err());
        assert!(decode::<NoteV1>(&[0, 1, b'{']).is_err());
    }
}
