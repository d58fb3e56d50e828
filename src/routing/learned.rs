//! A learned second opinion on the category: a naive Bayes over the words of a report (stems,
//! negated stems and word pairs), trained when the router is built from labelled messages the
//! project wrote itself (the profile's `corpus_dev.jsonl`, `eval/tuning.jsonl` and the sets of
//! seven more authors, `eval/train2.jsonl` … `eval/train8.jsonl`; see `TRAINING_SETS`). It is
//! deterministic, it speaks where the keywords are silent or close, and its reason names the
//! words that weighed most. The held-out sets (`eval/tuning_holdout.jsonl`,
//! `eval/train2_holdout.jsonl` … `eval/train8_holdout.jsonl`), the ninth author's
//! `eval/train9*.jsonl` (the twelfth round's unseen measure) and the independent set are never
//! read here.

use rustc_hash::FxHashMap;

use crate::profile::SampleMessage;
use crate::text::Analyzer;

use super::words::{self, Word};

/// The tuning set, labelled by hand for this router.
const TUNING_SET: &str = include_str!("../../eval/tuning.jsonl");
/// The second training set, written by another author blind to the router (`eval/raw2/`).
const TRAIN2_SET: &str = include_str!("../../eval/train2.jsonl");
/// The third, by a third author blind to the router and to the earlier sets (`eval/raw3/`).
const TRAIN3_SET: &str = include_str!("../../eval/train3.jsonl");
/// The sets of the fourth to the eighth author (`eval/raw4/` … `eval/raw8/`), each written
/// before its author read the router's rules. Measured on, not trained on, until the twelfth
/// round, which measured every author left out in turn with the models trained on all the
/// others (`routing_eval --leave-one-out`, `eval/TUNING.md`) and found more authors generalise
/// better than more rounds of rules.
const TRAIN4_SET: &str = include_str!("../../eval/train4.jsonl");
const TRAIN5_SET: &str = include_str!("../../eval/train5.jsonl");
const TRAIN6_SET: &str = include_str!("../../eval/train6.jsonl");
const TRAIN7_SET: &str = include_str!("../../eval/train7.jsonl");
const TRAIN8_SET: &str = include_str!("../../eval/train8.jsonl");
/// The project's training sets by name, in the order they are trained on. Their holdouts,
/// `eval/train9*.jsonl` and the independent set stay out.
const TRAINING_SETS: &[(&str, &str)] = &[
    ("tuning", TUNING_SET),
    ("train2", TRAIN2_SET),
    ("train3", TRAIN3_SET),
    ("train4", TRAIN4_SET),
    ("train5", TRAIN5_SET),
    ("train6", TRAIN6_SET),
    ("train7", TRAIN7_SET),
    ("train8", TRAIN8_SET),
];
/// Laplace smoothing of the word counts.
const SMOOTHING: f32 = 0.5;
/// Softens the posterior: naive Bayes is overconfident on short texts.
const TEMPERATURE: f32 = 4.0;
/// How many words a reason names.
const WORDS_IN_REASON: usize = 3;
/// A feature must appear in this many training messages to count.
const MIN_DOCUMENT_COUNT: u32 = 1;

/// Log-likelihoods of each feature per category, with a uniform prior. The features' rows sit
/// in one table (`categories` floats a row) in the order of their names, so a report reads
/// contiguous rows and sums them in the same order as the names sort.
#[derive(Debug, Clone)]
pub(super) struct WordModel {
    categories: usize,
    /// A feature's row.
    rows: FxHashMap<Box<str>, u32>,
    /// The features by row, for reasons.
    names: Vec<Box<str>>,
    /// `row * categories + category`.
    log_likelihood: Vec<f32>,
}

/// The model's reading of one report.
#[derive(Debug, Clone)]
pub(super) struct Opinion {
    /// Posterior per category index, summing to 1.
    pub posterior: Vec<f32>,
    /// The features that favoured the best category most, for reasons.
    pub telling_words: Vec<String>,
}

impl WordModel {
    /// Trains on the profile's samples plus the project's training sets (`training_set`);
    /// `index_of` maps a code to the category index of the keyword model (unknown codes are
    /// skipped).
    pub fn train(
        samples: &[SampleMessage],
        training: &[SampleMessage],
        analyzer: &Analyzer,
        categories: usize,
        index_of: impl Fn(&str) -> Option<usize>,
    ) -> WordModel {
        let mut counts: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut totals = vec![0u32; categories];
        for sample in samples.iter().chain(training) {
            let Some(category) = index_of(&sample.category) else {
                continue;
            };
            let words = words::read_words(analyzer, &[sample.text.as_str()]);
            for feature in features(analyzer, &words) {
                counts.entry(feature).or_insert_with(|| vec![0; categories])[category] += 1;
                totals[category] += 1;
            }
        }
        counts.retain(|_, per_category| per_category.iter().sum::<u32>() >= MIN_DOCUMENT_COUNT);
        let vocabulary = counts.len() as f32;
        let mut counts: Vec<(String, Vec<u32>)> = counts.into_iter().collect();
        counts.sort_unstable_by(|left, right| left.0.cmp(&right.0));
        let mut model = WordModel {
            categories,
            rows: FxHashMap::default(),
            names: Vec::with_capacity(counts.len()),
            log_likelihood: Vec::with_capacity(counts.len() * categories),
        };
        for (row, (feature, per_category)) in counts.into_iter().enumerate() {
            model
                .log_likelihood
                .extend(per_category.iter().zip(&totals).map(|(&count, &total)| {
                    ((count as f32 + SMOOTHING) / (total as f32 + SMOOTHING * vocabulary)).ln()
                }));
            let feature: Box<str> = feature.into();
            model.rows.insert(feature.clone(), row as u32);
            model.names.push(feature);
        }
        model
    }

    fn logs(&self, row: u32) -> &[f32] {
        let start = row as usize * self.categories;
        &self.log_likelihood[start..start + self.categories]
    }

    pub fn read(&self, analyzer: &Analyzer, words: &[Word]) -> Opinion {
        let mut log_posterior = vec![0.0f32; self.categories];
        let mut known: Vec<u32> = Vec::new();
        each_feature(analyzer, words, |feature| {
            if let Some(&row) = self.rows.get(feature) {
                known.push(row);
            }
        });
        // Rows are in the order of the names: summed in the order the names sort, once each.
        known.sort_unstable();
        known.dedup();
        for &row in &known {
            for (sum, log) in log_posterior.iter_mut().zip(self.logs(row)) {
                *sum += log;
            }
        }
        if known.is_empty() {
            return Opinion {
                posterior: vec![0.0; self.categories],
                telling_words: Vec::new(),
            };
        }
        let best_log = log_posterior
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        let mut posterior: Vec<f32> = log_posterior
            .iter()
            .map(|log| ((log - best_log) / TEMPERATURE).exp())
            .collect();
        let total: f32 = posterior.iter().sum();
        for share in &mut posterior {
            *share /= total;
        }
        let best = posterior
            .iter()
            .enumerate()
            .max_by(|left, right| left.1.total_cmp(right.1).then(right.0.cmp(&left.0)))
            .map_or(0, |(index, _)| index);
        // A feature tells for the best category by how much more likely it is there than on
        // average over the categories.
        let mut telling: Vec<(f32, &str)> = known
            .iter()
            .map(|&row| {
                let logs = self.logs(row);
                let mean = logs.iter().sum::<f32>() / logs.len() as f32;
                (logs[best] - mean, &*self.names[row as usize])
            })
            .filter(|(lift, _)| *lift > 0.0)
            .collect();
        telling.sort_by(|left, right| right.0.total_cmp(&left.0).then(left.1.cmp(right.1)));
        Opinion {
            posterior,
            telling_words: telling
                .into_iter()
                .take(WORDS_IN_REASON)
                .map(|(_, feature)| feature.replace('_', " "))
                .collect(),
        }
    }
}

/// The project's own labelled messages beyond the profile's samples: the tuning set and the
/// sets of the second to the eighth author. Lines that do not parse are skipped (a test checks there
/// are none).
pub(super) fn training_set() -> Vec<SampleMessage> {
    training_sets_without(&[])
}

/// The training sets without those named (`"train2"` … `"train8"`), for measuring the router
/// on a set as on messages of an author it never learned from.
#[doc(hidden)]
pub fn training_sets_without(left_out: &[&str]) -> Vec<SampleMessage> {
    TRAINING_SETS
        .iter()
        .filter(|(name, _)| !left_out.contains(name))
        .flat_map(|(_, set)| set.lines())
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Content stems (negated ones marked "tidak_"), and pairs of neighbouring content words in one
/// clause; each once per report.
fn features(analyzer: &Analyzer, words: &[Word]) -> Vec<String> {
    let mut features: Vec<String> = Vec::with_capacity(words.len() * 2);
    each_feature(analyzer, words, |feature| {
        features.push(feature.to_string())
    });
    features.sort_unstable();
    features.dedup();
    features
}

/// Calls `found` with each feature of `features`, repeats included, from one reused buffer.
fn each_feature(analyzer: &Analyzer, words: &[Word], mut found: impl FnMut(&str)) {
    let content: Vec<&Word> = words
        .iter()
        .filter(|word| !analyzer.is_stopword(&word.surface) && !word.is_negation())
        .collect();
    let mut buffer = String::with_capacity(48);
    for word in &content {
        buffer.clear();
        if word.negated {
            buffer.push_str("tidak_");
        }
        buffer.push_str(&word.stem);
        found(&buffer);
    }
    for pair in content.windows(2) {
        if pair[0].clause == pair[1].clause {
            buffer.clear();
            buffer.push_str(&pair[0].stem);
            buffer.push('_');
            buffer.push_str(&pair[1].stem);
            found(&buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, category: &str) -> SampleMessage {
        SampleMessage {
            text: text.to_string(),
            category: category.to_string(),
            place: None,
            kecamatan: None,
            urgent: false,
        }
    }

    #[test]
    fn the_rows_follow_the_names_and_a_report_reads_each_feature_once() {
        let analyzer = Analyzer::sumsel();
        let samples = [
            sample("rumah terbakar api besar", "fire"),
            sample("gudang terbakar asap hitam", "fire"),
            sample("motor dicuri maling semalam", "theft"),
            sample("maling masuk rumah kosong", "theft"),
        ];
        let index_of = |code: &str| match code {
            "fire" => Some(0),
            "theft" => Some(1),
            _ => None,
        };
        let model = WordModel::train(&samples, &[], &analyzer, 2, index_of);
        assert!(model.names.windows(2).all(|pair| pair[0] < pair[1]));
        for (row, name) in model.names.iter().enumerate() {
            assert_eq!(model.rows.get(name), Some(&(row as u32)));
        }
        assert_eq!(model.log_likelihood.len(), model.names.len() * 2);
        // A word said twice counts once, as the sorted and deduplicated features did.
        let words = words::read_words(&analyzer, &["maling maling masuk rumah"]);
        let once = words::read_words(&analyzer, &["maling masuk rumah"]);
        let twice = model.read(&analyzer, &words);
        assert_eq!(twice.posterior, model.read(&analyzer, &once).posterior);
        assert!(twice.posterior[1] > twice.posterior[0]);
        assert!(
            twice
                .telling_words
                .iter()
                .any(|word| word.contains("maling"))
        );
    }

    #[test]
    fn features_are_stems_negations_and_pairs_in_one_clause() {
        let analyzer = Analyzer::sumsel();
        let words = words::read_words(&analyzer, &["motor tidak hilang dicuri"]);
        let features = features(&analyzer, &words);
        let mut streamed = Vec::new();
        each_feature(&analyzer, &words, |feature| {
            streamed.push(feature.to_string())
        });
        streamed.sort_unstable();
        streamed.dedup();
        assert_eq!(features, streamed);
        assert!(features.iter().any(|feature| feature.starts_with("tidak_")));
        assert!(
            features
                .iter()
                .any(|feature| feature.contains('_') && !feature.starts_with("tidak_"))
        );
    }

    #[test]
    fn every_line_of_the_training_sets_is_read() {
        let lines = |text: &str| text.lines().filter(|line| !line.trim().is_empty()).count();
        let all: usize = super::TRAINING_SETS.iter().map(|(_, set)| lines(set)).sum();
        assert_eq!(super::training_set().len(), all);
        assert!(all > lines(super::TUNING_SET) + lines(super::TRAIN8_SET));
        let authors = [
            "train2", "train3", "train4", "train5", "train6", "train7", "train8",
        ];
        assert_eq!(
            super::training_sets_without(&authors).len(),
            lines(super::TUNING_SET)
        );
    }
}
