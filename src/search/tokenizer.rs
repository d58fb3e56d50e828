//! The tantivy tokenizer of the text fields: `crate::text::Analyzer` (folding, slang, stopwords
//! that keep negation, the domain stemmer), emitting each word's stem and, at the same position,
//! its unstemmed form when it differs.
//!
//! The stem is what words and phrases match; the unstemmed form is what typo matching compares
//! against, because a misspelt word rarely stems to the root of the word meant ("dcuri" is no
//! inflection of "curi", but it is one edit away from "dicuri").

use std::collections::HashMap;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{Analyzer, stem};

/// The name the text fields' tokenizer is registered under.
pub(crate) const TOKENIZER_NAME: &str = "siaga_id";

/// Longer tokens are not words (URLs, hashes, key mashes) and tantivy would drop them anyway.
const MAX_TOKEN_BYTES: usize = 80;

/// Stemming tries every reading of a word against the root lexicon; reports repeat the same few
/// thousand words, so each indexing thread remembers the stems it has computed.
const MAX_CACHED_STEMS: usize = 50_000;

pub(crate) struct SiagaTokenizer {
    analyzer: Analyzer,
    stems: HashMap<String, String>,
    tokens: Vec<Token>,
}

impl SiagaTokenizer {
    pub(crate) fn new(analyzer: Analyzer) -> SiagaTokenizer {
        SiagaTokenizer {
            analyzer,
            stems: HashMap::new(),
            tokens: Vec::new(),
        }
    }

    fn stem_of(&mut self, word: &str) -> String {
        if let Some(cached) = self.stems.get(word) {
            return cached.clone();
        }
        let stemmed = stem(word);
        if self.stems.len() >= MAX_CACHED_STEMS {
            self.stems.clear();
        }
        self.stems.insert(word.to_owned(), stemmed.clone());
        stemmed
    }

    fn analyze_into_tokens(&mut self, text: &str) {
        self.tokens.clear();
        for word in self.analyzer.tokens(text) {
            if word.term.len() > MAX_TOKEN_BYTES || self.analyzer.is_stopword(&word.term) {
                continue;
            }
            let stemmed = self.stem_of(&word.term);
            let position = word.position as usize;
            let surface_differs = stemmed != word.term;
            self.tokens.push(Token {
                offset_from: word.offset_from,
                offset_to: word.offset_to,
                position,
                text: stemmed,
                position_length: 1,
            });
            if surface_differs {
                self.tokens.push(Token {
                    offset_from: word.offset_from,
                    offset_to: word.offset_to,
                    position,
                    text: word.term,
                    position_length: 1,
                });
            }
        }
    }
}

impl Clone for SiagaTokenizer {
    /// A clone serves another indexing thread: it shares the analyzer, not the stem cache.
    fn clone(&self) -> SiagaTokenizer {
        SiagaTokenizer::new(self.analyzer.clone())
    }
}

impl Tokenizer for SiagaTokenizer {
    type TokenStream<'a> = SiagaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> SiagaTokenStream<'a> {
        self.analyze_into_tokens(text);
        SiagaTokenStream {
            tokens: &mut self.tokens,
            next_index: 0,
            before_start: Token::default(),
        }
    }
}

pub(crate) struct SiagaTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    /// The index of the token `advance` moves to; the current one is `next_index - 1`.
    next_index: usize,
    /// What `token()` gives before the first `advance` (tantivy never asks).
    before_start: Token,
}

impl TokenStream for SiagaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next_index < self.tokens.len() {
            self.next_index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.next_index.checked_sub(1) {
            Some(current) => self.tokens.get(current).unwrap_or(&self.before_start),
            None => &self.before_start,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next_index.checked_sub(1) {
            Some(current) if current < self.tokens.len() => &mut self.tokens[current],
            _ => &mut self.before_start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emitted(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = SiagaTokenizer::new(Analyzer::sumsel());
        let mut stream = tokenizer.token_stream(text);
        let mut tokens = Vec::new();
        while let Some(token) = stream.next() {
            tokens.push((token.text.clone(), token.position));
        }
        tokens
    }

    #[test]
    fn stems_come_with_their_unstemmed_form_at_the_same_position() {
        let tokens = emitted("Motor saya dicuri di pasar");
        assert!(tokens.contains(&("curi".to_owned(), 2)), "{tokens:?}");
        assert!(tokens.contains(&("dicuri".to_owned(), 2)), "{tokens:?}");
        assert!(tokens.contains(&("motor".to_owned(), 0)), "{tokens:?}");
        assert!(!tokens.iter().any(|(text, _)| text == "saya"), "{tokens:?}");
    }

    #[test]
    fn an_empty_text_gives_no_tokens() {
        assert!(emitted("").is_empty());
        assert!(emitted("  !!! ").is_empty());
    }
}
