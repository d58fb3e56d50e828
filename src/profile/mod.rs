//! The deployment profile: unit tree, places, categories, reply texts and sample messages of
//! one police region, embedded in the binary (`sumsel`) or read from a folder.
//!
//! `replies` holds the texts citizens receive, `places` the gazetteer and `records` the profile
//! as the domain's records; this file holds the units, categories and samples, and the loading
//! and checking of a whole profile.

mod places;
mod records;
mod replies;
#[cfg(test)]
mod tests;

pub use places::{Gazetteer, GazetteerPlace, GeoPoint, KabKota, Kecamatan};
pub use replies::{ReplyOverrides, ReplyTexts, TemplateRef};

use std::path::Path;

use serde::{Deserialize, Serialize};

const SUMSEL_UNITS: &str = include_str!("sumsel/units.json");
const SUMSEL_CATEGORIES: &str = include_str!("sumsel/categories.json");
const SUMSEL_REPLIES: &str = include_str!("sumsel/replies.toml");
const SUMSEL_SLA: &str = include_str!("sumsel/sla.toml");
const SUMSEL_CORPUS: &str = include_str!("sumsel/corpus_dev.jsonl");
const SUMSEL_GAZETTEER: &str = include_str!("sumsel/gazetteer.json");
const SUMSEL_PLACES_EXTRA: &str = include_str!("sumsel/places_extra.json");
const SUMSEL_CANNED_REPLIES: &str = include_str!("sumsel/canned_replies.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: Option<String>,
    #[serde(default)]
    pub covers: Vec<String>,
    #[serde(default)]
    pub handles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub group: String,
    pub label: String,
    #[serde(default)]
    pub routes_to: String,
    #[serde(default)]
    pub functional_units: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// The starting value of the urgent flag; the router changes it with time and harm cues.
    #[serde(default)]
    pub urgent_default: bool,
    /// 1 = most pressing ... 5 = needs no follow-up.
    #[serde(default = "default_category_priority")]
    pub priority: u8,
    /// Function units of the local Polres that receive a copy (names, not unit codes).
    #[serde(default)]
    pub polres_satfung: Vec<String>,
}

fn default_category_priority() -> u8 {
    3
}

/// A labelled sample citizen message (used by the demo and by benches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleMessage {
    pub text: String,
    pub category: String,
    pub place: Option<String>,
    pub kecamatan: Option<String>,
    pub urgent: bool,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub units: Vec<Unit>,
    pub categories: Vec<Category>,
    pub replies: ReplyTexts,
    pub samples: Vec<SampleMessage>,
    /// `gazetteer.json` plus the places of `places_extra.json`; empty for a folder without them.
    pub gazetteer: Gazetteer,
    /// `sla.toml`: response targets per priority (the documented defaults when a folder has none).
    pub sla: crate::domain::sla::SlaPolicy,
    /// `canned_replies.toml`: the starter set of canned replies, seeded into the store on the
    /// first start (none for a folder without the file).
    pub canned_replies: Vec<CannedReplyDraft>,
}

/// A canned reply of the profile's starter set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CannedReplyDraft {
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CannedRepliesFile {
    #[serde(default)]
    reply: Vec<CannedReplyDraft>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profile file {file} cannot be read: {reason}")]
    Read { file: String, reason: String },
    #[error("profile file {file} is invalid: {reason}")]
    Invalid { file: String, reason: String },
}

#[derive(Deserialize)]
struct UnitsFile {
    units: Vec<Unit>,
}

#[derive(Deserialize)]
struct CategoriesFile {
    categories: Vec<Category>,
}

impl Profile {
    /// `sumsel` is built in; anything else is a folder holding the same files.
    pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
        if name_or_path == "sumsel" {
            let profile = Profile::from_texts(
                "sumsel",
                SUMSEL_UNITS,
                SUMSEL_CATEGORIES,
                SUMSEL_REPLIES,
                SUMSEL_CORPUS,
            )?;
            return profile
                .with_gazetteer(SUMSEL_GAZETTEER, SUMSEL_PLACES_EXTRA)?
                .with_sla(SUMSEL_SLA)?
                .with_canned_replies(SUMSEL_CANNED_REPLIES);
        }
        let folder = Path::new(name_or_path);
        let read = |file: &str| {
            std::fs::read_to_string(folder.join(file)).map_err(|error| ProfileError::Read {
                file: folder.join(file).display().to_string(),
                reason: error.to_string(),
            })
        };
        let corpus = read("corpus_dev.jsonl").unwrap_or_default();
        let profile = Profile::from_texts(
            name_or_path,
            &read("units.json")?,
            &read("categories.json")?,
            &read("replies.toml")?,
            &corpus,
        )?;
        // The place files are optional in a folder: without them the router finds no places.
        let read_if_present = |file: &str| {
            if folder.join(file).exists() {
                read(file)
            } else {
                Ok(String::new())
            }
        };
        let gazetteer = read_if_present("gazetteer.json")?;
        let places_extra = read_if_present("places_extra.json")?;
        let sla = read_if_present("sla.toml")?;
        let canned_replies = read_if_present("canned_replies.toml")?;
        profile
            .with_gazetteer(&gazetteer, &places_extra)?
            .with_sla(&sla)?
            .with_canned_replies(&canned_replies)
    }

    /// Reads the starter set of canned replies; each must use only the known variables.
    fn with_canned_replies(mut self, text: &str) -> Result<Profile, ProfileError> {
        let invalid = |reason: String| ProfileError::Invalid {
            file: "canned_replies.toml".into(),
            reason,
        };
        let file: CannedRepliesFile =
            toml::from_str(text).map_err(|error| invalid(error.to_string()))?;
        for draft in &file.reply {
            crate::domain::canned::check_variables(&draft.text)
                .map_err(|reason| invalid(format!("{}: {reason}", draft.title)))?;
        }
        self.canned_replies = file.reply;
        Ok(self)
    }

    /// Reads the SLA targets; an empty text keeps the defaults.
    fn with_sla(mut self, sla: &str) -> Result<Profile, ProfileError> {
        if sla.trim().is_empty() {
            return Ok(self);
        }
        let invalid = |reason: String| ProfileError::Invalid {
            file: "sla.toml".into(),
            reason,
        };
        let file: crate::domain::sla::SlaFile =
            toml::from_str(sla).map_err(|error| invalid(error.to_string()))?;
        self.sla = file.into_policy().map_err(invalid)?;
        Ok(self)
    }

    fn from_texts(
        name: &str,
        units: &str,
        categories: &str,
        replies: &str,
        corpus: &str,
    ) -> Result<Profile, ProfileError> {
        let invalid = |file: &str, reason: String| ProfileError::Invalid {
            file: file.to_string(),
            reason,
        };
        let units: UnitsFile = serde_json::from_str(units)
            .map_err(|error| invalid("units.json", error.to_string()))?;
        let categories: CategoriesFile = serde_json::from_str(categories)
            .map_err(|error| invalid("categories.json", error.to_string()))?;
        let replies: ReplyTexts =
            toml::from_str(replies).map_err(|error| invalid("replies.toml", error.to_string()))?;
        let mut samples = Vec::new();
        for (line_number, line) in corpus.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let sample: SampleMessage = serde_json::from_str(line).map_err(|error| {
                invalid(
                    "corpus_dev.jsonl",
                    format!("line {}: {error}", line_number + 1),
                )
            })?;
            samples.push(sample);
        }
        let profile = Profile {
            name: name.to_string(),
            units: units.units,
            categories: categories.categories,
            replies,
            samples,
            gazetteer: Gazetteer::default(),
            sla: crate::domain::sla::SlaPolicy::default(),
            canned_replies: Vec::new(),
        };
        profile.validate()?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), ProfileError> {
        let codes: std::collections::HashSet<&str> =
            self.units.iter().map(|unit| unit.code.as_str()).collect();
        for unit in &self.units {
            if let Some(parent) = &unit.parent
                && !codes.contains(parent.as_str())
            {
                return Err(ProfileError::Invalid {
                    file: "units.json".into(),
                    reason: format!("unit {} names an unknown parent {parent}", unit.code),
                });
            }
        }
        if !self.replies.new_report.contains("{ticket}") {
            return Err(ProfileError::Invalid {
                file: "replies.toml".into(),
                reason: "new_report must contain {ticket}".into(),
            });
        }
        Ok(())
    }
}
