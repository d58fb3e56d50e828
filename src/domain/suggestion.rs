//! What the router suggests for a report: category, urgency, place and units, as plain data
//! stored on the report. `crate::routing` computes it from the profile.

use crate::domain::ids::UnitCode;
use serde::{Deserialize, Serialize};

/// What the router suggests for a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub category: Option<String>,
    /// In [0, 1], from the score of the category and its margin over the next one.
    pub confidence: f32,
    pub urgent: bool,
    /// Human-readable, naming the words that decided.
    pub reasons: Vec<String>,
    pub territorial_unit: Option<UnitCode>,
    pub functional_units: Vec<UnitCode>,
    pub place: Option<PlaceMatch>,
    /// How strongly the situation reads as an emergency, in [0, 1]; `urgent` is true from 0.5.
    #[serde(default)]
    pub urgency_score: f32,
    /// The score lies in the measured grey zone around 0.5: the citizen should be asked whether
    /// it is happening now (the answer decides, not the score).
    #[serde(default)]
    pub urgency_uncertain: bool,
    /// The category is not clear: no category, or a close runner-up. `category_candidates` then
    /// holds the few likeliest to offer the citizen.
    #[serde(default)]
    pub category_uncertain: bool,
    /// The likeliest categories, best first (at most a few), filled when `category_uncertain`.
    #[serde(default)]
    pub category_candidates: Vec<CategoryCandidate>,
}

/// One category the report may belong to, with its share of the evidence in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryCandidate {
    pub code: String,
    pub share: f32,
}

/// Where the report happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceMatch {
    /// Canonical kab/kota name, e.g. "Kota Palembang".
    pub kabupaten: String,
    pub kecamatan: Option<String>,
    /// The shared location if any, else the kecamatan's approximate point, else the seat.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The words of the report that named the place; none when it came from a location.
    pub matched_text: Option<String>,
}
