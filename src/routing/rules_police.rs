//! Rules about the police as a service: money asked for it (pungli), members doing harm
//! (perilaku_anggota), and follow-ups that complain about slowness (lambat_penanganan).

use super::category::CategoryScores;
use super::cues::Cue;
use super::rules::{DECISIVE, RuleInput, TIPPING};
use super::words::Word;

/// Money asked at a police service ("skck bayar 100rb di polsek", "minta damai 200rb") is
/// pungli_oknum, unless someone only pretends to be police (penipuan).
pub(super) fn payment_demanded_by_police(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    let cues = input.cues;
    let Some(police_word) = cues.first_label(Cue::PoliceContext) else {
        return;
    };
    if let Some(pretends) = cues.first_label(Cue::Impersonation) {
        scores.add(
            input.category("penipuan_online"),
            TIPPING,
            format!("aturan: '{pretends}' + '{police_word}' → penipuan mengaku aparat"),
        );
        scores.damp(input.category("pungli_oknum"), 0.3);
        scores.damp(input.category("perilaku_anggota"), 0.3);
        return;
    }
    let bribe_word = cues.first_label(Cue::BribeWord);
    let amount = names_an_amount(input.words);
    let Some(money_word) = cues
        .first_label(Cue::MoneyDemand)
        .or(bribe_word.filter(|_| amount))
    else {
        return;
    };
    if bribe_word.is_none() && !amount {
        return;
    }
    let complains = cues.has(Cue::Complaint)
        || bribe_word.is_some()
        || cues
            .of(Cue::MoneyDemand)
            .any(|hit| hit.label.starts_with("dimint") || hit.label.starts_with("minta"));
    if !complains {
        return;
    }
    scores.add(
        input.category("pungli_oknum"),
        DECISIVE,
        format!("aturan: '{money_word}' diminta di layanan/oleh '{police_word}' → pungli"),
    );
    for code in [
        "layanan_skck",
        "layanan_sim",
        "surat_kehilangan",
        "premanisme",
    ] {
        scores.damp(input.category(code), 0.3);
    }
}

/// "100rb", "Rp 50.000", "2 jt", "25 juta".
fn names_an_amount(words: &[Word]) -> bool {
    const UNITS: &[&str] = &["rb", "ribu", "rebu", "k", "jt", "juta", "ratus", "rp"];
    words.iter().enumerate().any(|(index, word)| {
        let surface = word.surface.as_str();
        let digits_end = surface
            .find(|character: char| !character.is_ascii_digit())
            .unwrap_or(surface.len());
        if digits_end > 0 && UNITS.contains(&&surface[digits_end..]) {
            return true;
        }
        if surface.starts_with("rp") && surface.len() > 2 {
            return surface[2..]
                .chars()
                .all(|character| character.is_ascii_digit());
        }
        let is_number = digits_end == surface.len() && !surface.is_empty();
        let next_is_unit = words
            .get(index + 1)
            .is_some_and(|next| UNITS.contains(&next.surface.as_str()));
        (is_number && next_is_unit) || surface == "rp"
    })
}

/// Police doing harm ("anggota polisi pukul adik saya", "dibentak petugas") is a complaint
/// against the member (perilaku_anggota), not a common assault or the event around it.
pub(super) fn police_misconduct(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    const REACH: usize = 4;
    let cues = input.cues;
    let words = input.words;
    let actor = cues.of(Cue::PoliceActor).find(|actor| {
        // "pak polisi, tolong" addresses the police; it does not accuse them.
        let addressed = actor.start > 0
            && matches!(
                words[actor.start - 1].surface.as_str(),
                "pak" | "bapak" | "bu" | "ibu"
            );
        let act_nearby = cues.of(Cue::Misconduct).any(|act| {
            words[act.start].clause == words[actor.start].clause
                && act.start.abs_diff(actor.start) <= REACH
        });
        !addressed && act_nearby
    });
    let Some(actor) = actor else {
        return;
    };
    let Some(act) = cues
        .of(Cue::Misconduct)
        .find(|act| act.start.abs_diff(actor.start) <= REACH)
        .map(|act| act.label.clone())
    else {
        return;
    };
    scores.add(
        input.category("perilaku_anggota"),
        DECISIVE,
        format!("aturan: '{}' + '{act}' → perilaku anggota", actor.label),
    );
    scores.damp(input.category("penganiayaan"), 0.5);
}

/// A follow-up on an earlier report that complains about slowness is lambat_penanganan; a plain
/// status question stays in the crime's own category.
pub(super) fn complaint_about_slowness(input: &RuleInput<'_>, scores: &mut CategoryScores) {
    let cues = input.cues;
    let Some(earlier) = cues.first_label(Cue::EarlierReport) else {
        return;
    };
    let waited = names_a_long_wait(input.words).then_some("menunggu berbulan-bulan");
    let Some(slowness) = cues.first_label(Cue::Slowness).or(waited) else {
        return;
    };
    let asks_status = cues.has(Cue::StatusQuestion);
    let insists = cues.has(Cue::Insistence);
    if asks_status && !insists {
        return;
    }
    let lambat = input.category("lambat_penanganan");
    scores.add(
        lambat,
        DECISIVE,
        format!("aturan: laporan sebelumnya ('{earlier}') + '{slowness}' → keluhan lambat"),
    );
    for (index, category) in input.model.categories.iter().enumerate() {
        if Some(index) != lambat && category.group == "kejahatan" {
            scores.damp(Some(index), 0.5);
        }
    }
}

/// "sudah 5 bulan", "2 minggu": how long the citizen has been waiting.
fn names_a_long_wait(words: &[Word]) -> bool {
    const UNITS: &[&str] = &["bulan", "bln", "minggu", "tahun", "thn"];
    words.windows(2).any(|pair| {
        pair[0]
            .surface
            .chars()
            .all(|character| character.is_ascii_digit())
            && !pair[0].surface.is_empty()
            && UNITS.contains(&pair[1].surface.as_str())
    })
}

/// Whether the text names the police, an earlier report or slowness: what a complaint about the
/// police's service needs before the learned models may suggest one (`Router::score_categories`).
pub(super) fn names_the_service(cues: &super::cues::FoundCues) -> bool {
    [
        Cue::PoliceContext,
        Cue::PoliceActor,
        Cue::EarlierReport,
        Cue::Slowness,
    ]
    .into_iter()
    .any(|cue| cues.has(cue))
}
