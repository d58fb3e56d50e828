//! Indonesian text analysis shared by search and routing: folding, tokenizing with byte offsets,
//! chat-slang expansion, stopwords that keep negation, and a stemmer fixed for this domain.
//!
//! `tokens()` is what phrase queries and snippets need (every word, positions after slang
//! expansion, offsets into the original text); `terms()` is what gets indexed and what classifiers
//! match on (content words, stemmed: penipuan, ditipu, menipu -> tipu).

mod affixes;
mod fold;
mod lexicon;
mod slang;
mod snowball;
mod stemmer;
mod tokenizer;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use serde_json::Value;

use crate::profile::ProfileError;

use self::lexicon::FnvBuildHasher;
use self::slang::SlangTable;

pub use self::stemmer::{stem, stem_candidates};

/// An embedded data file, or its copy in the folder named by `SIAGA_EVAL_DATA` when that is
/// set and holds a file of that name: lets `routing_eval` measure edited word lists (cues,
/// lexicon, regional slang) without a rebuild, as `SIAGA_EVAL_PROFILE` does for place data.
/// Read once, when the analyzer or the router is built.
#[doc(hidden)]
pub fn embedded_or_eval_copy(name: &str, embedded: &'static str) -> std::borrow::Cow<'static, str> {
    std::env::var_os("SIAGA_EVAL_DATA")
        .and_then(|folder| std::fs::read_to_string(std::path::Path::new(&folder).join(name)).ok())
        .map_or(
            std::borrow::Cow::Borrowed(embedded),
            std::borrow::Cow::Owned,
        )
}

const SUMSEL_CATEGORIES: &str = include_str!("../profile/sumsel/categories.json");
const SUMSEL_STOPWORDS: &str = include_str!("../profile/sumsel/stopwords_id.txt");

/// Negation changes what a report says ("motor tidak hilang", "belum ditangani"): never a stopword,
/// whatever the profile's list says.
const NEGATION_WORDS: &[&str] = &[
    "tidak", "tak", "bukan", "belum", "jangan", "tanpa", "tiada", "takkan", "enggak", "engga",
    "nggak", "ngga", "gak", "ga", "gk", "ngk", "gx", "tdk", "blm", "jgn", "bkn", "kagak", "ndak",
    "nda", "idak", "dak", "katek",
];
/// Particles that leave a negation a negation: tidaklah, bukannya, belumkah.
const NEGATION_PARTICLES: &[&str] = &["lah", "kah", "nya", "pun"];

static SUMSEL_ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    Analyzer::from_profile_files(SUMSEL_CATEGORIES, SUMSEL_STOPWORDS).unwrap_or_else(|error| {
        // The embedded files are checked by a unit test; keep serving with stopwords only.
        tracing::error!(%error, "embedded sumsel profile unreadable, analyzing without slang");
        Analyzer::new(&[], &stopword_lines(SUMSEL_STOPWORDS))
    })
});

/// One word of a text. `term` is the folded, slang-expanded word in `Analyzer::tokens` and its
/// stem in `Analyzer::terms`; `offset_from..offset_to` is a byte range of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    pub position: u32,
    pub offset_from: usize,
    pub offset_to: usize,
}

/// The analyzer of one profile; cheap to clone (the tables are shared).
#[derive(Debug, Clone)]
pub struct Analyzer {
    tables: Arc<AnalyzerTables>,
}

#[derive(Debug)]
struct AnalyzerTables {
    slang: SlangTable,
    stopwords: HashSet<String, FnvBuildHasher>,
}

impl Analyzer {
    /// An analyzer with exactly this slang map and these stopwords (negation words are removed
    /// from them). Slang meanings may carry a gloss, "tidak (Palembang)", which is dropped;
    /// multi-word spellings ("pak pol") match as phrases; the first pair for a spelling wins.
    pub fn new(slang: &[(String, String)], stopwords: &[String]) -> Analyzer {
        let stopwords = stopwords
            .iter()
            .map(|word| fold::normalize_word(word.trim()))
            .filter(|word| !word.is_empty() && !is_negation(word))
            .collect();
        Analyzer {
            tables: Arc::new(AnalyzerTables {
                slang: SlangTable::new(slang),
                stopwords,
            }),
        }
    }

    /// The analyzer of the embedded Sumatera Selatan profile: its slang map, then the general
    /// chat spellings of `chat_slang.tsv` (sy, liat, udah), and its stopwords.
    pub fn sumsel() -> Analyzer {
        SUMSEL_ANALYZER.clone()
    }

    /// The analyzer of a profile read from files: `categories.json` (its
    /// `meta.slang_normalization`) and `stopwords_id.txt` (one word a line), plus the general chat
    /// spellings.
    pub fn from_profile_files(
        categories_json: &str,
        stopwords_text: &str,
    ) -> Result<Analyzer, ProfileError> {
        let invalid = |reason: String| ProfileError::Invalid {
            file: "categories.json".to_owned(),
            reason,
        };
        let categories: Value =
            serde_json::from_str(categories_json).map_err(|error| invalid(error.to_string()))?;
        let Some(slang_map) = categories["meta"]["slang_normalization"].as_object() else {
            return Err(invalid(
                "meta.slang_normalization is not an object".to_owned(),
            ));
        };
        let mut slang: Vec<(String, String)> = Vec::with_capacity(slang_map.len() + 128);
        for (spelling, meaning) in slang_map {
            let Some(meaning) = meaning.as_str() else {
                return Err(invalid(format!(
                    "slang meaning of {spelling:?} is not a string"
                )));
            };
            slang.push((spelling.clone(), meaning.to_owned()));
        }
        slang.extend(slang::common_chat_slang());
        Ok(Analyzer::new(&slang, &stopword_lines(stopwords_text)))
    }

    /// Every word of `text`, stopwords included: lowercased, ASCII-folded, slang expanded ("spm"
    /// gives two tokens, sepeda and motor, both spanning "spm"). Positions count words after
    /// expansion; offsets are byte offsets in `text`.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut raw_words = tokenizer::raw_words(text);
        let mut tokens = Vec::with_capacity(raw_words.len() + 4);
        let mut position: u32 = 0;
        let mut index = 0;
        while index < raw_words.len() {
            if let Some(expansion) = self.tables.slang.expansion_at(&raw_words, index) {
                let last_covered = index + expansion.raw_words_covered - 1;
                let offset_from = raw_words[index].offset_from;
                let offset_to = raw_words[last_covered].offset_to;
                for word in expansion.replacement {
                    tokens.push(Token {
                        term: word.clone(),
                        position,
                        offset_from,
                        offset_to,
                    });
                    position = position.saturating_add(1);
                }
                index = last_covered + 1;
                continue;
            }
            // Slang phrases only look ahead, so the current word can be moved out.
            let word = &mut raw_words[index];
            tokens.push(Token {
                term: std::mem::take(&mut word.text),
                position,
                offset_from: word.offset_from,
                offset_to: word.offset_to,
            });
            position = position.saturating_add(1);
            index += 1;
        }
        tokens
    }

    /// `tokens()` without stopwords, each term replaced by its stem. Positions keep the gaps the
    /// stopwords leave, so phrase queries analysed the same way still line up.
    pub fn terms(&self, text: &str) -> Vec<Token> {
        let mut tokens = self.tokens(text);
        tokens.retain(|token| !self.tables.stopwords.contains(token.term.as_str()));
        for token in &mut tokens {
            token.term = stem(&token.term);
        }
        tokens
    }

    pub fn is_stopword(&self, word: &str) -> bool {
        let is_normalized = word
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        if is_normalized {
            return self.tables.stopwords.contains(word);
        }
        self.tables
            .stopwords
            .contains(fold::normalize_word(word).as_str())
    }

    /// Lowercase + ASCII fold, no slang, no stem.
    pub fn normalize_word(&self, word: &str) -> String {
        fold::normalize_word(word)
    }

    pub fn slang_entry_count(&self) -> usize {
        self.tables.slang.len()
    }

    pub fn stopword_count(&self) -> usize {
        self.tables.stopwords.len()
    }
}

fn is_negation(word: &str) -> bool {
    if NEGATION_WORDS.contains(&word) {
        return true;
    }
    NEGATION_PARTICLES.iter().any(|particle| {
        word.strip_suffix(particle)
            .is_some_and(|root| NEGATION_WORDS.contains(&root))
    })
}

fn stopword_lines(stopwords_text: &str) -> Vec<String> {
    stopwords_text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}
