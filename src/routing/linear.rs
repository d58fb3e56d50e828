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
/// Passes over the training messages, Adagrad's base step, the L2 penalty per update on the
/// features a message has, and the seed of each pass's fixed order.
const TRAINING: siaga_learn::Training = siaga_learn::Training {
    epochs: 12,
    learning_rate: 0.4,
    l2: 1e-5,
    seed: 0x9e37_79b9_7f4a_7c15,
};

/// A trained binary model: the probability that a report is of the positive class.
#[derive(Debug, Clone)]
pub(super) struct LinearModel {
    kernel: siaga_learn::Logistic,
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
        let examples: Vec<(&[(u32, f32)], bool)> = examples
            .iter()
            .map(|(features, label)| (features.entries(), *label))
            .collect();
        LinearModel {
            kernel: siaga_learn::Logistic::train(&examples, BUCKETS, TRAINING),
        }
    }

    /// The probability of the positive class.
    pub fn probability(&self, features: &Features) -> f32 {
        self.kernel.probability(&features.entries)
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
