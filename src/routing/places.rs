//! Place names found in a report: kab/kota, kecamatan and gazetteer places with their aliases,
//! tolerant of missing spaces ("ilirbarat"), digits for roman numerals ("ilir barat 1"), and
//! one-letter typos in longer names ("sukarame").

// Place lookups run for every word of every message; FxHash is several times faster than
// the default SipHash on these short keys, and the keys come from our own gazetteer.
use rustc_hash::{FxHashMap, FxHashSet};

use crate::profile::Gazetteer;
use crate::text::Analyzer;

mod build;

use super::place_words::{
    NAME_HEAD_WORDS, PlaceWord, TRIP_END_WORDS, WORDS_NEAR_PLACE_NAMES, place_words,
    preferred_town, within_one_edit,
};

/// The longest place name, in words, that the matcher tries.
const MAX_NAME_WORDS: usize = 6;
/// Names this long or longer also match with one letter wrong, missing or extra.
const TYPO_MIN_LETTERS: usize = 6;
/// Keys this short are ordinary syllables unless written in capitals ("PS", "OI", "KI").
const SHORT_KEY_LETTERS: usize = 2;
/// Aliases that name the police itself, not a place ("lapor ke polda").
const ALIASES_THAT_ARE_NOT_PLACES: &[&str] = &["polda"];
/// How precise a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    KabKota,
    Kecamatan,
    /// "Ilir Barat": several kecamatan of one kab/kota.
    KecamatanGroup,
    Place,
}

/// What a name points at; `kab` is none for places spanning several (toll roads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Target {
    pub kab: Option<usize>,
    pub kec: Option<usize>,
    pub level: Level,
    pub needs_marker: bool,
    /// A town of the gazetteer's places ("Pendopo" the town of PALI).
    pub is_town: bool,
}

/// A place name found in the report.
#[derive(Debug, Clone)]
pub(super) struct Mention {
    pub targets: Vec<Target>,
    /// "ke arah Lubuklinggau": where someone went, not where it happened.
    pub directional: bool,
    /// "dari Plaju ke Jakabaring", "Sekayu - Lubuklinggau": an end of a trip or a road.
    pub endpoint: bool,
    /// "Rambutan" without "kec"/"desa"/"pasar": an everyday word that names the kecamatan only
    /// of a kab/kota another name backs ("rawa rambutan Banyuasin"); it never votes.
    pub backing_only: bool,
    /// "sungai keruh" in lower case may describe a river rather than name the kecamatan.
    pub weak: bool,
    pub typo: bool,
    /// "pasar Pendopo": the kab/kota whose town the name is, when it also names a kecamatan
    /// elsewhere; it decides only when no other name backs one of the name's kab/kota.
    pub town_kab: Option<usize>,
    /// The words as the citizen wrote them.
    pub text: String,
}

/// The gazetteer's names, indexed for matching.
#[derive(Debug, Clone)]
pub(super) struct PlaceIndex {
    pub gazetteer: Gazetteer,
    targets_by_key: FxHashMap<String, Vec<Target>>,
    /// One-letter deletions of long keys -> the keys they come from.
    keys_by_deletion: FxHashMap<String, Vec<String>>,
    known_words: FxHashSet<String>,
}

impl PlaceIndex {
    /// Every place name in the texts, longest names first, each word used once.
    pub fn find_mentions(&self, analyzer: &Analyzer, texts: &[&str]) -> Vec<Mention> {
        let mut words: Vec<PlaceWord> = Vec::new();
        for (text_index, text) in texts.iter().enumerate() {
            words.extend(place_words(analyzer, text_index, text));
        }
        let mut mentions = Vec::new();
        let mut start = 0;
        while start < words.len() {
            match self.longest_name_at(&words, start) {
                Some((len, targets, typo)) => {
                    if let Some(mention) = self.mention(texts, &words, start, len, targets, typo) {
                        mentions.push(mention);
                    }
                    start += len;
                }
                None => start += 1,
            }
        }
        mentions
    }

    fn longest_name_at(
        &self,
        words: &[PlaceWord],
        start: usize,
    ) -> Option<(usize, Vec<Target>, bool)> {
        let text_index = words[start].text_index;
        // The keys of the names of 1, 2, … words from `start` are prefixes of one string.
        let mut ends: Vec<usize> = Vec::with_capacity(MAX_NAME_WORDS);
        let mut key = String::new();
        for word in words.iter().skip(start).take(MAX_NAME_WORDS) {
            if word.text_index != text_index {
                break;
            }
            key.push_str(&word.key);
            ends.push(key.len());
        }
        let keys: Vec<&str> = ends.iter().map(|&end| &key[..end]).collect();
        for (offset, &key) in keys.iter().enumerate().rev() {
            let Some(targets) = self.targets_by_key.get(key) else {
                continue;
            };
            let len = offset + 1;
            let is_short = key.chars().count() <= SHORT_KEY_LETTERS;
            if is_short
                && !words[start..start + len]
                    .iter()
                    .all(|word| word.in_capitals)
            {
                continue;
            }
            return Some((len, targets.clone(), false));
        }
        for (offset, &key) in keys.iter().enumerate().take(2) {
            if let Some(targets) = self.typo_targets(key, &words[start..=start + offset]) {
                return Some((offset + 1, targets, true));
            }
        }
        None
    }

    fn typo_targets(&self, key: &str, words: &[PlaceWord]) -> Option<Vec<Target>> {
        if key.chars().count() < TYPO_MIN_LETTERS
            || !key.chars().all(|character| character.is_ascii_lowercase())
            || words
                .iter()
                .any(|word| self.known_words.contains(&word.key))
            || words.iter().any(|word| word.key.len() < 3)
            || WORDS_NEAR_PLACE_NAMES.contains(&key)
        {
            return None;
        }
        let mut candidates: FxHashSet<&String> = FxHashSet::default();
        if let Some(keys) = self.keys_by_deletion.get(key) {
            candidates.extend(keys);
        }
        // Each one-letter deletion, written into one buffer (a word of n letters would
        // otherwise allocate n strings; this runs for every unknown word of every report).
        let letters: Vec<char> = key.chars().collect();
        let mut deletion = String::with_capacity(key.len());
        for skip in 0..letters.len() {
            deletion.clear();
            deletion.extend(
                letters
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| *index != skip)
                    .map(|(_, letter)| letter),
            );
            if let Some((known, _)) = self.targets_by_key.get_key_value(deletion.as_str()) {
                candidates.insert(known);
            }
            if let Some(keys) = self.keys_by_deletion.get(deletion.as_str()) {
                candidates.extend(keys);
            }
        }
        let close: Vec<&String> = candidates
            .into_iter()
            .filter(|candidate| {
                candidate.chars().count() >= TYPO_MIN_LETTERS
                    && candidate.chars().next() == key.chars().next()
                    && within_one_edit(candidate, key)
            })
            .collect();
        // Only official names are read through a typo; the list of places is looser.
        let official: Vec<Target> = match close.as_slice() {
            [only] => self
                .targets_by_key
                .get(*only)?
                .iter()
                .copied()
                .filter(|target| target.level != Level::Place)
                .collect(),
            _ => return None,
        };
        (!official.is_empty()).then_some(official)
    }

    /// Applies the words around the name: "kec", "desa", "kab" narrow what it can be; a
    /// name after a head word ("sungai") is part of an unknown name; "arah" marks a direction.
    fn mention(
        &self,
        texts: &[&str],
        words: &[PlaceWord],
        start: usize,
        len: usize,
        mut targets: Vec<Target>,
        typo: bool,
    ) -> Option<Mention> {
        let before = |distance: usize| {
            start
                .checked_sub(distance)
                .and_then(|index| words.get(index))
                .filter(|word| word.text_index == words[start].text_index)
                .map(|word| word.key.as_str())
        };
        let marker = before(1);
        if marker.is_some_and(|word| NAME_HEAD_WORDS.contains(&word)) {
            // "Sungai OKI", "sungai Rawas Ilir": a river named after a kab/kota or a kecamatan
            // runs through it (kecamatan are often named after their river); any other name
            // after a head word is the tail of an unknown one.
            let of_region = |target: &Target| {
                matches!(
                    target.level,
                    Level::KabKota | Level::Kecamatan | Level::KecamatanGroup
                )
            };
            if marker != Some("sungai") || !targets.iter().any(of_region) {
                return None;
            }
            targets.retain(of_region);
        }
        // A Polsek is named after its kecamatan, a Polres after its kab/kota.
        let kecamatan_marker = matches!(marker, Some("kecamatan" | "polsek"));
        let village_marker = matches!(marker, Some("desa" | "dusun" | "kampung" | "desanya"));
        let kelurahan_marker = marker == Some("kelurahan");
        let kabupaten_marker = matches!(marker, Some("kabupaten" | "kota" | "polres"));
        if targets.iter().any(|target| target.level == Level::KabKota) && !kecamatan_marker {
            // "Muara Enim" is both a kabupaten and its seat kecamatan: read it as the kabupaten.
            let kabkota_kabs: Vec<Option<usize>> = targets
                .iter()
                .filter(|target| target.level == Level::KabKota)
                .map(|target| target.kab)
                .collect();
            targets.retain(|target| {
                target.level == Level::KabKota || !kabkota_kabs.contains(&target.kab)
            });
        }
        let keep_if_any = |targets: &mut Vec<Target>, keep: &dyn Fn(&Target) -> bool| {
            if targets.iter().any(keep) {
                targets.retain(keep);
            }
        };
        if kecamatan_marker {
            keep_if_any(&mut targets, &|target| {
                matches!(target.level, Level::Kecamatan | Level::KecamatanGroup)
            });
        }
        if kabupaten_marker {
            keep_if_any(&mut targets, &|target| target.level == Level::KabKota);
        }
        if village_marker || kelurahan_marker {
            // "Desa X" names a village, unless X is only a kab/kota: "di dusun Lahat", "desa
            // OKUT" is a village somewhere in that kabupaten.
            let village_of_kab =
                village_marker && targets.iter().all(|target| target.level == Level::KabKota);
            if !village_of_kab {
                targets.retain(|target| target.level != Level::KabKota);
            }
        }
        if village_marker {
            // A kota has kelurahan, not desa: "Desa Sukarami" is a village elsewhere.
            targets.retain(|target| !target.kab.is_some_and(|kab| self.is_kota(kab)));
        }
        // "Pasar Kandis": a market is named after its kecamatan.
        let has_marker = kecamatan_marker || village_marker || marker == Some("pasar");
        let backing_only = !has_marker && targets.iter().all(|target| target.needs_marker);
        if !backing_only {
            targets.retain(|target| !target.needs_marker || has_marker);
        }
        let town_kab = if kecamatan_marker {
            None
        } else {
            preferred_town(&targets)
        };
        if targets.is_empty() {
            return None;
        }
        let directional = before(1) == Some("arah") || before(2) == Some("arah");
        let first = &words[start];
        let last = &words[start + len - 1];
        let source = texts.get(first.text_index).copied().unwrap_or("");
        let text = source.get(first.from..last.to).unwrap_or("").to_string();
        let previous_end = start
            .checked_sub(1)
            .map(|index| &words[index])
            .filter(|word| word.text_index == first.text_index)
            .map_or(first.from, |word| word.to);
        let next_start = words
            .get(start + len)
            .filter(|word| word.text_index == first.text_index)
            .map_or(last.to, |word| word.from);
        let hyphen_around = source
            .get(previous_end..first.from)
            .is_some_and(|between| between.contains(['-', '–']))
            || source
                .get(last.to..next_start)
                .is_some_and(|between| between.contains(['-', '–']));
        let endpoint = hyphen_around || marker.is_some_and(|word| TRIP_END_WORDS.contains(&word));
        let weak =
            NAME_HEAD_WORDS.contains(&first.key.as_str()) && !text.chars().any(char::is_uppercase);
        Some(Mention {
            targets,
            directional,
            endpoint,
            backing_only,
            weak,
            typo,
            town_kab,
            text,
        })
    }

    pub fn is_kota(&self, kab: usize) -> bool {
        self.gazetteer
            .kabkota
            .get(kab)
            .is_some_and(|kabkota| kabkota.is_kota())
    }
}
