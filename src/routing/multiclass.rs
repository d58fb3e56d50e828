//! A learned opinion on the category: a multinomial logistic regression (softmax) over the same
//! hashed features as the urgency model (`linear::Features`: words, stems, negated words, word
//! pairs and character n-grams), trained when the router is built from the project's labelled
//! messages. Where the naive Bayes of `learned` counts words one at a time, this model weighs
//! them against each other, so a word common to many categories ("motor", "tadi") stops
//! deciding. Training is deterministic (a fixed order and number of passes); its arithmetic is
//! the `siaga-learn` crate's, optimised even in debug builds.

use super::linear::Features;

/// The feature table is folded to this many buckets per category (the urgency model's hashes
/// modulo this), so the model costs `BUCKETS × categories × 4` bytes.
const BUCKETS: usize = 1 << 16;
/// Passes over the training messages, Adagrad's base step, the L2 penalty per update on the
/// features a message has, and the seed of each pass's fixed order.
const TRAINING: siaga_learn::Training = siaga_learn::Training {
    epochs: 10,
    learning_rate: 0.5,
    l2: 1e-5,
    seed: 0x2545_f491_4f6c_dd1d,
};
/// Classes whose gradient is below this are not updated (their probability is already ~0).
const NEGLIGIBLE: f32 = 1e-4;

/// A trained model: a posterior over the categories for a report's features.
#[derive(Debug, Clone)]
pub(super) struct CategoryLinear {
    kernel: siaga_learn::Softmax,
}

impl CategoryLinear {
    /// Trains on `(features, category index)` pairs in the order given.
    pub fn train(examples: &[(Features, usize)], classes: usize) -> CategoryLinear {
        let examples: Vec<(&[(u32, f32)], usize)> = examples
            .iter()
            .map(|(features, label)| (features.entries(), *label))
            .collect();
        CategoryLinear {
            kernel: siaga_learn::Softmax::train(&examples, classes, BUCKETS, TRAINING, NEGLIGIBLE),
        }
    }

    /// The probability of each category, summing to 1 (all zero for a report with no
    /// features at all).
    pub fn posterior(&self, features: &Features) -> Vec<f32> {
        let mut probabilities = vec![0.0f32; self.kernel.classes()];
        if !features.entries().is_empty() {
            self.kernel
                .fill_posterior(features.entries(), &mut probabilities);
        }
        probabilities
    }
}
