//! The status table end to end: every (from, to) pair through the real workflow.

use super::*;
use crate::domain::ids::ReportId;
use crate::domain::report::ReportStatus::{self, *};
use crate::domain::timeline::TimelineKind;

/// Brings a fresh report to `status` through legal moves only.
async fn report_in(fixture: &Fixture, status: ReportStatus) -> Report {
    let workflow = &fixture.workflow;
    let who = operator();
    let report = fixture.new_report();
    let path: &[ReportStatus] = match status {
        New => &[],
        Triaged => &[Triaged],
        Forwarded => &[Forwarded],
        InProgress => &[Forwarded, InProgress],
        AwaitingReporter => &[Forwarded, AwaitingReporter],
        Resolved => &[Forwarded, InProgress, Resolved],
        Closed => &[Forwarded, InProgress, Resolved, Closed],
        Rejected => &[Rejected],
        Duplicate => &[Duplicate],
        Spam => &[Spam],
    };
    for &step in path {
        if step == Forwarded {
            workflow
                .forward(&who, report.id, &unit(POLRES_OKI), None)
                .await
                .unwrap();
        } else {
            workflow
                .set_status(&who, report.id, step, None)
                .await
                .unwrap();
        }
    }
    let report = fixture.stored_report(report.id);
    assert_eq!(report.status, status);
    report
}

/// A status move as an operator: FORWARDED by forwarding to another unit, the rest directly.
async fn try_move(
    fixture: &Fixture,
    report: &Report,
    to: ReportStatus,
) -> Result<Report, UserError> {
    if to == Forwarded {
        return fixture
            .workflow
            .forward(
                &operator(),
                report.id,
                &unit("POLRES_OKU"),
                Some("dipindahkan".into()),
            )
            .await;
    }
    fixture
        .workflow
        .set_status(&operator(), report.id, to, Some("catatan".into()))
        .await
}

#[tokio::test]
async fn every_status_move_succeeds_exactly_when_the_table_allows_it() {
    let fixture = fixture();
    for from in ReportStatus::ALL {
        for to in ReportStatus::ALL {
            let report = report_in(&fixture, from).await;
            let before = fixture.snapshot(report.id);
            let allowed = from.can_move_to(to, report.resume_status);
            let result = try_move(&fixture, &report, to).await;
            if !allowed {
                let error = assert_refused(result, ErrorCode::Conflict);
                assert!(
                    error.message.contains(from.as_str()) && error.message.contains(to.as_str()),
                    "{from} -> {to}: {}",
                    error.message
                );
                assert_eq!(
                    fixture.snapshot(report.id),
                    before,
                    "{from} -> {to} changed something"
                );
                continue;
            }
            let moved = result.unwrap_or_else(|error| panic!("{from} -> {to}: {error}"));
            assert_eq!(moved.status, to, "{from} -> {to}");
            assert_eq!(fixture.stored_report(report.id), moved);
            let new_events = &fixture.timeline(report.id)[before.1.len()..];
            let recorded = new_events.iter().any(|event| {
                event.actor == operator().actor()
                    && matches!(
                        event.kind,
                        TimelineKind::StatusChanged | TimelineKind::Forwarded
                    )
                    && event.note.as_deref().is_some_and(|note| {
                        note.contains(to.as_str()) || note.contains("POLRES_OKU")
                    })
            });
            assert!(recorded, "{from} -> {to}: {new_events:#?}");
        }
    }
}

#[tokio::test]
async fn awaiting_reporter_returns_only_where_it_came_from() {
    let fixture = fixture();
    let who = operator();
    let report = report_in(&fixture, InProgress).await;
    let waiting = fixture
        .workflow
        .set_status(&who, report.id, AwaitingReporter, Some("minta foto".into()))
        .await
        .unwrap();
    assert_eq!(waiting.resume_status, Some(InProgress));
    for elsewhere in [Resolved, Triaged, Closed] {
        let error = assert_refused(
            fixture
                .workflow
                .set_status(&who, report.id, elsewhere, None)
                .await,
            ErrorCode::Conflict,
        );
        assert!(
            error.message.contains("returns only to IN_PROGRESS"),
            "{}",
            error.message
        );
    }
    let back = fixture
        .workflow
        .set_status(&who, report.id, InProgress, None)
        .await
        .unwrap();
    assert_eq!(back.status, InProgress);
    assert_eq!(back.resume_status, None);
}

#[tokio::test]
async fn the_reporter_answering_brings_an_awaiting_report_back() {
    let fixture = fixture();
    let phone = fixture.new_phone();
    let report = fixture.citizen_writes(&phone, "ada begal di jalan");
    fixture
        .workflow
        .forward(&operator(), report.id, &unit(POLRES_OKI), None)
        .await
        .unwrap();
    fixture
        .workflow
        .set_status(&operator(), report.id, AwaitingReporter, None)
        .await
        .unwrap();
    let answered = fixture.citizen_writes(&phone, "lokasinya dekat pasar");
    assert_eq!(answered.id, report.id);
    assert_eq!(answered.status, Forwarded);
    assert_eq!(answered.resume_status, None);
}

#[tokio::test]
async fn forwarded_by_status_change_without_a_unit_is_bad_input() {
    let fixture = fixture();
    let report = fixture.new_report();
    let before = fixture.snapshot(report.id);
    let error = assert_refused(
        fixture
            .workflow
            .set_status(&operator(), report.id, Forwarded, None)
            .await,
        ErrorCode::BadUserInput,
    );
    assert!(error.message.contains("forward"), "{}", error.message);
    assert_eq!(fixture.snapshot(report.id), before);
}

#[tokio::test]
async fn triage_sets_fields_moves_new_to_triaged_and_later_only_updates() {
    let fixture = fixture();
    let who = operator();
    let report = fixture.new_report();
    let triaged = fixture
        .workflow
        .triage(
            &who,
            report.id,
            Some("curanmor".into()),
            Some(crate::domain::report::Priority::High),
            Some("motor hilang".into()),
        )
        .await
        .unwrap();
    assert_eq!(triaged.status, Triaged);
    assert_eq!(triaged.category.as_deref(), Some("curanmor"));
    assert_eq!(triaged.summary.as_deref(), Some("motor hilang"));
    let kinds: Vec<TimelineKind> = fixture
        .timeline(report.id)
        .iter()
        .map(|event| event.kind)
        .collect();
    assert!(
        kinds.ends_with(&[TimelineKind::Triaged, TimelineKind::StatusChanged]),
        "{kinds:?}"
    );

    let forwarded = fixture
        .workflow
        .forward(&who, report.id, &unit(POLRES_OKI), None)
        .await
        .unwrap();
    let retriaged = fixture
        .workflow
        .triage(
            &who,
            report.id,
            None,
            Some(crate::domain::report::Priority::Urgent),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        retriaged.status, forwarded.status,
        "no status change after TRIAGED"
    );
    assert_eq!(
        retriaged.priority,
        Some(crate::domain::report::Priority::Urgent)
    );
    let last = fixture.timeline(report.id).pop().unwrap();
    assert_eq!(last.kind, TimelineKind::Triaged);
    assert_eq!(last.note.as_deref(), Some("priority HIGH -> URGENT"));

    let length = fixture.timeline(report.id).len();
    fixture
        .workflow
        .triage(
            &who,
            report.id,
            None,
            Some(crate::domain::report::Priority::Urgent),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        fixture.timeline(report.id).len(),
        length,
        "a repeated triage records nothing"
    );
}

#[tokio::test]
async fn triage_refuses_unknown_categories_and_final_reports() {
    let fixture = fixture();
    let who = operator();
    let report = fixture.new_report();
    let before = fixture.snapshot(report.id);
    assert_refused(
        fixture
            .workflow
            .triage(&who, report.id, Some("alien".into()), None, None)
            .await,
        ErrorCode::BadUserInput,
    );
    assert_eq!(fixture.snapshot(report.id), before);
    let spam = report_in(&fixture, Spam).await;
    let before = fixture.snapshot(spam.id);
    let error = assert_refused(
        fixture
            .workflow
            .triage(&who, spam.id, Some("spam".into()), None, None)
            .await,
        ErrorCode::Conflict,
    );
    assert!(error.message.contains("final"), "{}", error.message);
    assert_eq!(fixture.snapshot(spam.id), before);
    assert_refused(
        fixture
            .workflow
            .triage(&who, ReportId::new(999_999), None, None, None)
            .await,
        ErrorCode::NotFound,
    );
}
