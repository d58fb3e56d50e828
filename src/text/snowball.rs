//! Snowball fallback for words whose root the lexicon does not know: frostem's Indonesian stemmer
//! (Tala's algorithm), corrected where it is wrong for unknown roots too.

use std::borrow::Cow;

use frostem::{Algorithm, Stemmer};

use super::affixes::{byte_at, is_vowel};
use super::stemmer::MIN_ROOT_BYTES;

pub(crate) fn plain_snowball_stem(word: &str) -> String {
    let stemmer = Stemmer::new(Algorithm::Indonesian);
    match stemmer.stem(word) {
        Cow::Borrowed(unchanged) => unchanged.to_owned(),
        Cow::Owned(stemmed) => stemmed,
    }
}

/// Snowball's stem of a word the lexicon cannot analyse, with corrections that hold for unknown
/// roots too:
/// - a stem no Indonesian word could start with (merdeka -> rdeka) means nothing was a prefix;
/// - a final -i is only a suffix together with a prefix (dipukuli), not on its own (suami, sungai);
/// - a bare ke- is only a prefix together with -an (kecurian), not on its own (kelompok, keluarga);
/// - men-/pen- + vowel hide a t (menipu), meng-/peng- + vowel a k (mengeroyok) when the
///   vowel-initial remainder is not a known root; mem- and meny- Snowball already restores.
pub(crate) fn corrected_snowball_stem(word: &str) -> String {
    let snowball_stem = plain_snowball_stem(word);
    if snowball_stem == word || snowball_stem.is_empty() {
        return snowball_stem;
    }
    // merdeka -> rdeka: no Indonesian word starts like that, so the "prefix" was part of it.
    if !has_possible_onset(&snowball_stem) {
        return word.to_owned();
    }
    if word.starts_with(snowball_stem.as_str()) {
        let removed_suffixes = &word[snowball_stem.len()..];
        let removed_only_inflection_after_i = removed_suffixes
            .strip_prefix('i')
            .is_some_and(|rest| matches!(rest, "" | "nya" | "ku" | "mu" | "lah" | "kah" | "pun"));
        if removed_only_inflection_after_i {
            return word[..snowball_stem.len() + 1].to_owned();
        }
        return snowball_stem;
    }
    if let Some(after_ke) = word.strip_prefix("ke")
        && let Some(removed_suffixes) = after_ke.strip_prefix(snowball_stem.as_str())
        && !removed_suffixes.starts_with("an")
    {
        let mut kept = String::with_capacity(snowball_stem.len() + 2);
        kept.push_str("ke");
        kept.push_str(&snowball_stem);
        return kept;
    }
    let first_letter_is_vowel = is_vowel(snowball_stem.as_bytes()[0]);
    if first_letter_is_vowel && snowball_stem.len() >= MIN_ROOT_BYTES {
        for (nasal_prefix, lost_consonant) in
            [("meng", "k"), ("peng", "k"), ("men", "t"), ("pen", "t")]
        {
            if word
                .strip_prefix(nasal_prefix)
                .is_some_and(|rest| rest.starts_with(snowball_stem.as_str()))
            {
                return format!("{lost_consonant}{snowball_stem}");
            }
        }
    }
    snowball_stem
}

/// Whether a stem can start an Indonesian word: a vowel, one consonant, or a cluster found in
/// native words and loans (ny, ng, sy, kh, tr, pr, kr, bl, st, sk, ...).
fn has_possible_onset(stem: &str) -> bool {
    const CLUSTERS: &[&[u8; 2]] = &[
        b"ng", b"ny", b"sy", b"kh", b"gh", b"tr", b"pr", b"kr", b"br", b"dr", b"gr", b"fr", b"bl",
        b"pl", b"kl", b"gl", b"fl", b"sl", b"sp", b"st", b"sk", b"sm", b"sn", b"sw", b"tw", b"dw",
        b"kw", b"ps", b"ts", b"sr", b"sh", b"ch", b"th", b"ph", b"wh",
    ];
    let bytes = stem.as_bytes();
    let (first, second) = (byte_at(bytes, 0), byte_at(bytes, 1));
    if is_vowel(first) || is_vowel(second) || second == 0 || first == b'y' || second == b'y' {
        return true;
    }
    CLUSTERS.contains(&&[first, second])
}

/// For an unknown root behind a nasal prefix, the readings the fallback did not choose:
/// menafkahi gives tafkah first, nafkah here; mengobrol gives kobrol first, obrol here.
pub(super) fn other_readings_of_nasal_prefix(word: &str, chosen: &str) -> Vec<String> {
    let bytes = word.as_bytes();
    let Some(rest_start) = [
        ("meng", 4),
        ("peng", 4),
        ("meny", 4),
        ("peny", 4),
        ("men", 3),
        ("pen", 3),
        ("mem", 3),
        ("pem", 3),
    ]
    .iter()
    .find(|(prefix, length)| word.starts_with(prefix) && is_vowel(byte_at(bytes, *length)))
    .map(|(_, length)| *length) else {
        return Vec::new();
    };
    let readings: &[&str] = match &word[..rest_start] {
        "meng" | "peng" => &["", "k"],
        "meny" | "peny" => &["s", "ny"],
        "men" | "pen" => &["t", "n"],
        _ => &["p", "m"],
    };
    // The chosen stem starts at the restored letter; the same tail follows every reading.
    let Some(tail_length) = readings.iter().find_map(|restored| {
        chosen
            .strip_prefix(restored)
            .filter(|tail| word[rest_start..].starts_with(tail))
            .map(str::len)
    }) else {
        return Vec::new();
    };
    let tail = &word[rest_start..rest_start + tail_length];
    readings
        .iter()
        .map(|restored| format!("{restored}{tail}"))
        .filter(|reading| reading != chosen && reading.len() >= MIN_ROOT_BYTES)
        .collect()
}
