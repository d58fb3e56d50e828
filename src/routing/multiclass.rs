//! A learned opinion on the category: a multinomial logistic regression (softmax) over the same
//! hashed features as the urgency model (`linear::Features`: words, stems, negated words, word
//! pairs and character n-grams), trained when the router is built from the project's labelled
//! messages. Where the naive Bayes of `learned` counts words one at a time, this model weighs
//! them against each other, so a word common to many categories ("motor", "tadi") stops
//! deciding. Training is deterministic (a fixed order and number of passes).

use super::linear::{Features, shuffle};

/// The feature table is folded to this many buckets per category (the urgency model's hashes
/// modulo this), so the model costs `BUCKETS × categories × 4` bytes.
const BUCKETS: usize = 1 << 16;
/// Passes over the training messages.
const EPOCHS: usize = 10;
/// Adagrad's base step.
const LEARNING_RATE: f32 = 0.5;
/// L2 penalty per update on the features a message has.
const L2: f32 = 1e-5;
/// Classes whose gradient is below this are not updated (their probability is already ~0).
const NEGLIGIBLE: f32 = 1e-4;

/// A trained model: a posterior over the categories for a report's features.
#[derive(Debug, Clone)]
pub(super) struct CategoryLinear {
    classes: usize,
    /// `bucket * classes + class`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl CategoryLinear {
    /// Trains on `(features, category index)` pairs in the order given.
    pub fn train(examples: &[(Features, usize)], classes: usize) -> CategoryLinear {
        let mut model = CategoryLinear {
            classes,
            weights: vec![0.0; BUCKETS * classes],
            bias: vec![0.0; classes],
        };
        if classes == 0 {
            return model;
        }
        let mut squared = vec![1e-6f32; BUCKETS * classes];
        let mut bias_squared = vec![1e-6f32; classes];
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut probabilities = vec![0.0f32; classes];
        for _ in 0..EPOCHS {
            shuffle(&mut order, &mut state);
            for &position in &order {
                let (features, label) = &examples[position];
                model.fill_posterior(features, &mut probabilities);
                for class in 0..classes {
                    let target = if class == *label { 1.0 } else { 0.0 };
                    let error = probabilities[class] - target;
                    if error.abs() < NEGLIGIBLE {
                        continue;
                    }
                    for &(index, value) in features.entries() {
                        let slot = bucket(index) * classes + class;
                        let gradient = error * value + L2 * model.weights[slot];
                        squared[slot] += gradient * gradient;
                        model.weights[slot] -= LEARNING_RATE * gradient / squared[slot].sqrt();
                    }
                    bias_squared[class] += error * error;
                    model.bias[class] -= LEARNING_RATE * error / bias_squared[class].sqrt();
                }
            }
        }
        model
    }

    /// The probability of each category, summing to 1 (all zero for a report with no
    /// features at all).
    pub fn posterior(&self, features: &Features) -> Vec<f32> {
        let mut probabilities = vec![0.0f32; self.classes];
        if !features.entries().is_empty() {
            self.fill_posterior(features, &mut probabilities);
        }
        probabilities
    }

    fn fill_posterior(&self, features: &Features, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for &(index, value) in features.entries() {
            let row = bucket(index) * self.classes;
            for (sum, weight) in out.iter_mut().zip(&self.weights[row..row + self.classes]) {
                *sum += weight * value;
            }
        }
        let best = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut total = 0.0;
        for value in out.iter_mut() {
            *value = (*value - best).exp();
            total += *value;
        }
        for value in out.iter_mut() {
            *value /= total;
        }
    }
}

fn bucket(index: u32) -> usize {
    index as usize % BUCKETS
}
