//! Routing suggestions for a report: its category, whether it is urgent, where it happened and
//! which units should act, from the profile and the project's own labelled messages (no I/O, no
//! network).
//!
//! Layout: `words` reads the texts through the analyzer, `category` + `lexicon` score keywords,
//! `rules` settles the known hard cases, `learned` adds a naive Bayes second opinion,
//! `situation` + `urgency` weigh time, threat and presence into an urgency score with a grey
//! zone, `places` + `resolve` find the place and `locating` chooses between the text and the shared
//! point, `units` applies the routing rule.

mod category;
mod cues;
mod learned;
mod lexicon;
mod linear;
mod locating;
mod multiclass;
mod place_words;
mod places;
mod resolve;
mod rules;
mod rules_police;
mod signs;
mod situation;
mod training;
mod units;
mod urgency;
mod words;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_eleventh;
#[cfg(test)]
mod tests_places;
#[cfg(test)]
mod tests_tenth;
#[cfg(test)]
mod tests_urgency;

use std::collections::HashSet;
use std::sync::Arc;

use crate::domain::ids::UnitCode;
use crate::domain::suggestion::CategoryCandidate;
use crate::profile::Profile;
use crate::text::Analyzer;

use self::category::CategoryModel;
use self::cues::CueBook;
use self::learned::WordModel;
use self::lexicon::Lexicon;
use self::linear::{Features, LinearModel};
use self::multiclass::CategoryLinear;
use self::places::PlaceIndex;
use self::rules::RuleInput;
use self::units::UnitDirectory;

/// Below this score no category is suggested: nothing in the text points anywhere.
const MIN_CATEGORY_SCORE: f32 = 0.3;
/// The score at which the evidence alone earns about two thirds of full confidence.
const CONFIDENCE_SCALE: f32 = 2.5;
/// How many deciding keywords a reason names.
const MAX_KEYWORDS_IN_REASON: usize = 3;
/// How much the learned model's posterior (in [0, 1]) adds to a category's keyword score: enough
/// to decide where keywords are silent or close, not to overturn a clear keyword.
const LEARNED_WEIGHT: f32 = 1.5;
/// The profile's group of complaints about the police's own service (pungli, misconduct,
/// slowness), which compartments a report.
const COMPLAINT_GROUP: &str = "pengaduan_layanan";
/// How much the linear category model's posterior adds. First chosen on `eval/train2.jsonl` with
/// the models trained without it (2.0). Twelfth round, with the models trained on eight authors:
/// chosen leaving each author out in turn (`routing_eval --leave-one-out`, 5,372 messages each
/// measured unseen): category 0.908 at 2, 0.910 at 3, 0.913 at 4, 0.910 at 5, 0.900 at 8.
const LINEAR_WEIGHT: f32 = 4.0;
/// The learned model is named in the reasons of the winner from this posterior.
const LEARNED_REASON_FROM: f32 = 0.3;
/// How many categories are offered when the category is unclear.
const MAX_CANDIDATES: usize = 3;
/// Below this confidence the category is unclear.
const UNCLEAR_BELOW_CONFIDENCE: f32 = 0.35;
/// A runner-up with at least this share of the winner's score makes the category unclear.
const UNCLEAR_RUNNER_UP_RATIO: f32 = 0.75;
/// `routes_to` of categories that are answered, not forwarded.
const NOT_FORWARDED: &str = "none";

pub use crate::domain::suggestion::{PlaceMatch, Suggestion};
#[doc(hidden)]
pub use learned::training_sets_without;
#[doc(hidden)]
pub use training::ModelWeights;

/// Built once per profile; cheap to clone and shared between workers.
#[derive(Debug, Clone)]
pub struct Router {
    inner: Arc<RouterInner>,
}

#[derive(Debug)]
struct RouterInner {
    analyzer: Analyzer,
    model: CategoryModel,
    learned: WordModel,
    /// The learned opinion on the category, weighed with the keywords and the naive Bayes.
    category_model: Arc<CategoryLinear>,
    /// The learned opinion on urgency, weighed with the situation's cues.
    urgency_model: Arc<LinearModel>,
    /// How much the learned models weigh.
    weights: ModelWeights,
    cue_book: CueBook,
    places: PlaceIndex,
    units: UnitDirectory,
}

impl Router {
    pub fn new(profile: &Profile, analyzer: Analyzer) -> Router {
        Router::with_training(profile, analyzer, &learned::training_set())
    }

    /// A router whose learned models are trained on the profile's samples plus `sets`
    /// instead of the project's training sets: for evaluation tools that measure how the
    /// router does on a set it was not trained on (see `training_sets_without`).
    #[doc(hidden)]
    pub fn with_training(
        profile: &Profile,
        analyzer: Analyzer,
        sets: &[crate::profile::SampleMessage],
    ) -> Router {
        Router::with_training_and_weights(profile, analyzer, sets, ModelWeights::default())
    }

    /// As `with_training`, with the learned models weighed by `weights` instead of the
    /// shipped weights: for evaluation tools that choose the weights on unseen authors.
    #[doc(hidden)]
    pub fn with_training_and_weights(
        profile: &Profile,
        analyzer: Analyzer,
        sets: &[crate::profile::SampleMessage],
        weights: ModelWeights,
    ) -> Router {
        let lexicon = Lexicon::built_in();
        let model = CategoryModel::new(&profile.categories, &lexicon, &analyzer);
        let learned = WordModel::train(
            &profile.samples,
            sets,
            &analyzer,
            model.categories.len(),
            |code| model.index_of(code),
        );
        let urgency_model = training::urgency_model(&profile.samples, sets, &analyzer);
        let category_model = training::category_model(&profile.samples, sets, &analyzer, &model);
        let cue_book = CueBook::new(&analyzer);
        let known_words = lexicon_words(profile, &lexicon, &analyzer);
        let places = PlaceIndex::new(&profile.gazetteer, &analyzer, known_words);
        let units = UnitDirectory::new(&profile.gazetteer, &profile.units);
        Router {
            inner: Arc::new(RouterInner {
                analyzer,
                model,
                learned,
                category_model,
                urgency_model,
                weights,
                cue_book,
                places,
                units,
            }),
        }
    }

    /// From all the text of a report so far (messages and captions, in order) and the last
    /// shared WhatsApp location, if any.
    pub fn suggest(&self, texts: &[&str], location: Option<(f64, f64)>) -> Suggestion {
        let inner = &*self.inner;
        let mentions = inner.places.find_mentions(&inner.analyzer, texts);
        let words = self.read_words(texts, &mentions);
        let cues = inner.cue_book.read(&words);
        // The hashed features, read once for both learned models.
        let features = Features::of(&words);
        let scores = self.score_categories(&words, &features, &cues, texts);

        let mut reasons = Vec::new();
        let ranking = scores.ranking();
        let (category_index, confidence) = match ranking.first() {
            Some(&(index, score)) if score >= MIN_CATEGORY_SCORE => {
                let runner_up = ranking.get(1).map_or(0.0, |&(_, score)| score);
                (Some(index), confidence_of(score, runner_up))
            }
            _ => (None, 0.0),
        };
        let category = category_index.and_then(|index| inner.model.categories.get(index));
        match (category_index, category) {
            (Some(index), Some(info)) => {
                let evidence = &scores.evidence[index];
                for keyword in evidence.keywords.iter().take(MAX_KEYWORDS_IN_REASON) {
                    reasons.push(format!("kata '{keyword}' → {}", info.code));
                }
                reasons.extend(evidence.rule_notes.iter().cloned());
            }
            _ => reasons.push("kategori: tidak ada kata kunci yang cocok".to_string()),
        }

        let situation = situation::Situation::read(&cues, &words, texts);
        let learned_urgency = inner.urgency_model.probability(&features);
        let urgency =
            urgency::judge_urgency(category, &situation, learned_urgency, inner.weights.urgency);
        reasons.extend(urgency.reason);
        let models_only = category_index.is_some_and(|index| learned_only(&scores, index));
        let category_candidates =
            self.unclear_category_candidates(&ranking, confidence, models_only);
        let category_uncertain = !category_candidates.is_empty() || category.is_none();
        if category_uncertain && !category_candidates.is_empty() {
            let codes: Vec<&str> = category_candidates
                .iter()
                .map(|candidate| candidate.code.as_str())
                .collect();
            reasons.push(format!("kategori belum pasti: {}", codes.join(" / ")));
        }

        let place = self.locate(&mentions, location, &mut reasons);
        let forwarded = category.is_none_or(|info| info.routes_to != NOT_FORWARDED);
        let territorial_unit = place
            .as_ref()
            .filter(|_| forwarded)
            .and_then(|located| inner.units.territorial_unit(located.kab, located.kec))
            .map(|(code, is_polsek)| {
                let name = inner.units.name_of(&code).unwrap_or(&code);
                let level = if is_polsek { "kecamatan" } else { "kab/kota" };
                reasons.push(format!("unit wilayah: {name} (menurut {level})"));
                UnitCode::trusted(code)
            });
        let functional_units = category
            .map(|info| {
                let codes = info.functional_units.iter();
                codes.map(|code| UnitCode::trusted(code.as_str())).collect()
            })
            .unwrap_or_default();
        Suggestion {
            category: category.map(|info| info.code.clone()),
            confidence,
            urgent: urgency.urgent,
            reasons,
            territorial_unit,
            functional_units,
            place: place.map(|located| self.place_match(&located, location)),
            urgency_score: urgency.score,
            urgency_uncertain: urgency.uncertain,
            category_uncertain,
            category_candidates,
        }
    }

    /// The few likeliest categories when the winner is weak, has a close runner-up or was
    /// chosen by the learned models alone; empty when the category is clear. Shares are of the candidates' summed score.
    fn unclear_category_candidates(
        &self,
        ranking: &[(usize, f32)],
        confidence: f32,
        models_only: bool,
    ) -> Vec<CategoryCandidate> {
        let best = ranking.first().map_or(0.0, |&(_, score)| score);
        let runner_up = ranking.get(1).map_or(0.0, |&(_, score)| score);
        let close_runner_up = best > 0.0 && runner_up >= best * UNCLEAR_RUNNER_UP_RATIO;
        let unclear = models_only
            || best < MIN_CATEGORY_SCORE
            || confidence < UNCLEAR_BELOW_CONFIDENCE
            || close_runner_up;
        if !unclear {
            return Vec::new();
        }
        let top: Vec<(usize, f32)> = ranking
            .iter()
            .copied()
            .filter(|&(_, score)| score > 0.0)
            .take(MAX_CANDIDATES)
            .collect();
        let total: f32 = top.iter().map(|&(_, score)| score).sum();
        top.into_iter()
            .filter_map(|(index, score)| {
                let info = self.inner.model.categories.get(index)?;
                Some(CategoryCandidate {
                    code: info.code.clone(),
                    share: score / total,
                })
            })
            .collect()
    }

    /// Diagnostics for evaluation tools: every category with a score, best first.
    pub fn ranked_categories(&self, texts: &[&str]) -> Vec<(String, f32)> {
        let inner = &*self.inner;
        let mentions = inner.places.find_mentions(&inner.analyzer, texts);
        let words = self.read_words(texts, &mentions);
        let cues = inner.cue_book.read(&words);
        let scores = self.score_categories(&words, &Features::of(&words), &cues, texts);
        scores
            .ranking()
            .into_iter()
            .filter(|(_, score)| *score > 0.0)
            .filter_map(|(index, score)| {
                let info = inner.model.categories.get(index)?;
                Some((info.code.clone(), score))
            })
            .collect()
    }

    /// The report's words, those of place names marked so they are not read as keywords.
    fn read_words(&self, texts: &[&str], mentions: &[places::Mention]) -> Vec<words::Word> {
        let inner = &*self.inner;
        let mut words = words::read_words(&inner.analyzer, texts);
        let place_names: Vec<&str> = mentions
            .iter()
            .filter(|mention| !mention.weak && !mention.backing_only)
            .map(|mention| mention.text.as_str())
            .collect();
        words::mark_place_names(&inner.analyzer, &mut words, &place_names);
        words
    }

    fn score_categories(
        &self,
        words: &[words::Word],
        features: &Features,
        cues: &cues::FoundCues,
        texts: &[&str],
    ) -> category::CategoryScores {
        let inner = &*self.inner;
        let mut scores = inner.model.score(words);
        let rule_input = RuleInput {
            model: &inner.model,
            words,
            cues,
            texts,
        };
        rules::apply_rules(&rule_input, &mut scores);
        let opinion = inner.learned.read(&inner.analyzer, words);
        let linear = inner.category_model.posterior(features);
        let share_of = |posterior: &[f32], index: usize| posterior.get(index).copied();
        let categories = &inner.model.categories;
        let mut only_learned = vec![false; scores.evidence.len()];
        let names_the_service = rules_police::names_the_service(cues);
        for (index, evidence) in scores.evidence.iter_mut().enumerate() {
            // A complaint about the police's own service moves the report into the
            // internal-affairs compartment, out of the operators' sight; the learned models
            // alone never suggest one where the text names neither the police nor an earlier
            // report nor a keyword of the complaint ("lapor" alone is not a complaint).
            let complaint = categories
                .get(index)
                .is_some_and(|category| category.group == COMPLAINT_GROUP);
            if complaint
                && !names_the_service
                && evidence.keywords.is_empty()
                && evidence.rule_notes.is_empty()
            {
                only_learned[index] = true;
                continue;
            }
            let learned = inner.weights.words * share_of(&opinion.posterior, index).unwrap_or(0.0)
                + inner.weights.linear * share_of(&linear, index).unwrap_or(0.0);
            evidence.score += learned;
            evidence.learned = learned;
        }
        let heard = |best: Option<(usize, f32)>| {
            best.filter(|(index, _)| !only_learned.get(*index).copied().unwrap_or(false))
        };
        let word_best = heard(training::best_share(&opinion.posterior, 0.0));
        let linear_best = heard(training::best_share(&linear, 0.0));
        if let Some((index, share)) = word_best.filter(|(_, share)| *share >= LEARNED_REASON_FROM) {
            let code = self.code_of(index);
            let note = format!(
                "model kata: '{}' → {code} ({share:.2})",
                opinion.telling_words.join("', '")
            );
            scores.add(Some(index), 0.0, note);
        }
        if let Some((index, share)) = linear_best.filter(|(_, share)| *share >= LEARNED_REASON_FROM)
        {
            let code = self.code_of(index);
            scores.add(
                Some(index),
                0.0,
                format!("model kategori → {code} ({share:.2})"),
            );
        }
        scores
    }

    fn code_of(&self, index: usize) -> &str {
        let categories = &self.inner.model.categories;
        categories.get(index).map_or("", |info| info.code.as_str())
    }
}

/// Whether the winner's keywords and rules alone fall short of naming a category, so only the
/// learned models chose it. The category is then suggested but unclear: the linear model can
/// be sure of a category on a message that says nothing ("pak saya mau melapor soal kejadian
/// tadi") out of the words such messages share, and the operator is offered the candidates.
fn learned_only(scores: &category::CategoryScores, index: usize) -> bool {
    scores
        .evidence
        .get(index)
        .is_some_and(|evidence| evidence.score - evidence.learned < MIN_CATEGORY_SCORE)
}

/// Confidence grows with the winning score and with its lead over the runner-up.
fn confidence_of(best: f32, runner_up: f32) -> f32 {
    if best <= 0.0 {
        return 0.0;
    }
    let margin = ((best - runner_up) / best).clamp(0.0, 1.0);
    let strength = 1.0 - (-best / CONFIDENCE_SCALE).exp();
    (strength * (0.4 + 0.6 * margin)).clamp(0.0, 1.0)
}

/// The ordinary words of the lexicon and the profile's keywords: real words, so never read as a
/// misspelt place name.
fn lexicon_words(profile: &Profile, lexicon: &Lexicon, analyzer: &Analyzer) -> HashSet<String> {
    let profile_keywords = profile
        .categories
        .iter()
        .flat_map(|category| category.keywords.iter().map(String::as_str));
    let lexicon_keywords = lexicon.categories.iter().flat_map(|words| {
        words
            .strong
            .iter()
            .chain(words.extra.iter())
            .map(String::as_str)
    });
    let mut known = HashSet::new();
    for keyword in profile_keywords.chain(lexicon_keywords) {
        for token in analyzer.tokens(keyword) {
            known.insert(token.term);
        }
    }
    known
}
