//! The query of one search item over the text fields: a word (every stem it may have, and near
//! spellings of its form and stem), a phrase (analysed like the indexed text, stopword gaps
//! included), a ticket or a phone number.

use std::sync::Arc;

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use super::flat_words::TokenTerms;
use super::highlight::HighlightTerms;
use super::near::NearSpellingQuery;
use super::query::Item;
use super::query_plan::any_term;
use super::schema::Fields;
use super::segment_cache::SegmentCache;
use crate::text::{Analyzer, Token, stem, stem_candidates};

/// A typo match counts this much, whatever the field: below any exact match of the same word,
/// which adds its BM25 score on top of it.
const FUZZY_SCORE: f32 = 0.05;
/// An exact ticket or phone number is what the searcher wants first.
const TICKET_SCORE: f32 = 100.0;
const PHONE_SCORE: f32 = 50.0;
/// Terms shorter than this (in characters) only match exactly: too many words are one edit away.
const MIN_FUZZY_CHARS: usize = 5;
/// From this length on, two edits are allowed.
const MIN_TWO_EDIT_CHARS: usize = 9;

/// The typo tolerance of a term: the number of edits (a transposition counts as one). Numbers
/// (phones, plates, accounts) one digit apart are other numbers: exact only.
pub(crate) fn allowed_edits(term: &str) -> u8 {
    if term.bytes().any(|byte| byte.is_ascii_digit()) {
        return 0;
    }
    match term.chars().count() {
        length if length >= MIN_TWO_EDIT_CHARS => 2,
        length if length >= MIN_FUZZY_CHARS => 1,
        _ => 0,
    }
}

/// What an item matches. Stopwords are not indexed, yet some are also roots of content words
/// ("pukul" is a time word and the root of "dipukuli"), so an item of stopwords only is kept
/// apart: it narrows a query that has nothing else, and only ranks one that has.
pub(crate) enum TextMatch {
    Content(Box<dyn Query>),
    StopwordsOnly(Box<dyn Query>),
}

impl TextMatch {
    pub(crate) fn is_content(&self) -> bool {
        matches!(self, TextMatch::Content(_))
    }

    pub(crate) fn into_query(self) -> Box<dyn Query> {
        match self {
            TextMatch::Content(query) | TextMatch::StopwordsOnly(query) => query,
        }
    }
}

pub(crate) struct TextQueries<'a> {
    pub(crate) fields: &'a Fields,
    pub(crate) analyzer: &'a Analyzer,
    pub(crate) cache: &'a Arc<SegmentCache>,
}

/// The query of one content token: its exact terms, then its near spellings, as one union.
fn token_query(token: TokenTerms) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = token
        .exact
        .into_iter()
        .map(|(term, boost)| {
            let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(query), boost)) as Box<dyn Query>,
            )
        })
        .collect();
    if let Some(near) = token.near {
        clauses.push((Occur::Should, Box::new(near)));
    }
    Box::new(BooleanQuery::new(clauses))
}

impl TextQueries<'_> {
    /// `None` when the item analyses to nothing (punctuation only).
    pub(crate) fn item(
        &self,
        item: &Item,
        phone_search: bool,
        highlight: Option<&mut HighlightTerms>,
    ) -> Option<TextMatch> {
        match item {
            Item::Word(word) => self.word(word, highlight),
            Item::Phrase(phrase) => self.phrase(phrase, highlight),
            Item::Ticket(variants) => {
                let terms = variants
                    .iter()
                    .map(|ticket| Term::from_field_text(self.fields.ticket, ticket))
                    .collect();
                let query = ConstScoreQuery::new(any_term(terms), TICKET_SCORE);
                Some(TextMatch::Content(Box::new(query)))
            }
            Item::Phone { digits, text } => {
                let as_text = if text.split_whitespace().nth(1).is_some() {
                    self.phrase(text, highlight)
                } else {
                    self.word(text, highlight)
                };
                if !phone_search {
                    return as_text;
                }
                let phone: Box<dyn Query> = Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.fields.phone, digits),
                        IndexRecordOption::Basic,
                    )),
                    PHONE_SCORE,
                ));
                // The number may also be written in a report (a suspect's, a fraud account).
                let query = match as_text {
                    Some(text) => Box::new(BooleanQuery::union(vec![phone, text.into_query()])),
                    None => phone,
                };
                Some(TextMatch::Content(query))
            }
        }
    }

    /// Every content word of `word` must match (slang may expand one word into two).
    fn word(&self, word: &str, highlight: Option<&mut HighlightTerms>) -> Option<TextMatch> {
        let (content, stopwords) = self.split_stopwords(self.analyzer.tokens(word));
        let (tokens, is_content) = if content.is_empty() {
            (stopwords, false)
        } else {
            (content, true)
        };
        if tokens.is_empty() {
            return None;
        }
        let mut term_queries: Vec<Box<dyn Query>> = Vec::with_capacity(tokens.len());
        let mut highlight = highlight;
        for token in &tokens {
            if is_content {
                term_queries.push(token_query(self.content_term(&token.term)));
            } else {
                term_queries.push(self.exact_term(&token.term));
            }
            if let Some(highlight) = highlight.as_deref_mut() {
                if is_content {
                    highlight.add_word(&token.term);
                } else {
                    highlight.add_phrase_word(&token.term);
                }
            }
        }
        let query = if term_queries.len() == 1 {
            term_queries.remove(0)
        } else {
            Box::new(BooleanQuery::intersection(term_queries))
        };
        Some(if is_content {
            TextMatch::Content(query)
        } else {
            TextMatch::StopwordsOnly(query)
        })
    }

    fn split_stopwords(&self, tokens: Vec<Token>) -> (Vec<Token>, Vec<Token>) {
        tokens
            .into_iter()
            .partition(|token| !self.analyzer.is_stopword(&token.term))
    }

    /// One word in any text field, as any of its possible stems (ranked by BM25). Its own
    /// form is indexed too, but always beside the same stem, so it would only add work.
    fn exact_term(&self, surface: &str) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            self.exact_clauses(&stem_candidates(surface)),
        ))
    }

    fn exact_clauses(&self, terms: &[String]) -> Vec<(Occur, Box<dyn Query>)> {
        self.exact_terms(terms)
            .into_iter()
            .map(|(term, boost)| {
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost)) as Box<dyn Query>,
                )
            })
            .collect()
    }

    /// `terms` in every text field with its boost, field by field.
    fn exact_terms(&self, terms: &[String]) -> Vec<(Term, f32)> {
        let mut exact = Vec::new();
        for (field, boost) in self.fields.text_fields() {
            for term in terms {
                exact.push((Term::from_field_text(field, term), boost));
            }
        }
        exact
    }

    /// The content words of `required` as flat groups (`FlatWordsQuery`), when every item is a
    /// plain word with content (no phrase, ticket, phone or stopwords-only word); `None`
    /// otherwise, and when no group has words. Adds the words to `highlight` as `item` would.
    pub(crate) fn flat_groups(
        &self,
        required: &[Vec<Item>],
        highlight: &mut HighlightTerms,
    ) -> Option<Vec<Vec<Vec<TokenTerms>>>> {
        let mut analysed: Vec<Vec<Vec<Token>>> = Vec::with_capacity(required.len());
        for group in required {
            let mut words = Vec::with_capacity(group.len());
            for item in group {
                let Item::Word(word) = item else {
                    return None;
                };
                let (content, stopwords) = self.split_stopwords(self.analyzer.tokens(word));
                if content.is_empty() {
                    if stopwords.is_empty() {
                        // Punctuation only: no part of the query.
                        continue;
                    }
                    return None;
                }
                words.push(content);
            }
            if !words.is_empty() {
                analysed.push(words);
            }
        }
        if analysed.is_empty() {
            return None;
        }
        let mut groups = Vec::with_capacity(analysed.len());
        for words in analysed {
            let mut group = Vec::with_capacity(words.len());
            for tokens in words {
                let mut word = Vec::with_capacity(tokens.len());
                for token in &tokens {
                    highlight.add_word(&token.term);
                    word.push(self.content_term(&token.term));
                }
                group.push(word);
            }
            groups.push(group);
        }
        Some(groups)
    }

    /// One content word in any text field: exactly (BM25), or a near spelling of its own form
    /// or of its stem (a small constant, so typos rank below exact matches).
    fn content_term(&self, surface: &str) -> TokenTerms {
        let mut exact_terms = stem_candidates(surface);
        let exact = self.exact_terms(&exact_terms);
        let mut near_words: Vec<(String, u8)> = Vec::new();
        let mut sources = vec![surface];
        if let Some(stemmed) = exact_terms.first()
            && stemmed != surface
        {
            sources.push(stemmed);
        }
        for source in sources {
            let edits = allowed_edits(source);
            if edits > 0 {
                near_words.push((source.to_owned(), edits));
            }
        }
        let mut near = None;
        if !near_words.is_empty() {
            // The word's own form is no near spelling of it: its documents match by stem.
            exact_terms.push(surface.to_owned());
            let fields = self.fields.text_fields().map(|(field, _)| field).to_vec();
            near = Some(NearSpellingQuery::new(
                fields,
                near_words,
                exact_terms,
                FUZZY_SCORE,
                Arc::clone(self.cache),
            ));
        }
        TokenTerms { exact, near }
    }

    /// The content words of `phrase` in this order, with the gaps stopwords leave, in any one
    /// text field. A phrase of one content word is that word; of stopwords only, those words.
    fn phrase(&self, phrase: &str, highlight: Option<&mut HighlightTerms>) -> Option<TextMatch> {
        let (tokens, stopwords) = self.split_stopwords(self.analyzer.tokens(phrase));
        if tokens.len() <= 1 {
            let words = if tokens.is_empty() {
                &stopwords
            } else {
                &tokens
            };
            let text: Vec<&str> = words.iter().map(|token| token.term.as_str()).collect();
            return self.word(&text.join(" "), highlight);
        }
        let first_position = tokens.first().map_or(0, |token| token.position);
        let stems: Vec<(usize, String)> = tokens
            .iter()
            .map(|token| {
                let offset = token.position.saturating_sub(first_position) as usize;
                (offset, stem(&token.term))
            })
            .collect();
        if let Some(highlight) = highlight {
            for token in &tokens {
                highlight.add_phrase_word(&token.term);
            }
        }
        let per_field: Vec<Box<dyn Query>> = self
            .fields
            .text_fields()
            .into_iter()
            .map(|(field, boost)| {
                let terms = stems
                    .iter()
                    .map(|(offset, term)| (*offset, Term::from_field_text(field, term)))
                    .collect();
                let phrase: Box<dyn Query> = Box::new(PhraseQuery::new_with_offset(terms));
                Box::new(BoostQuery::new(phrase, boost)) as Box<dyn Query>
            })
            .collect();
        Some(TextMatch::Content(Box::new(BooleanQuery::union(per_field))))
    }
}
