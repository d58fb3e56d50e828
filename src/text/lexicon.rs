//! The root lexicon that decides between the readings of an ambiguous Indonesian prefix: the
//! curated roots of `roots.txt`, the profile's category keywords and labels stemmed where the
//! plain Snowball stemmer is unambiguous, and the gazetteer's place-name words (kept whole).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use serde_json::Value;

use super::{affixes, snowball};

const CURATED_ROOTS: &str = include_str!("roots.txt");
const SUMSEL_CATEGORIES: &str = include_str!("../profile/sumsel/categories.json");
const SUMSEL_GAZETTEER: &str = include_str!("../profile/sumsel/gazetteer.json");

/// FNV-1a: the lexicon is probed a dozen times per word with short ASCII keys, where SipHash's
/// setup cost dominates; the keys are not attacker-chosen in a way that matters (a fixed set).
#[derive(Default, Clone, Copy)]
pub(crate) struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = hash;
    }
}

pub(crate) type FnvBuildHasher = BuildHasherDefault<FnvHasher>;

/// Known stems. A key maps to itself, or to the standard spelling of a colloquial root.
pub(crate) struct RootLexicon {
    canonical_by_root: HashMap<Box<str>, Box<str>, FnvBuildHasher>,
    /// Place-name words: never stemmed themselves, but never a root of another word either
    /// ("Lubuk Keliat" must not turn keliatan into keliat).
    place_words: HashSet<Box<str>, FnvBuildHasher>,
}

static SUMSEL_LEXICON: LazyLock<RootLexicon> =
    LazyLock::new(|| RootLexicon::build(CURATED_ROOTS, SUMSEL_CATEGORIES, SUMSEL_GAZETTEER));

impl RootLexicon {
    /// The lexicon of the embedded profile, built on first use and immutable afterwards.
    pub(crate) fn sumsel() -> &'static RootLexicon {
        &SUMSEL_LEXICON
    }

    /// The canonical root for a known root, or `None` when `root` is not one.
    pub(crate) fn canonical(&self, root: &str) -> Option<&str> {
        self.canonical_by_root
            .get(root)
            .map(|canonical| &**canonical)
    }

    /// What a whole word stems to when the lexicon knows it as it is: a root or a place name.
    pub(crate) fn whole_word(&self, word: &str) -> Option<&str> {
        if let Some(canonical) = self.canonical(word) {
            return Some(canonical);
        }
        self.place_words.get(word).map(|place_word| &**place_word)
    }

    pub(crate) fn contains(&self, word: &str) -> bool {
        self.canonical_by_root.contains_key(word)
    }

    #[cfg(test)]
    pub(crate) fn root_count(&self) -> usize {
        self.canonical_by_root.len()
    }

    #[cfg(test)]
    pub(crate) fn is_place_word(&self, word: &str) -> bool {
        self.place_words.contains(word)
    }

    /// Builds the lexicon; malformed profile JSON only loses the profile's contribution, since the
    /// curated roots alone still give a working stemmer.
    pub(crate) fn build(curated_roots: &str, categories_json: &str, gazetteer_json: &str) -> Self {
        let mut lexicon = RootLexicon {
            canonical_by_root: HashMap::default(),
            place_words: HashSet::default(),
        };
        lexicon.add_curated_roots(curated_roots);
        match serde_json::from_str::<Value>(gazetteer_json) {
            Ok(gazetteer) => lexicon.add_place_names(&gazetteer),
            Err(error) => {
                tracing::error!(%error, "gazetteer json unreadable, place names are stemmed")
            }
        }
        match serde_json::from_str::<Value>(categories_json) {
            Ok(categories) => lexicon.add_category_vocabulary(&categories),
            Err(error) => {
                tracing::error!(%error, "categories json unreadable, keywords not in lexicon")
            }
        }
        lexicon
    }

    fn insert(&mut self, root: &str, canonical: &str) {
        if self.canonical_by_root.contains_key(root) {
            return;
        }
        self.canonical_by_root.insert(root.into(), canonical.into());
    }

    fn add_curated_roots(&mut self, curated_roots: &str) {
        for line in curated_roots.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once('>') {
                Some((variant, canonical)) => {
                    // The canonical spelling must itself be known, or a variant would lead nowhere.
                    let canonical = canonical.trim();
                    self.insert(canonical, canonical);
                    self.canonical_by_root
                        .insert(variant.trim().into(), canonical.into());
                }
                None => self.insert(line, line),
            }
        }
    }

    /// Place names are never stemmed: "Kertapati" is not ke- + rtapati, "Pemulutan" is not pulut.
    fn add_place_names(&mut self, gazetteer: &Value) {
        let mut names: Vec<&str> = Vec::new();
        let kabkota_list = gazetteer["kabkota"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for kabkota in kabkota_list {
            collect_names(kabkota, &mut names);
            let kecamatan_list = kabkota["kecamatan"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for kecamatan in kecamatan_list {
                collect_names(kecamatan, &mut names);
            }
        }
        for place in gazetteer["places"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            collect_names(place, &mut names);
        }
        for name in names {
            for word in plain_words(name) {
                if is_place_word_worth_freezing(&word) && !self.contains(&word) {
                    self.place_words.insert(word.into());
                }
            }
        }
    }

    /// Keywords and labels, stemmed with plain Snowball, where its answer cannot be one of the
    /// known defects (an absorbed consonant, a root that starts like a prefix).
    fn add_category_vocabulary(&mut self, categories: &Value) {
        let mut phrases: Vec<&str> = Vec::new();
        for category in categories["categories"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if let Some(label) = category["label"].as_str() {
                phrases.push(label);
            }
            for keyword in category["keywords"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if let Some(keyword) = keyword.as_str() {
                    phrases.push(keyword);
                }
            }
        }
        let mut derived_stems: Vec<String> = Vec::new();
        for phrase in phrases {
            for word in plain_words(phrase) {
                if self.contains(&word) {
                    continue;
                }
                if let Some(stem) = unambiguous_snowball_stem(&word) {
                    derived_stems.push(stem);
                }
            }
        }
        // "nabrak", "mukul", "nyabu" are chat spellings of tabrak, pukul, sabu: as roots they would
        // stop the colloquial rules from reaching the real root. Checked once every stem is known,
        // because "nyabu" may be listed before "sabu".
        let is_known =
            |root: &str| self.contains(root) || derived_stems.iter().any(|stem| stem == root);
        let chat_spellings: Vec<bool> = derived_stems
            .iter()
            .map(|stem| {
                affixes::colloquial_nasal_roots(stem)
                    .iter()
                    .any(|root| is_known(root))
            })
            .collect();
        for (stem, is_chat_spelling) in derived_stems.iter().zip(chat_spellings) {
            if !is_chat_spelling {
                self.insert(stem, stem);
            }
        }
    }
}

fn collect_names<'a>(entry: &'a Value, names: &mut Vec<&'a str>) {
    for field in ["name", "official_name", "seat", "short"] {
        if let Some(name) = entry[field].as_str() {
            names.push(name);
        }
    }
    for alias in entry["aliases"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        if let Some(alias) = alias.as_str() {
            names.push(alias);
        }
    }
}

/// Lowercase ASCII letter runs of a phrase; words with digits or other scripts are left out.
fn plain_words(phrase: &str) -> Vec<String> {
    phrase
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| word.bytes().all(|byte| byte.is_ascii_lowercase()))
        .collect()
}

fn is_place_word_worth_freezing(word: &str) -> bool {
    const ROMAN_NUMERALS: [&str; 6] = ["ii", "iii", "iv", "vi", "vii", "viii"];
    word.len() >= 3 && !ROMAN_NUMERALS.contains(&word)
}

/// The Snowball stem of a profile word, when nothing about the word makes it doubtful.
fn unambiguous_snowball_stem(word: &str) -> Option<String> {
    let snowball_stem = snowball::corrected_snowball_stem(word);
    if snowball_stem.len() < 3 {
        return None;
    }
    if snowball_stem == word {
        // Kept whole only by the bare ke- correction: kebakar, ketipu are ke- passives, not roots.
        let is_bare_ke_passive =
            word.starts_with("ke") && snowball::plain_snowball_stem(word) != word;
        return (!is_bare_ke_passive).then_some(snowball_stem);
    }
    // A restored consonant (memukul -> pukul) means Snowball guessed; a stem that is not a slice
    // of the word is such a guess.
    let start = word.find(snowball_stem.as_str())?;
    let removed_prefix = &word[..start];
    let removed_suffixes = &word[start + snowball_stem.len()..];
    // -kan or -k + -an (tembakan: temba or tembak), -ku/-mu or part of the root (pelaku).
    if ["kan", "ku", "mu"]
        .iter()
        .any(|suffix| removed_suffixes.starts_with(suffix))
    {
        return None;
    }
    let first_letter_of_stem = snowball_stem.as_bytes()[0];
    let is_unambiguous = match removed_prefix {
        // A nasal prefix left on the stem (mengaku -> menga) means Snowball stopped too early.
        "" => !["mem", "men", "pem", "pen"]
            .iter()
            .any(|nasal| snowball_stem.starts_with(nasal)),
        "di" => true,
        // A bare ke- is usually part of the root (keroyok, keluarga); ke-...-an is a confix.
        "ke" => removed_suffixes.starts_with("an"),
        "me" | "pe" => matches!(first_letter_of_stem, b'l' | b'r' | b'w' | b'y'),
        "mem" | "pem" => matches!(first_letter_of_stem, b'b' | b'f' | b'v'),
        "men" | "pen" => matches!(first_letter_of_stem, b'c' | b'd' | b'j' | b'z'),
        "meng" | "peng" => matches!(first_letter_of_stem, b'g' | b'h'),
        // ber-/ter- before a consonant other than r; per- is left out (perkosa, perlu, perkara).
        "ber" | "ter" => !affixes::is_vowel(first_letter_of_stem) && first_letter_of_stem != b'r',
        _ => false,
    };
    is_unambiguous.then_some(snowball_stem)
}
