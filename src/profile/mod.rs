//! The deployment profile: unit tree, places, categories, reply texts and sample messages of
//! one police region, embedded in the binary (`sumsel`) or read from a folder.

use std::path::Path;

use serde::{Deserialize, Serialize};

const SUMSEL_UNITS: &str = include_str!("sumsel/units.json");
const SUMSEL_CATEGORIES: &str = include_str!("sumsel/categories.json");
const SUMSEL_REPLIES: &str = include_str!("sumsel/replies.toml");
const SUMSEL_CORPUS: &str = include_str!("sumsel/corpus_dev.jsonl");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRef {
    pub name: String,
    #[serde(default = "default_template_language")]
    pub language: String,
}

fn default_template_language() -> String {
    "id".to_string()
}

/// The texts citizens receive automatically. `{ticket}` is replaced by the ticket number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTexts {
    pub new_report: String,
    pub follow_up_ack: String,
    /// Sent when the report is forwarded; `{unit}` is the unit's name.
    pub forwarded: String,
    pub resolved: String,
    /// The body of the WhatsApp location request.
    pub location_request: String,
    /// The body of the WhatsApp call permission request.
    pub call_permission_request: String,
    #[serde(default)]
    pub fallback_template: Option<TemplateRef>,
}

/// Replacement texts from the config file; each one left out keeps the profile's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyOverrides {
    pub new_report: Option<String>,
    pub follow_up_ack: Option<String>,
    pub forwarded: Option<String>,
    pub resolved: Option<String>,
    pub location_request: Option<String>,
    pub call_permission_request: Option<String>,
    pub fallback_template: Option<TemplateRef>,
}

impl ReplyTexts {
    pub fn with_overrides(mut self, overrides: &ReplyOverrides) -> ReplyTexts {
        if let Some(text) = &overrides.new_report {
            self.new_report = text.clone();
        }
        let texts = [
            (&mut self.follow_up_ack, &overrides.follow_up_ack),
            (&mut self.forwarded, &overrides.forwarded),
            (&mut self.resolved, &overrides.resolved),
            (&mut self.location_request, &overrides.location_request),
            (
                &mut self.call_permission_request,
                &overrides.call_permission_request,
            ),
        ];
        for (text, replacement) in texts {
            if let Some(replacement) = replacement {
                text.clone_from(replacement);
            }
        }
        if overrides.fallback_template.is_some() {
            self.fallback_template = overrides.fallback_template.clone();
        }
        self
    }
}

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
            return Profile::from_texts(
                "sumsel",
                SUMSEL_UNITS,
                SUMSEL_CATEGORIES,
                SUMSEL_REPLIES,
                SUMSEL_CORPUS,
            );
        }
        let folder = Path::new(name_or_path);
        let read = |file: &str| {
            std::fs::read_to_string(folder.join(file)).map_err(|error| ProfileError::Read {
                file: folder.join(file).display().to_string(),
                reason: error.to_string(),
            })
        };
        let corpus = read("corpus_dev.jsonl").unwrap_or_default();
        Profile::from_texts(
            name_or_path,
            &read("units.json")?,
            &read("categories.json")?,
            &read("replies.toml")?,
            &corpus,
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_sumsel_profile_loads_whole() {
        let profile = Profile::load("sumsel").unwrap();
        assert_eq!(profile.units.len(), 194);
        assert_eq!(profile.categories.len(), 38);
        assert_eq!(profile.samples.len(), 300);
        assert!(profile.replies.new_report.contains("110"));
        assert_eq!(
            profile
                .units
                .iter()
                .filter(|unit| unit.parent.is_none())
                .count(),
            1
        );
    }

    #[test]
    fn overrides_replace_only_what_they_name() {
        let profile = Profile::load("sumsel").unwrap();
        let overrides = ReplyOverrides {
            follow_up_ack: Some("ok {ticket}".into()),
            ..Default::default()
        };
        let replies = profile.replies.clone().with_overrides(&overrides);
        assert_eq!(replies.follow_up_ack, "ok {ticket}");
        assert_eq!(replies.new_report, profile.replies.new_report);
    }
}
