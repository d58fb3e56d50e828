//! The places of the region (kab/kota, kecamatan, named places) and their checks on loading.

use serde::{Deserialize, Serialize};

use super::{Profile, ProfileError};

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

impl Profile {
    /// Parses the gazetteer and appends the extra places; an empty text means "none".
    pub(super) fn with_gazetteer(
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
}
