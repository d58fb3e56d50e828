//! The Indonesian stemmer: confix stripping that tries every reading of an ambiguous prefix and
//! keeps the one whose root is known, with frostem's Snowball stemmer (Tala's algorithm) as the
//! fallback for unknown words, corrected where Snowball is known to be wrong.
//!
//! Snowball reads men- + vowel as a prefix on a vowel-initial root, so menipu/penipuan -> ipu while
//! ditipu -> tipu. Indonesian nasal prefixes absorb the first consonant of t-, k-, p- and s-roots
//! (men+tipu = menipu, meng+kirim = mengirim, mem+pukul = memukul, meny+serang = menyerang), so every
//! such prefix has two readings; the rules below follow the morphophonemic table of the Nazief-Adriani
//! and "enhanced confix stripping" stemmers (Asian 2007, Arifin 2009), and the choice between
//! readings is made by the root lexicon of `lexicon.rs`.

use super::affixes::{
    PrefixClass, PrefixReadings, SuffixSplit, colloquial_prefix_readings, is_forbidden_confix,
    standard_prefix_readings, suffix_splits,
};
use super::lexicon::RootLexicon;
use super::snowball::{corrected_snowball_stem, other_readings_of_nasal_prefix};

/// Longer words are not Indonesian words but URLs, hashes or key mashes: left alone.
const MAX_STEMMABLE_BYTES: usize = 40;
pub(super) const MIN_ROOT_BYTES: usize = 3;
/// Three prefix layers cover di-per-, mem-per-, ke-ber- and the like; more never occurs.
const MAX_PREFIX_LAYERS: u8 = 3;
const MAX_CANDIDATES: usize = 160;
/// A colloquial nasal (nabrak, nyolong) counts as two affixes, so that a standard reading of the
/// same word wins a tie.
const COLLOQUIAL_PREFIX_COST: u8 = 2;

/// The Indonesian stem of one lowercase word, with the domain fixes of this module.
pub fn stem(word: &str) -> String {
    stem_with_lexicon(RootLexicon::sumsel(), word)
}

/// All plausible roots of a word, for query-time expansion where the prefix rule is ambiguous;
/// usually one element, and the first is always `stem(word)`.
pub fn stem_candidates(word: &str) -> Vec<String> {
    stem_candidates_with_lexicon(RootLexicon::sumsel(), word)
}

pub(crate) fn stem_with_lexicon(lexicon: &RootLexicon, word: &str) -> String {
    if !is_stemmable(word) {
        return word.to_owned();
    }
    if let Some(canonical) = lexicon.whole_word(word) {
        return canonical.to_owned();
    }
    let candidates = CandidateList::of(word);
    if let Some(best) = candidates.known_roots(word, lexicon).first() {
        return best.clone();
    }
    corrected_snowball_stem(word)
}

pub(crate) fn stem_candidates_with_lexicon(lexicon: &RootLexicon, word: &str) -> Vec<String> {
    if !is_stemmable(word) {
        return vec![word.to_owned()];
    }
    if let Some(canonical) = lexicon.whole_word(word) {
        return vec![canonical.to_owned()];
    }
    let known_roots = CandidateList::of(word).known_roots(word, lexicon);
    if !known_roots.is_empty() {
        return known_roots;
    }
    let mut roots = vec![corrected_snowball_stem(word)];
    for alternative in other_readings_of_nasal_prefix(word, &roots[0]) {
        if !roots.contains(&alternative) {
            roots.push(alternative);
        }
    }
    roots
}

fn is_stemmable(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= MAX_STEMMABLE_BYTES
        && word.bytes().all(|byte| byte.is_ascii_lowercase())
}

/// One reading of the whole word: the root is `restored` + `word[body_start..body_end]`.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    restored: &'static str,
    body_start: usize,
    body_end: usize,
    removed_affixes: u8,
    prefix_layers: u8,
}

impl Candidate {
    fn preference_key(&self) -> (u8, u8) {
        (self.removed_affixes, self.prefix_layers)
    }
}

struct CandidateList {
    candidates: Vec<Candidate>,
}

impl CandidateList {
    fn of(word: &str) -> CandidateList {
        let bytes = word.as_bytes();
        let mut list = CandidateList {
            candidates: Vec::with_capacity(48),
        };
        let splits = suffix_splits(bytes);
        for split in splits.as_slice() {
            if split.removed_affixes > 0 && split.body_end >= MIN_ROOT_BYTES {
                list.push(Candidate {
                    restored: "",
                    body_start: 0,
                    body_end: split.body_end,
                    removed_affixes: split.removed_affixes,
                    prefix_layers: 0,
                });
            }
            let layers = PrefixLayers {
                body_start: 0,
                removed_affixes: split.removed_affixes,
                depth: 0,
                outermost: None,
                used_classes: 0,
            };
            list.strip_prefixes(bytes, split, layers);
        }
        // Stable: equal keys keep the order of the readings, most likely first.
        list.candidates.sort_by_key(Candidate::preference_key);
        list
    }

    fn push(&mut self, candidate: Candidate) {
        debug_assert!(candidate.body_start < candidate.body_end);
        if self.candidates.len() < MAX_CANDIDATES {
            self.candidates.push(candidate);
        }
    }

    fn strip_prefixes(&mut self, word: &[u8], split: &SuffixSplit, layers: PrefixLayers) {
        if layers.depth >= MAX_PREFIX_LAYERS {
            return;
        }
        let rest = &word[layers.body_start..split.body_end];
        let mut readings = PrefixReadings::default();
        standard_prefix_readings(rest, &mut readings);
        if layers.depth == 0 {
            colloquial_prefix_readings(rest, &mut readings);
        }
        for reading in readings.iter() {
            if layers.used_classes & reading.class.bit() != 0 {
                continue;
            }
            let outermost = layers.outermost.unwrap_or(reading.class);
            if is_forbidden_confix(outermost, split.derivational) {
                continue;
            }
            let body_start = layers.body_start + reading.consumed;
            if body_start >= split.body_end
                || split.body_end - body_start + reading.restored.len() < MIN_ROOT_BYTES
            {
                continue;
            }
            let cost = if reading.class == PrefixClass::Colloquial {
                COLLOQUIAL_PREFIX_COST
            } else {
                1
            };
            let removed_affixes = layers.removed_affixes + cost;
            self.push(Candidate {
                restored: reading.restored,
                body_start,
                body_end: split.body_end,
                removed_affixes,
                prefix_layers: layers.depth + 1,
            });
            // A restored consonant belongs to the root: nothing left of it to strip.
            if reading.restored.is_empty() && reading.class != PrefixClass::Colloquial {
                let deeper = PrefixLayers {
                    body_start,
                    removed_affixes,
                    depth: layers.depth + 1,
                    outermost: Some(outermost),
                    used_classes: layers.used_classes | reading.class.bit(),
                };
                self.strip_prefixes(word, split, deeper);
            }
        }
    }

    /// The canonical roots of the most preferred readings whose root is known; several only when
    /// equally preferred readings disagree (mengaku: aku or kaku).
    fn known_roots(&self, word: &str, lexicon: &RootLexicon) -> Vec<String> {
        let mut roots: Vec<String> = Vec::new();
        let mut best_key = None;
        for candidate in &self.candidates {
            if best_key.is_some_and(|key| candidate.preference_key() != key) {
                break;
            }
            let canonical = with_root(word, candidate, |root| {
                lexicon.canonical(root).map(str::to_owned)
            });
            if let Some(canonical) = canonical.flatten() {
                best_key = Some(candidate.preference_key());
                if !roots.contains(&canonical) {
                    roots.push(canonical);
                }
            }
        }
        roots
    }
}

#[derive(Debug, Clone, Copy)]
struct PrefixLayers {
    body_start: usize,
    removed_affixes: u8,
    depth: u8,
    outermost: Option<PrefixClass>,
    used_classes: u8,
}

/// Calls `visit` with the candidate's root, assembled on the stack when a consonant is restored.
fn with_root<R>(word: &str, candidate: &Candidate, visit: impl FnOnce(&str) -> R) -> Option<R> {
    let body = word.get(candidate.body_start..candidate.body_end)?;
    if candidate.restored.is_empty() {
        return Some(visit(body));
    }
    let mut buffer = [0u8; MAX_STEMMABLE_BYTES + 2];
    let restored_length = candidate.restored.len();
    let root_length = restored_length + body.len();
    let target = buffer.get_mut(..root_length)?;
    target[..restored_length].copy_from_slice(candidate.restored.as_bytes());
    target[restored_length..].copy_from_slice(body.as_bytes());
    std::str::from_utf8(target).ok().map(visit)
}
