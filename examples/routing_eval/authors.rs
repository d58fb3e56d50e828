//! Training the learned models on chosen authors' sets (`--train-on`), and measuring each author
//! as unseen by training on all the others (`--leave-one-out`).
//!
//! A set is named as in `eval/`: `tuning` or `trainN`, read from `eval/NAME.jsonl` (run from the
//! repository's root). Holdouts and any other file can never be named, so nothing here trains on
//! a held-out set or on the independent set.

use anyhow::{Context, bail};
use siaga::profile::SampleMessage;
use siaga::routing::ModelWeights;

/// `"tuning,train2,train3"` → the names, each checked to be a training set's name.
pub fn names(list: &str) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for name in list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let digits = name.strip_prefix("train").unwrap_or("");
        let is_train = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
        if name != "tuning" && !is_train {
            bail!("{name}: only `tuning` and `trainN` sets can be trained on");
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// The path of a named set (`eval/NAME.jsonl`) or of its holdout.
pub fn path(name: &str, holdout: bool) -> String {
    if holdout {
        format!("eval/{name}_holdout.jsonl")
    } else {
        format!("eval/{name}.jsonl")
    }
}

/// The messages of the named sets, in the order named.
pub fn training(names: &[String]) -> anyhow::Result<Vec<SampleMessage>> {
    let mut samples = Vec::new();
    for name in names {
        let file = path(name, false);
        samples.extend(super::read_corpus(&file).with_context(|| format!("training set {name}"))?);
    }
    Ok(samples)
}

/// The value of `--flag VALUE`, and the arguments without both.
pub fn take_value(arguments: &mut Vec<String>, flag: &str) -> anyhow::Result<Option<String>> {
    let Some(at) = arguments.iter().position(|argument| argument == flag) else {
        return Ok(None);
    };
    if at + 1 >= arguments.len() {
        bail!("{flag} needs a value");
    }
    let value = arguments.remove(at + 1);
    arguments.remove(at);
    Ok(Some(value))
}

/// `"1.5,2,0.7"` → the weights of the naive Bayes, the linear category model and the urgency
/// model.
pub fn weights(list: &str) -> anyhow::Result<ModelWeights> {
    let values: Vec<f32> = list
        .split(',')
        .map(|value| value.trim().parse::<f32>().context("--weights W,L,U"))
        .collect::<anyhow::Result<_>>()?;
    let [words, linear, urgency] = values[..] else {
        bail!("--weights needs three numbers: W,L,U");
    };
    Ok(ModelWeights {
        words,
        linear,
        urgency,
    })
}
