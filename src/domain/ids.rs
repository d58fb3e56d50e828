//! The names of things that travel between modules: a report's and a message's number, a
//! ticket, a unit's code and WhatsApp's message id. Each is parsed once, where it arrives
//! (a GraphQL argument, a webhook, a command line, the profile), and is then carried as its
//! own type, so a report's number is never passed where a message's is expected and a ticket
//! that reached the workflow is known to be well formed.
//!
//! All five are stored exactly as the plain number or string they wrap (`serde(transparent)`),
//! so records written before they existed read back unchanged.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a piece of input is not the identifier it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {text:?} is not valid: {reason}")]
pub struct BadId {
    pub what: &'static str,
    pub text: String,
    pub reason: &'static str,
}

impl BadId {
    fn new(what: &'static str, text: &str, reason: &'static str) -> BadId {
        let text: String = text.chars().take(80).collect();
        BadId { what, text, reason }
    }
}

macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            pub const fn new(number: u64) -> $name {
                $name(number)
            }

            pub const fn get(self) -> u64 {
                self.0
            }

            /// Reads the decimal number an API client sends (GraphQL `ID`, a URL segment).
            pub fn parse(text: &str) -> Result<$name, BadId> {
                let text = text.trim();
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(BadId::new($what, text, "expected a decimal number"));
                }
                text.parse::<u64>()
                    .ok()
                    .filter(|number| *number > 0)
                    .map($name)
                    .ok_or_else(|| BadId::new($what, text, "out of range"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = BadId;

            fn from_str(text: &str) -> Result<$name, BadId> {
                $name::parse(text)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.0
            }
        }
    };
}

number_id!(
    /// A report's number, assigned from the store's counter (never 0).
    ReportId,
    "report id"
);
number_id!(
    /// A stored message's number, inbound or outbound (never 0).
    MessageId,
    "message id"
);
number_id!(
    /// A file an operator uploaded to send to a citizen (`POST /media/upload`), never 0.
    AttachmentId,
    "attachment id"
);

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Read access to the text (formatting, templates, keys); building one still goes
        /// through `parse`, so a plain string is never taken for a checked identifier.
        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

text_id!(
    /// A human ticket number, `<PREFIX>-<year>-<sequence of six digits or more>`, such as
    /// `SUMSEL-2026-000042`. Unique per prefix and year.
    Ticket
);

impl Ticket {
    /// The ticket of the `sequence`th report of `year` under `prefix`.
    pub fn format(prefix: &str, year: i32, sequence: u64) -> Ticket {
        Ticket(format!("{prefix}-{year}-{sequence:06}"))
    }

    /// Reads a ticket typed by a person: surrounding spaces are dropped and letters are
    /// upper-cased; the shape must be `<PREFIX>-<year>-<digits>`.
    pub fn parse(text: &str) -> Result<Ticket, BadId> {
        let bad = |reason| BadId::new("ticket", text, reason);
        let ticket = text.trim().to_ascii_uppercase();
        let mut parts = ticket.rsplitn(3, '-');
        let (Some(sequence), Some(year), Some(prefix)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected PREFIX-YEAR-NUMBER"));
        };
        let prefix_ok = !prefix.is_empty()
            && prefix.len() <= 32
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !prefix_ok {
            return Err(bad("the prefix must be letters, digits, '-' or '_'"));
        }
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the year must be four digits"));
        }
        if sequence.len() < 6
            || sequence.len() > 20
            || !sequence.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad("the number must be six digits or more"));
        }
        Ok(Ticket(ticket))
    }
}

text_id!(
    /// A unit's code as the profile and admins name it (`POLRESTABES_PALEMBANG`, `DITRESKRIMUM`).
    UnitCode
);

impl UnitCode {
    /// How long a code may be, in bytes.
    pub const LENGTH: std::ops::RangeInclusive<usize> = 2..=40;

    /// Reads a unit code: 2 to 40 of `A-Z`, `0-9` and `_`. Whether the unit exists is a
    /// question for the unit directory, not for the parser.
    pub fn parse(text: &str) -> Result<UnitCode, BadId> {
        let code = text.trim();
        let well_formed = UnitCode::LENGTH.contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !well_formed {
            return Err(BadId::new(
                "unit code",
                code,
                "must be 2 to 40 characters of A-Z, 0-9 and _",
            ));
        }
        Ok(UnitCode(code.to_owned()))
    }

    /// A code already known to be well formed: the stored directory, the embedded profile.
    pub fn trusted(code: impl Into<String>) -> UnitCode {
        UnitCode(code.into())
    }
}

text_id!(
    /// WhatsApp's id of a message (`wamid.HBgL…`): the citizen's for an inbound message, the
    /// one the Graph API returned for ours.
    Wamid
);

impl Wamid {
    /// The longest id accepted; Meta's are about 60 characters.
    pub const MAX_LEN: usize = 256;

    /// Reads an id from a webhook or a Graph API answer: printable ASCII without spaces,
    /// at most `MAX_LEN` bytes. Meta's ids start with `wamid.`, but the parser does not
    /// insist, so that a change of prefix on Meta's side loses no message.
    pub fn parse(text: &str) -> Result<Wamid, BadId> {
        let bad = |reason| BadId::new("WhatsApp message id", text, reason);
        if text.is_empty() || text.len() > Wamid::MAX_LEN {
            return Err(bad("expected 1 to 256 characters"));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("expected printable characters without spaces"));
        }
        Ok(Wamid(text.to_owned()))
    }
}

macro_rules! parsed_from_str {
    ($($name:ident),*) => {
        $(
            impl std::str::FromStr for $name {
                type Err = BadId;

                fn from_str(text: &str) -> Result<$name, BadId> {
                    $name::parse(text)
                }
            }
        )*
    };
}

parsed_from_str!(Ticket, UnitCode, Wamid);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_once_and_refuse_what_is_not_a_positive_decimal() {
        assert_eq!(ReportId::parse(" 42 ").unwrap().get(), 42);
        assert_eq!(MessageId::parse("7").unwrap(), MessageId::new(7));
        for bad in ["", "0", "-1", "1e3", "12a", "99999999999999999999999"] {
            let error = ReportId::parse(bad).unwrap_err();
            assert_eq!(error.what, "report id", "{bad}");
        }
    }

    #[test]
    fn tickets_are_normalised_and_checked() {
        let ticket = Ticket::parse(" sumsel-2026-000042 ").unwrap();
        assert_eq!(ticket.as_str(), "SUMSEL-2026-000042");
        assert_eq!(ticket, Ticket::format("SUMSEL", 2026, 42));
        assert_eq!(
            Ticket::format("A", 2027, 1_234_567).as_str(),
            "A-2027-1234567"
        );
        assert!(Ticket::parse("POLDA-SUMSEL-2026-000001").is_ok());
        for bad in [
            "",
            "SUMSEL",
            "SUMSEL-26-000001",
            "SUMSEL-2026-42",
            "-2026-000001",
            "SU MSEL-2026-000001",
        ] {
            assert!(Ticket::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unit_codes_and_wamids_refuse_what_cannot_be_one() {
        assert_eq!(
            UnitCode::parse(" POLSEK_IB_I ").unwrap().as_str(),
            "POLSEK_IB_I"
        );
        for bad in ["", "P", "polres", "A B", "A-B", &"X".repeat(41)] {
            assert!(UnitCode::parse(bad).is_err(), "{bad}");
        }
        assert!(Wamid::parse("wamid.HBgLNjI4MTIzNDU2Nzg5FQIAEhgg").is_ok());
        for bad in ["", "wamid. x", "wamid.\n", &"w".repeat(257)] {
            assert!(Wamid::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stored_shapes_are_the_plain_values() {
        let id = ReportId::new(9);
        assert_eq!(serde_json::to_string(&id).unwrap(), "9");
        let ticket: Ticket = serde_json::from_str("\"SUMSEL-2026-000001\"").unwrap();
        assert_eq!(ticket, "SUMSEL-2026-000001");
        assert_eq!(
            serde_json::to_string(&ticket).unwrap(),
            "\"SUMSEL-2026-000001\""
        );
    }
}
