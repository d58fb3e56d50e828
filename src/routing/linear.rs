//! A learned opinion on urgency: a logistic regression over hashed word, word-pair and
//! character n-gram features of the report, trained when the router is built from the labelled
//! messages the project wrote itself (the profile's samples, `eval/tuning.jsonl` and
//! `eval/train2.jsonl`). Character n-grams carry the spellings of chat and regional speech that
//! no word list holds ("dipukuli", "dipukulin", "digebukin" share pieces). Training is
//! deterministic (a fixed order and a fixed number of passes), so the same data gives the same
//! weights on every machine. The held-out sets are never read here.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use super::words::Word;

/// Feature space: hashed, so the model's size is fixed whatever the vocabulary.
const BUCKETS: usize = 1 << 18;
/// Character n-grams of each word, with its boundaries marked.
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 3..=5;
/// Passes over the training messages.
const EPOCHS: usize = 12;
/// Adagrad's base step.
const LEARNING_RATE: f32 = 0.4;
/// L2 penalty per update on the features a message has.
const L2: f32 = 1e-5;

/// A trained binary model: the probability that a report is of the positive class.
#[derive(Debug, Clone)]
pub(super) struct LinearModel {
    weights: Vec<f32>,
    bias: f32,
}

/// The features of one report: hashed indices with their (L2-normalised) values.
#[derive(Debug, Clone, Default)]
pub(super) struct Features {
    entries: Vec<(u32, f32)>,
}

impl Features {
    /// The hashed indices with their values, sorted by index.
    pub fn entries(&self) -> &[(u32, f32)] {
        &self.entries
    }

    /// Every word (stopwords included: "masih", "lagi", "udah" carry time), its stem, negated
    /// words marked, neighbouring pairs within a clause, and character n-grams of each word.
    pub fn of(words: &[Word]) -> Features {
        let mut indices: Vec<u32> = Vec::with_capacity(words.len() * 12);
        for word in words {
            let mark: &[u8] = if word.negated { b"n" } else { b"w" };
            indices.push(bucket(&[mark, word.surface.as_bytes()]));
            if word.stem != word.surface {
                indices.push(bucket(&[b"s", word.stem.as_bytes()]));
            }
            let bounded: Vec<char> = std::iter::once('<')
                .chain(word.surface.chars())
                .chain(std::iter::once('>'))
                .collect();
            for size in CHAR_GRAMS {
                for gram in bounded.windows(size) {
                    indices.push(char_bucket(gram));
                }
            }
        }
        for pair in words.windows(2) {
            if pair[0].clause == pair[1].clause {
                let (left, right) = (pair[0].surface.as_bytes(), pair[1].surface.as_bytes());
                indices.push(bucket(&[b"p", left, b" ", right]));
            }
        }
        indices.sort_unstable();
        indices.dedup();
        let value = if indices.is_empty() {
            0.0
        } else {
            1.0 / (indices.len() as f32).sqrt()
        };
        Features {
            entries: indices.into_iter().map(|index| (index, value)).collect(),
        }
    }
}

impl LinearModel {
    /// Trains on `(features, label)` pairs in the order given, weighing the classes so that
    /// each counts as much as the other (urgent reports are the rarer class).
    pub fn train(examples: &[(Features, bool)]) -> LinearModel {
        let positives = examples.iter().filter(|(_, label)| *label).count().max(1);
        let negatives = (examples.len() - positives).max(1);
        let total = examples.len() as f32;
        let weight_of = |label: bool| {
            if label {
                total / (2.0 * positives as f32)
            } else {
                total / (2.0 * negatives as f32)
            }
        };
        let mut model = LinearModel {
            weights: vec![0.0; BUCKETS],
            bias: 0.0,
        };
        let mut squared = vec![1e-6f32; BUCKETS];
        let mut bias_squared = 1e-6f32;
        // A fixed permutation per pass, so that no run of one category dominates a stretch.
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..EPOCHS {
            shuffle(&mut order, &mut state);
            for &position in &order {
                let (features, label) = &examples[position];
                let target = if *label { 1.0 } else { 0.0 };
                let error = (model.probability(features) - target) * weight_of(*label);
                for &(index, value) in &features.entries {
                    let slot = index as usize;
                    let gradient = error * value + L2 * model.weights[slot];
                    squared[slot] += gradient * gradient;
                    model.weights[slot] -= LEARNING_RATE * gradient / squared[slot].sqrt();
                }
                bias_squared += error * error;
                model.bias -= LEARNING_RATE * error / bias_squared.sqrt();
            }
        }
        model
    }

    /// The probability of the positive class.
    pub fn probability(&self, features: &Features) -> f32 {
        let sum: f32 = features
            .entries
            .iter()
            .map(|&(index, value)| self.weights[index as usize] * value)
            .sum();
        1.0 / (1.0 + (-(sum + self.bias)).exp())
    }
}

/// Shuffles `order` in place (Fisher-Yates) with a fixed linear congruential generator, so
/// that training passes are the same on every machine.
pub(super) fn shuffle(order: &mut [usize], state: &mut u64) {
    for index in (1..order.len()).rev() {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        order.swap(index, (*state >> 33) as usize % (index + 1));
    }
}

/// A character n-gram's bucket, hashed without building a string.
fn char_bucket(gram: &[char]) -> u32 {
    let mut hasher = FxHasher::default();
    b'c'.hash(&mut hasher);
    gram.hash(&mut hasher);
    (hasher.finish() % BUCKETS as u64) as u32
}

fn bucket(parts: &[&[u8]]) -> u32 {
    let mut hasher = FxHasher::default();
    for part in parts {
        part.hash(&mut hasher);
    }
    (hasher.finish() % BUCKETS as u64) as u32
}
