//! The router's learned models, trained when a router is built and shared by every router of the
//! same training data in the process (tests build many routers; training runs once).

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use crate::profile::SampleMessage;
use crate::text::Analyzer;

use super::category::CategoryModel;
use super::linear::{Features, LinearModel};
use super::multiclass::CategoryLinear;
use super::words;

/// How much each learned model weighs against the rules: the naive Bayes's and the linear
/// model's posteriors in a category's score, and the urgency model's `2p - 1` in the urgency
/// weighing. The defaults are the shipped router's; evaluation tools may try others
/// (`Router::with_training_and_weights`) to choose them on authors the models never saw.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelWeights {
    pub words: f32,
    pub linear: f32,
    pub urgency: f32,
}

impl Default for ModelWeights {
    fn default() -> ModelWeights {
        ModelWeights {
            words: super::LEARNED_WEIGHT,
            linear: super::LINEAR_WEIGHT,
            urgency: super::urgency::LEARNED_WEIGHT,
        }
    }
}

/// A model trained once per key: the first caller trains it, the others share it.
fn trained_once<M>(
    cache: &Mutex<Vec<(u64, Arc<M>)>>,
    key: u64,
    train: impl FnOnce() -> M,
) -> Arc<M> {
    let mut trained = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, model)) = trained.iter().find(|(known, _)| *known == key) {
        return Arc::clone(model);
    }
    let model = Arc::new(train());
    trained.push((key, Arc::clone(&model)));
    model
}

/// The analyzer's word lists shape the features as much as the samples do.
fn analyzer_key(analyzer: &Analyzer, hasher: &mut rustc_hash::FxHasher) {
    (analyzer.slang_entry_count(), analyzer.stopword_count()).hash(hasher);
}

/// The urgency model, trained on the profile's samples and the project's training sets.
pub(super) fn urgency_model(
    samples: &[SampleMessage],
    training: &[SampleMessage],
    analyzer: &Analyzer,
) -> Arc<LinearModel> {
    static TRAINED: Mutex<Vec<(u64, Arc<LinearModel>)>> = Mutex::new(Vec::new());
    let training: Vec<&SampleMessage> = samples.iter().chain(training).collect();
    let mut hasher = rustc_hash::FxHasher::default();
    analyzer_key(analyzer, &mut hasher);
    for sample in &training {
        (sample.text.as_str(), sample.urgent).hash(&mut hasher);
    }
    trained_once(&TRAINED, hasher.finish(), || {
        let examples: Vec<(Features, bool)> = training
            .iter()
            .map(|sample| {
                let words = words::read_words(analyzer, &[sample.text.as_str()]);
                (Features::of(&words), sample.urgent)
            })
            .collect();
        LinearModel::train(&examples)
    })
}

/// The linear category model, trained on the same messages as the urgency model.
pub(super) fn category_model(
    samples: &[SampleMessage],
    training: &[SampleMessage],
    analyzer: &Analyzer,
    model: &CategoryModel,
) -> Arc<CategoryLinear> {
    static TRAINED: Mutex<Vec<(u64, Arc<CategoryLinear>)>> = Mutex::new(Vec::new());
    let training: Vec<&SampleMessage> = samples.iter().chain(training).collect();
    let mut hasher = rustc_hash::FxHasher::default();
    analyzer_key(analyzer, &mut hasher);
    for info in &model.categories {
        info.code.hash(&mut hasher);
    }
    for sample in &training {
        (sample.text.as_str(), sample.category.as_str()).hash(&mut hasher);
    }
    trained_once(&TRAINED, hasher.finish(), || {
        let examples: Vec<(Features, usize)> = training
            .iter()
            .filter_map(|sample| {
                let category = model.index_of(&sample.category)?;
                let words = words::read_words(analyzer, &[sample.text.as_str()]);
                Some((Features::of(&words), category))
            })
            .collect();
        CategoryLinear::train(&examples, model.categories.len())
    })
}

/// A learned model's likeliest category, if its share reaches `from`.
pub(super) fn best_share(posterior: &[f32], from: f32) -> Option<(usize, f32)> {
    let (index, share) = posterior
        .iter()
        .copied()
        .enumerate()
        .max_by(|left, right| left.1.total_cmp(&right.1).then(right.0.cmp(&left.0)))?;
    (share >= from).then_some((index, share))
}
