//! Where a report happened: a place named in the text, or the point the citizen shared, and
//! how the suggestion describes it (`Router::suggest`).

use super::resolve::{self, Located, NoPlace};
use super::{PlaceMatch, Router, places};

impl Router {
    /// A named place wins over the shared point (the gazetteer's points are coarse); the point
    /// only adds the kecamatan when it agrees on the kab/kota.
    pub(super) fn locate(
        &self,
        mentions: &[places::Mention],
        location: Option<(f64, f64)>,
        reasons: &mut Vec<String>,
    ) -> Option<Located> {
        let inner = &*self.inner;
        let from_text = resolve::resolve_mentions(&inner.places, mentions);
        let from_point =
            location.and_then(|(lat, lon)| resolve::locate_point(&inner.places, lat, lon));
        match (from_text, from_point) {
            (Ok(mut named), Some(pointed)) => {
                reasons.push(format!("lokasi: {}", self.describe(&named)));
                if pointed.kab != named.kab {
                    reasons.push(format!(
                        "titik lokasi WhatsApp ({}) diabaikan: nama tempat lebih dipercaya",
                        self.describe(&pointed)
                    ));
                } else if named.kec.is_none() && pointed.kec.is_some() {
                    named.kec = pointed.kec;
                    reasons.push(format!(
                        "kecamatan dari titik lokasi: {}",
                        self.describe(&named)
                    ));
                }
                Some(named)
            }
            (Ok(named), None) => {
                reasons.push(format!("lokasi: {}", self.describe(&named)));
                Some(named)
            }
            (Err(refusal), Some(pointed)) => {
                reasons.extend(refusal_reason(&refusal));
                reasons.push(format!(
                    "lokasi dari titik WhatsApp: {}",
                    self.describe(&pointed)
                ));
                Some(pointed)
            }
            (Err(refusal), None) => {
                reasons.extend(refusal_reason(&refusal));
                None
            }
        }
    }

    fn describe(&self, located: &Located) -> String {
        let gazetteer = &self.inner.places.gazetteer;
        let Some(kabkota) = gazetteer.kabkota.get(located.kab) else {
            return String::new();
        };
        let kecamatan = located
            .kec
            .and_then(|kec| kabkota.kecamatan.get(kec))
            .map(|kecamatan| format!("{}, ", kecamatan.name))
            .unwrap_or_default();
        let words = located
            .matched_text
            .as_ref()
            .map(|text| format!(" ('{text}')"))
            .unwrap_or_default();
        format!("{kecamatan}{}{words}", kabkota.name)
    }

    pub(super) fn place_match(
        &self,
        located: &Located,
        location: Option<(f64, f64)>,
    ) -> PlaceMatch {
        let gazetteer = &self.inner.places.gazetteer;
        let kabkota = gazetteer.kabkota.get(located.kab);
        let kecamatan = located
            .kec
            .and_then(|kec| kabkota.and_then(|kabkota| kabkota.kecamatan.get(kec)));
        let point = location.or_else(|| {
            kecamatan
                .and_then(|kecamatan| kecamatan.approx_point)
                .or_else(|| kabkota.and_then(|kabkota| kabkota.seat_point))
                .map(|point| (point.lat, point.lon))
        });
        PlaceMatch {
            kabupaten: kabkota
                .map(|kabkota| kabkota.name.clone())
                .unwrap_or_default(),
            kecamatan: kecamatan.map(|kecamatan| kecamatan.name.clone()),
            latitude: point.map(|(lat, _)| lat),
            longitude: point.map(|(_, lon)| lon),
            matched_text: located.matched_text.clone(),
        }
    }
}

fn refusal_reason(refusal: &NoPlace) -> Option<String> {
    match refusal {
        NoPlace::NothingNamed => None,
        NoPlace::Ambiguous(name) => Some(format!(
            "lokasi tidak dipastikan: '{name}' ada di beberapa kab/kota"
        )),
        NoPlace::Conflicting(names) => Some(format!(
            "lokasi tidak dipastikan: '{}' menunjuk kab/kota berbeda",
            names.join("', '")
        )),
        NoPlace::OnlyHints(name) => Some(format!(
            "lokasi tidak dipastikan: '{name}' hanya arah atau jalan lintas"
        )),
    }
}
