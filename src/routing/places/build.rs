//! Building the place index: the gazetteer's names and aliases, the names shared by sibling
//! kecamatan ("ilir barat" for Ilir Barat I and II), and the one-letter deletions of long names
//! that let a typo still match.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use crate::profile::Gazetteer;
use crate::text::Analyzer;

use super::super::place_words::{
    NAME_HEAD_WORDS, NAMES_THAT_ARE_COMMON_WORDS, SIBLING_SUFFIXES, one_letter_deletions,
    place_words,
};
use super::{
    ALIASES_THAT_ARE_NOT_PLACES, Level, MAX_NAME_WORDS, PlaceIndex, TYPO_MIN_LETTERS, Target,
};

impl PlaceIndex {
    /// `known_words` are ordinary words of the lexicon, never read as misspelt place names.
    pub fn new(gazetteer: &Gazetteer, analyzer: &Analyzer, known_words: HashSet<String>) -> Self {
        let mut index = PlaceIndex {
            gazetteer: gazetteer.clone(),
            targets_by_key: FxHashMap::default(),
            keys_by_deletion: FxHashMap::default(),
            known_words: known_words.into_iter().collect(),
        };
        index.add_gazetteer_names(gazetteer, analyzer);
        index.add_sibling_group_names(gazetteer, analyzer);
        index.index_deletions();
        index
    }

    pub(super) fn add_gazetteer_names(&mut self, gazetteer: &Gazetteer, analyzer: &Analyzer) {
        for (kab, kabkota) in gazetteer.kabkota.iter().enumerate() {
            let target = Target {
                kab: Some(kab),
                kec: None,
                level: Level::KabKota,
                needs_marker: false,
                is_town: false,
            };
            let names = std::iter::once(&kabkota.name)
                .chain(std::iter::once(&kabkota.short))
                .chain(&kabkota.aliases);
            for name in names {
                self.add_name(analyzer, name, target);
            }
            for (kec, kecamatan) in kabkota.kecamatan.iter().enumerate() {
                let target = Target {
                    kab: Some(kab),
                    kec: Some(kec),
                    level: Level::Kecamatan,
                    needs_marker: false,
                    is_town: false,
                };
                let names = std::iter::once(&kecamatan.name)
                    .chain(&kecamatan.official_name)
                    .chain(&kecamatan.aliases);
                for name in names {
                    self.add_name(analyzer, name, target);
                }
                // Eleventh round: a city's kecamatan written with the city's other spellings
                // ("Prabu Utara", "Linggau Utara 2", "Pagaralam Selatan").
                let suffix = kecamatan
                    .name
                    .strip_prefix(kabkota.short.as_str())
                    .filter(|suffix| !kabkota.short.is_empty() && suffix.starts_with(' '));
                for alias in suffix.into_iter().flat_map(|_| &kabkota.aliases) {
                    let lower = alias.to_lowercase();
                    if lower != kabkota.short.to_lowercase()
                        && !lower.starts_with("kab")
                        && !lower.starts_with("kota")
                    {
                        let suffix = suffix.unwrap_or_default();
                        self.add_name(analyzer, &format!("{alias}{suffix}"), target);
                    }
                }
            }
        }
        for place in &gazetteer.places {
            let kab = place.kabkota.as_ref().and_then(|name| {
                gazetteer
                    .kabkota
                    .iter()
                    .position(|kabkota| &kabkota.name == name)
            });
            let kec = kab.zip(place.kecamatan.as_ref()).and_then(|(kab, name)| {
                gazetteer.kabkota[kab]
                    .kecamatan
                    .iter()
                    .position(|kecamatan| &kecamatan.name == name)
            });
            let target = Target {
                kab,
                kec,
                level: Level::Place,
                needs_marker: false,
                is_town: place.kind.contains("kota"),
            };
            for name in std::iter::once(&place.name).chain(&place.aliases) {
                self.add_name(analyzer, name, target);
            }
        }
    }

    /// "Merapi" for Merapi Barat/Timur/Selatan, "Tanjung Sakti" for Tanjung Sakti Pumu/Pumi:
    /// citizens drop the part that tells siblings apart.
    pub(super) fn add_sibling_group_names(&mut self, gazetteer: &Gazetteer, analyzer: &Analyzer) {
        let mut groups: FxHashMap<String, (usize, Vec<usize>)> = FxHashMap::default();
        for (kab, kabkota) in gazetteer.kabkota.iter().enumerate() {
            for (kec, kecamatan) in kabkota.kecamatan.iter().enumerate() {
                let words = place_words(analyzer, 0, &kecamatan.name);
                let Some(last) = words.last() else {
                    continue;
                };
                let drops_suffix = words.len() >= 3
                    || (words.len() == 2 && SIBLING_SUFFIXES.contains(&last.key.as_str()));
                if !drops_suffix {
                    continue;
                }
                let head = &words[..words.len() - 1];
                let single_generic_word = head.len() == 1
                    && (head[0].key.len() < 5 || NAME_HEAD_WORDS.contains(&head[0].key.as_str()));
                if single_generic_word {
                    continue;
                }
                let key: String = head.iter().map(|word| word.key.as_str()).collect();
                let group = groups.entry(key).or_insert((kab, Vec::new()));
                if group.0 == kab {
                    group.1.push(kec);
                }
            }
        }
        for (key, (kab, members)) in groups {
            if self.targets_by_key.contains_key(&key) {
                continue;
            }
            let target = match members.as_slice() {
                [only] => Target {
                    kab: Some(kab),
                    kec: Some(*only),
                    level: Level::Kecamatan,
                    needs_marker: false,
                    is_town: false,
                },
                _ => Target {
                    kab: Some(kab),
                    kec: None,
                    level: Level::KecamatanGroup,
                    needs_marker: false,
                    is_town: false,
                },
            };
            self.targets_by_key.insert(key, vec![target]);
        }
    }

    pub(super) fn add_name(&mut self, analyzer: &Analyzer, name: &str, mut target: Target) {
        let name = name.split('(').next().unwrap_or("").trim();
        if name.is_empty() || ALIASES_THAT_ARE_NOT_PLACES.contains(&name.to_lowercase().as_str()) {
            return;
        }
        let words = place_words(analyzer, 0, name);
        if words.is_empty() || words.len() > MAX_NAME_WORDS {
            return;
        }
        let key: String = words.iter().map(|word| word.key.as_str()).collect();
        target.needs_marker =
            words.len() == 1 && NAMES_THAT_ARE_COMMON_WORDS.contains(&key.as_str());
        let targets = self.targets_by_key.entry(key).or_default();
        if !targets.contains(&target) {
            targets.push(target);
        }
    }

    pub(super) fn index_deletions(&mut self) {
        for key in self.targets_by_key.keys() {
            if key.chars().count() < TYPO_MIN_LETTERS {
                continue;
            }
            for deletion in one_letter_deletions(key) {
                let keys = self.keys_by_deletion.entry(deletion).or_default();
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
        }
    }
}
