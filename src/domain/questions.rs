//! Asking the citizen when siaga is unsure: is it happening now, and which kind of report is
//! it. The questions go out as WhatsApp reply buttons and list messages; the answers come back
//! as interactive replies carrying the ids written here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One option of a reply-button or list message: the id WhatsApp sends back, and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    /// A longer line under a list row's title (at most 72 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// WhatsApp's limits: a reply button's title has at most 20 characters, a list row's 24.
pub const BUTTON_TITLE_CHARS: usize = 20;
pub const LIST_ROW_TITLE_CHARS: usize = 24;
pub const LIST_ROW_DESCRIPTION_CHARS: usize = 72;
/// The body of an interactive message has at most 1,024 characters.
pub const MAX_INTERACTIVE_BODY_CHARS: usize = 1024;
/// At most three reply buttons and ten list rows.
pub const MAX_BUTTONS: usize = 3;
pub const MAX_LIST_ROWS: usize = 10;

const PREFIX: &str = "siaga:";

/// What a citizen chose, parsed from the id of their interactive reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitizenChoice {
    /// "It is happening now, I need help at once."
    HappeningNow,
    /// "Not an emergency."
    NotUrgent,
    /// The kind of report, by category code.
    Category(String),
}

impl CitizenChoice {
    pub fn id(&self) -> String {
        match self {
            CitizenChoice::HappeningNow => format!("{PREFIX}urgent:now"),
            CitizenChoice::NotUrgent => format!("{PREFIX}urgent:not"),
            CitizenChoice::Category(code) => format!("{PREFIX}category:{code}"),
        }
    }

    /// The choice an interactive reply id names; `None` for ids that are not ours.
    pub fn parse(id: &str) -> Option<CitizenChoice> {
        let rest = id.strip_prefix(PREFIX)?;
        match rest {
            "urgent:now" => Some(CitizenChoice::HappeningNow),
            "urgent:not" => Some(CitizenChoice::NotUrgent),
            _ => {
                let code = rest.strip_prefix("category:")?;
                let valid = !code.is_empty()
                    && code.len() <= 64
                    && code
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                valid.then(|| CitizenChoice::Category(code.to_string()))
            }
        }
    }
}

/// What the citizen was asked on a report, and what they answered. Kept on the report, so a
/// question is asked once and an answer survives later messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenAnswers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency_asked_at: Option<DateTime<Utc>>,
    /// `Some(true)`: happening now; `Some(false)`: not an emergency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_asked_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl CitizenAnswers {
    pub fn is_empty(&self) -> bool {
        *self == CitizenAnswers::default()
    }
}

/// Cuts a label to `limit` characters, with an ellipsis when cut.
pub fn fit_title(title: &str, limit: usize) -> String {
    let title = title.trim();
    if title.chars().count() <= limit {
        return title.to_string();
    }
    let mut cut: String = title.chars().take(limit.saturating_sub(1)).collect();
    cut = cut.trim_end().to_string();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip_through_their_ids_and_foreign_ids_are_not_ours() {
        for choice in [
            CitizenChoice::HappeningNow,
            CitizenChoice::NotUrgent,
            CitizenChoice::Category("curanmor".into()),
        ] {
            assert_eq!(CitizenChoice::parse(&choice.id()), Some(choice));
        }
        for foreign in [
            "yes",
            "siaga:urgent:maybe",
            "siaga:category:",
            "siaga:category:DROP TABLE",
            "other:urgent:now",
        ] {
            assert_eq!(CitizenChoice::parse(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn titles_fit_whatsapps_limits() {
        assert_eq!(
            fit_title("Tidak darurat", BUTTON_TITLE_CHARS),
            "Tidak darurat"
        );
        let long = fit_title(
            "Pencurian kendaraan bermotor roda dua",
            LIST_ROW_TITLE_CHARS,
        );
        assert_eq!(long.chars().count(), LIST_ROW_TITLE_CHARS);
        assert!(long.ends_with('…'));
    }
}
