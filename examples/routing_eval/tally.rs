//! The counts of one evaluated set and their printout: the five measures of issue 14, the grey
//! zones (urgency uncertain, category unclear) and the confusion summary.

use std::collections::HashMap;

use siaga::profile::SampleMessage;
use siaga::routing::Suggestion;

/// How many category confusions and urgency errors the summary lists.
const CONFUSIONS_SHOWN: usize = 12;

#[derive(Default)]
pub struct Tally {
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
    unplaced_but_unit: usize,
    urgency_grey: usize,
    urgency_grey_wrong: usize,
    urgency_wrong_outside_grey: usize,
    urgent_missed_in_grey: usize,
    category_grey: usize,
    category_grey_wrong: usize,
    category_grey_candidates_hold_label: usize,
    category_wrong_outside_grey: usize,
    confusions: HashMap<(String, String), usize>,
    urgent_misses: Vec<String>,
    false_alarms: Vec<String>,
}

impl Tally {
    pub fn count(
        &mut self,
        sample: &SampleMessage,
        suggestion: &Suggestion,
        kabkota_of_unit: &HashMap<String, String>,
        misses: &mut Vec<String>,
    ) {
        self.messages += 1;
        let category = suggestion.category.as_deref().unwrap_or("-");
        let mut problems: Vec<String> = Vec::new();
        let category_right = category == sample.category;
        if category_right {
            self.category_right += 1;
        } else {
            problems.push(format!("category {} -> {category}", sample.category));
            *self
                .confusions
                .entry((sample.category.clone(), category.to_string()))
                .or_default() += 1;
        }
        if suggestion.category_uncertain {
            self.category_grey += 1;
            self.category_grey_wrong += usize::from(!category_right);
            let holds_label = suggestion
                .category_candidates
                .iter()
                .any(|candidate| candidate.code == sample.category);
            self.category_grey_candidates_hold_label += usize::from(holds_label);
        } else if !category_right {
            self.category_wrong_outside_grey += 1;
        }
        self.count_urgency(sample, suggestion, &mut problems);
        self.count_place(sample, suggestion, kabkota_of_unit, &mut problems);
        if !problems.is_empty() {
            misses.push(format!("[{}] {}", problems.join("; "), sample.text));
        }
    }

    fn count_urgency(
        &mut self,
        sample: &SampleMessage,
        suggestion: &Suggestion,
        problems: &mut Vec<String>,
    ) {
        self.urgent_labelled += usize::from(sample.urgent);
        self.urgent_suggested += usize::from(suggestion.urgent);
        self.urgent_both += usize::from(sample.urgent && suggestion.urgent);
        let wrong = sample.urgent != suggestion.urgent;
        if suggestion.urgency_uncertain {
            self.urgency_grey += 1;
            self.urgency_grey_wrong += usize::from(wrong);
            self.urgent_missed_in_grey += usize::from(sample.urgent && !suggestion.urgent);
        } else if wrong {
            self.urgency_wrong_outside_grey += 1;
        }
        if !wrong {
            return;
        }
        problems.push(format!("urgent {} -> {}", sample.urgent, suggestion.urgent));
        let line = format!(
            "({:.2}{}) {}",
            suggestion.urgency_score,
            if suggestion.urgency_uncertain {
                ", grey"
            } else {
                ""
            },
            sample.text
        );
        if sample.urgent {
            self.urgent_misses.push(line);
        } else {
            self.false_alarms.push(line);
        }
    }

    fn count_place(
        &mut self,
        sample: &SampleMessage,
        suggestion: &Suggestion,
        kabkota_of_unit: &HashMap<String, String>,
        problems: &mut Vec<String>,
    ) {
        let place_kabkota = suggestion
            .place
            .as_ref()
            .map(|place| place.kabupaten.as_str());
        let unit_kabkota = suggestion
            .territorial_unit
            .as_ref()
            .and_then(|unit| kabkota_of_unit.get(unit.as_str()))
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
                self.unplaced_but_unit += usize::from(unit_kabkota.is_some());
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
    }

    /// One line of counts: urgent recall and precision, category, kab/kota of the place,
    /// the territorial unit's kab/kota (the measure), the kecamatan, and the share of
    /// reports whose urgency is asked about.
    pub fn summary(&self) -> String {
        let ratio = |part: usize, whole: usize| {
            if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            }
        };
        format!(
            "recall {:.3} ({}/{})  precision {:.3} ({}/{})  category {:.3} ({}/{})  kab/kota {:.3} ({}/{})  kecamatan {:.3} ({}/{})  asked {:.3}",
            ratio(self.urgent_both, self.urgent_labelled),
            self.urgent_both,
            self.urgent_labelled,
            ratio(self.urgent_both, self.urgent_suggested),
            self.urgent_both,
            self.urgent_suggested,
            ratio(self.category_right, self.messages),
            self.category_right,
            self.messages,
            ratio(self.unit_kabkota_right, self.placed_labelled),
            self.unit_kabkota_right,
            self.placed_labelled,
            ratio(self.kecamatan_right, self.kecamatan_labelled),
            self.kecamatan_right,
            self.kecamatan_labelled,
            ratio(self.urgency_grey, self.messages),
        )
    }

    pub fn print(&self, quiet: bool) {
        let line = |label: &str, part: usize, whole: usize, note: &str| {
            let ratio = if whole == 0 {
                0.0
            } else {
                part as f64 / whole as f64
            };
            println!("{label:<34} {ratio:.3} ({part}/{whole}{note})");
        };
        line("urgent recall", self.urgent_both, self.urgent_labelled, "");
        line(
            "urgent precision",
            self.urgent_both,
            self.urgent_suggested,
            "",
        );
        line("category accuracy", self.category_right, self.messages, "");
        line(
            "territorial unit in right kab/kota",
            self.unit_kabkota_right,
            self.placed_labelled,
            " with a labelled place",
        );
        line(
            "place kab/kota right",
            self.place_kabkota_right,
            self.placed_labelled,
            "",
        );
        line(
            "kecamatan right",
            self.kecamatan_right,
            self.kecamatan_labelled,
            " with a labelled kecamatan",
        );
        line(
            "no place, yet a place given",
            self.unplaced_but_placed,
            self.unplaced_labelled,
            " without a labelled place",
        );
        line(
            "no place, yet a territorial unit",
            self.unplaced_but_unit,
            self.unplaced_labelled,
            "",
        );
        println!("grey zones:");
        line(
            "  urgency uncertain (ask)",
            self.urgency_grey,
            self.messages,
            "",
        );
        line(
            "    of which the guess was wrong",
            self.urgency_grey_wrong,
            self.urgency_grey,
            "",
        );
        line(
            "    urgent misses caught by asking",
            self.urgent_missed_in_grey,
            self.urgent_labelled - self.urgent_both,
            "",
        );
        line(
            "  urgency wrong outside grey zone",
            self.urgency_wrong_outside_grey,
            self.messages,
            "",
        );
        line(
            "  category unclear (offer list)",
            self.category_grey,
            self.messages,
            "",
        );
        line(
            "    of which the guess was wrong",
            self.category_grey_wrong,
            self.category_grey,
            "",
        );
        line(
            "    label among the candidates",
            self.category_grey_candidates_hold_label,
            self.category_grey,
            "",
        );
        line(
            "  category wrong outside grey zone",
            self.category_wrong_outside_grey,
            self.messages,
            "",
        );
        let mut confusions: Vec<(&(String, String), &usize)> = self.confusions.iter().collect();
        confusions.sort_by(|left, right| right.1.cmp(left.1).then(left.0.cmp(right.0)));
        println!("most frequent category confusions (labelled -> suggested):");
        for ((labelled, suggested), count) in confusions.into_iter().take(CONFUSIONS_SHOWN) {
            println!("  {count:>3}  {labelled} -> {suggested}");
        }
        println!("urgent misses ({}):", self.urgent_misses.len());
        // A held-out set is measured with `--quiet`: its messages are never shown.
        if !quiet {
            for miss in self.urgent_misses.iter().take(CONFUSIONS_SHOWN) {
                println!("  {miss}");
            }
        }
        println!("false alarms ({}):", self.false_alarms.len());
        if !quiet {
            for alarm in self.false_alarms.iter().take(CONFUSIONS_SHOWN) {
                println!("  {alarm}");
            }
        }
    }
}
