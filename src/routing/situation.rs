//! The situation a report describes, as the urgency model sees it: when it happens (now, just
//! now, over, later), what threatens life or body, whether the offender is still there, whether
//! the citizen asks for speed, group violence, hazards on the road, and what says it is over
//! (negations, past tense, aftercare). Read from the cue words and the shape of the text.

use super::cues::{Cue, FoundCues};
use super::signs;
use super::words::Word;

mod absence;

use absence::{
    describes_a_disappearance, names_a_long_time, names_weeks_or_more, person_gone, since_not_seen,
};

/// The age up to which a person named in the report counts as a child at risk: under 18, a
/// child by law (ninth round; 12 before, which left a girl of 14 taken away unprotected).
const CHILD_AGE_LIMIT: u32 = 17;
/// The age from which a person named in the report counts as elderly.
const ELDERLY_AGE_FROM: u32 = 60;

/// What the report says about the moment, the danger and the people; each field holds the words
/// that said it, for the reasons.
#[derive(Debug, Clone, Default)]
pub(super) struct Situation {
    /// "sekarang", "kini", "masih", "dari tadi", "malam ini", "lagi dirampok".
    pub now: Option<String>,
    /// "lagi dirampok", "lagi bongkar", "sedang dipukuli": an act described in progress.
    pub in_progress: Option<String>,
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
    /// "belum pulang", "tidak bisa dihubungi": someone is still missing, so the time they left
    /// ("dari semalam") is how long the danger has lasted, not a sign that it is over.
    pub still_missing: Option<String>,
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
        if let Some(taken) = signs::someone_young_taken(words) {
            threats.push(taken);
        }
        let in_progress = action_in_progress(words);
        let now = first(Cue::Ongoing);
        let still_missing = first(Cue::StillMissing).or_else(|| person_gone(cues, words));
        // A long absence (weeks) stays a long time; a night or a morning away is the danger.
        let past = first(Cue::Past)
            .filter(|past| still_missing.is_none() || names_weeks_or_more(past))
            .or_else(|| names_a_long_time(words));
        let speed_request =
            first(Cue::Plea).or_else(|| shouts_for_help(texts).then(|| "!!".into()));
        let vulnerable = first(Cue::Vulnerable).or_else(|| {
            names_a_child_or_an_elder(words).then(|| "anak kecil atau lansia".to_string())
        });
        let asks = texts.iter().any(|text| text.contains('?'));
        let over = first(Cue::Safe).or_else(|| first(Cue::Resolved));
        let mut situation = Situation {
            now,
            in_progress,
            just_now: first(Cue::Recent),
            past,
            later: first(Cue::Future),
            threats,
            weapon: first(Cue::Weapon),
            vulnerable,
            offender_present: first(Cue::OffenderPresent)
                .or_else(|| signs::offender_acting_now(words))
                .or_else(|| signs::someone_perceived_inside(words))
                .or_else(|| signs::sound_of_forcing(words)),
            pursuit: first(Cue::Pursuit),
            speed_request,
            group_violence: first(Cue::GroupViolence),
            road_hazard: first(Cue::RoadHazard).or_else(|| signs::fallen_across_the_road(words)),
            emergency_event: first(Cue::Emergency),
            violence: first(Cue::Violence),
            over,
            aftercare: first(Cue::AfterCare),
            habitual: first(Cue::Habitual),
            report_intent: first(Cue::ReportIntent),
            hearsay: first(Cue::Hearsay),
            still_missing,
            question_only: false,
        };
        situation.question_only = asks && !situation.signals_now();
        situation
    }

    /// Something says the event is happening now or has just happened.
    pub fn signals_now(&self) -> bool {
        self.now.is_some()
            || self.in_progress.is_some()
            || self.just_now.is_some()
            || self.speed_request.is_some()
            || self.offender_present.is_some()
    }

    /// Anything about people's life or body: danger, violence, a victim at risk, someone
    /// missing, someone to catch, an event that is an emergency by its name.
    pub fn names_harm(&self) -> bool {
        self.signals_danger()
            || self.group_violence.is_some()
            || self.violence.is_some()
            || self.vulnerable.is_some()
            || self.still_missing.is_some()
            || self.pursuit.is_some()
            || self.emergency_event.is_some()
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
    Cue::StillMissing,
];

/// Units of a past time that is still recent ("sejam yang lalu", "2 jam yang lalu").
const HOURS_OR_MINUTES: &[&str] = &["sejam", "jam", "menit", "setengah"];

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
        let before = |distance: usize, wanted: &[&str]| {
            (hit.start.saturating_sub(distance)..hit.start).any(|index| {
                words.get(index).is_some_and(|word| {
                    word.clause == words[hit.start].clause
                        && wanted.contains(&word.surface.as_str())
                })
            })
        };
        if cue == Cue::Past {
            // "sejak kemarin": a state that still lasts.
            if before(2, &["sejak"]) {
                cue = Cue::Ongoing;
            } else if before(1, HOURS_OR_MINUTES) {
                // "sejam yang lalu", "30 menit yang lalu": minutes or hours ago is just now,
                // not over (a crowd that caught a thief an hour ago is still beating him).
                cue = Cue::Recent;
            }
        }
        // "nelayan yang hilang kemarin", "pencari ikan yg hilang 3 hari lalu": when someone
        // went missing describes the person found or sought, not when the report's event was.
        if cue == Cue::Past && describes_a_disappearance(cues, words, hit.start, &hit.label) {
            continue;
        }
        // "ga keluar dari kemaren", "tidak kelihatan sejak kemarin": how long someone has not
        // been seen is a state that lasts, not a past event.
        if cue == Cue::Past && since_not_seen(words, hit.start) {
            continue;
        }
        // "mobil yang sering muter": a habit of someone described, not of the event.
        if cue == Cue::Habitual && before(1, &["yang"]) {
            continue;
        }
        // "tiap motor lewat diberhentiin", "setiap orang yang lewat ditanya": what men lying
        // in wait do to each passer-by, not a habit of the event.
        if cue == Cue::Habitual && names_passers_by(words, hit.start + hit.len) {
            continue;
        }
        if cue == Cue::Ongoing && hit.label == "sekarang" && cues.has(Cue::AfterCare) {
            continue;
        }
        effective.push((cue, hit.label.clone()));
    }
    effective
}

/// "tiap [orang|motor|yang …] lewat": each passer-by, right after "tiap" or "setiap" (the word
/// at `after`), with "lewat" or "melintas" within three words in the same clause.
fn names_passers_by(words: &[Word], after: usize) -> bool {
    const PASSERS: &[&str] = &[
        "orang",
        "motor",
        "mobil",
        "yang",
        "kendaraan",
        "pengendara",
        "pemotor",
        "warga",
        "truk",
        "sopir",
        "anak",
        "cewek",
        "perempuan",
    ];
    const PASSING: &[&str] = &["lewat", "melintas", "melewati", "lalu"];
    let Some(first) = words.get(after) else {
        return false;
    };
    PASSERS.contains(&first.surface.as_str())
        && (after..after + 4).any(|index| {
            words.get(index).is_some_and(|word| {
                word.clause == first.clause && PASSING.contains(&word.surface.as_str())
            })
        })
}

/// "lagi dirampok", "lagi bongkar kontak", "sedang dipukuli", "masih dipukuli": "lagi", "sedang"
/// or "masih" before what someone does is "in progress". "lagi" after a verb or at the end of a
/// clause means "again" ("ngamuk lagi"), and "masih" before a state is not an act ("masih SMP",
/// "masih dirawat").
fn action_in_progress(words: &[Word]) -> Option<String> {
    const NOT_ACTS: &[&str] = &[
        "yang", "pak", "bu", "ya", "dong", "sih", "lah", "saja", "nih", "kok", "deh", "kak", "min",
        "ndan", "dirawat", "diproses", "dalam", "menunggu", "sekolah", "kecil", "kuliah", "anak",
        "umur", "muda", "hidup", "ingat", "sama", "trauma", "bebas", "belum", "tidak", "proses",
        "ada", "sakit", "lama", "jauh", "baru", "sd", "smp", "sma",
    ];
    const AFTER_WORDS_THAT_MAKE_IT_AGAIN: &[&str] = &[
        "sekali", "tidak", "belum", "kuat", "mau", "ada", "satu", "sudah", "kambuh",
    ];
    words.windows(2).enumerate().find_map(|(index, pair)| {
        let (marker, next) = (&pair[0], &pair[1]);
        let marks_progress = matches!(marker.surface.as_str(), "lagi" | "sedang" | "masih");
        if !marks_progress || marker.clause != next.clause || marker.negated {
            return None;
        }
        let after_again_word = index > 0
            && marker.surface == "lagi"
            && AFTER_WORDS_THAT_MAKE_IT_AGAIN.contains(&words[index - 1].surface.as_str());
        let next_is_number = next
            .surface
            .chars()
            .all(|character| character.is_ascii_digit());
        if after_again_word || next_is_number || NOT_ACTS.contains(&next.surface.as_str()) {
            return None;
        }
        // "masih" is "still" before anything; before a noun it names a state, so it needs an
        // act (a verb prefix) or a place ("masih di ...").
        let verb_prefixes = ["di", "me", "ber", "ng", "ny", "ter", "ke"];
        let act_or_place = next.surface == "di"
            || verb_prefixes
                .iter()
                .any(|prefix| next.surface.starts_with(prefix) && next.surface.len() > 4);
        if marker.surface == "masih" && !act_or_place {
            return None;
        }
        Some(format!("{} {}", marker.surface, next.surface))
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
