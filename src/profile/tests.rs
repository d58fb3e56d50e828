//! Loading the built-in profile and a folder, and the config file's reply overrides.

use super::*;

#[test]
fn the_built_in_sumsel_profile_loads_whole() {
    let profile = Profile::load("sumsel").unwrap();
    assert_eq!(profile.units.len(), 194);
    assert_eq!(profile.categories.len(), 38);
    assert_eq!(profile.samples.len(), 300);
    assert!(profile.replies.new_report.contains("110"));
    assert_eq!(
        profile
            .units
            .iter()
            .filter(|unit| unit.parent.is_none())
            .count(),
        1
    );
    // Unit records take the profile's codes as they are: every one must be well formed.
    for unit in &profile.units {
        let code = crate::domain::ids::UnitCode::parse(&unit.code);
        assert!(code.is_ok(), "{}: {code:?}", unit.code);
    }
}

#[test]
fn the_built_in_gazetteer_loads_with_its_extra_places() {
    let profile = Profile::load("sumsel").unwrap();
    assert_eq!(profile.gazetteer.kabkota.len(), 17);
    let kecamatan_count: usize = profile
        .gazetteer
        .kabkota
        .iter()
        .map(|kabkota| kabkota.kecamatan.len())
        .sum();
    assert_eq!(kecamatan_count, 241);
    assert!(profile.gazetteer.places.len() > 50);
    let pencurian = profile
        .categories
        .iter()
        .find(|category| category.code == "pencurian")
        .unwrap();
    assert_eq!(pencurian.priority, 2);
    assert!(!pencurian.urgent_default);
}

#[test]
fn a_profile_folder_without_place_files_loads_with_an_empty_gazetteer() {
    let folder = tempfile::tempdir().unwrap();
    for (file, text) in [
        ("units.json", SUMSEL_UNITS),
        ("categories.json", SUMSEL_CATEGORIES),
        ("replies.toml", SUMSEL_REPLIES),
    ] {
        std::fs::write(folder.path().join(file), text).unwrap();
    }
    let profile = Profile::load(folder.path().to_str().unwrap()).unwrap();
    assert!(profile.gazetteer.kabkota.is_empty());
    std::fs::write(folder.path().join("gazetteer.json"), SUMSEL_GAZETTEER).unwrap();
    let profile = Profile::load(folder.path().to_str().unwrap()).unwrap();
    assert_eq!(profile.gazetteer.kabkota.len(), 17);
}

#[test]
fn overrides_replace_only_what_they_name() {
    let profile = Profile::load("sumsel").unwrap();
    let overrides = ReplyOverrides {
        follow_up_ack: Some("ok {ticket}".into()),
        ..Default::default()
    };
    let replies = profile.replies.clone().with_overrides(&overrides);
    assert_eq!(replies.follow_up_ack, "ok {ticket}");
    assert_eq!(replies.new_report, profile.replies.new_report);
}
