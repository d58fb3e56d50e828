//! Near spellings of a word: the documents holding a term within a few edits of it in any text
//! field, other than the word's exact terms (those are matched, and ranked, by term queries).
//!
//! tantivy's `FuzzyTermQuery` reads the postings of every matching term, the word itself
//! included, into a bit set; for a common word that is a large part of the index on every
//! query. Leaving out the exact terms keeps a typo lookup as cheap as the typos are rare, and
//! one automaton serves every field. A segment's documents for a word are kept in the index's
//! `SegmentCache`: segments never change, and the automaton walk is most of a typo lookup.

use std::sync::Arc;

use tantivy::query::{
    BitSetDocSet, ConstScorer, DfaWrapper, EmptyScorer, EnableScoring, Explanation, FuzzyTermQuery,
    Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

use super::doc_list::DocList;
use super::segment_cache::SegmentCache;

/// A constant `score` for documents holding a near spelling of any of `words`.
#[derive(Clone)]
pub(crate) struct NearSpellingQuery {
    fields: Vec<Field>,
    /// Each word with the number of edits allowed (a transposition counts as one).
    words: Vec<(String, u8)>,
    /// Terms that are not near spellings but the word itself, sorted.
    exact: Arc<Vec<String>>,
    pub(crate) score: Score,
    /// Names what this query matches, for the cache.
    key: Arc<str>,
    cache: Arc<SegmentCache>,
}

impl std::fmt::Debug for NearSpellingQuery {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("NearSpellingQuery")
            .field("key", &self.key)
            .field("score", &self.score)
            .finish()
    }
}

impl NearSpellingQuery {
    pub(crate) fn new(
        fields: Vec<Field>,
        words: Vec<(String, u8)>,
        mut exact: Vec<String>,
        score: Score,
        cache: Arc<SegmentCache>,
    ) -> NearSpellingQuery {
        exact.sort_unstable();
        exact.dedup();
        let key = format!("{fields:?}|{words:?}|{exact:?}").into();
        NearSpellingQuery {
            fields,
            words,
            exact: Arc::new(exact),
            score,
            key,
            cache,
        }
    }

    pub(crate) fn near_weight(&self) -> tantivy::Result<NearSpellingWeight> {
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
        Ok(NearSpellingWeight {
            fields: self.fields.clone(),
            automata,
            exact: Arc::clone(&self.exact),
            score: self.score,
            key: Arc::clone(&self.key),
            cache: Arc::clone(&self.cache),
        })
    }
}

impl Query for NearSpellingQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.near_weight()?))
    }
}

pub(crate) struct NearSpellingWeight {
    fields: Vec<Field>,
    automata: Vec<DfaWrapper>,
    exact: Arc<Vec<String>>,
    score: Score,
    key: Arc<str>,
    cache: Arc<SegmentCache>,
}

impl NearSpellingWeight {
    fn is_exact(&self, term: &[u8]) -> bool {
        self.exact
            .binary_search_by(|exact| exact.as_bytes().cmp(term))
            .is_ok()
    }

    /// The documents of the segment holding a near spelling, ascending (cached per segment).
    pub(crate) fn docs(&self, reader: &SegmentReader) -> tantivy::Result<Arc<Vec<DocId>>> {
        self.cache
            .near_docs(reader, &self.key, || self.walk_terms(reader))
    }

    fn walk_terms(&self, reader: &SegmentReader) -> tantivy::Result<Vec<DocId>> {
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
        let Some(docs) = docs else {
            return Ok(Vec::new());
        };
        let mut set = BitSetDocSet::from(docs);
        let mut list = Vec::with_capacity(set.size_hint() as usize);
        while set.doc() != TERMINATED {
            list.push(set.doc());
            set.advance();
        }
        Ok(list)
    }
}

impl Weight for NearSpellingWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = self.docs(reader)?;
        Ok(if docs.is_empty() {
            Box::new(EmptyScorer)
        } else {
            Box::new(ConstScorer::new(DocList::new(docs), self.score * boost))
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
