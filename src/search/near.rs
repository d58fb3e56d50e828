//! Near spellings of a word: the documents holding a term within a few edits of it in any text
//! field, other than the word's exact terms (those are matched, and ranked, by term queries).
//!
//! tantivy's `FuzzyTermQuery` reads the postings of every matching term, the word itself
//! included, into a bit set; for a common word that is a large part of the index on every
//! query. Leaving out the exact terms keeps a typo lookup as cheap as the typos are rare, and
//! one automaton serves every field.

use std::sync::Arc;

use tantivy::query::{
    BitSetDocSet, ConstScorer, DfaWrapper, EmptyScorer, EnableScoring, Explanation, FuzzyTermQuery,
    Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError, Term};

/// A constant `score` for documents holding a near spelling of any of `words`.
#[derive(Debug, Clone)]
pub(crate) struct NearSpellingQuery {
    fields: Vec<Field>,
    /// Each word with the number of edits allowed (a transposition counts as one).
    words: Vec<(String, u8)>,
    /// Terms that are not near spellings but the word itself, sorted.
    exact: Arc<Vec<String>>,
    score: Score,
}

impl NearSpellingQuery {
    pub(crate) fn new(
        fields: Vec<Field>,
        words: Vec<(String, u8)>,
        mut exact: Vec<String>,
        score: Score,
    ) -> NearSpellingQuery {
        exact.sort_unstable();
        exact.dedup();
        NearSpellingQuery {
            fields,
            words,
            exact: Arc::new(exact),
            score,
        }
    }
}

impl Query for NearSpellingQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let Some(first_field) = self.fields.first() else {
            return Err(TantivyError::InvalidArgument(
                "a near-spelling query needs a field".to_owned(),
            ));
        };
        let mut automata = Vec::with_capacity(self.words.len());
        for (word, edits) in &self.words {
            let fuzzy =
                FuzzyTermQuery::new(Term::from_field_text(*first_field, word), *edits, true);
            automata.push(fuzzy.automaton()?);
        }
        Ok(Box::new(NearSpellingWeight {
            fields: self.fields.clone(),
            automata,
            exact: Arc::clone(&self.exact),
            score: self.score,
        }))
    }
}

struct NearSpellingWeight {
    fields: Vec<Field>,
    automata: Vec<DfaWrapper>,
    exact: Arc<Vec<String>>,
    score: Score,
}

impl NearSpellingWeight {
    fn is_exact(&self, term: &[u8]) -> bool {
        self.exact
            .binary_search_by(|exact| exact.as_bytes().cmp(term))
            .is_ok()
    }
}

impl Weight for NearSpellingWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut docs: Option<BitSet> = None;
        for field in &self.fields {
            let inverted_index = reader.inverted_index(*field)?;
            for automaton in &self.automata {
                let mut terms = inverted_index.terms().search(automaton).into_stream()?;
                while terms.advance() {
                    if self.is_exact(terms.key()) {
                        continue;
                    }
                    let docs = docs.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()));
                    let mut postings = inverted_index.read_block_postings_from_terminfo(
                        terms.value(),
                        IndexRecordOption::Basic,
                    )?;
                    loop {
                        let block = postings.docs();
                        if block.is_empty() {
                            break;
                        }
                        for doc in block {
                            docs.insert(*doc);
                        }
                        postings.advance();
                    }
                }
            }
        }
        Ok(match docs {
            Some(docs) => Box::new(ConstScorer::new(
                BitSetDocSet::from(docs),
                self.score * boost,
            )),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("NearSpelling", scorer.score()))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} holds no near spelling"
            )))
        }
    }
}
