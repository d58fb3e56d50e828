//! Measures the router on labelled sets: urgent recall and precision, category accuracy, the
//! kab/kota of the territorial unit, the kecamatan, the grey zones, and a confusion summary.
//!
//! `cargo run --release --example routing_eval -- --set FILE [--set FILE...] [--verbose]`
//! prints the measures of each set (JSON lines of `{text, category, place, kecamatan, urgent}`).
//! Without `--set`, a bare path is read as before, and with no path at all the embedded profile
//! corpus (`src/profile/sumsel/corpus_dev.jsonl`) is measured. `--verbose` adds the top scores and
//! the reasons to every miss; `--quiet` leaves out every message (the misses, and the urgent
//! misses and false alarms the summary lists otherwise): the way to measure a held-out set;
//! `--dump` prints one JSON line per
//! message (label, urgency score, category) for sweeping thresholds; `--explain "text" ["text"...]`
//! prints the suggestion for one report.
//!
//! Twelfth round: `--train-on tuning,train2,…` trains the learned models on the named sets of
//! `eval/` (read from disk) instead of the built-in ones; `--leave-one-out tuning,train2,…`
//! measures each named author's set and holdout with the models trained on all the others named
//! (holdouts counts only); `--summary` prints one line of counts per set; `--weights W,L,U`
//! weighs the learned models (naive Bayes and linear model in the category's score, urgency
//! model in the urgency weighing) instead of the shipped weights.

mod authors;
mod tally;

use std::collections::HashMap;

use anyhow::Context;
use siaga::profile::{Profile, SampleMessage};
use siaga::routing::{ModelWeights, Router};
use siaga::text::Analyzer;

use self::tally::Tally;

fn main() -> anyhow::Result<()> {
    // `SIAGA_EVAL_PROFILE=DIR` measures a profile folder (a copy of `src/profile/sumsel` with
    // edited place files, say) without rebuilding; by default the built-in `sumsel`.
    let profile_name = std::env::var("SIAGA_EVAL_PROFILE").unwrap_or_else(|_| "sumsel".into());
    let profile = Profile::load(&profile_name).context("loading the profile")?;
    // `--no-train2` … `--no-train8` (all seven are trained on since the twelfth round): the
    // learned models do without that set, so that it measures the router as messages of an
    // author it never learned from. They may stand anywhere.
    let left_out: Vec<&str> = [
        "train2", "train3", "train4", "train5", "train6", "train7", "train8",
    ]
    .into_iter()
    .filter(|set| std::env::args().any(|argument| argument.strip_prefix("--no-") == Some(set)))
    .collect();
    let mut arguments: Vec<String> = std::env::args()
        .skip(1)
        .filter(|argument| {
            !left_out
                .iter()
                .any(|set| argument.strip_prefix("--no-") == Some(set))
        })
        .collect();
    let train_on = authors::take_value(&mut arguments, "--train-on")?;
    let leave_one_out = authors::take_value(&mut arguments, "--leave-one-out")?;
    let weights = match authors::take_value(&mut arguments, "--weights")? {
        Some(list) => authors::weights(&list)?,
        None => ModelWeights::default(),
    };
    let summary = arguments.iter().any(|argument| argument == "--summary");
    if let Some(list) = leave_one_out {
        return leave_each_out(&profile, &authors::names(&list)?, weights);
    }
    let sets = match train_on {
        Some(list) => authors::training(&authors::names(&list)?)?,
        None => siaga::routing::training_sets_without(&left_out),
    };
    let router = Router::with_training_and_weights(&profile, Analyzer::sumsel(), &sets, weights);
    if arguments.first().map(String::as_str) == Some("--tokens") {
        // The words as the cue lists and lexicons see them (folded, slang expanded).
        let analyzer = Analyzer::sumsel();
        for text in &arguments[1..] {
            let words: Vec<String> = analyzer
                .tokens(text)
                .into_iter()
                .map(|token| token.term)
                .collect();
            println!("{}", words.join(" "));
        }
        return Ok(());
    }
    if arguments.first().map(String::as_str) == Some("--explain") {
        let texts: Vec<&str> = arguments[1..].iter().map(String::as_str).collect();
        let suggestion = router.suggest(&texts, None);
        println!("{suggestion:#?}");
        println!("{:?}", router.ranked_categories(&texts));
        return Ok(());
    }
    let verbose = arguments.iter().any(|argument| argument == "--verbose");
    let quiet = arguments.iter().any(|argument| argument == "--quiet");
    let dump = arguments.iter().any(|argument| argument == "--dump");
    let mut sets: Vec<String> = Vec::new();
    let mut index = 0;
    while index < arguments.len() {
        let argument = &arguments[index];
        if argument == "--set" {
            let path = arguments.get(index + 1).context("--set needs a file")?;
            sets.push(path.clone());
            index += 2;
            continue;
        }
        if !argument.starts_with("--") {
            sets.push(argument.clone());
        }
        index += 1;
    }
    let kabkota_of_unit = kabkota_of_units(&profile);
    if sets.is_empty() {
        let source = "embedded corpus_dev.jsonl";
        if dump {
            dump_scores(&router, &profile.samples);
        } else {
            measure(
                &router,
                source,
                &profile.samples,
                &kabkota_of_unit,
                verbose,
                quiet,
            );
        }
        return Ok(());
    }
    for path in &sets {
        let samples = read_corpus(path)?;
        if dump {
            dump_scores(&router, &samples);
            continue;
        }
        if summary {
            println!("{}", summarise(&router, path, &samples, &kabkota_of_unit));
            continue;
        }
        measure(&router, path, &samples, &kabkota_of_unit, verbose, quiet);
    }
    Ok(())
}

/// `--leave-one-out`: each named author's set and holdout, measured with the learned models
/// trained on the profile's samples and all the other named sets; one line of counts each.
fn leave_each_out(
    profile: &Profile,
    names: &[String],
    weights: ModelWeights,
) -> anyhow::Result<()> {
    let kabkota_of_unit = kabkota_of_units(profile);
    for left in names {
        let others: Vec<String> = names.iter().filter(|name| *name != left).cloned().collect();
        let sets = authors::training(&others)?;
        let router = Router::with_training_and_weights(profile, Analyzer::sumsel(), &sets, weights);
        for holdout in [false, true] {
            let path = authors::path(left, holdout);
            if !std::path::Path::new(&path).exists() {
                continue;
            }
            let samples = read_corpus(&path)?;
            println!("{}", summarise(&router, &path, &samples, &kabkota_of_unit));
        }
    }
    Ok(())
}

/// One line of counts for a set: no message is shown.
fn summarise(
    router: &Router,
    source: &str,
    samples: &[SampleMessage],
    kabkota_of_unit: &HashMap<String, String>,
) -> String {
    let mut tally = Tally::default();
    let mut misses: Vec<String> = Vec::new();
    for sample in samples {
        let suggestion = router.suggest(&[sample.text.as_str()], None);
        tally.count(sample, &suggestion, kabkota_of_unit, &mut misses);
    }
    format!("{source:<32} {}", tally.summary())
}

fn measure(
    router: &Router,
    source: &str,
    samples: &[SampleMessage],
    kabkota_of_unit: &HashMap<String, String>,
    verbose: bool,
    quiet: bool,
) {
    let mut tally = Tally::default();
    let mut misses: Vec<String> = Vec::new();
    for sample in samples {
        let suggestion = router.suggest(&[sample.text.as_str()], None);
        let misses_before = misses.len();
        tally.count(sample, &suggestion, kabkota_of_unit, &mut misses);
        if verbose && misses.len() > misses_before {
            let ranked: Vec<String> = router
                .ranked_categories(&[sample.text.as_str()])
                .into_iter()
                .take(3)
                .map(|(code, score)| format!("{code} {score:.2}"))
                .collect();
            misses.push(format!("      scores: {}", ranked.join(", ")));
            misses.push(format!(
                "      urgency {:.2}; reasons: {}",
                suggestion.urgency_score,
                suggestion.reasons.join(" | ")
            ));
        }
    }
    println!("== set: {source} ({} messages)", samples.len());
    tally.print(quiet);
    if !quiet {
        println!("\nmisses:");
        for miss in &misses {
            println!("  {miss}");
        }
    }
    println!();
}

/// `--dump`: one JSON line per message with the label, the urgency score and the category, so
/// thresholds and grey zones can be swept without rebuilding.
fn dump_scores(router: &Router, samples: &[SampleMessage]) {
    for sample in samples {
        let suggestion = router.suggest(&[sample.text.as_str()], None);
        let line = serde_json::json!({
            "urgent": sample.urgent,
            "score": suggestion.urgency_score,
            "category": sample.category,
            "suggested": suggestion.category,
            "unclear": suggestion.category_uncertain,
            "candidates": suggestion.category_candidates.iter().map(|c| c.code.clone()).collect::<Vec<_>>(),
        });
        println!("{line}");
    }
}

fn read_corpus(path: &str) -> anyhow::Result<Vec<SampleMessage>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let mut samples = Vec::new();
    for (line_number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let sample: SampleMessage = serde_json::from_str(line)
            .with_context(|| format!("{path} line {}", line_number + 1))?;
        samples.push(sample);
    }
    Ok(samples)
}

/// Unit code -> canonical kab/kota name: a Polres by the gazetteer, a Polsek by its parent.
fn kabkota_of_units(profile: &Profile) -> HashMap<String, String> {
    let mut kabkota_of_unit: HashMap<String, String> = HashMap::new();
    for kabkota in &profile.gazetteer.kabkota {
        if let Some(polres) = &kabkota.polres {
            kabkota_of_unit.insert(polres.clone(), kabkota.name.clone());
        }
    }
    for unit in &profile.units {
        let Some(parent) = &unit.parent else {
            continue;
        };
        if let Some(kabkota) = kabkota_of_unit.get(parent).cloned() {
            kabkota_of_unit.entry(unit.code.clone()).or_insert(kabkota);
        }
    }
    kabkota_of_unit
}
