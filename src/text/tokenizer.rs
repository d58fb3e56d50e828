//! Splitting a message into folded words with their byte spans in the original text.

use super::fold::{is_word_character, push_folded};

/// The digit chat users write for reduplication: anak2 = anak-anak, hati2 = hati-hati.
const REDUPLICATION_DIGIT: char = '2';
/// "r2", "b2" are abbreviations, not reduplications; real reduplicated words are longer.
const MIN_REDUPLICATED_LETTERS: usize = 3;

/// A folded word before slang expansion; the span is in bytes of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawWord {
    pub(crate) text: String,
    pub(crate) offset_from: usize,
    pub(crate) offset_to: usize,
}

/// Runs of letters and digits (any script), lowercased and ASCII-folded. Everything else (spaces,
/// punctuation, emoji, hyphens) separates words, so "anak-anak" is two words and "BG 1234 XY"
/// three.
pub(crate) fn raw_words(text: &str) -> Vec<RawWord> {
    let mut words = Vec::with_capacity(text.len() / 5 + 1);
    let mut folded = String::new();
    let mut word_start: Option<usize> = None;
    let mut word_end = 0;
    for (offset, character) in text.char_indices() {
        if is_word_character(character) {
            word_start.get_or_insert(offset);
            push_folded(character, &mut folded);
            word_end = offset + character.len_utf8();
            continue;
        }
        if let Some(start) = word_start.take() {
            push_word(&mut words, std::mem::take(&mut folded), start, word_end);
        }
    }
    if let Some(start) = word_start {
        push_word(&mut words, folded, start, word_end);
    }
    words
}

fn push_word(words: &mut Vec<RawWord>, text: String, offset_from: usize, offset_to: usize) {
    if text.is_empty() {
        return;
    }
    if let Some((first, second)) = reduplication(&text) {
        for part in [first, second] {
            words.push(RawWord {
                text: part,
                offset_from,
                offset_to,
            });
        }
        return;
    }
    words.push(RawWord {
        text: standard_suffix(text),
        offset_from,
        offset_to,
    });
}

/// Palembang Malay endings in their standard form, so the stemmer and the cue words see one
/// word: "-nyo" is "-nya" (apinyo, wongnyo), and "-ke" after a verb prefix is "-kan" (nyalake,
/// dilarike, mecahke). Indonesian words do not end this way, so nothing else changes.
fn standard_suffix(word: String) -> String {
    const MIN_ROOT_LETTERS: usize = 3;
    const VERB_PREFIXES: [&str; 6] = ["di", "me", "ng", "ny", "pe", "te"];
    if let Some(root) = word.strip_suffix("nyo")
        && root.len() >= MIN_ROOT_LETTERS
        && root.bytes().all(|byte| byte.is_ascii_lowercase())
    {
        return format!("{root}nya");
    }
    if let Some(root) = word.strip_suffix("ke")
        && root.len() >= MIN_ROOT_LETTERS + 2
        && VERB_PREFIXES.iter().any(|prefix| root.starts_with(prefix))
        && root.bytes().all(|byte| byte.is_ascii_lowercase())
    {
        return format!("{root}kan");
    }
    word
}

/// "anak2" -> anak, anak and "kebut2an" -> kebut, kebutan: read like "anak-anak" and
/// "kebut-kebutan", which split into those two words.
fn reduplication(word: &str) -> Option<(String, String)> {
    const SUFFIXES_AFTER_REDUPLICATION: [&str; 7] = ["", "an", "nya", "kan", "i", "in", "lah"];
    let (base, suffix) = word.split_once(REDUPLICATION_DIGIT)?;
    let is_plain_base = base.len() >= MIN_REDUPLICATED_LETTERS
        && base.bytes().all(|byte| byte.is_ascii_lowercase());
    if !is_plain_base || !SUFFIXES_AFTER_REDUPLICATION.contains(&suffix) {
        return None;
    }
    Some((base.to_owned(), format!("{base}{suffix}")))
}
