//! Measures the router on a labelled corpus: category accuracy, urgent recall/precision, the
//! kab/kota of the territorial unit, the kecamatan, and the misses.
//!
//! `cargo run --release --example routing_eval [corpus.jsonl] [--verbose]`; without a path it
//! reads the embedded profile corpus (`src/profile/sumsel/corpus_dev.jsonl`); `--verbose` adds
//! the top scores and the reasons to every miss. `--explain "text" ["text"...]` prints the
//! suggestion for one report.

use std::collections::HashMap;

use anyhow::Context;
use siaga::profile::{Profile, SampleMessage};
use siaga::routing::{Router, Suggestion};
use siaga::text::Analyzer;

fn main() -> anyhow::Result<()> {
    let profile = Profile::load("sumsel").context("loading the sumsel profile")?;
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.first().map(String::as_str) == Some("--explain") {
        let router = Router::new(&profile, Analyzer::sumsel());
        let texts: Vec<&str> = arguments[1..].iter().map(String::as_str).collect();
        let suggestion = router.suggest(&texts, None);
        println!("{suggestion:#?}");
        println!("{:?}", router.ranked_categories(&texts));
        return Ok(());
    }
    let verbose = arguments.iter().any(|argument| argument == "--verbose");
    let corpus_path = arguments
        .into_iter()
        .find(|argument| argument != "--verbose");
    let samples = match &corpus_path {
        Some(path) => read_corpus(path)?,
        None => profile.samples.clone(),
    };
    let router = Router::new(&profile, Analyzer::sumsel());
    let kabkota_of_unit = kabkota_of_units(&profile);
    let mut tally = Tally::default();
    let mut misses: Vec<String> = Vec::new();
    for sample in &samples {
        let suggestion = router.suggest(&[sample.text.as_str()], None);
        let misses_before = misses.len();
        tally.count(sample, &suggestion, &kabkota_of_unit, &mut misses);
        if verbose && misses.len() > misses_before {
            let ranked: Vec<String> = router
                .ranked_categories(&[sample.text.as_str()])
                .into_iter()
                .take(3)
                .map(|(code, score)| format!("{code} {score:.2}"))
                .collect();
            misses.push(format!("      scores: {}", ranked.join(", ")));
            misses.push(format!("      reasons: {}", suggestion.reasons.join(" | ")));
        }
    }
    let source = corpus_path
        .as_deref()
        .unwrap_or("embedded corpus_dev.jsonl");
    println!("corpus: {source} ({} messages)", samples.len());
    tally.print();
    println!("\nmisses:");
    for miss in &misses {
        println!("  {miss}");
    }
    Ok(())
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

#[derive(Default)]
struct Tally {
    messages: usize,
    category_right: usize,
    urgent_labelled: usize,
    urgent_suggested: usize,
    urgent_both: usize,
    placed_labelled: usize,
    unit_kabkota_right: usize,
    place_kabkota_right: usize,
    kecamatan_labelled: usize,
    kecamatan_right: usize,
    unplaced_labelled: usize,
    unplaced_but_placed: usize,
}

impl Tally {
    fn count(
        &mut self,
        sample: &SampleMessage,
        suggestion: &Suggestion,
        kabkota_of_unit: &HashMap<String, String>,
        misses: &mut Vec<String>,
    ) {
        self.messages += 1;
        let category = suggestion.category.as_deref().unwrap_or("-");
        let mut problems: Vec<String> = Vec::new();
        if category == sample.category {
            self.category_right += 1;
        } else {
            problems.push(format!("category {} -> {category}", sample.category));
        }
        self.urgent_labelled += usize::from(sample.urgent);
        self.urgent_suggested += usize::from(suggestion.urgent);
        self.urgent_both += usize::from(sample.urgent && suggestion.urgent);
        if sample.urgent != suggestion.urgent {
            problems.push(format!("urgent {} -> {}", sample.urgent, suggestion.urgent));
        }
        let place_kabkota = suggestion
            .place
            .as_ref()
            .map(|place| place.kabupaten.as_str());
        let unit_kabkota = suggestion
            .territorial_unit
            .as_ref()
            .and_then(|unit| kabkota_of_unit.get(unit))
            .map(String::as_str);
        match &sample.place {
            Some(labelled) => {
                self.placed_labelled += 1;
                self.unit_kabkota_right += usize::from(unit_kabkota == Some(labelled.as_str()));
                self.place_kabkota_right += usize::from(place_kabkota == Some(labelled.as_str()));
                if place_kabkota != Some(labelled.as_str()) {
                    problems.push(format!(
                        "place {labelled} -> {}",
                        place_kabkota.unwrap_or("-")
                    ));
                }
            }
            None => {
                self.unplaced_labelled += 1;
                if let Some(found) = place_kabkota {
                    self.unplaced_but_placed += 1;
                    problems.push(format!("place - -> {found}"));
                }
            }
        }
        if let Some(labelled) = &sample.kecamatan {
            self.kecamatan_labelled += 1;
            let found = suggestion
                .place
                .as_ref()
                .and_then(|place| place.kecamatan.as_deref());
            if found == Some(labelled.as_str()) {
                self.kecamatan_right += 1;
            } else {
                problems.push(format!("kecamatan {labelled} -> {}", found.unwrap_or("-")));
            }
        }
        if !problems.is_empty() {
            misses.push(format!("[{}] {}", problems.join("; "), sample.text));
        }
    }

    fn print(&self) {
        let ratio = |part: usize, whole: usize| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        println!(
            "category accuracy          {:.3} ({}/{})",
            ratio(self.category_right, self.messages),
            self.category_right,
            self.messages
        );
        println!(
            "urgent recall              {:.3} ({}/{})",
            ratio(self.urgent_both, self.urgent_labelled),
            self.urgent_both,
            self.urgent_labelled
        );
        println!(
            "urgent precision           {:.3} ({}/{})",
            ratio(self.urgent_both, self.urgent_suggested),
            self.urgent_both,
            self.urgent_suggested
        );
        println!(
            "kab/kota of unit right     {:.3} ({}/{} messages with a labelled place)",
            ratio(self.unit_kabkota_right, self.placed_labelled),
            self.unit_kabkota_right,
            self.placed_labelled
        );
        println!(
            "kab/kota of place right    {:.3} ({}/{})",
            ratio(self.place_kabkota_right, self.placed_labelled),
            self.place_kabkota_right,
            self.placed_labelled
        );
        println!(
            "kecamatan right            {:.3} ({}/{} messages with a labelled kecamatan)",
            ratio(self.kecamatan_right, self.kecamatan_labelled),
            self.kecamatan_right,
            self.kecamatan_labelled
        );
        println!(
            "place given without label  {:.3} ({}/{} messages without a labelled place)",
            ratio(self.unplaced_but_placed, self.unplaced_labelled),
            self.unplaced_but_placed,
            self.unplaced_labelled
        );
    }
}
