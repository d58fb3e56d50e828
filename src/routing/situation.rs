//! The situation a report describes, as the urgency model sees it: when it happens (now, just
//! now, over, later), what threatens life or body, whether the offender is still there, whether
//! the citizen asks for speed, group violence, hazards on the road, and what says it is over
//! (negations, past tense, aftercare). Read from the cue words and the shape of the text.

use super::cues::{Cue, FoundCues};
use super::words::Word;

/// The age up to which a person named in the report counts as a child at risk.
const CHILD_AGE_LIMIT: u32 = 12;
/// The age from which a person named in the report counts as elderly.
const ELDERLY_AGE_FROM: u32 = 60;

/// What the report says about the moment, the danger and the people; each field holds the words
/// that said it, for the reasons.
#[derive(Debug, Clone, Default)]
pub(super) struct Situation {
    /// "sekarang", "kini", "masih", "dari tadi", "malam ini", "lagi dirampok".
    pub now: Option<String>,
    /// "barusan", "baru saja", "tadi".
    pub just_now: Option<String>,
    /// "kemarin", "semalam", "minggu lalu".
    pub past: Option<String>,
    /// "besok", "nanti malam".
    pub later: Option<String>,
    /// Threats to life or body: wounds, fire, water, falls, trapped or unconscious people.
    pub threats: Vec<String>,
    pub weapon: Option<String>,
    /// A child, an elder, a baby, a pregnant woman.
    pub vulnerable: Option<String>,
    /// "masih di dalam", "lagi ngintai", "nunggu korban", "begal mangkal".
    pub offender_present: Option<String>,
    /// "kabur ke arah", "dikejar": someone to catch now.
    pub pursuit: Option<String>,
    /// "tolong", "cepat", "segera", "buruan", "!!".
    pub speed_request: Option<String>,
    /// "tawuran", "bentrok", "dikeroyok", "perang sarung".
    pub group_violence: Option<String>,
    /// Hazards on the road that endanger people: fallen trees, live cables, collapsed roads.
    pub road_hazard: Option<String>,
    /// An event that is an emergency by its name: an accident, a fire, a drowning.
    pub emergency_event: Option<String>,
    /// Violence against a person ("dipukul", "ditodong").
    pub violence: Option<String>,
    /// "sudah aman", "sudah padam", "tidak ada korban", "bukan darurat".
    pub over: Option<String>,
    /// "dirawat", "visum", "sudah diobati": the victim is already cared for.
    pub aftercare: Option<String>,
    /// "sering", "tiap malam": a pattern, not an event.
    pub habitual: Option<String>,
    /// "mau lapor", "bagaimana caranya", "mohon ditindak": a request, not an alarm.
    pub report_intent: Option<String>,
    pub hearsay: Option<String>,
    /// A question with no sign of an event now.
    pub question_only: bool,
}

impl Situation {
    pub fn read(cues: &FoundCues, words: &[Word], texts: &[&str]) -> Situation {
        let effective = effective_cues(cues, words);
        let first = |cue: Cue| {
            effective
                .iter()
                .find(|(found, _)| *found == cue)
                .map(|(_, label)| label.clone())
        };
        let mut threats: Vec<String> = Vec::new();
        for (cue, label) in &effective {
            if *cue == Cue::Harm && !threats.contains(label) {
                threats.push(label.clone());
            }
        }
        let now = first(Cue::Ongoing).or_else(|| {
            describes_action_in_progress(words).then(|| "lagi …".to_string())
        });
        let speed_request = first(Cue::Plea).or_else(|| shouts_for_help(texts).then(|| "!!".into()));
        let vulnerable = first(Cue::Vulnerable).or_else(|| {
            names_a_child_or_an_elder(words).then(|| "anak kecil atau lansia".to_string())
        });
        let asks = texts.iter().any(|text| text.contains('?'));
        let over = first(Cue::Safe).or_else(|| first(Cue::Resolved));
        let mut situation = Situation {
            now,
            just_now: first(Cue::Recent),
            past: first(Cue::Past),
            later: first(Cue::Future),
            threats,
            weapon: first(Cue::Weapon),
            vulnerable,
            offender_present: first(Cue::OffenderPresent),
            pursuit: first(Cue::Pursuit),
            speed_request,
            group_violence: first(Cue::GroupViolence),
            road_hazard: first(Cue::RoadHazard),
            emergency_event: first(Cue::Emergency),
            violence: first(Cue::Violence),
            over,
            aftercare: first(Cue::AfterCare),
            habitual: first(Cue::Habitual),
            report_intent: first(Cue::ReportIntent),
            hearsay: first(Cue::Hearsay),
            question_only: false,
        };
        situation.question_only = asks && !situation.signals_now();
        situation
    }

    /// Something says the event is happening now or has just happened.
    pub fn signals_now(&self) -> bool {
        self.now.is_some()
            || self.just_now.is_some()
            || self.speed_request.is_some()
            || self.offender_present.is_some()
    }

    /// Something threatens life or body.
    pub fn signals_danger(&self) -> bool {
        !self.threats.is_empty()
            || self.weapon.is_some()
            || self.offender_present.is_some()
            || self.road_hazard.is_some()
    }
}

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
    Cue::OffenderPresent,
    Cue::GroupViolence,
    Cue::RoadHazard,
    Cue::Past,
    Cue::AfterCare,
    Cue::Habitual,
    Cue::ReportIntent,
    Cue::Safe,
    Cue::Resolved,
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
        if !TIME_AND_DANGER_CUES.contains(&hit.cue) {
            continue;
        }
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

/// "lagi dirampok", "lagi ada transaksi", "masih dipukuli": "lagi", "sedang" or "masih" before a
/// verb is "in progress"; after a verb ("jambret lagi") "lagi" means "again", and "masih" before
/// a noun is a state ("masih SMP").
fn describes_action_in_progress(words: &[Word]) -> bool {
    const STATES_THAT_ARE_NOT_EVENTS: &[&str] = &["dirawat", "diproses", "dalam", "menunggu"];
    words.windows(2).any(|pair| {
        let (first, next) = (&pair[0], &pair[1]);
        let marks_progress = matches!(first.surface.as_str(), "lagi" | "sedang" | "masih");
        if !marks_progress
            || first.clause != next.clause
            || STATES_THAT_ARE_NOT_EVENTS.contains(&next.surface.as_str())
        {
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
