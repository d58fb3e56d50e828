//! Value encoding: every stored value starts with a two-byte schema version, then JSON.
//! Records evolve by adding `#[serde(default)]` fields; a value written by a newer siaga is
//! refused instead of being misread.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

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
    let mut bytes = Vec::with_capacity(128);
    bytes.extend_from_slice(&T::VERSION.to_be_bytes());
    serde_json::to_writer(&mut bytes, value).map_err(|error| StoreError::Codec {
        record: T::NAME,
        reason: error.to_string(),
    })?;
    Ok(bytes)
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
    let version = u16::from_be_bytes([bytes[0], bytes[1]]);
    let body = &bytes[2..];
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

    #[test]
    fn truncated_and_garbage_values_are_errors() {
        assert!(decode::<NoteV1>(&[]).is_err());
        assert!(decode::<NoteV1>(&[0, 1, b'{']).is_err());
    }
}
