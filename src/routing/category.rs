//! Category scores from keywords: the profile's keywords plus the router's lexicon, weighted by
//! how specific they are, phrases before single words, negated words left out.

use std::collections::{HashMap, HashSet};

use crate::profile::Category;
use crate::text::Analyzer;

use super::lexicon::Lexicon;
use super::words::{Hit, LOOSE_PHRASE_FACTOR, PhraseList, Word};

/// A word that names the category outright.
const STRONG_WEIGHT: f32 = 2.2;
const STRONG_PHRASE_WEIGHT: f32 = 2.6;
/// A several-word keyword says more than any of its words.
const PHRASE_WEIGHT: f32 = 1.6;
const WORD_WEIGHT: f32 = 1.0;
const WEAK_WEIGHT: f32 = 0.35;
/// "dicuri" found through the stem of "pencurian" is good evidence, a little less than the word.
const STEM_MATCH_FACTOR: f32 = 0.75;
/// "bikin macet": what a report says something causes is context, not the report itself.
const CONSEQUENCE_FACTOR: f32 = 0.5;
const CONSEQUENCE_MARKERS: &[&str] = &[
    "bikin",
    "membuat",
    "menyebabkan",
    "mengakibatkan",
    "akibatnya",
    "sampai",
    "hingga",
];

/// The routing facts of one profile category.
#[derive(Debug, Clone)]
pub(super) struct CategoryInfo {
    pub code: String,
    pub group: String,
    pub routes_to: String,
    pub functional_units: Vec<String>,
    pub urgent_default: bool,
    pub priority: u8,
}

/// What one category scored and which words gave it.
#[derive(Debug, Clone, Default)]
pub(super) struct CategoryEvidence {
    pub score: f32,
    /// Keywords as written in the profile/lexicon, in the order found.
    pub keywords: Vec<String>,
    /// Human-readable notes of the rules that moved this category.
    pub rule_notes: Vec<String>,
    /// The part of `score` the learned models added.
    pub learned: f32,
}

/// Scores of every category for one report; index = category index of the model.
#[derive(Debug, Clone)]
pub(super) struct CategoryScores {
    pub evidence: Vec<CategoryEvidence>,
    /// (category, first word, word count) of every several-word keyword found.
    pub phrase_spans: Vec<(usize, usize, usize)>,
}

impl CategoryScores {
    pub fn score(&self, category: usize) -> f32 {
        self.evidence
            .get(category)
            .map_or(0.0, |evidence| evidence.score)
    }

    pub fn add(&mut self, category: Option<usize>, amount: f32, note: String) {
        let Some(evidence) = category.and_then(|index| self.evidence.get_mut(index)) else {
            return;
        };
        evidence.score += amount;
        evidence.rule_notes.push(note);
    }

    /// Scales a category's score down (a rule decided its words are context, not intent).
    pub fn damp(&mut self, category: Option<usize>, factor: f32) {
        if let Some(evidence) = category.and_then(|index| self.evidence.get_mut(index)) {
            evidence.score *= factor;
        }
    }

    /// Categories by score, best first; ties keep profile order.
    pub fn ranking(&self) -> Vec<(usize, f32)> {
        let mut ranking: Vec<(usize, f32)> = self
            .evidence
            .iter()
            .enumerate()
            .map(|(index, evidence)| (index, evidence.score))
            .collect();
        ranking.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
        ranking
    }
}

/// The keyword index of all categories of a profile.
#[derive(Debug, Clone)]
pub(super) struct CategoryModel {
    pub categories: Vec<CategoryInfo>,
    keywords: PhraseList,
    index_by_code: HashMap<String, usize>,
}

impl CategoryModel {
    pub fn new(categories: &[Category], lexicon: &Lexicon, analyzer: &Analyzer) -> CategoryModel {
        let infos: Vec<CategoryInfo> = categories
            .iter()
            .map(|category| CategoryInfo {
                code: category.code.clone(),
                group: category.group.clone(),
                routes_to: category.routes_to.clone(),
                functional_units: category.functional_units.clone(),
                urgent_default: category.urgent_default,
                priority: category.priority,
            })
            .collect();
        let index_by_code: HashMap<String, usize> = infos
            .iter()
            .enumerate()
            .map(|(index, info)| (info.code.clone(), index))
            .collect();
        let keywords = build_keyword_list(categories, lexicon, &index_by_code, analyzer);
        CategoryModel {
            categories: infos,
            keywords,
            index_by_code,
        }
    }

    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.index_by_code.get(code).copied()
    }

    /// Every category's keyword score for the report's words. One word is one piece of evidence
    /// per category ("nipu" does not count again for penipu, ditipu and penipuan); a phrase of
    /// one category hides its words from the single-word keywords of the others ("motor dicuri"
    /// is not also pencurian).
    pub fn score(&self, words: &[Word]) -> CategoryScores {
        let mut scores = CategoryScores {
            evidence: vec![CategoryEvidence::default(); self.categories.len()],
            phrase_spans: Vec::new(),
        };
        let hits: Vec<(Hit, f32)> = self
            .keywords
            .find(words, true)
            .into_iter()
            .filter(|hit| !hit.negated)
            .filter(|hit| {
                // "di Sungai Lilin" is a place, not a river.
                !words[hit.start..hit.start + hit.len]
                    .iter()
                    .any(|word| word.in_place_name)
            })
            .map(|hit| (hit, self.weight_of(&hit, words)))
            .collect();
        let mut claimed_by_phrase: Vec<Option<usize>> = vec![None; words.len()];
        for (hit, _) in hits.iter().filter(|(hit, _)| hit.len > 1) {
            let category = self.keywords.phrase(hit.phrase).tag;
            scores.phrase_spans.push((category, hit.start, hit.len));
            for claimed in &mut claimed_by_phrase[hit.start..hit.start + hit.len] {
                claimed.get_or_insert(category);
            }
        }
        let mut by_weight: Vec<&(Hit, f32)> = hits.iter().collect();
        by_weight.sort_by(|left, right| {
            right
                .1
                .total_cmp(&left.1)
                .then(right.0.len.cmp(&left.0.len))
                .then(left.0.start.cmp(&right.0.start))
        });
        let mut used: HashSet<(usize, usize)> = HashSet::new();
        for (hit, weight) in by_weight {
            let phrase = self.keywords.phrase(hit.phrase);
            let category = phrase.tag;
            let span = hit.start..hit.start + hit.len;
            let hidden_by_other_phrase =
                hit.len == 1 && claimed_by_phrase[hit.start].is_some_and(|owner| owner != category);
            if hidden_by_other_phrase || span.clone().any(|index| used.contains(&(category, index)))
            {
                continue;
            }
            for index in span {
                used.insert((category, index));
            }
            if let Some(evidence) = scores.evidence.get_mut(category) {
                evidence.score += weight;
                evidence.keywords.push(phrase.label.clone());
            }
        }
        scores
    }

    fn weight_of(&self, hit: &Hit, words: &[Word]) -> f32 {
        let mut weight = self.keywords.phrase(hit.phrase).weight;
        let after_consequence_marker = hit.start > 0
            && words[hit.start - 1].clause == words[hit.start].clause
            && CONSEQUENCE_MARKERS.contains(&words[hit.start - 1].surface.as_str());
        if after_consequence_marker {
            weight *= CONSEQUENCE_FACTOR;
        }
        if hit.by_stem {
            weight *= STEM_MATCH_FACTOR;
        }
        if hit.loose {
            weight *= LOOSE_PHRASE_FACTOR;
        }
        weight
    }
}

fn build_keyword_list(
    categories: &[Category],
    lexicon: &Lexicon,
    index_by_code: &HashMap<String, usize>,
    analyzer: &Analyzer,
) -> PhraseList {
    let weak: HashSet<&str> = lexicon.weak.iter().map(String::as_str).collect();
    // (category, keyword) -> weight; the strongest listing of a keyword wins.
    let mut weights: Vec<(usize, String, f32)> = Vec::new();
    let mut add = |category: usize, keyword: &str, weight: f32| {
        let keyword = keyword.trim().to_lowercase();
        if keyword.is_empty() {
            return;
        }
        let weight = if weak.contains(keyword.as_str()) {
            WEAK_WEIGHT
        } else {
            weight
        };
        if let Some(existing) = weights
            .iter_mut()
            .find(|(known_category, known, _)| *known_category == category && *known == keyword)
        {
            existing.2 = existing.2.max(weight);
            return;
        }
        weights.push((category, keyword, weight));
    };
    for (index, category) in categories.iter().enumerate() {
        for keyword in &category.keywords {
            add(index, keyword, ordinary_weight(keyword));
        }
    }
    for words in &lexicon.categories {
        let Some(&index) = index_by_code.get(&words.code) else {
            continue;
        };
        for keyword in &words.strong {
            let weight = if keyword.contains(' ') {
                STRONG_PHRASE_WEIGHT
            } else {
                STRONG_WEIGHT
            };
            add(index, keyword, weight);
        }
        for keyword in &words.extra {
            add(index, keyword, ordinary_weight(keyword));
        }
    }
    // A keyword listed by several categories tells them apart less: share its weight.
    let mut categories_per_keyword: HashMap<String, HashSet<usize>> = HashMap::new();
    for (category, keyword, _) in &weights {
        categories_per_keyword
            .entry(analysed_key(analyzer, keyword))
            .or_default()
            .insert(*category);
    }
    let mut builder = PhraseList::builder(analyzer);
    for (category, keyword, weight) in &weights {
        let sharing = categories_per_keyword
            .get(&analysed_key(analyzer, keyword))
            .map_or(1, HashSet::len)
            .max(1);
        builder.add(keyword, *category, weight / sharing as f32, true);
    }
    builder.build()
}

fn ordinary_weight(keyword: &str) -> f32 {
    if keyword.trim().contains(' ') {
        PHRASE_WEIGHT
    } else {
        WORD_WEIGHT
    }
}

fn analysed_key(analyzer: &Analyzer, keyword: &str) -> String {
    analyzer
        .tokens(keyword)
        .into_iter()
        .map(|token| token.term)
        .collect::<Vec<_>>()
        .join(" ")
}
