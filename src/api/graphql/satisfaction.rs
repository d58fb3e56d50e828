//! The citizen's satisfaction in the API: `Report.satisfaction` and `stats.satisfaction`
//! (counts by rating, and by unit and category for supervisors' breakdown).

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

use super::search::KeyCount;
use crate::domain::satisfaction::{
    Satisfaction as StoredSatisfaction, SatisfactionRating as Domain,
};

/// The citizen's answer, in their words: Puas, Cukup, Tidak puas.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "SatisfactionRating")]
pub enum SatisfactionRating {
    #[graphql(name = "PUAS")]
    Satisfied,
    #[graphql(name = "CUKUP")]
    Fair,
    #[graphql(name = "TIDAK_PUAS")]
    Dissatisfied,
}

impl From<Domain> for SatisfactionRating {
    fn from(rating: Domain) -> Self {
        match rating {
            Domain::Satisfied => SatisfactionRating::Satisfied,
            Domain::Fair => SatisfactionRating::Fair,
            Domain::Dissatisfied => SatisfactionRating::Dissatisfied,
        }
    }
}

impl From<SatisfactionRating> for Domain {
    fn from(rating: SatisfactionRating) -> Self {
        match rating {
            SatisfactionRating::Satisfied => Domain::Satisfied,
            SatisfactionRating::Fair => Domain::Fair,
            SatisfactionRating::Dissatisfied => Domain::Dissatisfied,
        }
    }
}

/// The satisfaction question asked once the report was resolved, and the answer.
#[derive(SimpleObject)]
pub struct Satisfaction {
    /// When the question went out (reply buttons, or the template outside the window).
    pub asked_at: DateTime<Utc>,
    /// Null until the citizen answers.
    pub rating: Option<SatisfactionRating>,
    pub answered_at: Option<DateTime<Utc>>,
    /// What the citizen wrote after a Cukup or Tidak puas, when asked what could be better.
    pub comment: Option<String>,
}

impl From<&StoredSatisfaction> for Satisfaction {
    fn from(stored: &StoredSatisfaction) -> Self {
        Satisfaction {
            asked_at: stored.asked_at,
            rating: stored.rating.map(Into::into),
            answered_at: stored.answered_at,
            comment: stored.comment.clone(),
        }
    }
}

/// Answers counted for one unit or one category.
#[derive(SimpleObject)]
pub struct SatisfactionGroup {
    /// The unit code or the category code.
    pub key: String,
    pub answered: u64,
    pub puas: u64,
    pub cukup: u64,
    pub tidak_puas: u64,
}

/// The citizens' answers to the satisfaction question over the matching reports.
#[derive(SimpleObject)]
pub struct SatisfactionStats {
    /// Reports whose citizen answered.
    pub answered: u64,
    /// PUAS, CUKUP and TIDAK_PUAS, each with its count (0 included).
    pub by_rating: Vec<KeyCount>,
    /// By assigned unit, most answers first; reports without a unit are not counted here.
    pub by_unit: Vec<SatisfactionGroup>,
    /// By category, most answers first; reports without a category are not counted here.
    pub by_category: Vec<SatisfactionGroup>,
}

impl From<crate::search::SatisfactionStats> for SatisfactionStats {
    fn from(stats: crate::search::SatisfactionStats) -> Self {
        let groups = |pairs: Vec<(String, [u64; 3])>| {
            pairs
                .into_iter()
                .map(|(key, [puas, cukup, tidak_puas])| SatisfactionGroup {
                    key,
                    answered: puas + cukup + tidak_puas,
                    puas,
                    cukup,
                    tidak_puas,
                })
                .collect()
        };
        SatisfactionStats {
            answered: stats.by_rating.iter().sum(),
            by_rating: Domain::ALL
                .iter()
                .zip(stats.by_rating)
                .map(|(rating, count)| KeyCount {
                    key: rating.as_str().to_string(),
                    count,
                })
                .collect(),
            by_unit: groups(stats.by_unit),
            by_category: groups(stats.by_category),
        }
    }
}
