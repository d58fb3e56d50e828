//! The unit directory: seeded once from the profile, then administered by admins.

use super::*;
use crate::domain::unit::UnitKind;

#[tokio::test]
async fn the_directory_is_seeded_from_the_profile_once_and_reloaded_after() {
    let fixture = fixture();
    assert_eq!(fixture.store.units().count(), 194);
    let tree = fixture.workflow.units().tree();
    assert_eq!(tree.len(), 194);
    assert_eq!(tree.roots()[0].code, "POLDA_SUMSEL");

    fixture
        .workflow
        .rename_unit(&admin(), POLRES_OKI, "Polres OKI (Kayuagung)".into())
        .await
        .unwrap();
    let profile = Profile::load("sumsel").unwrap();
    let reloaded = UnitDirectory::load_or_seed(&fixture.store, &profile).unwrap();
    assert_eq!(
        reloaded.tree().get(POLRES_OKI).unwrap().name,
        "Polres OKI (Kayuagung)",
        "the store wins over the profile"
    );
    assert_eq!(reloaded.tree().len(), 194);
}

#[tokio::test]
async fn an_admin_adds_a_unit_below_an_existing_one() {
    let fixture = fixture();
    let added = fixture
        .workflow
        .add_unit(
            &admin(),
            unit("POLSUBSEKTOR_TALANG"),
            " Polsubsektor Talang ".into(),
            UnitKind::Territorial,
            unit(POLSEK_ILIR_BARAT_I),
        )
        .await
        .unwrap();
    assert_eq!(added.name, "Polsubsektor Talang");
    assert!(added.active);
    let tree = fixture.workflow.units().tree();
    assert_eq!(tree.get("POLSUBSEKTOR_TALANG"), Some(&added));
    assert!(
        tree.children(POLSEK_ILIR_BARAT_I)
            .iter()
            .any(|unit| unit.code == "POLSUBSEKTOR_TALANG")
    );
    assert!(tree.is_within("POLSUBSEKTOR_TALANG", POLRESTABES));
    let stored: crate::domain::unit::UnitRecord = fixture
        .store
        .units()
        .get("POLSUBSEKTOR_TALANG")
        .unwrap()
        .unwrap();
    assert_eq!(stored, added);

    // Reports forwarded to it are seen by the Polres above it.
    let report = fixture.forwarded_report("POLSUBSEKTOR_TALANG").await;
    assert!(
        fixture
            .workflow
            .report(&officer(POLRESTABES), report.id)
            .is_ok()
    );
}

#[tokio::test]
async fn adding_a_unit_refuses_bad_codes_duplicates_unknown_parents_and_non_admins() {
    let fixture = fixture();
    let add = |who: Principal, code: &str, parent: &str| {
        let workflow = fixture.workflow.clone();
        let (code, parent) = (unit(code), unit(parent));
        async move {
            workflow
                .add_unit(&who, code, "Unit Uji".into(), UnitKind::Functional, parent)
                .await
        }
    };
    // A malformed code never becomes a `UnitCode` (the GraphQL door answers BAD_USER_INPUT).
    for bad_code in [
        "x",
        "lower_case",
        "WITH SPACE",
        "DASH-ED",
        &"A".repeat(41),
        "",
    ] {
        assert!(UnitCode::parse(bad_code).is_err(), "{bad_code:?}");
    }
    assert_refused(
        add(admin(), "BIDPROPAM", "POLDA_SUMSEL").await,
        ErrorCode::Conflict,
    );
    assert_refused(
        add(admin(), "SUBBID_BARU", "POLDA_MARS").await,
        ErrorCode::BadUserInput,
    );
    for who in [supervisor(), operator(), officer(POLRESTABES), analyst()] {
        assert_refused(
            add(who, "SUBBID_BARU", "POLDA_SUMSEL").await,
            ErrorCode::Forbidden,
        );
    }
    assert_eq!(fixture.store.units().count(), 194, "nothing was added");
    let blank_name = fixture
        .workflow
        .add_unit(
            &admin(),
            unit("SUBBID_BARU"),
            "  ".into(),
            UnitKind::Functional,
            unit("POLDA_SUMSEL"),
        )
        .await;
    assert_refused(blank_name, ErrorCode::BadUserInput);
    assert!(add(admin(), "SUBBID_BARU", "POLDA_SUMSEL").await.is_ok());
}

#[tokio::test]
async fn an_inactive_unit_takes_no_new_reports_until_it_is_active_again() {
    let fixture = fixture();
    let deactivated = fixture
        .workflow
        .set_unit_active(&admin(), POLRES_OKI, false)
        .await
        .unwrap();
    assert!(!deactivated.active);
    assert!(
        !fixture
            .workflow
            .units()
            .tree()
            .get(POLRES_OKI)
            .unwrap()
            .active
    );
    let report = fixture.new_report();
    let before = fixture.snapshot(report.id);
    let error = assert_refused(
        fixture
            .workflow
            .forward(&operator(), report.id, &unit(POLRES_OKI), None)
            .await,
        ErrorCode::BadUserInput,
    );
    assert!(error.message.contains("inactive"), "{}", error.message);
    assert_eq!(fixture.snapshot(report.id), before);

    fixture
        .workflow
        .set_unit_active(&admin(), POLRES_OKI, true)
        .await
        .unwrap();
    assert!(
        fixture
            .workflow
            .forward(&operator(), report.id, &unit(POLRES_OKI), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn renaming_checks_the_unit_the_name_and_the_role() {
    let fixture = fixture();
    assert_refused(
        fixture
            .workflow
            .rename_unit(&admin(), "POLRES_ATLANTIS", "X".into())
            .await,
        ErrorCode::NotFound,
    );
    assert_refused(
        fixture
            .workflow
            .rename_unit(&admin(), POLRES_OKI, " ".into())
            .await,
        ErrorCode::BadUserInput,
    );
    assert_refused(
        fixture
            .workflow
            .rename_unit(&supervisor(), POLRES_OKI, "X".into())
            .await,
        ErrorCode::Forbidden,
    );
    assert_refused(
        fixture
            .workflow
            .set_unit_active(&operator(), POLRES_OKI, false)
            .await,
        ErrorCode::Forbidden,
    );
    assert_refused(
        fixture
            .workflow
            .set_unit_active(&admin(), "POLRES_ATLANTIS", false)
            .await,
        ErrorCode::NotFound,
    );
    let renamed = fixture
        .workflow
        .rename_unit(
            &admin(),
            POLRES_OKI,
            "Polres Ogan Komering Ilir (baru)".into(),
        )
        .await
        .unwrap();
    assert_eq!(
        fixture.workflow.units().tree().get(POLRES_OKI),
        Some(&renamed)
    );

    // The new name is what the citizen is told.
    let report = fixture.new_report();
    fixture
        .workflow
        .forward(&operator(), report.id, &unit(POLRES_OKI), None)
        .await
        .unwrap();
    let notice = fixture.messages(report.id).pop().unwrap();
    assert!(notice.text().unwrap().contains("(baru)"), "{notice:#?}");
}

#[tokio::test]
async fn an_unknown_unit_is_bad_input_for_forward() {
    let fixture = fixture();
    let report = fixture.new_report();
    let before = fixture.snapshot(report.id);
    assert_refused(
        fixture
            .workflow
            .forward(&operator(), report.id, &unit("POLRES_ATLANTIS"), None)
            .await,
        ErrorCode::BadUserInput,
    );
    assert_eq!(fixture.snapshot(report.id), before);
}
