//! The urgency model and the grey zones, with messages written for these tests (not taken from
//! any evaluation set): dialect, negation and past tense, an offender still present, people
//! lying in wait, group violence, road hazards, and the uncertain cases the citizen is asked.

use super::tests::suggest;

fn reasons_of(text: &str) -> String {
    suggest(text).reasons.join(" | ")
}

#[test]
fn palembang_malay_time_and_harm_words_make_a_stabbing_urgent() {
    let suggestion = suggest("pak tolong, kawan aku ditujah wong di warung, darahnyo keluar terus");
    assert_eq!(suggestion.category.as_deref(), Some("penganiayaan"));
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn kini_is_now_in_palembang_malay() {
    let suggestion = suggest("ado wong ngamuk bawa parang di pasar kini");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(reasons_of("ado wong ngamuk bawa parang di pasar kini").contains("sedang terjadi"));
}

#[test]
fn past_tense_and_negation_lower_urgency() {
    let now = suggest("tolong ada maling masuk rumah, dia masih di dalam");
    let over = suggest("semalam ada maling masuk rumah, dak ado yang luko, sudah aman kini");
    assert!(now.urgent);
    assert!(!over.urgent, "{:?}", over.reasons);
    assert!(over.urgency_score < now.urgency_score);
    assert!(
        over.reasons
            .iter()
            .any(|reason| reason.contains("sudah lewat"))
    );
}

#[test]
fn a_negated_wound_is_not_a_threat() {
    let suggestion = suggest("motor aku diserempet kemaren, idak luko, cuma nak lapor bae");
    assert!(!suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn the_urgency_model_does_not_make_loud_music_urgent() {
    // The urgency model weighs 1.0 since the twelfth round; at that weight, trained on three
    // authors, it alone once made "the music is still loud now" urgent (`urgency.rs`). Trained
    // on eight it argues against. The situation's signs ("masih", "sekarang") still lift such a
    // message into the grey zone, where the citizen is asked rather than a patrol sent blind.
    for text in [
        "musik dari rumah sebelah masih keras sekarang, berisik sekali pak",
        "tetangga nyetel musik kencang nian kini, dak biso tiduk",
    ] {
        let learned = learned_probability(text);
        assert!(learned < 0.5, "{text}: the model says {learned}");
        let suggestion = suggest(text);
        assert!(
            !suggestion.urgent || suggestion.urgency_uncertain,
            "{text}: {:?}",
            suggestion.reasons
        );
    }
}

#[test]
fn an_intruder_still_inside_is_urgent() {
    let suggestion =
        suggest("ada orang tidak dikenal masuk rumah tetangga, sampai sekarang masih di dalam");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(
        suggestion
            .reasons
            .iter()
            .any(|reason| reason.contains("pelaku masih di tempat"))
    );
}

#[test]
fn people_lying_in_wait_with_weapons_are_urgent() {
    let suggestion = suggest("ado duo wong nunggu korban di simpang gelap, bawa golok");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn group_violence_is_urgent() {
    let suggestion = suggest("perang sarung budak-budak di depan musholla, ado yang kena sabet");
    assert_eq!(suggestion.category.as_deref(), Some("tawuran"));
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn a_live_cable_across_the_road_is_urgent() {
    let suggestion =
        suggest("kabel listrik putus di tengah jalan, masih ada setrumnya, motor lewat terus");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(
        reasons_of("kabel listrik putus di tengah jalan, masih ada setrumnya")
            .contains("bahaya di jalan")
    );
}

#[test]
fn violence_at_home_tonight_is_urgent() {
    let suggestion = suggest("malam ini suami saya mabuk lagi dan mukul saya, anak-anak ketakutan");
    assert_eq!(suggestion.category.as_deref(), Some("kdrt_ppa"));
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn the_urgency_score_agrees_with_the_verdict() {
    for text in [
        "rumah kebakaran, api makin besar, ada nenek di dalam",
        "mau tanya syarat perpanjang sim",
        "ada orang mencurigakan lewat depan rumah",
    ] {
        let suggestion = suggest(text);
        assert_eq!(suggestion.urgent, suggestion.urgency_score >= 0.5, "{text}");
        assert!((0.0..=1.0).contains(&suggestion.urgency_score));
    }
}

#[test]
fn clear_cases_are_outside_the_grey_zone() {
    let fire = suggest("tolong rumah kebakaran sekarang, api makin besar, ada orang terjebak");
    assert!(fire.urgent && !fire.urgency_uncertain);
    let question = suggest("mau tanya syarat bikin skck untuk melamar kerja");
    assert!(!question.urgent && !question.urgency_uncertain);
}

#[test]
fn a_vague_danger_falls_in_the_grey_zone_and_says_so() {
    let suggestion = suggest("ada orang mencurigakan mondar-mandir di depan rumah dari tadi");
    assert!(suggestion.urgency_uncertain, "{:?}", suggestion.reasons);
    assert!(
        suggestion
            .reasons
            .iter()
            .any(|reason| reason.contains("tanyakan ke pelapor"))
    );
}

#[test]
fn an_unclear_category_offers_a_few_candidates() {
    // A vehicle and a wallet taken at once: curanmor or pencurian.
    let suggestion = suggest("motor saya dibawa orang waktu parkir, dompet juga hilang");
    assert!(suggestion.category_uncertain);
    assert!((2..=3).contains(&suggestion.category_candidates.len()));
    let shares: f32 = suggestion
        .category_candidates
        .iter()
        .map(|candidate| candidate.share)
        .sum();
    assert!((shares - 1.0).abs() < 1e-3);
    // No keyword: whatever the learned models make of the words such messages share, the
    // category is unclear and the operator is offered candidates.
    let nothing_said = suggest("pak saya mau melapor soal kejadian tadi");
    assert!(nothing_said.category_uncertain);
    assert!(!nothing_said.category_candidates.is_empty());
    let clear = suggest("motor saya dicuri orang di parkiran pasar, pakai kunci T");
    assert!(!clear.category_uncertain);
    assert!(clear.category_candidates.is_empty());
}

/// The learned model's probability, as its reason states it ("model urgensi '0.93'").
fn learned_probability(text: &str) -> f32 {
    let reasons = reasons_of(text);
    let (_, after) = reasons
        .split_once("model urgensi '")
        .unwrap_or_else(|| panic!("no reason of the urgency model: {reasons}"));
    after[..after.find('\'').unwrap_or(after.len())]
        .parse()
        .unwrap_or_else(|_| panic!("unreadable probability: {reasons}"))
}

#[test]
fn the_learned_model_reads_time_and_says_so() {
    // The same event, told in progress and told as over: the model itself tells them apart.
    let now =
        learned_probability("bapak dipukuli terus sama orang mabuk di depan warung, udah rubuh");
    let past = learned_probability(
        "minggu lalu bapak dipukul orang mabuk di depan warung, sudah dilaporkan",
    );
    assert!(now > 0.5 && past < 0.5, "now {now}, past {past}");
}

#[test]
fn a_threat_to_ones_own_life_without_the_words_suicide_is_urgent() {
    // "sudah tidak ada" is "gone" only as a whole: here it is the start of "no use living".
    let suggestion = suggest("aku sudah di jembatan ampera, sudah tidak ada gunanya hidup");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(
        !reasons_of("aku sudah di jembatan ampera, sudah tidak ada gunanya hidup")
            .contains("sudah aman")
    );
}

#[test]
fn an_hour_ago_is_recent_not_over() {
    let reasons = reasons_of(
        "pencuri ditangkap warga dari satu jam yang lalu, dipukuli terus, polisi belum datang",
    );
    assert!(!reasons.contains("sudah lewat"), "{reasons}");
}

#[test]
fn a_habit_of_someone_described_is_not_a_habit_of_the_event() {
    let reasons =
        reasons_of("anak tetangga dibawa mobil hitam yang sering parkir di gang, barusan");
    assert!(!reasons.contains("kebiasaan"), "{reasons}");
    assert!(reasons_of("jambret sering beraksi di pasar ini").contains("kebiasaan"));
}

#[test]
fn a_person_gone_is_missing_but_their_phone_gone_is_not() {
    assert!(reasons_of("tolong pak adik aku hilang di pasar cinde").contains("masih hilang"));
    assert!(!reasons_of("handphone adik aku hilang di pasar cinde").contains("masih hilang"));
}

#[test]
fn komering_not_before_come_home_keeps_someone_missing() {
    let reasons = reasons_of("suami nyak lapah ke ladang dari kemaghi, ganta mak mulang");
    assert!(reasons.contains("masih hilang"), "{reasons}");
}

// Seventh round: mechanisms found on a fourth author's messages (`eval/raw4/`), tested on
// messages written for these tests.

#[test]
fn each_passer_by_stopped_is_lying_in_wait_not_a_habit() {
    let text = "ado tigo wong di ujung jembatan kayu, tiap motor lewat disetop, bawa golok";
    let reasons = reasons_of(text);
    assert!(!reasons.contains("kebiasaan"), "{reasons}");
    assert!(suggest(text).urgent, "{reasons}");
}

#[test]
fn jakarta_in_forms_of_stopping_passers_by_name_an_offender_present() {
    let reasons = reasons_of("dua orang duduk di motor di tikungan gelap, yg lewat diberhentiin");
    assert!(reasons.contains("pelaku masih di tempat"), "{reasons}");
}

/// Eighth round: "dari subuh" (since dawn) is read as lasting until now, like "sejak" and "dari
/// tadi", so an unresponsive body is danger now even when the category guess is a question.
#[test]
fn a_person_who_does_not_respond_is_in_danger() {
    let text = "bapak2 di pos ronda dari subuh ga gerak, dipanggil ga bangun";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(reasons_of(text).contains("bahaya bagi nyawa/badan"));
}

#[test]
fn a_threat_to_finish_someone_off_is_a_threat_to_life() {
    let reasons = reasons_of("rentenir bilang mau habisin kami sekeluarga malam ini");
    assert!(reasons.contains("bahaya bagi nyawa/badan"), "{reasons}");
}

#[test]
fn it_turned_out_to_be_nothing_lowers_urgency() {
    let alarm = suggest("ada asap tebal dari gudang sebelah barusan");
    let nothing = suggest("ada asap tebal dari gudang sebelah barusan, ternyata cuma bakar sampah");
    assert!(nothing.urgency_score < alarm.urgency_score);
    assert!(reasons_of("ada asap dari gudang, ternyata cuma bakar sampah").contains("sudah aman"));
}

#[test]
fn out_of_hospital_is_aftercare_so_now_is_not_the_event() {
    let suggestion = suggest("adik aku dibacok wong bulan lalu, kini la keluar rumah sakit");
    assert!(!suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(reasons_of("adik aku dibacok wong, kini la keluar rumah sakit").contains("ditangani"));
}

#[test]
fn palembang_balek_is_come_home_so_someone_is_still_missing() {
    let reasons = reasons_of("bapak aku ke kebun dari subuh, kini belum balek, hpnyo dak aktif");
    assert!(reasons.contains("masih hilang"), "{reasons}");
}

#[test]
fn what_neighbours_say_is_hearsay() {
    assert!(
        reasons_of("kami dengar dari tetangga ado budak dipukuli di rumah ujung")
            .contains("kabar orang")
    );
}

#[test]
fn since_dawn_is_a_state_that_lasts_until_now() {
    let reasons = reasons_of("kakek tetangga dari pagi tergeletak di teras, tidak bangun");
    assert!(reasons.contains("sedang terjadi 'dari pagi'"), "{reasons}");
}

// Ninth round: signs read from how words stand together (`signs.rs`), the dialect lexicon of
// the sixth author's speech, and the cue phrases added with them. Messages written for these
// tests.

#[test]
fn someone_heard_inside_is_an_offender_still_there() {
    let text = "kedengeran wong bukak laci di kamar bawah, kami di atas dak berani turun";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(reasons_of(text).contains("pelaku masih di tempat"));
}

#[test]
fn hearing_nothing_any_more_is_not_a_presence() {
    let suggestion =
        suggest("idak kedengeran apo-apo lagi dari gudang, wongnyo sudah pergi kemaren");
    assert!(!suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn a_thief_doing_something_now_is_there_now() {
    let text = "maling lagi ngangkut tabung gas dari dapur tetangga";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(reasons_of(text).contains("maling lagi"));
}

#[test]
fn a_pole_fallen_across_the_road_is_a_hazard_to_people() {
    let text = "tiang telpon rebah ke jalan raya depan sekolah, kabelnyo melintang";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(reasons_of(text).contains("bahaya di jalan"));
}

#[test]
fn a_girl_being_taken_away_is_in_danger_now() {
    let suggestion = suggest("gadis 13 taun dibawak duo lanang naek mobil, di simpang pasar");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn an_age_told_with_sekitar_is_not_a_time_long_past() {
    let text = "anak perempuan sekitar 16 tahun dipaksa naik motor orang asing di depan sekolah";
    assert!(
        !reasons_of(text).contains("sudah lewat"),
        "{}",
        reasons_of(text)
    );
    assert!(suggest(text).urgent);
}

#[test]
fn the_owners_stolen_motorbike_is_not_a_person_taken() {
    let text = "motor adik saya dibawa kabur maling minggu lalu";
    assert!(
        !reasons_of(text).contains("adik … dibawa"),
        "{}",
        reasons_of(text)
    );
}

#[test]
fn shooting_told_as_a_verb_is_a_weapon() {
    let text = "ado wong nembak ke arah penonton orgen tunggal";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(reasons_of(text).contains("senjata"));
}

#[test]
fn a_riot_is_group_violence() {
    let text = "kerusuhan di depan kantor bupati, massa lempar botol ke petugas";
    assert!(
        reasons_of(text).contains("kekerasan kelompok"),
        "{}",
        reasons_of(text)
    );
    assert!(suggest(text).urgent);
}

#[test]
fn a_thief_caught_by_the_crowd_is_not_over() {
    let text = "maling la ditangkep warga di pasar, kini dipukuli rame-rame";
    let suggestion = suggest(text);
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
    assert!(!reasons_of(text).contains("sudah aman"));
}

#[test]
fn besemah_still_and_carry_keep_men_lying_in_wait_present() {
    let suggestion = suggest("jeme gi nunggu di simpang dusun bawe parang");
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}

#[test]
fn a_stranger_inside_the_house_is_a_break_in_not_a_suspicious_person() {
    let suggestion = suggest("wong asing masuk lewat jendela rumah nenek, dio masih di dalem");
    assert_eq!(suggestion.category.as_deref(), Some("pencurian"));
    assert!(suggestion.urgent, "{:?}", suggestion.reasons);
}
