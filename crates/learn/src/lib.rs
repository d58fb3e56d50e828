//! The numeric kernels of siaga's learned routing models: a binary logistic regression and a
//! softmax regression over sparse, hashed features, trained with Adagrad in a fixed order.
//!
//! They live in a crate of their own so that debug builds can optimise them (the root
//! `Cargo.toml` gives this crate `opt-level = 3` in the dev profile): siaga trains its models
//! at every start, and unoptimised float loops made a debug build's start take 7 to 20 seconds,
//! which every test that spawns the binary paid. Rust never reorders float arithmetic, so the
//! weights are the same bit for bit at every optimisation level and on every machine.

/// One example's features: hashed indices, sorted and unique, with their values.
pub type Features<'a> = &'a [(u32, f32)];

/// How a model is trained: passes, Adagrad's base step, the L2 penalty per update, and the
/// seed of the fixed order of each pass.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

/// A binary model: the probability that an example is of the positive class.
#[derive(Debug, Clone)]
pub struct Logistic {
    weights: Vec<f32>,
    bias: f32,
}

impl Logistic {
    /// Trains on `(features, label)` pairs over `buckets` feature slots, weighing the classes
    /// so that each counts as much as the other. Indices at or past `buckets` panic.
    pub fn train(examples: &[(Features, bool)], buckets: usize, training: Training) -> Logistic {
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
        let mut model = Logistic {
            weights: vec![0.0; buckets],
            bias: 0.0,
        };
        let mut squared = vec![1e-6f32; buckets];
        let mut bias_squared = 1e-6f32;
        // A fixed permutation per pass, so that no run of one class dominates a stretch.
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut state = training.seed;
        for _ in 0..training.epochs {
            shuffle(&mut order, &mut state);
            for &position in &order {
                let (features, label) = examples[position];
                let target = if label { 1.0 } else { 0.0 };
                let error = (model.probability(features) - target) * weight_of(label);
                for &(index, value) in features {
                    let slot = index as usize;
                    let gradient = error * value + training.l2 * model.weights[slot];
                    squared[slot] += gradient * gradient;
                    model.weights[slot] -= training.learning_rate * gradient / squared[slot].sqrt();
                }
                bias_squared += error * error;
                model.bias -= training.learning_rate * error / bias_squared.sqrt();
            }
        }
        model
    }

    /// The probability of the positive class.
    pub fn probability(&self, features: Features) -> f32 {
        let sum: f32 = features
            .iter()
            .map(|&(index, value)| self.weights[index as usize] * value)
            .sum();
        1.0 / (1.0 + (-(sum + self.bias)).exp())
    }
}

/// A multiclass model: a posterior over the classes. Feature indices are folded into
/// `buckets` slots per class (the index modulo `buckets`).
///
/// Trained in `f32`; then each bucket's weights are kept at 16 bits (`packed`): a row of
/// `PACKED_HEAD + classes` `i16`, the bucket's scale (an `f32`'s bits in the first two) and one
/// signed step of `scale` per class. A feature then reads 80 bytes (38 classes) instead of 152:
/// two cache lines instead of three. The steps are `max |weight| / 32767`, so a weight moves by
/// at most 1/65534 of the largest weight of its bucket.
#[derive(Debug, Clone)]
pub struct Softmax {
    classes: usize,
    buckets: usize,
    /// `bucket * classes + class`; emptied once training is done.
    weights: Vec<f32>,
    /// `bucket * (PACKED_HEAD + classes)`: the scale's bits, then the steps.
    packed: Vec<i16>,
    bias: Vec<f32>,
}

/// The `i16` slots of a packed row that hold the bucket's scale.
const PACKED_HEAD: usize = 2;
/// The largest step of a packed weight.
const PACKED_STEPS: f32 = i16::MAX as f32;

impl Softmax {
    /// Trains on `(features, class)` pairs. A class whose gradient is below `negligible` is not
    /// updated for that example (its probability is already about right).
    pub fn train(
        examples: &[(Features, usize)],
        classes: usize,
        buckets: usize,
        training: Training,
        negligible: f32,
    ) -> Softmax {
        let mut model = Softmax::train_in_f32(examples, classes, buckets, training, negligible);
        model.pack();
        model
    }

    /// The training itself, on the `f32` table.
    fn train_in_f32(
        examples: &[(Features, usize)],
        classes: usize,
        buckets: usize,
        training: Training,
        negligible: f32,
    ) -> Softmax {
        let mut model = Softmax {
            classes,
            buckets,
            weights: vec![0.0; buckets * classes],
            packed: Vec::new(),
            bias: vec![0.0; classes],
        };
        if classes == 0 {
            return model;
        }
        let mut squared = vec![1e-6f32; buckets * classes];
        let mut bias_squared = vec![1e-6f32; classes];
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut state = training.seed;
        let mut probabilities = vec![0.0f32; classes];
        for _ in 0..training.epochs {
            shuffle(&mut order, &mut state);
            for &position in &order {
                let (features, label) = examples[position];
                model.fill_posterior_while_training(features, &mut probabilities);
                for class in 0..classes {
                    let target = if class == label { 1.0 } else { 0.0 };
                    let error = probabilities[class] - target;
                    if error.abs() < negligible {
                        continue;
                    }
                    for &(index, value) in features {
                        let slot = model.row(index) + class;
                        let gradient = error * value + training.l2 * model.weights[slot];
                        squared[slot] += gradient * gradient;
                        model.weights[slot] -=
                            training.learning_rate * gradient / squared[slot].sqrt();
                    }
                    bias_squared[class] += error * error;
                    model.bias[class] -=
                        training.learning_rate * error / bias_squared[class].sqrt();
                }
            }
        }
        model
    }

    /// Keeps every bucket's weights at 16 bits and lets the `f32` table go.
    fn pack(&mut self) {
        let stride = PACKED_HEAD + self.classes;
        self.packed = vec![0; self.buckets * stride];
        for bucket in 0..self.buckets {
            let weights = &self.weights[bucket * self.classes..(bucket + 1) * self.classes];
            let largest = weights
                .iter()
                .fold(0.0f32, |largest, weight| largest.max(weight.abs()));
            let scale = largest / PACKED_STEPS;
            let row = &mut self.packed[bucket * stride..(bucket + 1) * stride];
            let bits = scale.to_bits();
            row[0] = (bits & 0xffff) as u16 as i16;
            row[1] = (bits >> 16) as u16 as i16;
            if scale > 0.0 {
                for (step, weight) in row[PACKED_HEAD..].iter_mut().zip(weights) {
                    *step = (weight / scale).round() as i16;
                }
            }
        }
        self.weights = Vec::new();
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The probability of each class, summing to 1, written into `out` (`classes` long), from
    /// the 16-bit table.
    pub fn fill_posterior(&self, features: Features, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        let stride = PACKED_HEAD + self.classes;
        for &(index, value) in features {
            let start = (index as usize % self.buckets) * stride;
            let row = &self.packed[start..start + stride];
            let bits = u32::from(row[0] as u16) | (u32::from(row[1] as u16) << 16);
            let factor = f32::from_bits(bits) * value;
            for (sum, step) in out.iter_mut().zip(&row[PACKED_HEAD..]) {
                *sum += f32::from(*step) * factor;
            }
        }
        normalise(out);
    }

    /// The same from the `f32` table, while it is trained.
    fn fill_posterior_while_training(&self, features: Features, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for &(index, value) in features {
            let row = self.row(index);
            for (sum, weight) in out.iter_mut().zip(&self.weights[row..row + self.classes]) {
                *sum += weight * value;
            }
        }
        normalise(out);
    }

    fn row(&self, index: u32) -> usize {
        (index as usize % self.buckets) * self.classes
    }
}

/// Scores to probabilities (a softmax, shifted by the best score).
fn normalise(out: &mut [f32]) {
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

/// Shuffles `order` in place (Fisher-Yates) with a fixed linear congruential generator, so
/// that training passes are the same on every machine.
pub fn shuffle(order: &mut [usize], state: &mut u64) {
    for index in (1..order.len()).rev() {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        order.swap(index, (*state >> 33) as usize % (index + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAINING: Training = Training {
        epochs: 20,
        learning_rate: 0.5,
        l2: 1e-5,
        seed: 7,
    };

    #[test]
    fn logistic_separates_two_features() {
        let (yes, no) = ([(1u32, 1.0f32)], [(2u32, 1.0f32)]);
        let examples: Vec<(Features, bool)> = (0..20)
            .map(|n| {
                if n % 4 == 0 {
                    (&yes[..], true)
                } else {
                    (&no[..], false)
                }
            })
            .collect();
        let model = Logistic::train(&examples, 8, TRAINING);
        assert!(model.probability(&yes) > 0.9);
        assert!(model.probability(&no) < 0.1);
    }

    #[test]
    fn softmax_learns_three_classes_and_sums_to_one() {
        let features = [[(3u32, 1.0f32)], [(40, 1.0)], [(77, 1.0)]];
        let examples: Vec<(Features, usize)> =
            (0..30).map(|n| (&features[n % 3][..], n % 3)).collect();
        let model = Softmax::train(&examples, 3, 16, TRAINING, 1e-4);
        for (class, example) in features.iter().enumerate() {
            let mut posterior = [0.0f32; 3];
            model.fill_posterior(example, &mut posterior);
            assert!((posterior.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            assert!(posterior[class] > 0.8, "{posterior:?}");
        }
    }

    #[test]
    fn the_16_bit_table_gives_the_posterior_of_the_f32_one() {
        let features = [
            [(3u32, 0.5f32), (40, 0.5)],
            [(40, 1.0), (41, 0.2)],
            [(77, 0.8), (3, 0.1)],
        ];
        let examples: Vec<(Features, usize)> =
            (0..30).map(|n| (&features[n % 3][..], n % 3)).collect();
        // The same training, stopped before packing, for the f32 posterior.
        let unpacked = Softmax::train_in_f32(&examples, 3, 16, TRAINING, 1e-4);
        let mut packed = unpacked.clone();
        packed.pack();
        assert!(packed.weights.is_empty(), "the f32 table is let go");
        for example in &features {
            let (mut sixteen, mut thirty_two) = ([0.0f32; 3], [0.0f32; 3]);
            packed.fill_posterior(example, &mut sixteen);
            unpacked.fill_posterior_while_training(example, &mut thirty_two);
            for (a, b) in sixteen.iter().zip(&thirty_two) {
                assert!((a - b).abs() < 1e-5, "{sixteen:?} vs {thirty_two:?}");
            }
        }
    }

    #[test]
    fn packing_keeps_every_weight_within_a_step() {
        let weights = [0.75f32, -1.5, 0.001, 0.0];
        let mut model = Softmax {
            classes: 4,
            buckets: 1,
            weights: weights.to_vec(),
            packed: Vec::new(),
            bias: vec![0.0; 4],
        };
        model.pack();
        let bits = u32::from(model.packed[0] as u16) | (u32::from(model.packed[1] as u16) << 16);
        let scale = f32::from_bits(bits);
        assert_eq!(
            model.packed[PACKED_HEAD + 1],
            -i16::MAX,
            "the largest weight is a full step"
        );
        for (class, weight) in weights.iter().enumerate() {
            let back = f32::from(model.packed[PACKED_HEAD + class]) * scale;
            assert!((back - weight).abs() <= scale / 2.0 + f32::EPSILON);
        }
    }

    #[test]
    fn the_same_data_gives_the_same_weights() {
        let features = [[(5u32, 0.7f32), (9, 0.7)], [(6, 1.0), (9, 0.1)]];
        let examples: Vec<(Features, bool)> = (0..10)
            .map(|n| (&features[n % 2][..], n % 2 == 0))
            .collect();
        let first = Logistic::train(&examples, 16, TRAINING);
        let second = Logistic::train(&examples, 16, TRAINING);
        assert_eq!(first.weights, second.weights);
        assert_eq!(first.bias.to_bits(), second.bias.to_bits());
    }
}
