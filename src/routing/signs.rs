//! Signs of danger read from how words stand together rather than from fixed phrases (ninth
//! round): someone heard or seen inside a closed place, an offender doing something now, a thing
//! fallen across the road, and people taken away by force. Each returns the words that said it,
//! for the reasons. The words are the analyzer's (folded, slang expanded: "kedengeran" is
//! "kedengaran", "dibawak" is "dibawa", "rebah" is "roboh").

use super::words::Word;

/// How far (in words, same clause) the parts of a sign may stand apart.
const SIGN_REACH: usize = 5;

/// Hearing or seeing something: the citizen perceives it now ("suara" alone is not here: the
/// music or the exhaust of a neighbour is a sound too; "ada suara di" is a cue phrase).
const PERCEPTION: &[&str] = &[
    "kedengaran",
    "terdengar",
    "dengar",
    "denger",
    "mendengar",
    "bayangan",
    "senter",
    "kelihatan",
    "tampak",
    "nampak",
];
/// Inside a closed place: rooms, stores, the space under a roof.
const INSIDE: &[&str] = &[
    "dalam", "dapur", "kamar", "gudang", "loteng", "plafon", "garasi", "ruang", "lemari", "laci",
    "atap", "gedung", "toko", "ruko", "kios",
];
/// What an intruder does inside.
const INTRUDING: &[&str] = &[
    "buka",
    "dibuka",
    "membuka",
    "bongkar",
    "membongkar",
    "ngobrak",
    "ngangkat",
    "mengangkat",
    "ngangkut",
    "mengangkut",
    "congkel",
    "gergaji",
    "langkah",
];
/// Words that make a hearing something else: news, a rumour, a case.
const NOT_A_PRESENCE: &[&str] = &["kabar", "berita", "info", "katanya", "cerita", "isu"];

/// "kedengaran dio buka lemari", "ado suaro di kamar belakang", "lampu senter di dalem gudang",
/// "ada bayangan orang ngangkut semen": someone is perceived inside now, so the offender is
/// still there (an intruder is rarely named as such by a frightened citizen).
pub(super) fn someone_perceived_inside(words: &[Word]) -> Option<String> {
    words.iter().enumerate().find_map(|(index, word)| {
        if word.negated || !PERCEPTION.contains(&word.surface.as_str()) {
            return None;
        }
        let clause = word.clause;
        let near = (index + 1..index + 1 + SIGN_REACH)
            .filter_map(|next| words.get(next))
            .take_while(|next| next.clause == clause);
        let mut found = None;
        for next in near {
            if NOT_A_PRESENCE.contains(&next.surface.as_str()) {
                return None;
            }
            let surface = next.surface.as_str();
            let intruding = INTRUDING
                .iter()
                .any(|act| surface == *act || (act.len() >= 5 && surface.starts_with(act)));
            if found.is_none() && (INSIDE.contains(&surface) || intruding) {
                found = Some(format!("{} … {}", word.surface, next.surface));
            }
        }
        found
    })
}

/// What is done by force to a door, a lock or goods, in the passive ("didorong", "dicongkel").
const FORCED: &[&str] = &[
    "dibuka",
    "dibongkar",
    "dicongkel",
    "digergaji",
    "diangkat",
    "diangkut",
    "didorong",
    "dibobol",
    "dirusak",
    "dipotong",
    "digeser",
];

/// "ada suara motor didorong pelan", "suara gembok dicongkel": a sound of something being
/// forced is someone doing it now (eleventh round). "suara" alone is not a presence (a
/// neighbour's music is a sound too); followed within three words by a forcing act it is.
pub(super) fn sound_of_forcing(words: &[Word]) -> Option<String> {
    words.iter().enumerate().find_map(|(index, word)| {
        if word.negated || word.surface != "suara" {
            return None;
        }
        (index + 1..index + 4)
            .filter_map(|next| words.get(next))
            .take_while(|next| next.clause == word.clause)
            .find(|next| !next.negated && FORCED.contains(&next.surface.as_str()))
            .map(|forced| format!("{} … {}", word.surface, forced.surface))
    })
}

/// Who commits a crime, as the citizen names them ("orang" alone is anyone: "orang lagi
/// berkumpul" is a crowd, not an offender).
const OFFENDERS: &[&str] = &[
    "maling", "pencuri", "pelaku", "perampok", "begal", "copet", "preman", "jambret",
];
/// Markers of an act in progress.
const IN_PROGRESS: &[&str] = &["lagi", "sedang", "masih"];

/// Who does a passive act now ("lagi disedot orang", "sedang dibongkar maling"): the agent named
/// after the act.
const AGENTS: &[&str] = &[
    "orang", "maling", "pencuri", "pelaku", "perampok", "begal", "copet", "preman", "jambret",
    "wong",
];
/// Words that make "mereka" (they) the offenders: strangers, or an offender named elsewhere.
const STRANGERS: &[&str] = &["dikenal", "asing", "bertopeng", "sebo", "masker"];

/// An act: a verb prefix, or the Jakarta "-in" ending ("naikin", "bukain").
fn is_act(surface: &str) -> bool {
    surface.len() > 4
        && (["di", "me", "ng", "ny", "ber", "mem", "men"]
            .iter()
            .any(|prefix| surface.starts_with(prefix))
            || surface.ends_with("in"))
}

/// "maling lagi ngangkut ac", "orang sedang membongkar gembok", "pelaku masih memukuli": an
/// offender named as doing something now is there now, whatever the category. Eleventh round:
/// a passive act with its agent after it ("solar lagi disedot orang"), and "mereka" (they)
/// doing it when the report names strangers or an offender ("truk tak dikenal …, mereka lagi
/// naikin karung").
pub(super) fn offender_acting_now(words: &[Word]) -> Option<String> {
    let strangers_named = words.iter().any(|word| {
        STRANGERS.contains(&word.surface.as_str()) || OFFENDERS.contains(&word.surface.as_str())
    });
    let named = words.windows(3).find_map(|triple| {
        let [offender, marker, act] = triple else {
            return None;
        };
        let same_clause = offender.clause == marker.clause && marker.clause == act.clause;
        let offender_named = OFFENDERS.contains(&offender.surface.as_str())
            || (offender.surface == "mereka" && strangers_named);
        (same_clause
            && !marker.negated
            && offender_named
            && IN_PROGRESS.contains(&marker.surface.as_str())
            && is_act(&act.surface)
            && act.surface != "di")
            .then(|| format!("{} {} {}", offender.surface, marker.surface, act.surface))
    });
    if named.is_some() {
        return named;
    }
    words.windows(4).find_map(|window| {
        let [marker, act, first, second] = window else {
            return None;
        };
        let passive = act.surface.starts_with("di") && act.surface.len() > 4;
        let agent = [first, second]
            .into_iter()
            .find(|word| word.clause == act.clause && AGENTS.contains(&word.surface.as_str()))?;
        (marker.clause == act.clause
            && !marker.negated
            && matches!(marker.surface.as_str(), "lagi" | "sedang")
            && passive)
            .then(|| format!("{} {} {}", marker.surface, act.surface, agent.surface))
    })
}

/// Things that, fallen, block or electrify a road.
const FALLEN_THINGS: &[&str] = &[
    "tiang", "tiangnya", "kabel", "kabelnya", "pohon", "baliho", "reklame", "lampu", "dahan",
    "tower", "menara",
];
/// How they lie.
const FALLEN: &[&str] = &[
    "roboh",
    "tumbang",
    "ambruk",
    "melintang",
    "putus",
    "jatuh",
    "rubuh",
    "terjatuh",
];

/// Time or presence: the fallen thing endangers people now, where people pass or under it
/// (eleventh round: without one, "tiang … roboh" was also a pole fallen long ago, or a cable
/// told in a complaint).
const HAZARD_NOW: &[&str] = &[
    "sekarang",
    "barusan",
    "masih",
    "kini",
    "lagi",
    "sedang",
    "lewat",
    "melintas",
    "melewati",
    "menimpa",
    "tertimpa",
    "ketimpa",
    "terjepit",
    "kejepit",
    "terhimpit",
    "nyangkut",
    "tersangkut",
    "kesangkut",
    "nabrak",
    "menabrak",
    "tertabrak",
    "korban",
    "penumpang",
    "nyala",
    "menyala",
    "percikan",
    "nyetrum",
    "menyetrum",
    "kesetrum",
    "tersetrum",
];

/// "tiang pln roboh, motor masih lewat", "lampu lalu lintas roboh ke tengah jalan, ada motor
/// yang nabrak", "kabelnya melintang masih nyala": a pole, a cable or a tree fallen is a hazard
/// to the people passing, when the report says it is now or that people are in its way.
pub(super) fn fallen_across_the_road(words: &[Word]) -> Option<String> {
    let now_or_people = words
        .iter()
        .any(|word| !word.negated && HAZARD_NOW.contains(&word.surface.as_str()));
    if !now_or_people {
        return None;
    }
    words.iter().enumerate().find_map(|(index, word)| {
        if !FALLEN_THINGS.contains(&word.surface.as_str()) {
            return None;
        }
        (index + 1..index + 1 + SIGN_REACH)
            .filter_map(|next| words.get(next))
            .take_while(|next| next.clause == word.clause)
            .find(|next| !next.negated && FALLEN.contains(&next.surface.as_str()))
            .map(|fallen| format!("{} … {}", word.surface, fallen.surface))
    })
}

/// Young people at risk of being taken: girls, children, teenagers.
const TAKEN_PEOPLE: &[&str] = &[
    "anak",
    "gadis",
    "perempuan",
    "cewek",
    "remaja",
    "bocah",
    "keponakan",
    "adik",
    "adek",
    "putri",
    "siswi",
    "pelajar",
];
/// Things a person owns, named before the owner ("hp anak saya").
const POSSESSIONS: &[&str] = &[
    "motor",
    "mobil",
    "hp",
    "handphone",
    "tas",
    "dompet",
    "sepeda",
    "laptop",
    "uang",
    "kalung",
    "barang",
    "rumah",
    "kambing",
    "sapi",
];
/// Taking someone away by force or deceit.
const TAKING: &[&str] = &[
    "dipaksa", "diseret", "diculik", "dibawa", "dijual", "dijemput", "ditarik", "diangkut",
];

/// "budak betino dibawak lanang", "gadis 14 tahun mau dibawa ke Batam", "anak perempuan dipaksa
/// masuk mobil": a girl or a child being taken away is in danger now.
pub(super) fn someone_young_taken(words: &[Word]) -> Option<String> {
    words.iter().enumerate().find_map(|(index, word)| {
        // "motor adik saya dibawa kabur": the young person owns what is taken.
        let owns_what_is_taken = words[index.saturating_sub(2)..index]
            .iter()
            .any(|before| POSSESSIONS.contains(&before.surface.as_str()));
        if !TAKEN_PEOPLE.contains(&word.surface.as_str()) || owns_what_is_taken {
            return None;
        }
        (index + 1..index + 1 + SIGN_REACH)
            .filter_map(|next| words.get(next))
            .take_while(|next| next.clause == word.clause)
            .find(|next| !next.negated && TAKING.contains(&next.surface.as_str()))
            .map(|taking| format!("{} … {}", word.surface, taking.surface))
    })
}
