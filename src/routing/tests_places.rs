//! Place rules with Indonesian examples written for these tests: names, spellings, ambiguity
//! refusals, shared locations and the territorial unit they give.

use super::tests::{ROUTER, kabupaten_of, kecamatan_of, suggest};
use super::*;

fn approx_point_of(kecamatan_name: &str) -> (f64, f64) {
    let profile = Profile::load("sumsel").expect("the built-in profile loads");
    let point = profile
        .gazetteer
        .kabkota
        .iter()
        .flat_map(|kabkota| &kabkota.kecamatan)
        .find(|kecamatan| kecamatan.name == kecamatan_name)
        .and_then(|kecamatan| kecamatan.approx_point)
        .expect("the kecamatan has a point");
    (point.lat, point.lon)
}

#[test]
fn a_kecamatan_name_gives_its_polsek() {
    let suggestion = suggest("ada maling masuk rumah di Kalidoni");
    assert_eq!(kabupaten_of(&suggestion), Some("Kota Palembang"));
    assert_eq!(kecamatan_of(&suggestion), Some("Kalidoni"));
    assert_eq!(
        suggestion.territorial_unit.as_deref(),
        Some("POLSEK_PLG_KALIDONI")
    );
}

#[test]
fn roman_numerals_may_be_written_as_digits_or_abbreviated() {
    for text in [
        "jambret di ilir barat 1",
        "jambret di IB I",
        "jambret di Ilir Barat Satu",
    ] {
        let suggestion = suggest(text);
        assert_eq!(kecamatan_of(&suggestion), Some("Ilir Barat I"), "{text}");
        assert_eq!(
            suggestion.territorial_unit.as_deref(),
            Some("POLSEK_PLG_ILIR_BARAT_I")
        );
    }
}

#[test]
fn a_missing_space_still_names_the_kecamatan() {
    assert_eq!(
        kecamatan_of(&suggest("maling motor di ilirbarat 2")),
        Some("Ilir Barat II")
    );
}

#[test]
fn a_one_letter_typo_in_a_long_name_is_tolerated() {
    let suggestion = suggest("ada tawuran di sukarame dekat pasar");
    assert_eq!(kecamatan_of(&suggestion), Some("Sukarami"));
}

#[test]
fn a_landmark_names_its_kecamatan() {
    let suggestion = suggest("copet di depan BKB tadi sore");
    assert_eq!(kecamatan_of(&suggestion), Some("Bukit Kecil"));
    assert_eq!(
        suggestion.territorial_unit.as_deref(),
        Some("POLSEK_PLG_ILIR_BARAT_II")
    );
}

#[test]
fn a_kabupaten_alone_goes_to_its_polres() {
    let suggestion = suggest("balap liar tiap malam di Lahat");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Lahat"));
    assert_eq!(kecamatan_of(&suggestion), None);
    assert_eq!(suggestion.territorial_unit.as_deref(), Some("POLRES_LAHAT"));
}

#[test]
fn a_kecamatan_without_a_listed_polsek_falls_back_to_the_polres() {
    let suggestion = suggest("pencurian sawit di Kec. Muara Jaya");
    assert_eq!(kecamatan_of(&suggestion), Some("Muara Jaya"));
    assert_eq!(suggestion.territorial_unit.as_deref(), Some("POLRES_OKU"));
}

#[test]
fn a_name_shared_by_two_kabupaten_needs_a_second_mention() {
    assert_eq!(suggest("ada perampokan di Lawang Kidul").place, None);
    let suggestion = suggest("ada perampokan di Kec. Lawang Kidul");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Muara Enim"));
    let suggestion = suggest("ada perampokan di Kec. Pendopo, Empat Lawang");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Empat Lawang"));
    assert_eq!(
        suggestion.territorial_unit.as_deref(),
        Some("POLSEK_EL_PENDOPO")
    );
    let suggestion = suggest("ada perampokan di Pendopo, PALI");
    assert_eq!(
        kabupaten_of(&suggestion),
        Some("Kabupaten Penukal Abab Lematang Ilir")
    );
}

#[test]
fn a_town_is_preferred_over_a_same_named_kecamatan_elsewhere() {
    let suggestion = suggest("jambret di depan pasar Pendopo tadi pagi");
    assert_eq!(
        kabupaten_of(&suggestion),
        Some("Kabupaten Penukal Abab Lematang Ilir")
    );
    assert_eq!(kecamatan_of(&suggestion), Some("Talang Ubi"));
}

#[test]
fn a_named_kabupaten_decides_a_town_name_it_shares() {
    // Without "Kec.": the kab/kota named beside it wins over the town of another.
    let suggestion = suggest("ada perampokan di Pendopo, Empat Lawang");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Empat Lawang"));
    assert_eq!(kecamatan_of(&suggestion), Some("Pendopo"));
    let suggestion = suggest("maling motor di pasar Pendopo kabupaten Empat Lawang tadi");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Empat Lawang"));
}

#[test]
fn a_village_named_like_a_city_kecamatan_gives_no_place() {
    let suggestion = suggest("sabung ayam di Desa Sukarami tiap minggu");
    assert_eq!(suggestion.place, None);
    assert_eq!(suggestion.territorial_unit, None);
}

#[test]
fn a_village_named_like_a_kecamatan_inside_a_longer_name_is_not_that_kecamatan() {
    assert_eq!(
        suggest("kebun warga Desa Sungai Rambutan terbakar").place,
        None
    );
}

#[test]
fn a_generic_street_name_gives_no_place() {
    let suggestion = suggest("tolong ada begal di jl sudirman");
    assert_eq!(suggestion.place, None);
    assert_eq!(suggestion.territorial_unit, None);
    assert_eq!(
        suggestion.functional_units,
        vec!["DITRESKRIMUM".to_string()]
    );
}

#[test]
fn a_road_between_two_kabupaten_gives_no_place() {
    let suggestion = suggest("kecelakaan di jalan lintas Prabumulih - Baturaja, truk terguling");
    assert_eq!(suggestion.place, None);
    assert!(
        suggestion
            .reasons
            .iter()
            .any(|reason| reason.contains("tidak dipastikan"))
    );
}

#[test]
fn a_direction_alone_gives_no_place() {
    assert_eq!(
        suggest("macet di tol arah Indralaya, ada truk mogok").place,
        None
    );
}

#[test]
fn a_direction_does_not_outvote_the_scene() {
    let suggestion = suggest("toko emas di Tugumulyo dirampok, pelaku kabur ke arah Lubuklinggau");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Musi Rawas"));
}

#[test]
fn another_mention_settles_an_ambiguous_name() {
    let suggestion = suggest("perampokan di Talang Kelapa, Banyuasin");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Banyuasin"));
    assert_eq!(kecamatan_of(&suggestion), Some("Talang Kelapa"));
    assert_eq!(suggest("perampokan di Perumnas Talang Kelapa").place, None);
}

#[test]
fn the_police_headquarters_is_not_a_place_of_the_incident() {
    assert_eq!(
        suggest("perpanjang skck bisa langsung di polda?").place,
        None
    );
}

#[test]
fn a_shared_location_maps_to_the_nearest_kecamatan() {
    let (lat, lon) = approx_point_of("Plaju");
    let suggestion = ROUTER.suggest(&["ada kebakaran rumah, tolong"], Some((lat + 0.002, lon)));
    assert_eq!(kabupaten_of(&suggestion), Some("Kota Palembang"));
    assert_eq!(kecamatan_of(&suggestion), Some("Plaju"));
    assert_eq!(
        suggestion.territorial_unit.as_deref(),
        Some("POLSEK_PLG_PLAJU")
    );
    let place = suggestion.place.expect("a place");
    assert_eq!(place.latitude, Some(lat + 0.002));
    assert_eq!(place.matched_text, None);
}

#[test]
fn a_location_outside_the_province_gives_no_place() {
    assert_eq!(
        ROUTER.suggest(&["kebakaran"], Some((-6.2, 106.8))).place,
        None
    );
    assert_eq!(
        ROUTER
            .suggest(&["kebakaran"], Some((f64::NAN, 104.7)))
            .place,
        None
    );
}

#[test]
fn a_location_far_from_every_kecamatan_point_gives_the_kabupaten() {
    let profile = Profile::load("sumsel").expect("the built-in profile loads");
    let oki = profile
        .gazetteer
        .kabkota
        .iter()
        .find(|kabkota| kabkota.short == "OKI")
        .expect("OKI");
    let seat = oki.seat_point.expect("a seat point");
    let located =
        resolve::locate_point(&ROUTER.inner.places, seat.lat, seat.lon).expect("inside the boxes");
    assert!(located.kab < profile.gazetteer.kabkota.len());
}

#[test]
fn a_named_place_wins_over_a_location_that_disagrees() {
    let (lat, lon) = approx_point_of("Kemuning");
    let suggestion = ROUTER.suggest(&["jambret di pasar Kayuagung barusan"], Some((lat, lon)));
    assert_eq!(
        kabupaten_of(&suggestion),
        Some("Kabupaten Ogan Komering Ilir")
    );
    assert!(
        suggestion
            .reasons
            .iter()
            .any(|reason| reason.contains("diabaikan"))
    );
}

#[test]
fn a_location_adds_the_kecamatan_to_a_named_kota() {
    let (lat, lon) = approx_point_of("Kemuning");
    let suggestion = ROUTER.suggest(&["jambret di Palembang barusan"], Some((lat, lon)));
    assert_eq!(kecamatan_of(&suggestion), Some("Kemuning"));
    assert_eq!(
        suggestion.territorial_unit.as_deref(),
        Some("POLSEK_PLG_KEMUNING")
    );
}

#[test]
fn categories_answered_by_the_command_center_get_no_territorial_unit() {
    let suggestion = suggest("halo pak, saya di Plaju");
    assert_eq!(suggestion.category.as_deref(), Some("sapaan"));
    assert_eq!(kabupaten_of(&suggestion), Some("Kota Palembang"));
    assert_eq!(suggestion.territorial_unit, None);
}

#[test]
fn functional_units_come_from_the_category() {
    let suggestion = suggest("ada bandar sabu di kampung kami, Kec. Sako");
    assert_eq!(suggestion.category.as_deref(), Some("narkoba"));
    assert_eq!(
        suggestion.functional_units,
        vec!["DITRESNARKOBA".to_string()]
    );
    assert_eq!(
        suggestion.territorial_unit.as_deref(),
        Some("POLSEK_PLG_SAKO")
    );
}

#[test]
fn kab_kota_names_are_read_as_people_write_them() {
    let cases = [
        ("ada maling di Plg dekat pasar", "Kota Palembang"),
        ("motor hilang di pelembang kemarin", "Kota Palembang"),
        ("begal di Lubuk Linggau tadi malam", "Kota Lubuk Linggau"),
        ("begal di lubuklinggau tadi malam", "Kota Lubuk Linggau"),
        ("tawuran di Linggau", "Kota Lubuk Linggau"),
        (
            "banjir di OKUT sudah sepinggang",
            "Kabupaten Ogan Komering Ulu Timur",
        ),
        (
            "kebakaran lahan di OKU Selatan",
            "Kabupaten Ogan Komering Ulu Selatan",
        ),
        ("sumur minyak ilegal di Muba", "Kabupaten Musi Banyuasin"),
        ("jalan rusak di Banyuasin", "Kabupaten Banyuasin"),
        ("longsor di PALI", "Kabupaten Penukal Abab Lematang Ilir"),
        ("sabung ayam di Muratara", "Kabupaten Musi Rawas Utara"),
        ("laka di Empat Lawang", "Kabupaten Empat Lawang"),
        ("begal di OI dekat tol", "Kabupaten Ogan Ilir"),
        ("judi di Pagar Alam", "Kota Pagar Alam"),
        ("narkoba di Prabumulih", "Kota Prabumulih"),
        ("rumah dibobol di Lahat", "Kabupaten Lahat"),
        ("perampokan di OKI", "Kabupaten Ogan Komering Ilir"),
    ];
    for (text, kabupaten) in cases {
        assert_eq!(kabupaten_of(&suggest(text)), Some(kabupaten), "{text}");
    }
}

#[test]
fn a_kecamatan_named_without_its_kab_kota_finds_both() {
    let suggestion = suggest("ada tawuran pelajar di Tugumulyo sekarang");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Musi Rawas"));
    assert_eq!(kecamatan_of(&suggestion), Some("Tugumulyo"));
}

#[test]
fn a_report_without_a_place_stays_with_the_command_center() {
    let suggestion = suggest("tolong pak ada orang dibacok di depan warung, pelaku masih di sana");
    assert!(suggestion.urgent);
    assert_eq!(suggestion.place, None);
    assert_eq!(suggestion.territorial_unit, None);
}

#[test]
fn a_village_river_or_market_named_after_a_kab_kota_or_kecamatan_is_in_it() {
    for (text, kab) in [
        ("jeme mabuk teghiak di dusun lahat", "Kabupaten Lahat"),
        (
            "ribut di desa okut malam ini",
            "Kabupaten Ogan Komering Ulu Timur",
        ),
        (
            "galian pasir liar di sungai OKI",
            "Kabupaten Ogan Komering Ilir",
        ),
        (
            "perahu terbalik di sungai rawas ilir",
            "Kabupaten Musi Rawas Utara",
        ),
        ("ado yang dibacok di pasar rambutan", "Kabupaten Banyuasin"),
    ] {
        assert_eq!(kabupaten_of(&suggest(text)), Some(kab), "{text}");
    }
    // A village named like a kecamatan of a kota is elsewhere, and any other name after a
    // head word is the tail of an unknown one.
    assert_eq!(kabupaten_of(&suggest("motor ilang di desa sukarami")), None);
    assert_eq!(kabupaten_of(&suggest("ada tawuran di tanjung lahat")), None);
}

#[test]
fn a_polsek_names_its_kecamatan_and_a_polres_its_kab_kota() {
    // Lawang Kidul is a kecamatan of Muara Enim and a kelurahan of Palembang.
    let suggestion = suggest("laporan saya di polsek lawang kidul belum ada kabar");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Muara Enim"));
    assert_eq!(kecamatan_of(&suggestion), Some("Lawang Kidul"));
    assert_eq!(kabupaten_of(&suggest("di lawang kidul ada maling")), None);
}

#[test]
fn palembangs_everyday_places_are_known() {
    for (text, kecamatan) in [
        ("maling masuk rumah di km 5", None),
        ("ribut di 3-4 ulu tadi malam", Some("Seberang Ulu I")),
        ("copet di pasar 10 ulu", Some("Seberang Ulu I")),
        ("motor tabrakan di jalan soekarno hatta", None),
        ("macet parah di jembatan musi IV", None),
    ] {
        let suggestion = suggest(text);
        assert_eq!(kabupaten_of(&suggestion), Some("Kota Palembang"), "{text}");
        assert_eq!(kecamatan_of(&suggestion), kecamatan, "{text}");
    }
}

#[test]
fn landmarks_kelurahan_and_chat_spellings_of_the_eighth_round_are_known() {
    for (text, kabupaten, kecamatan) in [
        (
            "copet di depan masjid cheng ho tadi",
            "Kota Palembang",
            Some("Jakabaring"),
        ),
        (
            "ada yang ribut di parkiran rs myria",
            "Kota Palembang",
            None,
        ),
        ("maling di gudang dekat tugu nanas", "Kota Prabumulih", None),
        ("begal mangkal di bukit sulap", "Kota Lubuk Linggau", None),
        (
            "prbmlh, ada tabrakan di jalan baru",
            "Kota Prabumulih",
            None,
        ),
        (
            "btr, jambret di pasar pagi tadi",
            "Kabupaten Ogan Komering Ulu",
            None,
        ),
        (
            "motor dibawa kabur di kenten laut",
            "Kabupaten Banyuasin",
            Some("Talang Kelapa"),
        ),
        (
            "banjir sepinggang di surulangun",
            "Kabupaten Musi Rawas Utara",
            Some("Rawas Ulu"),
        ),
        (
            "copet di pasar muara enim tadi",
            "Kabupaten Muara Enim",
            Some("Muara Enim"),
        ),
        ("tabrakan di jalan r soekamto", "Kota Palembang", None),
    ] {
        let suggestion = suggest(text);
        assert_eq!(kabupaten_of(&suggestion), Some(kabupaten), "{text}");
        assert_eq!(kecamatan_of(&suggestion), kecamatan, "{text}");
    }
}

#[test]
fn an_everyday_word_names_a_kecamatan_of_the_kab_kota_named_beside_it() {
    let suggestion = suggest("gubuk tempat nyabu di rawa rambutan banyuasin");
    assert_eq!(kabupaten_of(&suggestion), Some("Kabupaten Banyuasin"));
    assert_eq!(kecamatan_of(&suggestion), Some("Rambutan"));
    let suggestion = suggest("di abab PALI ada sumur minyak ilegal");
    assert_eq!(kecamatan_of(&suggestion), Some("Abab"));
    // Alone, the word is a fruit: no place, and no refusal to explain.
    let suggestion = suggest("pedagang rambutan dicopet di angkot");
    assert_eq!(suggestion.place, None);
    assert!(
        !suggestion
            .reasons
            .iter()
            .any(|reason| reason.contains("tidak dipastikan")),
        "{:?}",
        suggestion.reasons
    );
}
