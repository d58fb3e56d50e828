//! Officers see their unit subtree; Propam complaints stay in their compartment.

use super::*;
use crate::domain::ids::ReportId;
use crate::workflow::ReportFilter;

#[tokio::test]
async fn a_polsek_officer_does_not_see_a_report_of_a_sibling_polsek_and_its_polres_sees_both() {
    let fixture = fixture();
    let to_first = fixture.forwarded_report(POLSEK_ILIR_BARAT_I).await;
    let to_sibling = fixture.forwarded_report(POLSEK_ILIR_BARAT_II).await;
    let unassigned = fixture.new_report();
    let polsek = officer(POLSEK_ILIR_BARAT_I);
    let polres = officer(POLRESTABES);
    let workflow = &fixture.workflow;

    assert_eq!(
        workflow.report(&polsek, to_first.id).unwrap().id,
        to_first.id
    );
    assert_refused(
        workflow.report(&polsek, to_sibling.id),
        ErrorCode::Forbidden,
    );
    assert_refused(
        workflow.report_by_ticket(&polsek, &to_sibling.ticket),
        ErrorCode::Forbidden,
    );
    assert_refused(
        workflow.report(&polsek, unassigned.id),
        ErrorCode::Forbidden,
    );
    assert_refused(
        workflow.report(&polsek, ReportId::new(424_242)),
        ErrorCode::NotFound,
    );
    let before = fixture.snapshot(to_sibling.id);
    assert_refused(
        workflow
            .add_note(&polsek, to_sibling.id, "bukan wilayah kami".into())
            .await,
        ErrorCode::Forbidden,
    );
    assert_eq!(fixture.snapshot(to_sibling.id), before);

    assert!(workflow.report(&polres, to_first.id).is_ok());
    assert!(workflow.report(&polres, to_sibling.id).is_ok());
    assert!(
        workflow
            .add_note(&polres, to_sibling.id, "dipantau Polres".into())
            .await
            .is_ok()
    );

    let listed = |who: &Principal| -> Vec<ReportId> {
        let page = workflow
            .list_reports(who, &ReportFilter::default(), 50, None)
            .unwrap();
        assert_eq!(page.total_count, page.reports.len());
        page.reports.iter().map(|report| report.id).collect()
    };
    assert_eq!(listed(&polsek), [to_first.id]);
    assert_eq!(listed(&polres), [to_sibling.id, to_first.id]);
    assert_eq!(
        listed(&operator()),
        [unassigned.id, to_sibling.id, to_first.id]
    );
}

#[tokio::test]
async fn an_officer_who_forwards_a_report_away_loses_sight_of_it() {
    let fixture = fixture();
    let report = fixture.forwarded_report(POLSEK_ILIR_BARAT_I).await;
    let polsek = officer(POLSEK_ILIR_BARAT_I);
    let moved = fixture
        .workflow
        .forward(
            &polsek,
            report.id,
            &unit(POLSEK_ILIR_BARAT_II),
            Some("bukan wilayah kami".into()),
        )
        .await
        .unwrap();
    assert_eq!(moved.assigned_unit.as_deref(), Some(POLSEK_ILIR_BARAT_II));
    assert_refused(
        fixture.workflow.report(&polsek, report.id),
        ErrorCode::Forbidden,
    );
}

#[tokio::test]
async fn a_propam_complaint_goes_only_to_propam_and_only_propam_and_the_command_center_see_it() {
    let fixture = fixture();
    let workflow = &fixture.workflow;
    let report = fixture.new_report();
    workflow
        .triage(
            &operator(),
            report.id,
            Some("pungli_oknum".into()),
            None,
            None,
        )
        .await
        .unwrap();

    let before = fixture.snapshot(report.id);
    let error = assert_refused(
        workflow
            .forward(&operator(), report.id, &unit(POLRES_OKI), None)
            .await,
        ErrorCode::Forbidden,
    );
    assert!(error.message.contains("BIDPROPAM"), "{}", error.message);
    assert_eq!(
        fixture.snapshot(report.id),
        before,
        "a refused forward writes nothing"
    );

    workflow
        .forward(&operator(), report.id, &unit("BIDPROPAM"), None)
        .await
        .unwrap();
    assert_refused(workflow.report(&analyst(), report.id), ErrorCode::Forbidden);
    let analyst_page = workflow
        .list_reports(&analyst(), &ReportFilter::default(), 50, None)
        .unwrap();
    assert!(
        analyst_page
            .reports
            .iter()
            .all(|listed| listed.id != report.id)
    );
    assert_eq!(analyst_page.total_count, 0);

    let propam = officer("BIDPROPAM");
    assert!(workflow.report(&propam, report.id).is_ok());
    assert!(
        workflow
            .add_note(&propam, report.id, "diperiksa Propam".into())
            .await
            .is_ok()
    );
    assert_refused(
        workflow.report(&officer("POLDA_SUMSEL"), report.id),
        ErrorCode::Forbidden,
    );
    assert!(workflow.report(&supervisor(), report.id).is_ok());

    // Propam may not hand it to the unit complained about either.
    assert_refused(
        workflow
            .forward(&propam, report.id, &unit(POLSEK_ILIR_BARAT_I), None)
            .await,
        ErrorCode::Forbidden,
    );
    assert!(
        workflow
            .forward(&propam, report.id, &unit("ITWASDA"), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn recategorising_a_forwarded_report_as_propam_takes_it_from_the_unit() {
    let fixture = fixture();
    let report = fixture.forwarded_report(POLRESTABES).await;
    let polres = officer(POLRESTABES);
    assert!(fixture.workflow.report(&polres, report.id).is_ok());
    fixture
        .workflow
        .triage(
            &operator(),
            report.id,
            Some("perilaku_anggota".into()),
            None,
            None,
        )
        .await
        .unwrap();
    assert_refused(
        fixture.workflow.report(&polres, report.id),
        ErrorCode::Forbidden,
    );
    let note = fixture.timeline(report.id).pop().unwrap().note.unwrap();
    assert!(note.contains("forward it to a Propam unit"), "{note}");
}
