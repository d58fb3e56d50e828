//! Chat-slang normalisation: single words (mtr -> motor, spm -> sepeda motor) and phrases
//! (pak pol -> bapak polisi), matched on folded words, longest phrase first.

use std::collections::HashMap;

use super::fold::{is_word_character, normalize_word};
use super::lexicon::FnvBuildHasher;
use super::tokenizer::RawWord;

/// Enclitic -nya glued to an abbreviation (hpnya, mtrnya) is still that abbreviation.
const ENCLITIC_NYA: &str = "nya";

#[derive(Debug, Clone, Default)]
pub(crate) struct SlangTable {
    replacement_by_word: HashMap<String, Vec<String>, FnvBuildHasher>,
    phrases_by_first_word: HashMap<String, Vec<SlangPhrase>, FnvBuildHasher>,
}

#[derive(Debug, Clone)]
struct SlangPhrase {
    following_words: Vec<String>,
    replacement: Vec<String>,
}

/// A match: how many raw words it covers and the words that replace them.
pub(crate) struct SlangExpansion<'table> {
    pub(crate) raw_words_covered: usize,
    pub(crate) replacement: &'table [String],
}

impl SlangTable {
    /// Builds the table; the first pair for a key wins, so callers list the stronger source first.
    pub(crate) fn new(pairs: &[(String, String)]) -> SlangTable {
        let mut table = SlangTable::default();
        for (spelling, meaning) in pairs {
            let key_words = split_into_words(spelling);
            let replacement = split_into_words(meaning_without_gloss(meaning));
            if key_words.is_empty() || replacement.is_empty() || key_words == replacement {
                continue;
            }
            if let [single_word] = key_words.as_slice() {
                table
                    .replacement_by_word
                    .entry(single_word.clone())
                    .or_insert(replacement);
                continue;
            }
            let mut key_words = key_words.into_iter();
            let Some(first_word) = key_words.next() else {
                continue;
            };
            let phrase = SlangPhrase {
                following_words: key_words.collect(),
                replacement,
            };
            let phrases = table.phrases_by_first_word.entry(first_word).or_default();
            if phrases
                .iter()
                .any(|known| known.following_words == phrase.following_words)
            {
                continue;
            }
            phrases.push(phrase);
            phrases.sort_by_key(|known| std::cmp::Reverse(known.following_words.len()));
        }
        table
    }

    pub(crate) fn expansion_at<'table>(
        &'table self,
        words: &[RawWord],
        index: usize,
    ) -> Option<SlangExpansion<'table>> {
        let word = words.get(index)?;
        if let Some(phrases) = self.phrases_by_first_word.get(word.text.as_str()) {
            for phrase in phrases {
                let following = words.get(index + 1..index + 1 + phrase.following_words.len());
                let matches = following.is_some_and(|following| {
                    following
                        .iter()
                        .zip(&phrase.following_words)
                        .all(|(raw, expected)| raw.text == *expected)
                });
                if matches {
                    return Some(SlangExpansion {
                        raw_words_covered: 1 + phrase.following_words.len(),
                        replacement: &phrase.replacement,
                    });
                }
            }
        }
        let replacement = self
            .replacement_by_word
            .get(word.text.as_str())
            .or_else(|| {
                let abbreviation = word.text.strip_suffix(ENCLITIC_NYA)?;
                if abbreviation.len() < 2 {
                    return None;
                }
                self.replacement_by_word.get(abbreviation)
            })?;
        Some(SlangExpansion {
            raw_words_covered: 1,
            replacement,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.replacement_by_word.len()
            + self
                .phrases_by_first_word
                .values()
                .map(Vec::len)
                .sum::<usize>()
    }
}

/// "tidak (Palembang)" -> "tidak": the profile glosses its dialect words in parentheses.
fn meaning_without_gloss(meaning: &str) -> &str {
    match meaning.find(" (") {
        Some(gloss_start) => &meaning[..gloss_start],
        None => meaning,
    }
}

fn split_into_words(phrase: &str) -> Vec<String> {
    phrase
        .split(|character: char| !is_word_character(character))
        .filter(|word| !word.is_empty())
        .map(normalize_word)
        .filter(|word| !word.is_empty())
        .collect()
}

/// The general chat spellings embedded in `chat_slang.tsv`, then the regional speech of
/// `regional_slang.tsv` (Palembang Malay, Komering, Jakarta slang).
pub(crate) fn common_chat_slang() -> Vec<(String, String)> {
    let regional =
        super::embedded_or_eval_copy("regional_slang.tsv", include_str!("regional_slang.tsv"));
    include_str!("chat_slang.tsv")
        .lines()
        .chain(regional.lines())
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
        .map(|(spelling, meaning)| (spelling.trim().to_owned(), meaning.trim().to_owned()))
        .collect()
}
