//! Cue words the category rules and the urgency rule look for (theft verbs, lost-item words,
//! object nouns, chain-message and hoax words, time and harm cues), found in one pass.

use crate::text::Analyzer;

use super::lexicon;
use super::words::{PhraseList, Word};

/// What a cue phrase signals. The discriminant is the phrase tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    TheftVerb,
    LostWord,
    Vehicle,
    Document,
    Goods,
    Property,
    Person,
    ChainMessage,
    AskedToShare,
    ClarifyQuestion,
    HoaxWord,
    BodyFound,
    StillSearching,
    PoliceContext,
    MoneyDemand,
    BribeWord,
    Complaint,
    Impersonation,
    EarlierReport,
    Slowness,
    StatusQuestion,
    Insistence,
    Thanks,
    Resolved,
    Greeting,
    Ongoing,
    Recent,
    Plea,
    Harm,
    Weapon,
    Vulnerable,
    Pursuit,
    Past,
    AfterCare,
    Habitual,
    ReportIntent,
    Safe,
    Future,
    Hearsay,
    Violence,
    PoliceActor,
    Misconduct,
    Discovery,
    SinceWord,
    Emergency,
    Household,
    Beating,
    Neutral,
    OffenderPresent,
    GroupViolence,
    RoadHazard,
    StillMissing,
}

const ALL_CUES: [Cue; 52] = [
    Cue::TheftVerb,
    Cue::LostWord,
    Cue::Vehicle,
    Cue::Document,
    Cue::Goods,
    Cue::Property,
    Cue::Person,
    Cue::ChainMessage,
    Cue::AskedToShare,
    Cue::ClarifyQuestion,
    Cue::HoaxWord,
    Cue::BodyFound,
    Cue::StillSearching,
    Cue::PoliceContext,
    Cue::MoneyDemand,
    Cue::BribeWord,
    Cue::Complaint,
    Cue::Impersonation,
    Cue::EarlierReport,
    Cue::Slowness,
    Cue::StatusQuestion,
    Cue::Insistence,
    Cue::Thanks,
    Cue::Resolved,
    Cue::Greeting,
    Cue::Ongoing,
    Cue::Recent,
    Cue::Plea,
    Cue::Harm,
    Cue::Weapon,
    Cue::Vulnerable,
    Cue::Pursuit,
    Cue::Past,
    Cue::AfterCare,
    Cue::Habitual,
    Cue::ReportIntent,
    Cue::Safe,
    Cue::Future,
    Cue::Hearsay,
    Cue::Violence,
    Cue::PoliceActor,
    Cue::Misconduct,
    Cue::Discovery,
    Cue::SinceWord,
    Cue::Emergency,
    Cue::Household,
    Cue::Beating,
    Cue::Neutral,
    Cue::OffenderPresent,
    Cue::GroupViolence,
    Cue::RoadHazard,
    Cue::StillMissing,
];

const CUES_TEXT: &str = include_str!("cues.txt");

/// `cues.txt`, or its copy under `SIAGA_EVAL_DATA` (see `embedded_or_eval_copy`).
fn cues_text() -> std::borrow::Cow<'static, str> {
    crate::text::embedded_or_eval_copy("cues.txt", CUES_TEXT)
}

fn cue_named(name: &str) -> Option<Cue> {
    ALL_CUES
        .iter()
        .copied()
        .find(|cue| format!("{cue:?}") == name)
}

/// `[CueName]` sections of comma-separated phrases, `#` comments.
fn cue_phrases(text: &str) -> Vec<(Cue, String)> {
    let mut phrases = Vec::new();
    let mut section: Option<Cue> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            section = cue_named(name.trim());
            debug_assert!(section.is_some(), "unknown cue section {name}");
            continue;
        }
        if let Some(cue) = section {
            phrases.extend(lexicon::phrases(line).map(|phrase| (cue, phrase)));
        }
    }
    phrases
}

/// The cue phrases of every kind, indexed once per router.
#[derive(Debug, Clone)]
pub(super) struct CueBook {
    phrases: PhraseList,
}

impl CueBook {
    pub fn new(analyzer: &Analyzer) -> CueBook {
        let mut builder = PhraseList::builder(analyzer);
        for (cue, phrase) in cue_phrases(&cues_text()) {
            // Cues are read literally: "curi" as a stem would also catch "pencuri" in
            // unrelated clauses, and time words must not stem at all.
            builder.add(&phrase, cue as usize, 1.0, false);
        }
        CueBook {
            phrases: builder.build(),
        }
    }

    pub fn read(&self, words: &[Word]) -> FoundCues {
        let mut found = FoundCues::default();
        for hit in self.phrases.find(words, false) {
            let phrase = self.phrases.phrase(hit.phrase);
            found.hits.push(CueHit {
                cue: cue_of_tag(phrase.tag),
                start: hit.start,
                len: hit.len,
                negated: hit.negated,
                label: phrase.label.clone(),
            });
        }
        found
    }
}

fn cue_of_tag(tag: usize) -> Cue {
    ALL_CUES.get(tag).copied().unwrap_or(Cue::Greeting)
}

#[derive(Debug, Clone)]
pub(super) struct CueHit {
    pub cue: Cue,
    pub start: usize,
    pub len: usize,
    pub negated: bool,
    pub label: String,
}

/// The cues found in one report.
#[derive(Debug, Clone, Default)]
pub(super) struct FoundCues {
    pub hits: Vec<CueHit>,
}

impl FoundCues {
    /// Cues of this kind that are not negated.
    pub fn of(&self, cue: Cue) -> impl Iterator<Item = &CueHit> {
        self.hits
            .iter()
            .filter(move |hit| hit.cue == cue && !hit.negated)
    }

    pub fn has(&self, cue: Cue) -> bool {
        self.of(cue).next().is_some()
    }

    /// The label of the first cue of this kind, for reasons.
    pub fn first_label(&self, cue: Cue) -> Option<&str> {
        self.of(cue)
            .min_by_key(|hit| hit.start)
            .map(|hit| hit.label.as_str())
    }

    /// Whether a cue of this kind covers the word at `index`.
    pub fn covers(&self, cue: Cue, index: usize) -> bool {
        self.of(cue)
            .any(|hit| hit.start <= index && index < hit.start + hit.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_cue_has_phrases_and_every_section_is_a_cue() {
        let phrases = cue_phrases(&cues_text());
        for cue in ALL_CUES {
            assert!(phrases.iter().any(|(found, _)| *found == cue), "{cue:?}");
        }
        for line in CUES_TEXT.lines().filter(|line| line.starts_with('[')) {
            let name = line.trim_matches(['[', ']']);
            assert!(cue_named(name).is_some(), "{name}");
        }
    }
}
