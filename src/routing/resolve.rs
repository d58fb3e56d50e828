//! From the place names of a report to one kab/kota (and kecamatan when the names agree), and
//! from a shared WhatsApp location to the nearest kecamatan; ambiguity gives no place.

use std::collections::BTreeMap;

use super::places::{Level, Mention, PlaceIndex};

/// A name written as a direction ("kabur ke arah X") only hints. (The end of a trip, "ke X" or
/// "dari X", keeps its full vote: measured in the eighth round, "saya dari Sungsang", "tolong
/// damkar ke Srijaya" name the scene far more often than "mudik ke Baturaja" names a
/// destination; kab/kota fell on every set, train2 unseen 0.970 -> 0.951.)
const DIRECTION_VOTE: f32 = 0.4;
/// A misspelt name counts a little less than one written right.
const TYPO_VOTE: f32 = 0.8;
/// "sungai keruh" in lower case may be a description: it loses to any real name.
const WEAK_NAME_VOTE: f32 = 0.5;
/// What the winning kab/kota needs: more than a direction alone.
const MIN_WINNING_VOTE: f32 = 0.45;
/// Gazetteer boxes are coarse; a point this close outside one still counts as inside.
const BBOX_MARGIN_DEGREES: f64 = 0.02;
/// Kecamatan points are third-party geocodes: farther than this, name only the kab/kota.
const MAX_KECAMATAN_POINT_KM: f64 = 20.0;

/// A place settled from the text or a point.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Located {
    pub kab: usize,
    pub kec: Option<usize>,
    pub matched_text: Option<String>,
}

/// Why the names gave no place, for the reasons shown to operators.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum NoPlace {
    NothingNamed,
    /// A name that exists in several kab/kota and nothing else to tell which.
    Ambiguous(String),
    /// Names in different kab/kota with equal weight ("jalan lintas Lahat - Muara Enim").
    Conflicting(Vec<String>),
    /// Only a direction or a road that crosses several kab/kota.
    OnlyHints(String),
}

pub(super) fn resolve_mentions(
    index: &PlaceIndex,
    mentions: &[Mention],
) -> Result<Located, NoPlace> {
    let mut votes: BTreeMap<usize, f32> = BTreeMap::new();
    let mut ambiguous: Vec<(&Mention, Vec<usize>, f32)> = Vec::new();
    for mention in mentions.iter().filter(|mention| !mention.backing_only) {
        let kabs = kabs_of(mention);
        let weight = vote_of(mention);
        match kabs.as_slice() {
            [] => {}
            [only] => *votes.entry(*only).or_default() += weight,
            _ => ambiguous.push((mention, kabs, weight)),
        }
    }
    // An ambiguous name supports the one of its kab/kota that another name already backs
    // ("Pendopo, Empat Lawang"); with none backed, a town is the town ("pasar Pendopo").
    let backed_by_names = votes.clone();
    for (mention, kabs, weight) in &ambiguous {
        let backed: Vec<usize> = kabs
            .iter()
            .copied()
            .filter(|kab| backed_by_names.get(kab).is_some_and(|vote| *vote > 0.0))
            .collect();
        match (backed.as_slice(), mention.town_kab) {
            ([only], _) => *votes.entry(*only).or_default() += weight,
            ([], Some(town)) => *votes.entry(town).or_default() += weight,
            _ => {}
        }
    }
    let mut ranking: Vec<(usize, f32)> = votes.into_iter().collect();
    ranking.sort_by(|left, right| right.1.total_cmp(&left.1));
    let Some(&(best_kab, best_vote)) = ranking.first() else {
        return Err(refusal_without_votes(mentions, &ambiguous));
    };
    if best_vote < MIN_WINNING_VOTE {
        let hint = mentions
            .iter()
            .find(|mention| !mention.backing_only)
            .map(|mention| mention.text.clone());
        return Err(NoPlace::OnlyHints(hint.unwrap_or_default()));
    }
    if let Some(&(_, second_vote)) = ranking.get(1)
        && second_vote >= best_vote
    {
        let names = mentions
            .iter()
            .filter(|mention| !kabs_of(mention).is_empty())
            .map(|mention| mention.text.clone())
            .collect();
        return Err(NoPlace::Conflicting(names));
    }
    let supporting: Vec<&Mention> = mentions
        .iter()
        .filter(|mention| kabs_of(mention).contains(&best_kab))
        .collect();
    // Where it happened beats where a trip or a road starts and ends ("jalan Sekayu -
    // Lubuklinggau di Babat Toman").
    let scene_names_a_kecamatan = supporting
        .iter()
        .any(|mention| !mention.endpoint && kecamatan_named_by(mention, best_kab).is_some());
    let mut kecamatan_choices: Vec<(usize, &Mention)> = Vec::new();
    for mention in supporting
        .iter()
        .filter(|mention| !(scene_names_a_kecamatan && mention.endpoint))
    {
        if let Some(kec) = kecamatan_named_by(mention, best_kab)
            && !kecamatan_choices.iter().any(|(known, _)| *known == kec)
        {
            kecamatan_choices.push((kec, mention));
        }
    }
    let (kec, matched_text) = match kecamatan_choices.as_slice() {
        [(kec, mention)] => (Some(*kec), Some(mention.text.clone())),
        _ => (None, supporting.first().map(|mention| mention.text.clone())),
    };
    debug_assert!(best_kab < index.gazetteer.kabkota.len());
    Ok(Located {
        kab: best_kab,
        kec,
        matched_text,
    })
}

fn refusal_without_votes(
    mentions: &[Mention],
    ambiguous: &[(&Mention, Vec<usize>, f32)],
) -> NoPlace {
    if let Some((mention, _, _)) = ambiguous.first() {
        return NoPlace::Ambiguous(mention.text.clone());
    }
    match mentions.iter().find(|mention| !mention.backing_only) {
        Some(mention) => NoPlace::OnlyHints(mention.text.clone()),
        None => NoPlace::NothingNamed,
    }
}

fn vote_of(mention: &Mention) -> f32 {
    if mention.directional {
        DIRECTION_VOTE
    } else if mention.weak {
        WEAK_NAME_VOTE
    } else if mention.typo {
        TYPO_VOTE
    } else {
        1.0
    }
}

fn kabs_of(mention: &Mention) -> Vec<usize> {
    let mut kabs: Vec<usize> = mention
        .targets
        .iter()
        .filter_map(|target| target.kab)
        .collect();
    kabs.sort_unstable();
    kabs.dedup();
    kabs
}

/// The single kecamatan a name points at within the kab/kota, if it points at exactly one.
fn kecamatan_named_by(mention: &Mention, kab: usize) -> Option<usize> {
    let mut named: Option<usize> = None;
    for target in mention
        .targets
        .iter()
        .filter(|target| target.kab == Some(kab))
    {
        if target.level == Level::KabKota || target.level == Level::KecamatanGroup {
            return None;
        }
        let kec = target.kec?;
        if named.is_some_and(|known| known != kec) {
            return None;
        }
        named = Some(kec);
    }
    named
}

/// A WhatsApp location: the kecamatan with the nearest point inside the boxes that hold it, else
/// the kab/kota whose box holds it (nearest centroid when boxes overlap).
pub(super) fn locate_point(index: &PlaceIndex, latitude: f64, longitude: f64) -> Option<Located> {
    if !latitude.is_finite() || !longitude.is_finite() {
        return None;
    }
    let kabkota = &index.gazetteer.kabkota;
    let holding: Vec<usize> = (0..kabkota.len())
        .filter(|&kab| {
            kabkota[kab]
                .bbox_approx
                .is_some_and(|[min_lat, min_lon, max_lat, max_lon]| {
                    latitude >= min_lat - BBOX_MARGIN_DEGREES
                        && latitude <= max_lat + BBOX_MARGIN_DEGREES
                        && longitude >= min_lon - BBOX_MARGIN_DEGREES
                        && longitude <= max_lon + BBOX_MARGIN_DEGREES
                })
        })
        .collect();
    if holding.is_empty() {
        return None;
    }
    let mut nearest_kecamatan: Option<(usize, usize, f64)> = None;
    for &kab in &holding {
        for (kec, kecamatan) in kabkota[kab].kecamatan.iter().enumerate() {
            let Some(point) = kecamatan.approx_point else {
                continue;
            };
            let distance = distance_km(latitude, longitude, point.lat, point.lon);
            if nearest_kecamatan.is_none_or(|(_, _, best)| distance < best) {
                nearest_kecamatan = Some((kab, kec, distance));
            }
        }
    }
    if let Some((kab, kec, distance)) = nearest_kecamatan
        && distance <= MAX_KECAMATAN_POINT_KM
    {
        return Some(Located {
            kab,
            kec: Some(kec),
            matched_text: None,
        });
    }
    let nearest_centroid = holding.iter().copied().min_by(|&left, &right| {
        let distance_to = |kab: usize| {
            kabkota[kab]
                .centroid
                .or(kabkota[kab].seat_point)
                .map_or(f64::MAX, |point| {
                    distance_km(latitude, longitude, point.lat, point.lon)
                })
        };
        distance_to(left).total_cmp(&distance_to(right))
    })?;
    Some(Located {
        kab: nearest_centroid,
        kec: None,
        matched_text: None,
    })
}

/// Equirectangular distance; exact enough at a few tens of kilometres near the equator.
pub(super) fn distance_km(lat_a: f64, lon_a: f64, lat_b: f64, lon_b: f64) -> f64 {
    use crate::domain::report::GeoPoint;
    let point = |latitude, longitude| GeoPoint {
        latitude,
        longitude,
    };
    point(lat_a, lon_a).distance_km(&point(lat_b, lon_b))
}
