//! Someone missing, and for how long: a person gone (not a thing), a past time that dates the
//! disappearance rather than the report's event, and how long someone has not been seen.

use super::super::cues::{Cue, FoundCues};
use super::super::words::Word;

/// Being seen or coming out, negated: "ga keluar", "tidak kelihatan", "ga pernah keliatan".
const SEEN: &[&str] = &[
    "keluar",
    "kelihatan",
    "terlihat",
    "muncul",
    "tampak",
    "nampak",
    "dilihat",
];

/// A negated "seen" or "come out" within the three words before `at`, in the same clause:
/// the time that follows says how long someone has not been seen.
pub(super) fn since_not_seen(words: &[Word], at: usize) -> bool {
    let clause = words[at].clause;
    (at.saturating_sub(3)..at).any(|index| {
        let word = &words[index];
        word.clause == clause && word.negated && SEEN.contains(&word.surface.as_str())
    })
}

/// "yang hilang kemarin": the past time at `at` follows "yang" and a verb of going missing in
/// the same clause, so it dates a person's disappearance, not the report's event. Not when the
/// time is weeks or more ("yang tenggelam minggu lalu … sudah dimakamkan") or what went missing
/// is a thing ("motor saya yang hilang bulan lalu").
pub(super) fn describes_a_disappearance(
    cues: &FoundCues,
    words: &[Word],
    at: usize,
    past: &str,
) -> bool {
    const GONE: &[&str] = &[
        "hilang",
        "menghilang",
        "hanyut",
        "tenggelam",
        "kabur",
        "pergi",
    ];
    const THINGS: &[Cue] = &[Cue::Goods, Cue::Document, Cue::Vehicle, Cue::Property];
    if at < 2 || names_weeks_or_more(past) {
        return false;
    }
    let clause = words[at].clause;
    // "yang hilang 3 hari lalu": the count before the unit.
    let counted = words[at - 1]
        .surface
        .chars()
        .all(|character| character.is_ascii_digit())
        || matches!(words[at - 1].surface.as_str(), "dua" | "tiga" | "beberapa");
    let at = if counted { at - 1 } else { at };
    if at < 2 {
        return false;
    }
    let relative = at - 2;
    let gone = words[at - 1].clause == clause && GONE.contains(&words[at - 1].surface.as_str());
    let a_thing = (relative.saturating_sub(3)..relative)
        .any(|index| THINGS.iter().any(|cue| cues.covers(*cue, index)));
    gone && words[relative].clause == clause && words[relative].surface == "yang" && !a_thing
}

/// "anak saya hilang di pasar", "nenek kami menghilang": a person gone is someone missing,
/// unless the person only owns what is gone ("hp anak saya hilang").
pub(super) fn person_gone(cues: &FoundCues, words: &[Word]) -> Option<String> {
    const GONE: &[&str] = &["hilang", "menghilang"];
    const POSSESSIONS: &[Cue] = &[Cue::Goods, Cue::Document, Cue::Vehicle, Cue::Property];
    cues.of(Cue::Person).find_map(|person| {
        let after = person.start + person.len;
        let gone = (after..after + 2).find(|&index| {
            words.get(index).is_some_and(|word| {
                word.clause == words[person.start].clause
                    && !word.negated
                    && GONE.contains(&word.surface.as_str())
            })
        })?;
        let owned = (person.start.saturating_sub(2)..person.start)
            .any(|index| POSSESSIONS.iter().any(|cue| cues.covers(*cue, index)));
        (!owned).then(|| format!("{} {}", person.label, words[gone].surface))
    })
}

/// "sudah 3 bulan", "seminggu", "sebulan", "2 minggu": a state that has lasted long is not an
/// emergency of now (a relative out of touch for months, a report waiting for weeks).
pub(super) fn names_a_long_time(words: &[Word]) -> Option<String> {
    const LONG_WORDS: &[&str] = &["seminggu", "sebulan", "setahun", "berbulan", "bertahun"];
    const UNITS: &[&str] = &["minggu", "bulan", "tahun", "bln", "thn"];
    // "3 tahun" is also an age: years count as a duration only after these words.
    const YEAR_UNITS: &[&str] = &["tahun", "thn"];
    const DURATION_WORDS: &[&str] = &["sudah", "selama", "sejak", "hampir", "lebih", "sekitar"];
    const AGE_WORDS: &[&str] = &[
        "umur",
        "usia",
        "berumur",
        "berusia",
        "anak",
        "bayi",
        "gadis",
        "perempuan",
        "cewek",
        "remaja",
        "bocah",
        "siswi",
        "pelajar",
    ];
    for (index, word) in words.iter().enumerate() {
        // "ga keliatan seminggu": how long someone has not been seen.
        if since_not_seen(words, index) {
            continue;
        }
        // "umur 15 tahun", and "anak perempuan sekitar 15 tahun": years near a person are an age.
        let names_an_age = words[index.saturating_sub(3)..index]
            .iter()
            .any(|before| AGE_WORDS.contains(&before.surface.as_str()));
        if names_an_age {
            continue;
        }
        if LONG_WORDS.contains(&word.surface.as_str()) {
            return Some(word.surface.clone());
        }
        let is_count = word
            .surface
            .chars()
            .all(|character| character.is_ascii_digit())
            || matches!(word.surface.as_str(), "dua" | "tiga" | "empat" | "beberapa");
        if is_count
            && !word.surface.is_empty()
            && let Some(next) = words.get(index + 1)
            && UNITS.contains(&next.surface.as_str())
            && (!YEAR_UNITS.contains(&next.surface.as_str())
                || (index > 0 && DURATION_WORDS.contains(&words[index - 1].surface.as_str())))
        {
            return Some(format!("{} {}", word.surface, next.surface));
        }
    }
    None
}

/// "minggu lalu", "bulan kemarin": a past time of weeks or more.
pub(super) fn names_weeks_or_more(past: &str) -> bool {
    ["minggu", "bulan", "tahun"]
        .iter()
        .any(|unit| past.contains(unit))
}
