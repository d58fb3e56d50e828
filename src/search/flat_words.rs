//! The words of a query that has only plain words (with `OR` between some), matched and
//! scored a term at a time instead of through tantivy's nested unions and intersections.
//!
//! Each content word is a union of term queries (every text field, every stem it may have,
//! BM25 with the field's boost) and its near spellings (a small constant); a query is an
//! intersection of groups, a group a union of words, a word an intersection of its tokens (slang
//! may expand one word into two). Built as nested `BooleanQuery`s, every match costs a walk
//! through that tree: each union buffers and sums its term scorers a window at a time, and the
//! intersections seek through them. Here, per segment:
//!
//! 1. every term's posting list (document ids only) goes into a bit set per token, and the bit
//!    sets are combined into the set of matching documents (`MatchSet`);
//! 2. when scores are wanted, each term's postings are read again with frequencies and the
//!    term's BM25 is added to its token's score of each matching document, in the order the
//!    unions would add them; then tokens, words and groups are summed as the tree would.
//!
//! The scores are those of the nested queries: each union adds its scorers in clause order,
//! from 0, as tantivy's buffered union does, and BM25 is tantivy's own (`Bm25Weight` from the
//! same statistics, with the same boosts). Where the tree adds three or more scores (three
//! groups, or a slang word of two tokens beside another word), tantivy adds them in the order of
//! its scorers' costs and this adds them in query order, so a score may differ in its last bit.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{Bm25Weight, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};

use super::doc_list::DocList;
use super::near::{NearSpellingQuery, NearSpellingWeight};

/// One content token: its exact terms in clause order (each with its field's boost), and its
/// near spellings.
#[derive(Debug, Clone)]
pub(crate) struct TokenTerms {
    pub(crate) exact: Vec<(Term, Score)>,
    pub(crate) near: Option<NearSpellingQuery>,
}

/// Groups that must all match; a group matches when any of its words does; a word matches when
/// all its tokens do.
#[derive(Debug, Clone)]
pub(crate) struct FlatWordsQuery {
    pub(crate) groups: Vec<Vec<Vec<TokenTerms>>>,
}

impl Query for FlatWordsQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let statistics = match scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(statistics_provider),
            EnableScoring::Disabled { .. } => None,
        };
        let mut groups = Vec::with_capacity(self.groups.len());
        for group in &self.groups {
            let mut words = Vec::with_capacity(group.len());
            for word in group {
                let mut tokens = Vec::with_capacity(word.len());
                for token in word {
                    let mut terms = Vec::with_capacity(token.exact.len());
                    for (term, boost) in &token.exact {
                        let bm25 = match statistics {
                            Some(statistics) => Some(
                                Bm25Weight::for_terms(statistics, std::slice::from_ref(term))?
                                    .boost_by(*boost),
                            ),
                            None => None,
                        };
                        terms.push((term.clone(), bm25));
                    }
                    let near = match &token.near {
                        Some(near) => Some((near.near_weight()?, near.score)),
                        None => None,
                    };
                    tokens.push(TokenWeight { terms, near });
                }
                words.push(tokens);
            }
            groups.push(words);
        }
        Ok(Box::new(FlatWordsWeight {
            groups,
            scoring: statistics.is_some(),
        }))
    }
}

struct TokenWeight {
    /// Each term with its boosted BM25 (`None` when scoring is off).
    terms: Vec<(Term, Option<Bm25Weight>)>,
    near: Option<(NearSpellingWeight, Score)>,
}

struct FlatWordsWeight {
    groups: Vec<Vec<Vec<TokenWeight>>>,
    scoring: bool,
}

/// A set of documents of one segment as 64-bit words.
struct Bits {
    words: Vec<u64>,
}

impl Bits {
    fn new(max_doc: DocId) -> Bits {
        Bits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    #[inline]
    fn insert(&mut self, doc: DocId) {
        self.words[(doc / 64) as usize] |= 1 << (doc % 64);
    }

    #[inline]
    fn contains(&self, doc: DocId) -> bool {
        self.words[(doc / 64) as usize] & (1 << (doc % 64)) != 0
    }

    fn and(&mut self, other: &Bits) {
        for (mine, theirs) in self.words.iter_mut().zip(&other.words) {
            *mine &= theirs;
        }
    }

    fn or(&mut self, other: &Bits) {
        for (mine, theirs) in self.words.iter_mut().zip(&other.words) {
            *mine |= theirs;
        }
    }

    fn is_empty(&self) -> bool {
        self.words.iter().all(|word| *word == 0)
    }
}

/// The matching documents of a segment, ascending, with each one's position in the list found
/// in constant time.
struct MatchSet {
    bits: Bits,
    /// Per 64-bit word of `bits`, the matches before it.
    rank: Vec<u32>,
    docs: Vec<DocId>,
}

impl MatchSet {
    fn new(bits: Bits) -> MatchSet {
        let mut rank = Vec::with_capacity(bits.words.len());
        let mut docs = Vec::new();
        for (index, word) in bits.words.iter().enumerate() {
            rank.push(docs.len() as u32);
            let mut rest = *word;
            while rest != 0 {
                docs.push(index as u32 * 64 + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
        MatchSet { bits, rank, docs }
    }

    #[inline]
    fn position(&self, doc: DocId) -> Option<usize> {
        let index = (doc / 64) as usize;
        let word = self.bits.words[index];
        let bit = 1u64 << (doc % 64);
        (word & bit != 0)
            .then(|| self.rank[index] as usize + (word & (bit - 1)).count_ones() as usize)
    }
}

/// Calls `visit` with every document of `term`'s postings in the segment, a block at a time,
/// with frequencies when `freqs`.
fn for_each_posting(
    reader: &SegmentReader,
    term: &Term,
    freqs: bool,
    mut visit: impl FnMut(&[DocId], &[u32]),
) -> tantivy::Result<()> {
    let inverted_index = reader.inverted_index(term.field())?;
    let Some(term_info) = inverted_index.get_term_info(term)? else {
        return Ok(());
    };
    let option = if freqs {
        IndexRecordOption::WithFreqs
    } else {
        IndexRecordOption::Basic
    };
    let mut postings = inverted_index.read_block_postings_from_terminfo(&term_info, option)?;
    loop {
        let docs = postings.docs();
        if docs.is_empty() {
            return Ok(());
        }
        visit(docs, if freqs { postings.freqs() } else { &[] });
        postings.advance();
    }
}

impl FlatWordsWeight {
    /// Each word's documents (`None` for the only word of its group: the group's documents,
    /// so it needs neither a copy nor a check), and the documents the whole query matches.
    fn match_words(
        &self,
        reader: &SegmentReader,
    ) -> tantivy::Result<(Vec<Vec<Option<Bits>>>, Bits)> {
        let max_doc = reader.max_doc();
        let mut word_bits = Vec::with_capacity(self.groups.len());
        let mut all: Option<Bits> = None;
        for group in &self.groups {
            let mut group_words = Vec::with_capacity(group.len());
            let mut group_bits: Option<Bits> = None;
            for word in group {
                let mut word_match: Option<Bits> = None;
                for token in word {
                    let mut bits = Bits::new(max_doc);
                    for (term, _) in &token.terms {
                        for_each_posting(reader, term, false, |docs, _| {
                            for doc in docs {
                                bits.insert(*doc);
                            }
                        })?;
                    }
                    if let Some((near, _)) = &token.near {
                        for doc in near.docs(reader)?.iter() {
                            bits.insert(*doc);
                        }
                    }
                    match word_match.as_mut() {
                        Some(word_match) => word_match.and(&bits),
                        None => word_match = Some(bits),
                    }
                }
                let word_match = word_match.unwrap_or_else(|| Bits::new(max_doc));
                if group.len() == 1 {
                    group_bits = Some(word_match);
                    group_words.push(None);
                    continue;
                }
                group_bits
                    .get_or_insert_with(|| Bits::new(max_doc))
                    .or(&word_match);
                group_words.push(Some(word_match));
            }
            let group_bits = group_bits.unwrap_or_else(|| Bits::new(max_doc));
            match all.as_mut() {
                Some(all) => all.and(&group_bits),
                None => all = Some(group_bits),
            }
            word_bits.push(group_words);
            if all.as_ref().is_some_and(Bits::is_empty) {
                break;
            }
        }
        Ok((word_bits, all.unwrap_or_else(|| Bits::new(max_doc))))
    }

    /// One token's score of every match, its terms added in clause order from 0.
    fn token_scores(
        &self,
        reader: &SegmentReader,
        token: &TokenWeight,
        matches: &MatchSet,
    ) -> tantivy::Result<Vec<Score>> {
        let mut scores = vec![0.0; matches.docs.len()];
        for (term, bm25) in &token.terms {
            let Some(bm25) = bm25 else { continue };
            let fieldnorms = reader
                .fieldnorms_readers()
                .get_field(term.field())?
                .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
            for_each_posting(reader, term, true, |docs, freqs| {
                for (doc, freq) in docs.iter().zip(freqs) {
                    if let Some(position) = matches.position(*doc) {
                        scores[position] += bm25.score(fieldnorms.fieldnorm_id(*doc), *freq);
                    }
                }
            })?;
        }
        if let Some((near, score)) = &token.near {
            for doc in near.docs(reader)?.iter() {
                if let Some(position) = matches.position(*doc) {
                    scores[position] += *score;
                }
            }
        }
        Ok(scores)
    }

    fn scores(
        &self,
        reader: &SegmentReader,
        word_bits: &[Vec<Option<Bits>>],
        matches: &MatchSet,
    ) -> tantivy::Result<Vec<Score>> {
        let mut total: Option<Vec<Score>> = None;
        for (group_index, group) in self.groups.iter().enumerate() {
            let mut group_scores: Option<Vec<Score>> = None;
            for (word_index, word) in group.iter().enumerate() {
                // `None`: the group's only word, which every match holds.
                let matched = word_bits[group_index][word_index].as_ref();
                if matched.is_some_and(Bits::is_empty) {
                    continue;
                }
                let mut word_scores: Option<Vec<Score>> = None;
                for token in word {
                    let scores = self.token_scores(reader, token, matches)?;
                    add_into(&mut word_scores, scores);
                }
                let Some(mut word_scores) = word_scores else {
                    continue;
                };
                // A word counts only where all its tokens match (a union adds what matches).
                if let Some(matched) = matched {
                    for (score, doc) in word_scores.iter_mut().zip(&matches.docs) {
                        if !matched.contains(*doc) {
                            *score = 0.0;
                        }
                    }
                }
                add_into(&mut group_scores, word_scores);
            }
            if let Some(group_scores) = group_scores {
                add_into(&mut total, group_scores);
            }
        }
        Ok(total.unwrap_or_else(|| vec![0.0; matches.docs.len()]))
    }
}

/// `sum` plus `scores`, element by element (`scores` itself when there is no sum yet).
fn add_into(sum: &mut Option<Vec<Score>>, scores: Vec<Score>) {
    match sum.as_mut() {
        Some(sum) => {
            for (total, score) in sum.iter_mut().zip(scores) {
                *total += score;
            }
        }
        None => *sum = Some(scores),
    }
}

impl Weight for FlatWordsWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let (word_bits, all) = self.match_words(reader)?;
        let matches = MatchSet::new(all);
        let scores = if self.scoring && !matches.docs.is_empty() {
            self.scores(reader, &word_bits, &matches)?
        } else {
            Vec::new()
        };
        Ok(Box::new(FlatScorer {
            docs: DocList::new(Arc::new(matches.docs)),
            scores,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("FlatWords", scorer.score()))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}

struct FlatScorer {
    docs: DocList,
    /// Per match, in `docs` order; empty when scoring is off.
    scores: Vec<Score>,
}

impl DocSet for FlatScorer {
    #[inline]
    fn advance(&mut self) -> DocId {
        self.docs.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.docs.seek(target)
    }

    #[inline]
    fn doc(&self) -> DocId {
        self.docs.doc()
    }

    fn size_hint(&self) -> u32 {
        self.docs.size_hint()
    }
}

impl Scorer for FlatScorer {
    #[inline]
    fn score(&mut self) -> Score {
        self.scores
            .get(self.docs.cursor())
            .copied()
            .unwrap_or_default()
    }
}
