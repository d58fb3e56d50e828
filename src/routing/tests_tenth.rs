//! Tenth round (`eval/TUNING.md`): the speech of Javanese and Sundanese settlers, a floating
//! body, a sawn lock, abbreviated places, and the learned models' compact tables. Messages
//! written for these tests, not taken from any evaluation set.

use super::tests::{kabupaten_of, kecamatan_of, suggest};

#[test]
fn javanese_fire_now_is_a_fire_and_urgent() {
    let suggestion = suggest("omah pak rt kobong saiki, genine wis gede");
    assert_eq!(suggestion.category.as_deref(), Some("kebakaran"));
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn javanese_negation_and_last_night_lower_urgency() {
    let now = suggest("omah pak rt kobong saiki, genine wis gede");
    let over = suggest("wingi bengi gudang tonggo kobong, saiki wis aman, ora ono korban");
    assert!(!over.urgent, "{:?}", over.reasons);
    assert!(over.urgency_score < now.urgency_score);
}

#[test]
fn sundanese_fire_now_is_a_fire_and_urgent() {
    let suggestion = suggest("imah di gang kami kahuruan ayeuna, seuneuna gede pisan");
    assert_eq!(suggestion.category.as_deref(), Some("kebakaran"));
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn a_fight_told_in_javanese_is_violence() {
    let suggestion = suggest("wong loro gelut ning pasar, sirahe getihen, isih ning kono");
    assert_eq!(suggestion.category.as_deref(), Some("penganiayaan"));
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn someone_floating_is_a_body_found() {
    let suggestion = suggest("ada orang mengambang di rawa belakang pasar, ga gerak lagi");
    assert_eq!(suggestion.category.as_deref(), Some("penemuan_mayat"));
}

#[test]
fn a_sawn_lock_is_a_theft() {
    let suggestion = suggest("gemboknya digergaji, mesin pompa air di gudang sudah ga ada");
    assert_eq!(suggestion.category.as_deref(), Some("pencurian"));
}

#[test]
fn pbm_is_prabumulih() {
    let suggestion = suggest("tawuran pelajar di simpang pasar pbm, batu beterbangan");
    assert_eq!(kabupaten_of(&suggestion), Some("Kota Prabumulih"));
}

#[test]
fn points_of_the_compass_may_be_abbreviated_in_a_kecamatan() {
    let suggestion = suggest("tambang batubara liar di merapi brt, lahat");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Lahat"));
    assert_eq!(kecamatan_of(&suggestion), Some("Merapi Barat"));
}
