//! The citizen's satisfaction with how a report was handled: asked once when the report is
//! resolved (reply buttons inside the 24-hour window, a template outside it), answered Puas /
//! Cukup / Tidak puas, with an optional comment after a Cukup or Tidak puas.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::report::{Report, ReportStatus};

/// How long after the question a plain-text "puas" / "cukup" / "tidak puas" still answers it
/// (a button tap answers it at any time: it names the report).
pub const ANSWER_BY_TEXT_HOURS: i64 = 72;
/// How long after asking for a comment the citizen's next text is taken as the comment.
pub const COMMENT_MINUTES: i64 = 30;
/// The longest comment kept, in characters; the whole message stays on the report anyway.
pub const MAX_COMMENT_CHARS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SatisfactionRating {
    /// "Puas".
    Satisfied,
    /// "Cukup".
    Fair,
    /// "Tidak puas".
    Dissatisfied,
}

impl SatisfactionRating {
    pub const ALL: [SatisfactionRating; 3] = [
        SatisfactionRating::Satisfied,
        SatisfactionRating::Fair,
        SatisfactionRating::Dissatisfied,
    ];

    /// The name in the API and in statistics: the citizen's own word.
    pub fn as_str(self) -> &'static str {
        match self {
            SatisfactionRating::Satisfied => "PUAS",
            SatisfactionRating::Fair => "CUKUP",
            SatisfactionRating::Dissatisfied => "TIDAK_PUAS",
        }
    }

    /// The code in a button's id.
    pub fn code(self) -> &'static str {
        match self {
            SatisfactionRating::Satisfied => "puas",
            SatisfactionRating::Fair => "cukup",
            SatisfactionRating::Dissatisfied => "tidak_puas",
        }
    }

    pub fn from_code(code: &str) -> Option<SatisfactionRating> {
        SatisfactionRating::ALL
            .into_iter()
            .find(|rating| rating.code() == code)
    }

    /// A whole message that is an answer: "puas", "Cukup.", "TIDAK PUAS", "tidak_puas", the
    /// titles of the buttons (or of a template's quick replies) typed or tapped.
    pub fn from_text(text: &str) -> Option<SatisfactionRating> {
        let words: Vec<String> = text
            .trim()
            .trim_end_matches(['.', '!', ','])
            .to_lowercase()
            .split(|c: char| c.is_whitespace() || c == '_')
            .filter(|word| !word.is_empty())
            .map(str::to_string)
            .collect();
        match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["puas"] | ["sangat", "puas"] => Some(SatisfactionRating::Satisfied),
            ["cukup"] | ["cukup", "puas"] => Some(SatisfactionRating::Fair),
            ["tidak", "puas"] | ["tdk", "puas"] | ["kurang", "puas"] => {
                Some(SatisfactionRating::Dissatisfied)
            }
            _ => None,
        }
    }

    /// After these the citizen is asked what could be better.
    pub fn invites_comment(self) -> bool {
        self != SatisfactionRating::Satisfied
    }
}

/// How the question went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AskedBy {
    /// Reply buttons, inside the 24-hour window.
    Buttons,
    /// The configured satisfaction template, outside it.
    Template,
}

/// The question and its answer, kept on the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub asked_at: DateTime<Utc>,
    pub asked_by: AskedBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<SatisfactionRating>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<DateTime<Utc>>,
    /// When the citizen was asked for a comment (after a Cukup or Tidak puas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_asked_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commented_at: Option<DateTime<Utc>>,
}

impl Satisfaction {
    pub fn asked(at: DateTime<Utc>, asked_by: AskedBy) -> Satisfaction {
        Satisfaction {
            asked_at: at,
            asked_by,
            rating: None,
            answered_at: None,
            comment_asked_at: None,
            comment: None,
            commented_at: None,
        }
    }

    /// Whether a plain text at `now` may still answer the question.
    pub fn awaits_rating_by_text(&self, now: DateTime<Utc>) -> bool {
        self.rating.is_none()
            && now.signed_duration_since(self.asked_at) <= Duration::hours(ANSWER_BY_TEXT_HOURS)
    }

    /// Whether the citizen's next text at `now` is the comment asked for.
    pub fn awaits_comment(&self, now: DateTime<Utc>) -> bool {
        self.comment.is_none()
            && self.comment_asked_at.is_some_and(|asked| {
                now.signed_duration_since(asked) <= Duration::minutes(COMMENT_MINUTES)
            })
    }
}

/// Why a report is not asked, or `None` when it should be now: once per report, only when it
/// was resolved, never for reports kept out of the queue.
pub fn reason_not_to_ask(report: &Report) -> Option<&'static str> {
    if report.satisfaction.is_some() {
        return Some("the citizen was already asked");
    }
    if matches!(
        report.status,
        ReportStatus::Spam | ReportStatus::Duplicate | ReportStatus::Rejected
    ) {
        return Some("the report was not handled as a case");
    }
    if report.status != ReportStatus::Resolved {
        return Some("the report is not resolved");
    }
    if report.blocked {
        return Some("the report holds a blocked number's messages");
    }
    None
}

/// Cuts a comment to `MAX_COMMENT_CHARS`.
pub fn fit_comment(text: &str) -> String {
    text.trim().chars().take(MAX_COMMENT_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_citizens_words_and_the_button_titles_read_as_ratings() {
        let cases = [
            ("puas", Some(SatisfactionRating::Satisfied)),
            ("Puas!", Some(SatisfactionRating::Satisfied)),
            (" CUKUP ", Some(SatisfactionRating::Fair)),
            ("Tidak puas", Some(SatisfactionRating::Dissatisfied)),
            ("TIDAK  PUAS.", Some(SatisfactionRating::Dissatisfied)),
            ("tidak_puas", Some(SatisfactionRating::Dissatisfied)),
            ("tidak puas sama sekali, petugas lambat", None),
            ("saya puas dengan pelayanannya", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(SatisfactionRating::from_text(text), expected, "{text:?}");
        }
        for rating in SatisfactionRating::ALL {
            assert_eq!(SatisfactionRating::from_code(rating.code()), Some(rating));
        }
    }

    #[test]
    fn only_a_resolved_report_never_asked_is_asked() {
        let now = Utc::now();
        let report = |status: ReportStatus| -> Report {
            serde_json::from_value(serde_json::json!({
                "id": 1, "ticket": "WA-2026-000001", "status": status, "reporter_id": 2,
                "created_at": now, "updated_at": now, "last_activity_at": now,
            }))
            .unwrap()
        };
        for status in ReportStatus::ALL {
            let asked = reason_not_to_ask(&report(status)).is_none();
            assert_eq!(asked, status == ReportStatus::Resolved, "{status:?}");
        }
        for status in [
            ReportStatus::Spam,
            ReportStatus::Duplicate,
            ReportStatus::Rejected,
        ] {
            assert_eq!(
                reason_not_to_ask(&report(status)),
                Some("the report was not handled as a case")
            );
        }
        let mut again = report(ReportStatus::Resolved);
        again.satisfaction = Some(Satisfaction::asked(now, AskedBy::Buttons));
        assert_eq!(
            reason_not_to_ask(&again),
            Some("the citizen was already asked")
        );
        let mut blocked = report(ReportStatus::Resolved);
        blocked.blocked = true;
        assert!(reason_not_to_ask(&blocked).is_some());
    }

    #[test]
    fn the_windows_for_a_text_answer_and_a_comment_close() {
        let asked = Utc::now();
        let mut satisfaction = Satisfaction::asked(asked, AskedBy::Buttons);
        assert!(satisfaction.awaits_rating_by_text(asked + Duration::hours(71)));
        assert!(!satisfaction.awaits_rating_by_text(asked + Duration::hours(73)));
        assert!(!satisfaction.awaits_comment(asked));
        satisfaction.rating = Some(SatisfactionRating::Fair);
        satisfaction.comment_asked_at = Some(asked);
        assert!(!satisfaction.awaits_rating_by_text(asked));
        assert!(satisfaction.awaits_comment(asked + Duration::minutes(29)));
        assert!(!satisfaction.awaits_comment(asked + Duration::minutes(31)));
    }
}
