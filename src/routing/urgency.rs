//! Whether a report needs action now: an ongoing threat to life or body, a crime in progress or
//! just committed with the perpetrators near, a fire, a drowning, a missing child, a fresh body.
//! Past events, tips, complaints and information requests are not urgent.

use std::collections::HashSet;

use super::category::CategoryInfo;
use super::cues::{Cue, FoundCues};
use super::words::Word;

/// The sum of cue weights at or above which a report is urgent.
const URGENT_THRESHOLD: f32 = 1.0;
/// Where a category flagged urgent by default starts: one sign of danger or of "now" must add.
const URGENT_CATEGORY_PRIOR: f32 = 0.7;
/// Categories of this priority or lower (3 = routine) that are not urgent by default.
const LOW_PRIORITY_FROM: u8 = 3;
/// Groups whose reports are never emergencies: greetings, spam, service questions.
const NEVER_URGENT_GROUPS: &[&str] = &["non_laporan", "layanan_informasi"];
/// The age up to which a person named in the report counts as a child at risk.
const CHILD_AGE_LIMIT: u32 = 12;
/// The age from which a person named in the report counts as elderly.
const ELDERLY_AGE_FROM: u32 = 60;

/// The verdict and the cue words that decided it.
#[derive(Debug, Clone)]
pub(super) struct Urgency {
    pub urgent: bool,
    pub reason: Option<String>,
}

/// The weight of each kind of cue; each kind counts once.
fn cue_weight(cue: Cue, urgent_by_default: bool) -> f32 {
    match cue {
        Cue::Ongoing if urgent_by_default => 0.9,
        // Ongoing noise, gambling or racing is not an emergency by itself.
        Cue::Ongoing => 0.6,
        Cue::Recent => 0.6,
        Cue::Plea => 0.5,
        Cue::Harm => 0.7,
        Cue::Weapon => 0.6,
        Cue::Vulnerable => 0.5,
        Cue::Pursuit => 0.6,
        Cue::Violence => 0.5,
        Cue::Emergency => 0.3,
        Cue::Past => -1.4,
        Cue::AfterCare => -0.9,
        Cue::Habitual => -0.8,
        Cue::ReportIntent => -0.7,
        Cue::Safe => -1.0,
        Cue::Future => -1.0,
        Cue::Hearsay => -0.5,
        _ => 0.0,
    }
}

/// A second, different harm ("luka" and "disiksa") says more than one.
const SECOND_HARM_WEIGHT: f32 = 0.3;
/// "lagi dirampok": a crime described in progress, on top of any time word.
const IN_PROGRESS_WEIGHT: f32 = 0.4;
/// A question with no sign of an event now asks about one that is over.
const QUESTION_WITHOUT_URGENCY_WEIGHT: f32 = -0.6;

const RAISING_CUES: &[Cue] = &[
    Cue::Ongoing,
    Cue::Recent,
    Cue::Plea,
    Cue::Harm,
    Cue::Weapon,
    Cue::Vulnerable,
    Cue::Pursuit,
    Cue::Violence,
    Cue::Emergency,
];
const LOWERING_CUES: &[Cue] = &[
    Cue::Past,
    Cue::AfterCare,
    Cue::Habitual,
    Cue::ReportIntent,
    Cue::Safe,
    Cue::Future,
    Cue::Hearsay,
];

const TIME_AND_DANGER_CUES: &[Cue] = &[
    Cue::Ongoing,
    Cue::Recent,
    Cue::Plea,
    Cue::Harm,
    Cue::Weapon,
    Cue::Vulnerable,
    Cue::Pursuit,
    Cue::Violence,
    Cue::Emergency,
    Cue::Past,
    Cue::AfterCare,
    Cue::Habitual,
    Cue::ReportIntent,
    Cue::Safe,
    Cue::Future,
    Cue::Hearsay,
    Cue::Neutral,
];

/// The cues that count: a cue inside a longer one is read as part of it ("tadi" in "dari
/// tadi", "sekarang" in "sampai sekarang"), a past time after "sejak" is a state that lasts
/// ("hilang sejak kemarin"), and "sekarang" next to aftercare is where the victim is now.
fn effective_cues(cues: &FoundCues, words: &[Word]) -> Vec<(Cue, String)> {
    let mut effective = Vec::new();
    for hit in cues.hits.iter().filter(|hit| !hit.negated) {
        let inside_longer = cues.hits.iter().any(|other| {
            other.len > hit.len
                && !other.negated
                && TIME_AND_DANGER_CUES.contains(&other.cue)
                && other.start <= hit.start
                && hit.start + hit.len <= other.start + other.len
        });
        if inside_longer {
            continue;
        }
        let mut cue = hit.cue;
        if cue == Cue::Past {
            let since = (hit.start.saturating_sub(2)..hit.start)
                .any(|index| words.get(index).is_some_and(|word| word.surface == "sejak"));
            if since {
                cue = Cue::Ongoing;
            }
        }
        if cue == Cue::Ongoing && hit.label == "sekarang" && cues.has(Cue::AfterCare) {
            continue;
        }
        effective.push((cue, hit.label.clone()));
    }
    effective
}

pub(super) fn judge_urgency(
    category: Option<&CategoryInfo>,
    words: &[Word],
    cues: &FoundCues,
    texts: &[&str],
) -> Urgency {
    let not_urgent = Urgency {
        urgent: false,
        reason: None,
    };
    if let Some(category) = category
        && NEVER_URGENT_GROUPS.contains(&category.group.as_str())
    {
        return not_urgent;
    }
    let effective = effective_cues(cues, words);
    let first = |cue: Cue| {
        effective
            .iter()
            .find(|(found, _)| *found == cue)
            .map(|(_, label)| label.as_str())
    };
    let urgent_by_default = category.is_some_and(|category| category.urgent_default);
    let low_priority = category
        .is_some_and(|category| !category.urgent_default && category.priority >= LOW_PRIORITY_FROM);
    if low_priority && first(Cue::Harm).is_none() && first(Cue::Weapon).is_none() {
        // Complaints, tips, fraud and traffic nuisances become emergencies only through harm.
        return not_urgent;
    }
    let mut total = if urgent_by_default {
        URGENT_CATEGORY_PRIOR
    } else {
        0.0
    };
    let mut raised_by: Vec<String> = Vec::new();
    let mut lowered_by: Vec<String> = Vec::new();
    for &cue in RAISING_CUES {
        if let Some(label) = first(cue) {
            total += cue_weight(cue, urgent_by_default);
            raised_by.push(label.to_string());
        }
    }
    let distinct_harms: HashSet<&str> = effective
        .iter()
        .filter(|(cue, _)| *cue == Cue::Harm)
        .map(|(_, label)| label.as_str())
        .collect();
    if distinct_harms.len() >= 2 {
        total += SECOND_HARM_WEIGHT;
    }
    if describes_action_in_progress(words) {
        total += IN_PROGRESS_WEIGHT;
        raised_by.push("lagi …".to_string());
    }
    if first(Cue::Vulnerable).is_none() && names_a_child_or_an_elder(words) {
        total += cue_weight(Cue::Vulnerable, urgent_by_default);
        raised_by.push("anak kecil atau lansia".to_string());
    }
    if shouts_for_help(texts) {
        total += cue_weight(Cue::Plea, urgent_by_default);
        raised_by.push("!!".to_string());
    }
    for &cue in LOWERING_CUES {
        if let Some(label) = first(cue) {
            total += cue_weight(cue, urgent_by_default);
            lowered_by.push(label.to_string());
        }
    }
    let asks = texts.iter().any(|text| text.contains('?'));
    let signs_of_now = [Cue::Ongoing, Cue::Recent, Cue::Plea]
        .iter()
        .any(|&cue| first(cue).is_some());
    if asks && !signs_of_now {
        total += QUESTION_WITHOUT_URGENCY_WEIGHT;
        lowered_by.push("?".to_string());
    }
    let urgent = total >= URGENT_THRESHOLD;
    let reason = if urgent {
        Some(format!(
            "mendesak: {}",
            quoted(&raised_by, "kategori darurat")
        ))
    } else if !lowered_by.is_empty() {
        Some(format!(
            "tidak mendesak: {}",
            quoted(&lowered_by, "tanpa tanda bahaya")
        ))
    } else {
        None
    };
    Urgency { urgent, reason }
}

fn quoted(labels: &[String], when_empty: &str) -> String {
    if labels.is_empty() {
        return when_empty.to_string();
    }
    labels
        .iter()
        .map(|label| format!("'{label}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "lagi dirampok", "lagi ada transaksi": "lagi" before a verb is "in progress"; after a verb
/// ("jambret lagi") it means "again".
fn describes_action_in_progress(words: &[Word]) -> bool {
    words.windows(2).any(|pair| {
        let (first, next) = (&pair[0], &pair[1]);
        let marks_progress = first.surface == "lagi" || first.surface == "sedang";
        if !marks_progress || first.clause != next.clause {
            return false;
        }
        let verb_prefixes = ["di", "me", "ber", "ng", "ny", "ter"];
        next.surface == "ada"
            || (next.surface.len() > 4
                && verb_prefixes
                    .iter()
                    .any(|prefix| next.surface.starts_with(prefix)))
    })
}

/// "umur 6 tahun", "anak 9 th", "umur 80": a child or an elder at risk alone.
fn names_a_child_or_an_elder(words: &[Word]) -> bool {
    const AGE_WORDS: &[&str] = &["umur", "usia"];
    const YEAR_WORDS: &[&str] = &["th", "thn", "tahun", "taun", "thun"];
    words.iter().enumerate().any(|(index, word)| {
        let Ok(age) = word.surface.parse::<u32>() else {
            return false;
        };
        let at_risk =
            (1..=CHILD_AGE_LIMIT).contains(&age) || (ELDERLY_AGE_FROM..=120).contains(&age);
        if !at_risk {
            return false;
        }
        let after_age_word = index > 0 && AGE_WORDS.contains(&words[index - 1].surface.as_str());
        let before_year_word = words
            .get(index + 1)
            .is_some_and(|next| YEAR_WORDS.contains(&next.surface.as_str()));
        after_age_word || before_year_word
    })
}

/// Several exclamation marks, or a long message in capitals.
fn shouts_for_help(texts: &[&str]) -> bool {
    let exclamations: usize = texts.iter().map(|text| text.matches("!!").count()).sum();
    if exclamations > 0 {
        return true;
    }
    let letters: Vec<char> = texts
        .iter()
        .flat_map(|text| text.chars())
        .filter(|character| character.is_alphabetic())
        .collect();
    let capitals = letters
        .iter()
        .filter(|character| character.is_uppercase())
        .count();
    letters.len() >= 20 && capitals * 10 >= letters.len() * 7
}
