//! Each routing rule with Indonesian examples written for these tests (not the dev corpus), the
//! location mapping and the refusals on ambiguous places.

use std::sync::LazyLock;

use super::*;

pub(super) static ROUTER: LazyLock<Router> = LazyLock::new(|| {
    let profile = Profile::load("sumsel").expect("the built-in profile loads");
    Router::new(&profile, Analyzer::sumsel())
});

pub(super) fn suggest(text: &str) -> Suggestion {
    ROUTER.suggest(&[text], None)
}

fn category_of(text: &str) -> String {
    suggest(text).category.unwrap_or_default()
}

pub(super) fn kabupaten_of(suggestion: &Suggestion) -> Option<&str> {
    suggestion
        .place
        .as_ref()
        .map(|place| place.kabupaten.as_str())
}

pub(super) fn kecamatan_of(suggestion: &Suggestion) -> Option<&str> {
    suggestion
        .place
        .as_ref()
        .and_then(|place| place.kecamatan.as_deref())
}

#[test]
fn the_router_can_be_shared_between_workers() {
    fn assert_shareable<T: Clone + Send + Sync>() {}
    assert_shareable::<Router>();
}

#[test]
fn a_stolen_motorbike_is_curanmor_not_pencurian() {
    assert_eq!(
        category_of("motor saya dicuri orang di depan warung tadi siang"),
        "curanmor"
    );
}

#[test]
fn a_vehicle_that_went_missing_is_curanmor() {
    assert_eq!(
        category_of("mobil sy ilang dari garasi rumah pas ditinggal mudik"),
        "curanmor"
    );
}

#[test]
fn lost_documents_without_theft_words_ask_for_a_loss_letter() {
    let suggestion = suggest("ktp sama kartu atm saya hilang di pasar, butuh surat buat ke bank");
    assert_eq!(suggestion.category.as_deref(), Some("surat_kehilangan"));
    assert!(!suggestion.urgent);
}

#[test]
fn a_stolen_phone_is_pencurian() {
    assert_eq!(
        category_of("hp saya dimaling waktu sholat di masjid"),
        "pencurian"
    );
}

#[test]
fn theft_words_win_over_hilang() {
    assert_eq!(
        category_of("laptop kantor hilang, ternyata dicuri orang yang ngaku teknisi"),
        "pencurian"
    );
}

#[test]
fn a_forwarded_chain_message_is_spam() {
    let suggestion =
        suggest("AWAS!!! penculik pakai mobil hitam keliling kampung, sebarkan ke semua grup!!");
    assert_eq!(suggestion.category.as_deref(), Some("spam"));
    assert!(!suggestion.urgent);
}

#[test]
fn asking_whether_a_hoax_is_true_is_kejahatan_siber() {
    assert_eq!(
        category_of("pak apa benar besok ada penculikan massal? di grup wa beredar pesan begitu"),
        "kejahatan_siber"
    );
}

#[test]
fn a_request_to_share_a_missing_child_stays_a_missing_person() {
    let suggestion =
        suggest("mohon bantu sebarkan, anak saya umur 8 tahun belum pulang sejak sore");
    assert_eq!(suggestion.category.as_deref(), Some("orang_hilang"));
    assert!(suggestion.urgent);
}

#[test]
fn a_body_in_the_river_is_penemuan_mayat() {
    let suggestion = suggest("ada mayat mengapung di sungai dekat dermaga, warga rame");
    assert_eq!(suggestion.category.as_deref(), Some("penemuan_mayat"));
    assert!(suggestion.urgent);
}

#[test]
fn a_drowning_is_kejadian_perairan() {
    let suggestion = suggest("anak tenggelam di sungai barusan, warga masih mencari");
    assert_eq!(suggestion.category.as_deref(), Some("kejadian_perairan"));
    assert!(suggestion.urgent);
}

#[test]
fn payment_demanded_at_a_police_service_is_pungli() {
    assert_eq!(
        category_of("urus skck di polres disuruh bayar 150rb biar cepat, resminya kan gratis"),
        "pungli_oknum"
    );
}

#[test]
fn asking_the_fee_of_a_service_is_a_service_question() {
    assert_eq!(
        category_of("biaya bikin skck berapa ya pak?"),
        "layanan_skck"
    );
}

#[test]
fn someone_pretending_to_be_police_is_a_fraud() {
    assert_eq!(
        category_of("ada yang ngaku polisi telpon minta uang 5 juta biar anak saya dilepas"),
        "penipuan_online"
    );
}

#[test]
fn a_complaint_about_a_stalled_report_is_lambat_penanganan() {
    assert_eq!(
        category_of(
            "sudah lapor penipuan ke polres 4 bulan, sampai sekarang mandek tidak ada kabar"
        ),
        "lambat_penanganan"
    );
}

#[test]
fn a_plain_status_question_stays_with_the_crime() {
    assert_eq!(
        category_of(
            "saya korban jambret bulan lalu, belum ada kabar, apa sudah ada perkembangan pak?"
        ),
        "jambret"
    );
}

#[test]
fn a_greeting_alone_is_sapaan() {
    assert_eq!(category_of("selamat siang pak"), "sapaan");
    assert_eq!(category_of("halo min"), "sapaan");
}

#[test]
fn thanks_for_a_solved_problem_is_terima_kasih() {
    assert_eq!(
        category_of("makasih pak, anak2 yang balapan liar sudah bubar semua"),
        "terima_kasih"
    );
}

#[test]
fn a_report_ending_with_thanks_keeps_its_category() {
    assert_eq!(
        category_of("rumah tetangga kemalingan tadi subuh, tv sama emas dibawa. terima kasih"),
        "pencurian"
    );
}

#[test]
fn negated_harm_is_neither_evidence_nor_urgency() {
    let suggestion = suggest("truk mogok di tengah jalan, macet panjang, tidak ada korban");
    assert_eq!(suggestion.category.as_deref(), Some("kemacetan"));
    assert!(!suggestion.urgent);
}

#[test]
fn all_texts_of_a_report_are_read_together() {
    let suggestion = ROUTER.suggest(
        &[
            "halo pak",
            "mau lapor",
            "motor adik saya dibegal di jalan sepi, dia luka",
        ],
        None,
    );
    assert_eq!(suggestion.category.as_deref(), Some("begal_perampokan"));
}

#[test]
fn a_clear_case_is_more_confident_than_a_vague_one() {
    let clear = suggest("rumah saya dibobol maling, brankas dicongkel");
    let vague = suggest("pak ada info");
    assert!(clear.confidence > vague.confidence);
    assert!((0.0..=1.0).contains(&clear.confidence));
}

#[test]
fn reasons_name_the_words_that_decided() {
    let suggestion = suggest("tolong pak saya dijambret di depan pasar, kalung ditarik");
    assert!(
        suggestion
            .reasons
            .iter()
            .any(|reason| reason.contains("→ jambret"))
    );
}

#[test]
fn an_empty_report_suggests_nothing() {
    let suggestion = ROUTER.suggest(&[], None);
    assert_eq!(suggestion.category, None);
    assert_eq!(suggestion.confidence, 0.0);
    assert!(!suggestion.urgent);
    assert_eq!(suggestion.place, None);
}

#[test]
fn a_robbery_in_progress_is_urgent() {
    assert!(suggest("tolong pak rumah saya lagi dirampok sekarang").urgent);
}

#[test]
fn a_robbery_last_week_is_not_urgent() {
    assert!(!suggest("minggu lalu saya dibegal, mau tanya sudah sampai mana").urgent);
}

#[test]
fn a_fire_is_urgent() {
    assert!(suggest("gudang di belakang pasar terbakar, apinya makin besar").urgent);
}

#[test]
fn a_missing_small_child_is_urgent() {
    assert!(suggest("anak saya umur 5 tahun hilang di mall dari tadi, pakai baju biru").urgent);
}

#[test]
fn a_drug_tip_is_not_urgent() {
    assert!(!suggest("di lorong belakang rumah sering ada transaksi sabu tiap malam").urgent);
}

#[test]
fn a_service_question_is_never_urgent() {
    assert!(!suggest("tolong pak perpanjang sim bisa online sekarang?").urgent);
}

#[test]
fn noise_without_harm_is_not_urgent() {
    assert!(!suggest("orgen tunggal sebelah rumah masih bunyi sampai sekarang, berisik").urgent);
}

#[test]
fn a_bare_report_word_is_never_a_complaint_about_the_police_by_the_models_alone() {
    // A complaint about the police's service compartments the report away from the
    // operators, so the learned models' guess alone must not make one: the first message of
    // many citizens is only "lapor".
    for text in ["lapor", "lapor pak", "mau lapor"] {
        let suggestion = suggest(text);
        let category = suggestion.category.as_deref().unwrap_or("");
        assert!(
            !["pungli_oknum", "perilaku_anggota", "lambat_penanganan"].contains(&category),
            "{text:?} → {category}: {:?}",
            suggestion.reasons
        );
    }
    // Named, the complaint is still heard.
    let named = suggest("sudah 2 bulan lapor ke polsek belum ada tindak lanjut, lambat sekali");
    assert_eq!(
        named.category.as_deref(),
        Some("lambat_penanganan"),
        "{:?}",
        named.reasons
    );
}
