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

/// Who commits a crime, as the citizen names them ("orang" alone is anyone: "orang lagi
/// berkumpul" is a crowd, not an offender).
const OFFENDERS: &[&str] = &[
    "maling", "pencuri", "pelaku", "perampok", "begal", "copet", "preman", "jambret",
];
/// Markers of an act in progress.
const IN_PROGRESS: &[&str] = &["lagi", "sedang", "masih"];

/// "maling lagi ngangkut ac", "orang sedang membongkar gembok", "pelaku masih memukuli": an
/// offender named as doing something now is there now, whatever the category.
pub(super) fn offender_acting_now(words: &[Word]) -> Option<String> {
    words.windows(3).find_map(|triple| {
        let [offender, marker, act] = triple else {
            return None;
        };
        let same_clause = offender.clause == marker.clause && marker.clause == act.clause;
        let is_act = ["di", "me", "ng", "ny", "ber", "mem", "men"]
            .iter()
            .any(|prefix| act.surface.starts_with(prefix) && act.surface.len() > 4);
        (same_clause
            && !marker.negated
            && OFFENDERS.contains(&offender.surface.as_str())
            && IN_PROGRESS.contains(&marker.surface.as_str())
            && is_act
            && act.surface != "di")
            .then(|| format!("{} {} {}", offender.surface, marker.surface, act.surface))
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

/// "tiang pln roboh", "lampu lalu lintas roboh ke tengah jalan", "kabelnya melintang": a pole,
/// a cable or a tree fallen is a hazard to the people passing.
pub(super) fn fallen_across_the_road(words: &[Word]) -> Option<String> {
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
