//! Eleventh round (`eval/TUNING.md`): the fallen-thing sign narrowed to a time or a presence,
//! an offender told by a passive act or by "mereka", a past time that dates a person's
//! disappearance, near misses on the road, a crowd beginning to beat someone, how long someone
//! has not been seen, someone hit while an act goes on, a near miss as just now, a sound of
//! something forced, and people waiting for prey. Messages
//! written for these tests, not taken from any evaluation set.

use super::tests::{kabupaten_of, kecamatan_of, suggest};

fn reasons_of(text: &str) -> String {
    suggest(text).reasons.join(" | ")
}

/// Asserts that the suggestion's reasons for `text` do (or do not) name `reason`.
fn assert_reason(text: &str, reason: &str, named: bool) {
    let reasons = reasons_of(text);
    assert_eq!(reasons.contains(reason), named, "{reason:?} in {reasons}");
}

#[test]
fn a_tree_fallen_in_a_yard_with_nobody_in_its_way_is_no_road_hazard() {
    let text = "pohon mangga di halaman belakang roboh, pagar tetangga rusak";
    assert_reason(text, "bahaya di jalan", false);
}

#[test]
fn a_tree_fallen_where_riders_still_pass_is_a_road_hazard() {
    let text = "pohon mangga di pinggir jalan roboh, motor masih lewat di sela dahannya";
    assert_reason(text, "bahaya di jalan", true);
}

#[test]
fn a_passive_act_with_its_agent_is_an_offender_there_now() {
    let text = "solar di tangki truk lagi disedot orang pakai selang";
    assert_reason(text, "lagi disedot orang", true);
}

#[test]
fn they_are_offenders_when_the_report_names_strangers() {
    let strangers = "truk tak dikenal berhenti di pintu gudang, mereka lagi naikin karung pupuk";
    assert_reason(strangers, "mereka lagi naikin", true);
    let family = "anak2 saya di rumah, mereka lagi nyiapin makan malam";
    assert_reason(family, "pelaku masih di tempat", false);
}

#[test]
fn when_the_person_found_went_missing_is_not_when_the_body_was_found() {
    let text =
        "warga nemu jasad di bawah rumah panggung subuh ini, diduga nelayan yang hilang kemarin";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert_reason(text, "sudah lewat", false);
}

#[test]
fn a_thing_gone_or_a_person_gone_weeks_ago_keeps_its_past() {
    let motorbike = "motor saya yang hilang kemarin saya lihat dipakai orang di pasar";
    assert_reason(motorbike, "sudah lewat", true);
    let buried = "jenazah nelayan yang tenggelam minggu lalu sudah dimakamkan, mau minta surat";
    assert!(!suggest(buried).urgent, "{}", reasons_of(buried));
}

#[test]
fn a_near_miss_on_the_road_is_a_hazard() {
    let text = "ada sapi lepas di tengah jalan lintas, mobil di depan saya hampir kena";
    assert_reason(text, "bahaya di jalan", true);
}

#[test]
fn a_crowd_beginning_to_beat_a_caught_thief_is_urgent() {
    let suggestion =
        suggest("maling ketangkep di masjid, massa mulai memukuli, polisi belum datang");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn how_long_someone_has_not_been_seen_is_no_past_event() {
    let text = "ada bau busuk dari rumah sebelah, nenek yang tinggal sendiri ga keliatan dari kemarin, pintunya dikunci dari dalam";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert_reason(text, "sudah lewat", false);
    let long = "bau bangkai dari kamar kos ujung, penghuninya tidak keluar seminggu";
    assert_reason(long, "sudah lewat", false);
}

#[test]
fn someone_hit_while_the_act_goes_on_is_danger_in_any_category() {
    let now =
        suggest("pemuda mabuk lagi merusak motor warga di depan masjid, yang menegur dipukul");
    assert!(now.urgent, "{:?}", now.reasons);
    let yesterday = suggest("pemuda mabuk merusak motor warga kemarin malam, yang menegur dipukul");
    assert!(!yesterday.urgent, "{:?}", yesterday.reasons);
}

#[test]
fn a_near_miss_is_told_just_after_it_happened() {
    let text = "truk mogok di tanjakan gelap tanpa lampu, motor2 hampir nabrak dari belakang";
    assert_reason(text, "baru saja", true);
}

#[test]
fn a_sound_of_something_forced_is_someone_there_now() {
    let forced = "jam 2 malam ada suara gembok pagar dicongkel di depan, suami lagi dinas";
    assert_reason(forced, "suara … dicongkel", true);
    let music = "suara musik diputar keras dari rumah sebelah sampai jam 2 malam";
    assert_reason(music, "pelaku masih di tempat", false);
}

#[test]
fn people_waiting_for_prey_lie_in_wait() {
    let text =
        "ada mobil parkir di semak pinggir jalan lintas, lampunya mati, kayaknya nunggu mangsa";
    assert_reason(text, "pelaku masih di tempat", true);
}

#[test]
fn a_city_kecamatan_may_be_written_with_the_city_s_other_spellings() {
    let prabu = suggest("ada jambret di depan masjid raya prabu utara tadi pagi");
    assert_eq!(kecamatan_of(&prabu), Some("Prabumulih Utara"));
    let linggau = suggest("kebakaran ruko dua lantai di linggau utara 2, api besar");
    assert_eq!(kabupaten_of(&linggau), Some("Kota Lubuk Linggau"));
    assert_eq!(kecamatan_of(&linggau), Some("Lubuk Linggau Utara II"));
}
