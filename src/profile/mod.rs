//! The deployment profile: unit tree, places, categories, reply texts and sample messages of
//! one police region, embedded in the binary (`sumsel`) or read from a folder.

mod records;

use std::path::Path;

use serde::{Deserialize, Serialize};

const SUMSEL_UNITS: &str = include_str!("sumsel/units.json");
const SUMSEL_CATEGORIES: &str = include_str!("sumsel/categories.json");
const SUMSEL_REPLIES: &str = include_str!("sumsel/replies.toml");
const SUMSEL_SLA: &str = include_str!("sumsel/sla.toml");
const SUMSEL_CORPUS: &str = include_str!("sumsel/corpus_dev.jsonl");
const SUMSEL_GAZETTEER: &str = include_str!("sumsel/gazetteer.json");
const SUMSEL_PLACES_EXTRA: &str = include_str!("sumsel/places_extra.json");

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
    /// The answer to a report judged urgent: call 110 now, share your live location.
    pub urgent_report: String,
    pub follow_up_ack: String,
    /// Sent when the report is forwarded; `{unit}` is the unit's name.
    pub forwarded: String,
    pub resolved: String,
    /// The body of the WhatsApp location request.
    pub location_request: String,
    /// The body of the WhatsApp call permission request.
    pub call_permission_request: String,
    /// A reminder when the command center asked something and the citizen has not answered.
    pub reporter_reminder: String,
    #[serde(default)]
    pub fallback_template: Option<TemplateRef>,
}

/// Replacement texts from the config file; each one left out keeps the profile's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyOverrides {
    pub new_report: Option<String>,
    pub urgent_report: Option<String>,
    pub follow_up_ack: Option<String>,
    pub forwarded: Option<String>,
    pub resolved: Option<String>,
    pub location_request: Option<String>,
    pub call_permission_request: Option<String>,
    pub reporter_reminder: Option<String>,
    pub fallback_template: Option<TemplateRef>,
}

impl ReplyTexts {
    pub fn with_overrides(mut self, overrides: &ReplyOverrides) -> ReplyTexts {
        if let Some(text) = &overrides.new_report {
            self.new_report = text.clone();
        }
        let texts = [
            (&mut self.urgent_report, &overrides.urgent_report),
            (&mut self.follow_up_ack, &overrides.follow_up_ack),
            (&mut self.forwarded, &overrides.forwarded),
            (&mut self.resolved, &overrides.resolved),
            (&mut self.location_request, &overrides.location_request),
            (
                &mut self.call_permission_request,
                &overrides.call_permission_request,
            ),
            (&mut self.reporter_reminder, &overrides.reporter_reminder),
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

/// A latitude/longitude pair in degrees (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// A kecamatan (district) of one kabupaten/kota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kecamatan {
    pub code: String,
    /// The form citizens use, e.g. "Ilir Barat I".
    pub name: String,
    #[serde(default)]
    pub official_name: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A third-party geocode, good only as a nearest-neighbour hint.
    #[serde(default)]
    pub approx_point: Option<GeoPoint>,
    /// The covering Polsek when the gazetteer knows it (Palembang).
    #[serde(default)]
    pub polsek: Option<String>,
}

/// A kabupaten or kota with its kecamatan and its Polres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KabKota {
    pub code: String,
    /// The canonical name, e.g. "Kota Palembang".
    pub name: String,
    /// "kabupaten" or "kota".
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub short: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub seat: String,
    #[serde(default)]
    pub seat_point: Option<GeoPoint>,
    #[serde(default)]
    pub centroid: Option<GeoPoint>,
    /// `[min_lat, min_lon, max_lat, max_lon]`, coarse (5-15 km).
    #[serde(default)]
    pub bbox_approx: Option<[f64; 4]>,
    #[serde(default)]
    pub polres: Option<String>,
    #[serde(default)]
    pub kecamatan: Vec<Kecamatan>,
}

impl KabKota {
    pub fn is_kota(&self) -> bool {
        self.kind == "kota"
    }
}

/// A town, kelurahan, street or landmark that citizens name instead of a kecamatan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GazetteerPlace {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Canonical kab/kota name; none when the place spans several (toll roads, highways).
    #[serde(default)]
    pub kabkota: Option<String>,
    #[serde(default)]
    pub kecamatan: Option<String>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// The places of the region: kab/kota, kecamatan and named places.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Gazetteer {
    #[serde(default)]
    pub kabkota: Vec<KabKota>,
    #[serde(default)]
    pub places: Vec<GazetteerPlace>,
}

#[derive(Deserialize)]
struct PlacesFile {
    #[serde(default)]
    places: Vec<GazetteerPlace>,
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
                .with_sla(SUMSEL_SLA);
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
        profile
            .with_gazetteer(&gazetteer, &places_extra)?
            .with_sla(&sla)
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

    /// Parses the gazetteer and appends the extra places; an empty text means "none".
    fn with_gazetteer(
        mut self,
        gazetteer: &str,
        places_extra: &str,
    ) -> Result<Profile, ProfileError> {
        let invalid = |file: &str, reason: String| ProfileError::Invalid {
            file: file.to_string(),
            reason,
        };
        if !gazetteer.trim().is_empty() {
            self.gazetteer = serde_json::from_str(gazetteer)
                .map_err(|error| invalid("gazetteer.json", error.to_string()))?;
        }
        if !places_extra.trim().is_empty() {
            let extra: PlacesFile = serde_json::from_str(places_extra)
                .map_err(|error| invalid("places_extra.json", error.to_string()))?;
            self.gazetteer.places.extend(extra.places);
        }
        self.validate_gazetteer()?;
        Ok(self)
    }

    /// Every place must name a known kab/kota and, when it names one, a kecamatan of it.
    fn validate_gazetteer(&self) -> Result<(), ProfileError> {
        let invalid = |reason: String| ProfileError::Invalid {
            file: "gazetteer.json".into(),
            reason,
        };
        for place in &self.gazetteer.places {
            let Some(kabkota_name) = &place.kabkota else {
                continue;
            };
            let Some(kabkota) = self
                .gazetteer
                .kabkota
                .iter()
                .find(|kabkota| &kabkota.name == kabkota_name)
            else {
                return Err(invalid(format!(
                    "place {} names an unknown kab/kota {kabkota_name}",
                    place.name
                )));
            };
            if let Some(kecamatan_name) = &place.kecamatan
                && !kabkota
                    .kecamatan
                    .iter()
                    .any(|kecamatan| &kecamatan.name == kecamatan_name)
            {
                return Err(invalid(format!(
                    "place {} names kecamatan {kecamatan_name}, which {kabkota_name} does not have",
                    place.name
                )));
            }
        }
        Ok(())
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
    fn the_built_in_gazetteer_loads_with_its_extra_places() {
        let profile = Profile::load("sumsel").unwrap();
        assert_eq!(profile.gazetteer.kabkota.len(), 17);
        let kecamatan_count: usize = profile
            .gazetteer
            .kabkota
            .iter()
            .map(|kabkota| kabkota.kecamatan.len())
            .sum();
        assert_eq!(kecamatan_count, 241);
        assert!(profile.gazetteer.places.len() > 50);
        let pencurian = profile
            .categories
            .iter()
            .find(|category| category.code == "pencurian")
            .unwrap();
        assert_eq!(pencurian.priority, 2);
        assert!(!pencurian.urgent_default);
    }

    #[test]
    fn a_profile_folder_without_place_files_loads_with_an_empty_gazetteer() {
        let folder = tempfile::tempdir().unwrap();
        for (file, text) in [
            ("units.json", SUMSEL_UNITS),
            ("categories.json", SUMSEL_CATEGORIES),
            ("replies.toml", SUMSEL_REPLIES),
        ] {
            std::fs::write(folder.path().join(file), text).unwrap();
        }
        let profile = Profile::load(folder.path().to_str().unwrap()).unwrap();
        assert!(profile.gazetteer.kabkota.is_empty());
        std::fs::write(folder.path().join("gazetteer.json"), SUMSEL_GAZETTEER).unwrap();
        let profile = Profile::load(folder.path().to_str().unwrap()).unwrap();
        assert_eq!(profile.gazetteer.kabkota.len(), 17);
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
