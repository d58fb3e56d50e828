//! Phone numbers in one canonical form (E.164, `+6281377101001`), whatever way a citizen or
//! Meta wrote them: `0813-7710-1001`, `+62 813 7710 1001` and `6281377101001` are one person.

use serde::{Deserialize, Serialize};

/// The country code assumed for numbers written nationally (`08…`). Indonesia.
pub const DEFAULT_COUNTRY_CODE: &str = "62";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number contains a character that is not a digit: {0:?}")]
    InvalidCharacter(char),
    #[error("phone number has {0} digits; E.164 allows 8 to 15")]
    BadLength(usize),
}

impl PhoneNumber {
    /// Parses a number as people and Meta write it. Spaces, hyphens, dots and parentheses are
    /// ignored; a leading `0` is the national trunk prefix; a leading `+` or `00` starts the
    /// country code; bare digits (Meta's `wa_id`) already start with the country code.
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let mut digits = String::with_capacity(input.len());
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut explicit_international = false;
        for (index, character) in trimmed.chars().enumerate() {
            match character {
                '0'..='9' => digits.push(character),
                '+' if index == 0 => explicit_international = true,
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                other => return Err(PhoneError::InvalidCharacter(other)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let international = if explicit_international {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix('0') {
            format!("{DEFAULT_COUNTRY_CODE}{rest}")
        } else {
            digits
        };
        if !(8..=15).contains(&international.len()) {
            return Err(PhoneError::BadLength(international.len()));
        }
        Ok(PhoneNumber(format!("+{international}")))
    }

    /// `+6281377101001`.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// The digits without `+`, as Meta's `wa_id` writes them.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// For readers who may not see the number (analysts): `+•••••••••••••`, no digit of it.
    /// Partial masks (`+62813****1001`) still single out a person among a few reporters.
    pub fn masked(&self) -> String {
        let hidden: String = self
            .digits()
            .chars()
            .map(|_| crate::domain::redact::MASK)
            .collect();
        format!("+{hidden}")
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_international_and_wa_id_forms_are_one_number() {
        let expected = "+6281377101001";
        for written in [
            "081377101001",
            "0813-7710-1001",
            "+62 813 7710 1001",
            "6281377101001",
            "006281377101001",
            "(0813) 7710.1001",
        ] {
            assert_eq!(
                PhoneNumber::parse(written).unwrap().as_e164(),
                expected,
                "{written}"
            );
        }
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse("  - "), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("0812abc"),
            Err(PhoneError::InvalidCharacter('a'))
        );
        assert_eq!(
            PhoneNumber::parse("12+34567890"),
            Err(PhoneError::InvalidCharacter('+'))
        );
        assert_eq!(PhoneNumber::parse("0812"), Err(PhoneError::BadLength(5)));
        assert_eq!(
            PhoneNumber::parse("+1234567890123456"),
            Err(PhoneError::BadLength(16))
        );
    }

    #[test]
    fn masking_hides_every_digit() {
        let phone = PhoneNumber::parse("081377101001").unwrap();
        assert_eq!(phone.masked(), "+•••••••••••••");
        assert_eq!(phone.digits(), "6281377101001");
    }

    #[test]
    fn serde_round_trip_normalises() {
        let phone: PhoneNumber = serde_json::from_str("\"0813 7710 1001\"").unwrap();
        assert_eq!(serde_json::to_string(&phone).unwrap(), "\"+6281377101001\"");
    }
}
