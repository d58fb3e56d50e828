//! How the place matcher reads text: words folded with abbreviations and numerals made uniform
//! ("Tj." = tanjung, "1" = "satu" = "I"), one-letter deletions for typo lookup, and the town rule.

use crate::text::Analyzer;

use super::places::Target;

/// Abbreviations written for the head words of names, read as the full word on both sides.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("tj", "tanjung"),
    ("sei", "sungai"),
    ("psr", "pasar"),
    ("pkl", "pangkalan"),
    ("kab", "kabupaten"),
    ("kec", "kecamatan"),
    ("kel", "kelurahan"),
    ("ds", "desa"),
    ("dsn", "dusun"),
    ("jl", "jalan"),
    ("jln", "jalan"),
    // Tenth round: the points of the compass as kecamatan names are abbreviated ("merapi brt").
    ("brt", "barat"),
    ("tmr", "timur"),
    ("utr", "utara"),
    ("sltn", "selatan"),
    ("1", "i"),
    ("satu", "i"),
    ("2", "ii"),
    ("dua", "ii"),
    ("3", "iii"),
    ("tiga", "iii"),
];

/// Kecamatan names that are everyday words; they count only after "kec"/"kecamatan"/"desa"/
/// "pasar".
pub(super) const NAMES_THAT_ARE_COMMON_WORDS: &[&str] = &[
    "simpang",
    "saling",
    "rambutan",
    "belimbing",
    "cempaka",
    "kandis",
    "selangit",
    "lembak",
    "jayapura",
    "lais",
    "abab",
];
/// Words a longer place name starts with; a known name right after one of them is only the tail
/// of an unknown name ("Desa Sungai Rambutan" is not Kec. Rambutan).
pub(super) const NAME_HEAD_WORDS: &[&str] = &[
    "sungai", "air", "muara", "tanjung", "talang", "lubuk", "pulau", "karang", "rantau", "teluk",
    "tanah", "padang", "ujung",
];
/// Last words that split a kecamatan from its siblings ("Merapi Barat", "Ilir Timur II").
pub(super) const SIBLING_SUFFIXES: &[&str] = &[
    "i", "ii", "iii", "barat", "timur", "utara", "selatan", "tengah", "ulu", "ilir", "darat",
    "laut",
];
/// Real words one letter away from a place name; never read as typos.
pub(super) const WORDS_NEAR_PLACE_NAMES: &[&str] =
    &["gelombang", "gandum", "simpan", "betul", "marina"];

/// Words before a name that make it an end of a trip ("ke Baturaja", "dari Lahat").
pub(super) const TRIP_END_WORDS: &[&str] = &["dari", "ke", "sampai", "menuju", "jurusan"];

/// One word of the text as the place matcher reads it.
#[derive(Debug, Clone)]
pub(super) struct PlaceWord {
    pub key: String,
    pub in_capitals: bool,
    pub text_index: usize,
    pub from: usize,
    pub to: usize,
}

/// "pasar Pendopo": when a name is a town of one kab/kota and only a kecamatan elsewhere, the
/// citizen means the town, unless another name in the report backs the other kab/kota
/// ("Pendopo, Empat Lawang"): the town's kab/kota, for the resolver to fall back on.
pub(super) fn preferred_town(targets: &[Target]) -> Option<usize> {
    let mut kabs: Vec<Option<usize>> = targets.iter().map(|target| target.kab).collect();
    kabs.sort_unstable();
    kabs.dedup();
    if kabs.len() < 2 {
        return None;
    }
    let mut town_kabs: Vec<Option<usize>> = targets
        .iter()
        .filter(|target| target.is_town)
        .map(|target| target.kab)
        .collect();
    town_kabs.sort_unstable();
    town_kabs.dedup();
    match town_kabs.as_slice() {
        [town_kab] => *town_kab,
        _ => None,
    }
}

/// Runs of letters and digits, folded, abbreviations and numerals made uniform.
pub(super) fn place_words(analyzer: &Analyzer, text_index: usize, text: &str) -> Vec<PlaceWord> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut push = |from: usize, to: usize| {
        let original = &text[from..to];
        let folded = analyzer.normalize_word(original);
        let key = ABBREVIATIONS
            .iter()
            .find(|(short, _)| *short == folded)
            .map_or(folded, |(_, full)| (*full).to_string());
        let in_capitals = original
            .chars()
            .filter(|character| character.is_alphabetic())
            .all(char::is_uppercase);
        words.push(PlaceWord {
            key,
            in_capitals,
            text_index,
            from,
            to,
        });
    };
    for (offset, character) in text.char_indices() {
        if character.is_alphanumeric() {
            start.get_or_insert(offset);
            continue;
        }
        if let Some(from) = start.take() {
            push(from, offset);
        }
    }
    if let Some(from) = start {
        push(from, text.len());
    }
    words
}

pub(super) fn one_letter_deletions(key: &str) -> Vec<String> {
    let characters: Vec<char> = key.chars().collect();
    (0..characters.len())
        .map(|skip| {
            characters
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != skip)
                .map(|(_, character)| character)
                .collect()
        })
        .collect()
}

/// Levenshtein distance at most one (one substitution, insertion or deletion).
pub(super) fn within_one_edit(left: &str, right: &str) -> bool {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    let (shorter, longer) = if left.len() <= right.len() {
        (&left, &right)
    } else {
        (&right, &left)
    };
    if longer.len() - shorter.len() > 1 {
        return false;
    }
    if shorter.len() == longer.len() {
        let differences = shorter
            .iter()
            .zip(longer.iter())
            .filter(|(a, b)| a != b)
            .count();
        return differences <= 1;
    }
    let prefix = shorter
        .iter()
        .zip(longer.iter())
        .take_while(|(a, b)| a == b)
        .count();
    shorter[prefix..] == longer[prefix + 1..]
}
