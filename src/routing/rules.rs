//! Rules for the cases keywords alone get wrong: lost vs stolen, vehicles, a forwarded hoax vs a
//! question about one, a body in a river, payment demanded by police, complaints about slowness,
//! thanks and greetings.

use super::category::{CategoryModel, CategoryScores};
use super::cues::{Cue, FoundCues};
use super::rules_police;
use super::signs;
use super::words::Word;

/// Bonus of a rule that settles the category on its own.
pub(super) const DECISIVE: f32 = 3.5;
/// Bonus of a rule that tips a close call.
pub(super) const TIPPING: f32 = 2.0;
/// How many words before "jatuh" the dropped thing may stand ("dompet saya jatuh").
const DROPPED_ITEM_REACH: usize = 3;
/// Exclamation marks that make a message shout like a chain message.
const SHOUTING_EXCLAMATIONS: usize = 3;
/// Above this share of capital letters (in a message long enough) the message shouts.
const SHOUTING_CAPITALS_SHARE: f32 = 0.6;
const SHOUTING_MIN_LETTERS: usize = 20;
/// A robbery or snatching score this high means the taking was violent: not plain theft.
const VIOLENT_TAKING_SCORE: f32 = 1.5;

/// Everything a rule may read about the report.
pub(super) struct RuleInput<'a> {
    pub model: &'a CategoryModel,
    pub words: &'a [Word],
    pub cues: &'a FoundCues,
    pub texts: &'a [&'a str],
}

impl RuleInput<'_> {
    pub fn category(&self, code: &str) -> Option<usize> {
        self.model.index_of(code)
    }
}

pub(super) fn apply_rules(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    lost_or_stolen(input, scores);
    chain_message_or_hoax_question(input, scores);
    body_found(input, scores);
    rules_police::payment_demanded_by_police(input, scores);
    rules_police::police_misconduct(input, scores);
    violence_at_home(input, scores);
    taking_under_threat(input, scores);
    natural_resource_crime_over_its_fire(input, scores);
    unknown_person_is_the_offender(input, scores);
    intruder_inside(input, scores);
    rules_police::complaint_about_slowness(input, scores);
    thanks_and_greetings(input, scores);
}

/// "hilang" alone is a lost item (surat_kehilangan) unless it is a vehicle (stolen from where it
/// stood) or a person; theft words make it pencurian, or curanmor for a vehicle.
fn lost_or_stolen(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    let cues = input.cues;
    let theft_word = cues.first_label(Cue::TheftVerb);
    let lost_word = first_lost_word(input);
    if theft_word.is_none() && lost_word.is_none() {
        return;
    }
    let Some((object_cue, object_label)) = first_object(cues) else {
        return;
    };
    let curanmor = input.category("curanmor");
    let pencurian = input.category("pencurian");
    let surat_kehilangan = input.category("surat_kehilangan");
    if let Some(theft_word) = theft_word {
        // Robbery and snatching take things too; their own keywords decide those.
        let violent_taking = ["begal_perampokan", "jambret"].iter().any(|code| {
            input
                .category(code)
                .is_some_and(|index| scores.score(index) >= VIOLENT_TAKING_SCORE)
        });
        if violent_taking {
            return;
        }
        if object_cue == Cue::Vehicle {
            scores.add(
                curanmor,
                TIPPING,
                format!("aturan: '{object_label}' + '{theft_word}' → curanmor"),
            );
            scores.damp(pencurian, 0.4);
        } else if object_cue != Cue::Person {
            scores.add(
                pencurian,
                1.0,
                format!("aturan: '{theft_word}' berarti dicuri, bukan hilang"),
            );
            scores.damp(surat_kehilangan, 0.3);
        }
        return;
    }
    let Some(lost_word) = lost_word else {
        return;
    };
    if let Some(document) = document_of_a_vehicle(cues) {
        // "BPKB mobil hilang": the document is lost, not the car.
        scores.add(
            surat_kehilangan,
            DECISIVE,
            format!("aturan: '{document}' kendaraan {lost_word} → dokumen hilang"),
        );
        scores.damp(curanmor, 0.3);
        return;
    }
    let lost_at = cues
        .of(Cue::LostWord)
        .filter(|hit| hit.label == lost_word)
        .map(|hit| hit.start)
        .min();
    let inside_a_keyword_phrase = lost_at.is_some_and(|position| {
        scores
            .phrase_spans
            .iter()
            .any(|&(_, start, len)| start <= position && position < start + len)
    });
    if inside_a_keyword_phrase {
        // "skck hilang", "anak hilang": the profile's own phrase already says what was lost.
        return;
    }
    match object_cue {
        Cue::Vehicle => scores.add(
            curanmor,
            DECISIVE,
            format!("aturan: '{object_label}' + '{lost_word}' → kendaraan hilang = curanmor"),
        ),
        Cue::Property => {
            scores.add(
                pencurian,
                TIPPING + 0.5,
                format!("aturan: '{object_label}' {lost_word} tidak mungkin tercecer → pencurian"),
            );
            scores.damp(surat_kehilangan, 0.5);
        }
        Cue::Document | Cue::Goods => {
            scores.add(
                surat_kehilangan,
                TIPPING + 0.5,
                format!(
                    "aturan: '{object_label}' {lost_word} tanpa kata pencurian → surat_kehilangan"
                ),
            );
            scores.damp(pencurian, 0.5);
        }
        Cue::Person => scores.add(
            input.category("orang_hilang"),
            TIPPING,
            format!("aturan: '{object_label}' + '{lost_word}' → orang hilang"),
        ),
        _ => {}
    }
}

/// "bpkb mobil", "stnk motor": a document named right before the vehicle it belongs to.
fn document_of_a_vehicle(cues: &FoundCues) -> Option<String> {
    cues.of(Cue::Document)
        .find(|document| {
            let next = document.start + document.len;
            cues.of(Cue::Vehicle).any(|vehicle| vehicle.start == next)
        })
        .map(|document| document.label.clone())
}

/// The first lost-item word; "jatuh" counts only right after a document or wallet.
fn first_lost_word(input: &RuleInput<'_>) -> Option<String> {
    input
        .cues
        .of(Cue::LostWord)
        .filter(|hit| {
            if hit.label != "jatuh" && hit.label != "terjatuh" {
                return true;
            }
            let reach_start = hit.start.saturating_sub(DROPPED_ITEM_REACH);
            (reach_start..hit.start).any(|index| input.cues.covers(Cue::Document, index))
        })
        .min_by_key(|hit| hit.start)
        .map(|hit| hit.label.clone())
}

/// The first thing the report talks about: vehicle, document, goods or person.
fn first_object(cues: &FoundCues) -> Option<(Cue, String)> {
    [
        Cue::Vehicle,
        Cue::Document,
        Cue::Goods,
        Cue::Property,
        Cue::Person,
    ]
    .into_iter()
    .flat_map(|cue| {
        cues.of(cue)
            .map(move |hit| (hit.start, cue, hit.label.clone()))
    })
    .min_by_key(|(start, _, _)| *start)
    .map(|(_, cue, label)| (cue, label))
}

/// A chain message ("sebarkan!!", "info penting") is spam; a question whether such a message is
/// true asks for a hoax clarification (kejahatan_siber).
fn chain_message_or_hoax_question(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    let cues = input.cues;
    let clarify = cues.first_label(Cue::ClarifyQuestion);
    let hoax_word = cues.first_label(Cue::HoaxWord);
    let chain_words: Vec<&str> = cues
        .of(Cue::ChainMessage)
        .filter(|hit| !cues.covers(Cue::AskedToShare, hit.start))
        .map(|hit| hit.label.as_str())
        .collect();
    let shouting = shouts(input.texts);
    let chain_strength = chain_words.len() + usize::from(shouting);
    let siber = input.category("kejahatan_siber");
    let spam = input.category("spam");
    if let Some(clarify) = clarify
        && (hoax_word.is_some() || !chain_words.is_empty())
    {
        let about = hoax_word.or(chain_words.first().copied()).unwrap_or("");
        scores.add(
            siber,
            DECISIVE + 1.0,
            format!("aturan: pertanyaan '{clarify}' tentang '{about}' → klarifikasi hoaks"),
        );
        scores.damp(spam, 0.2);
        return;
    }
    if chain_strength >= 2 && !chain_words.is_empty() && !cues.has(Cue::AskedToShare) {
        scores.add(
            spam,
            DECISIVE + 1.0,
            format!("aturan: pesan berantai ('{}')", chain_words.join("', '")),
        );
        return;
    }
    let explicit_hoax_word = cues
        .of(Cue::HoaxWord)
        .map(|hit| hit.label.as_str())
        .find(|label| ["hoaks", "hoax", "berita bohong", "kabar bohong"].contains(label));
    if let Some(hoax_word) = explicit_hoax_word
        && input.texts.iter().any(|text| text.contains('?'))
    {
        scores.add(
            siber,
            TIPPING,
            format!("aturan: bertanya soal '{hoax_word}' → klarifikasi hoaks"),
        );
    }
}

fn shouts(texts: &[&str]) -> bool {
    let exclamations: usize = texts.iter().map(|text| text.matches('!').count()).sum();
    if exclamations >= SHOUTING_EXCLAMATIONS {
        return true;
    }
    let letters: Vec<char> = texts
        .iter()
        .flat_map(|text| text.chars())
        .filter(|character| character.is_alphabetic())
        .collect();
    if letters.len() < SHOUTING_MIN_LETTERS {
        return false;
    }
    let capitals = letters
        .iter()
        .filter(|character| character.is_uppercase())
        .count();
    capitals as f32 / letters.len() as f32 > SHOUTING_CAPITALS_SHARE
}

/// A body ("mayat di sungai") is penemuan_mayat; the river is only where it lies.
fn body_found(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    let Some(body_word) = input.cues.first_label(Cue::BodyFound) else {
        return;
    };
    if input.cues.has(Cue::StillSearching) {
        return;
    }
    // "pengantar jenazah" is a funeral; a body is reported when someone finds it.
    let needs_discovery = ["jenazah", "jasad", "kerangka"].contains(&body_word);
    if needs_discovery && !input.cues.has(Cue::Discovery) {
        return;
    }
    scores.add(
        input.category("penemuan_mayat"),
        TIPPING,
        format!("aturan: '{body_word}' → penemuan mayat, bukan kejadian perairan"),
    );
    scores.damp(input.category("kejadian_perairan"), 0.5);
}

/// Beating or threatening a spouse, a stepchild or a family member is KDRT (kdrt_ppa), not a
/// common assault.
fn violence_at_home(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    // "suami saya ngamuk lagi malam ini, aku dipukul terus": the act may follow in the next
    // clause of the same sentence.
    const REACH: usize = 8;
    let cues = input.cues;
    let words = input.words;
    let pair = cues.of(Cue::Household).find_map(|relative| {
        cues.of(Cue::Beating)
            .find(|act| {
                words[act.start]
                    .clause
                    .abs_diff(words[relative.start].clause)
                    <= 1
                    && act.start.abs_diff(relative.start) <= REACH
            })
            .map(|act| (relative.label.clone(), act.label.clone()))
    });
    let Some((relative, act)) = pair else {
        return;
    };
    scores.add(
        input.category("kdrt_ppa"),
        TIPPING,
        format!("aturan: '{act}' + '{relative}' → kekerasan dalam rumah tangga"),
    );
    scores.damp(input.category("penganiayaan"), 0.5);
}

/// Taking something from a person with a weapon at hand is robbery (begal_perampokan), whatever
/// else the message mentions ("kurir paket dirampas motornya, pelaku bawa parang").
fn taking_under_threat(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    const TAKING: &[&str] = &["dirampas", "dirampok", "diambil", "dibawa kabur", "dibegal"];
    let cues = input.cues;
    let Some(weapon) = cues.first_label(Cue::Weapon) else {
        return;
    };
    let taking = cues
        .of(Cue::TheftVerb)
        .chain(cues.of(Cue::Violence))
        .map(|hit| hit.label.as_str())
        .find(|label| TAKING.contains(label))
        .or_else(|| {
            input
                .words
                .iter()
                .map(|word| word.surface.as_str())
                .find(|surface| TAKING.contains(surface))
        });
    let Some(taking) = taking else {
        return;
    };
    scores.add(
        input.category("begal_perampokan"),
        TIPPING,
        format!("aturan: '{taking}' + '{weapon}' → perampokan"),
    );
}

/// Illegal drilling, refining or logging named outright is kejahatan_sda even when it burns or
/// explodes: the fire is what happened at the crime ("masak minyak ilegal meledak").
fn natural_resource_crime_over_its_fire(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    const NAMED_OUTRIGHT: f32 = 2.0;
    let Some(sda) = input.category("kejahatan_sda") else {
        return;
    };
    if scores.score(sda) < NAMED_OUTRIGHT {
        return;
    }
    for code in ["kebakaran", "bencana_alam"] {
        scores.damp(input.category(code), 0.5);
    }
    scores.add(
        Some(sda),
        1.0,
        "aturan: kejahatan sumber daya alam disebut, api/bencana hanya akibatnya".to_string(),
    );
}

/// "orang tak dikenal" who robs or beats someone is the offender of that crime; the category for
/// suspicious strangers is for behaviour without a crime yet.
fn unknown_person_is_the_offender(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    if input.cues.has(Cue::Violence) {
        scores.damp(input.category("orang_mencurigakan"), 0.4);
    }
}

/// Someone inside a house, a store or a warehouse who got in uninvited ("wong asing masuk rumah
/// nenek lewat jendela, dio masih di dalem", "ado suaro di kamar, jendela la kebukak") is a
/// break-in (pencurian) while nothing violent is told; a suspicious person is someone outside.
fn intruder_inside(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    const ENTRY: &[&str] = &[
        "masuk",
        "dicongkel",
        "terbuka",
        "dibobol",
        "dijebol",
        "nyelinap",
        "menyelinap",
        "manjat",
        "memanjat",
        "jendela",
        "plafon",
        "loteng",
    ];
    if input.cues.has(Cue::Violence) || input.cues.has(Cue::Weapon) {
        return;
    }
    let present = input
        .cues
        .first_label(Cue::OffenderPresent)
        .map(str::to_string);
    let Some(present) = present.or_else(|| signs::someone_perceived_inside(input.words)) else {
        return;
    };
    let Some(entry) = input
        .words
        .iter()
        .map(|word| word.surface.as_str())
        .find(|surface| ENTRY.contains(surface))
    else {
        return;
    };
    scores.add(
        input.category("pencurian"),
        TIPPING,
        format!("aturan: '{entry}' + '{present}' → orang masuk tanpa izin, pencurian"),
    );
    scores.damp(input.category("orang_mencurigakan"), 0.5);
}

/// A message that opens with thanks, or thanks for a solved problem, is terima_kasih; a message
/// with nothing but a greeting is sapaan.
fn thanks_and_greetings(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    let cues = input.cues;
    let opening_thanks = cues
        .of(Cue::Thanks)
        .find(|hit| hit.start < 3)
        .map(|hit| hit.label.clone());
    let terima_kasih = input.category("terima_kasih");
    if let Some(thanks) = opening_thanks {
        scores.add(
            terima_kasih,
            DECISIVE,
            format!("aturan: pesan dibuka dengan '{thanks}'"),
        );
    } else if let (Some(thanks), Some(resolved)) = (
        cues.first_label(Cue::Thanks),
        cues.first_label(Cue::Resolved),
    ) {
        scores.add(
            terima_kasih,
            TIPPING,
            format!("aturan: '{thanks}' + '{resolved}' → ucapan terima kasih"),
        );
    }
    let sapaan = input.category("sapaan");
    let strongest_content = input
        .model
        .categories
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != sapaan && Some(*index) != terima_kasih)
        .map(|(index, _)| scores.score(index))
        .fold(0.0_f32, f32::max);
    if strongest_content >= 1.0 || !cues.has(Cue::Greeting) {
        return;
    }
    let content_words = input
        .words
        .iter()
        .enumerate()
        .filter(|(index, _)| !cues.covers(Cue::Greeting, *index))
        .count();
    if content_words <= 3 {
        scores.add(
            sapaan,
            TIPPING,
            "aturan: hanya salam tanpa isi laporan".to_string(),
        );
    }
}
