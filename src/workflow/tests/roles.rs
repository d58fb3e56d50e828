//! Roles × actions: each role against each action, allowed (it succeeds) or FORBIDDEN (and
//! nothing is written).

use super::*;
use crate::domain::ids::{MessageId, ReportId};
use crate::domain::report::ReportStatus;
use crate::domain::unit::UnitKind;
use crate::workflow::CallKind;

#[derive(Debug, Clone, Copy)]
enum Act {
    Triage,
    Forward,
    SetInProgress,
    SetAwaitingReporter,
    SetResolved,
    SetClosed,
    SetRejected,
    SetDuplicate,
    SetSpam,
    AddNote,
    Reply,
    RequestLocation,
    RequestCallPermission,
    LogCall,
    Merge,
    ViewMedia,
    AddUnit,
}

/// The expected matrix, in the order admin, supervisor, operator, officer, analyst.
const MATRIX: &[(Act, [bool; 5])] = &[
    (Act::Triage, [false, true, true, false, false]),
    (Act::Forward, [false, true, true, true, false]),
    (Act::SetInProgress, [false, true, true, true, false]),
    (Act::SetAwaitingReporter, [false, true, true, true, false]),
    (Act::SetResolved, [false, true, true, true, false]),
    (Act::SetClosed, [false, true, true, false, false]),
    (Act::SetRejected, [false, true, true, false, false]),
    (Act::SetDuplicate, [false, true, true, false, false]),
    (Act::SetSpam, [false, true, true, false, false]),
    (Act::AddNote, [false, true, true, true, false]),
    (Act::Reply, [false, true, true, true, false]),
    (Act::RequestLocation, [false, true, true, true, false]),
    (Act::RequestCallPermission, [false, true, true, true, false]),
    (Act::LogCall, [false, true, true, true, false]),
    (Act::Merge, [false, true, true, false, false]),
    (Act::ViewMedia, [true, true, true, true, true]),
    (Act::AddUnit, [true, false, false, false, false]),
];

/// The officer works at the Polres every prepared report is forwarded to, so that what an
/// officer is refused is refused by role, not by visibility.
fn actor(role: Role) -> Principal {
    match role {
        Role::Officer => officer(POLRESTABES),
        _ => person(role, None),
    }
}

/// A report in the state the action needs. Officers can see only forwarded reports, so the
/// command center's REJECTED/DUPLICATE/SPAM (allowed only from NEW or TRIAGED) start from NEW
/// and the officer's from FORWARDED, where the role check refuses before the status table.
async fn prepare(fixture: &Fixture, act: Act, role: Role) -> (Report, Option<u64>) {
    let needs_new = matches!(
        act,
        Act::SetRejected | Act::SetDuplicate | Act::SetSpam | Act::Triage
    );
    if needs_new && role != Role::Officer {
        return (fixture.new_report(), None);
    }
    if let Act::ViewMedia = act {
        let (report, message_id) = fixture.new_report_with_stored_photo();
        let report = fixture
            .workflow
            .forward(&operator(), report.id, &unit(POLRESTABES), None)
            .await
            .unwrap();
        return (report, Some(message_id.get()));
    }
    let report = fixture.forwarded_report(POLRESTABES).await;
    if let Act::SetClosed = act {
        let workflow = &fixture.workflow;
        workflow
            .set_status(&operator(), report.id, ReportStatus::Resolved, None)
            .await
            .unwrap();
        return (fixture.stored_report(report.id), None);
    }
    if let Act::Merge = act {
        // A merge joins two reports of one citizen.
        let phone = fixture.new_phone();
        let older = fixture.older_report_of(&phone);
        let newer = fixture.citizen_writes(&phone, "motor saya hilang");
        let mut forwarded = Vec::new();
        for report in [older, newer] {
            let report = fixture
                .workflow
                .forward(&operator(), report.id, &unit(POLRESTABES), None)
                .await
                .unwrap();
            forwarded.push(report);
        }
        let other = forwarded.pop().unwrap();
        return (forwarded.pop().unwrap(), Some(other.id.get()));
    }
    (report, None)
}

async fn perform(
    fixture: &Fixture,
    act: Act,
    who: &Principal,
    report: &Report,
    extra: Option<u64>,
) -> Result<(), UserError> {
    let workflow = &fixture.workflow;
    let id = report.id;
    let status = |status| workflow.set_status(who, id, status, None);
    match act {
        Act::Triage => workflow
            .triage(who, id, Some("curanmor".into()), None, None)
            .await
            .map(drop),
        Act::Forward => workflow
            .forward(who, id, &unit(POLSEK_ILIR_BARAT_I), None)
            .await
            .map(drop),
        Act::SetInProgress => status(ReportStatus::InProgress).await.map(drop),
        Act::SetAwaitingReporter => status(ReportStatus::AwaitingReporter).await.map(drop),
        Act::SetResolved => status(ReportStatus::Resolved).await.map(drop),
        Act::SetClosed => status(ReportStatus::Closed).await.map(drop),
        Act::SetRejected => status(ReportStatus::Rejected).await.map(drop),
        Act::SetDuplicate => status(ReportStatus::Duplicate).await.map(drop),
        Act::SetSpam => status(ReportStatus::Spam).await.map(drop),
        Act::AddNote => workflow
            .add_note(who, id, "sudah dicek".into())
            .await
            .map(drop),
        Act::Reply => workflow
            .reply_to_reporter(who, id, "Baik, kami proses.".into())
            .await
            .map(drop),
        Act::RequestLocation => workflow.request_location(who, id).await.map(drop),
        Act::RequestCallPermission => workflow.request_call_permission(who, id).await.map(drop),
        Act::LogCall => workflow
            .log_call(who, id, CallKind::Phone, "reached".into(), Some(60), None)
            .await
            .map(drop),
        Act::Merge => workflow
            .merge_reports(who, id, ReportId::new(extra.unwrap()))
            .await
            .map(drop),
        Act::ViewMedia => workflow
            .record_media_view(who, MessageId::new(extra.unwrap()))
            .await
            .map(drop),
        Act::AddUnit => {
            let code = format!("POLSUBSEKTOR_{id}");
            workflow
                .add_unit(
                    who,
                    unit(&code),
                    "Polsubsektor Uji".into(),
                    UnitKind::Territorial,
                    unit(POLSEK_ILIR_BARAT_I),
                )
                .await
                .map(drop)
        }
    }
}

#[tokio::test]
async fn each_role_may_take_exactly_the_actions_of_the_matrix() {
    let fixture = fixture();
    let roles = [
        Role::Admin,
        Role::Supervisor,
        Role::Operator,
        Role::Officer,
        Role::Analyst,
    ];
    for &(act, allowed_by_role) in MATRIX {
        for (role, allowed) in roles.into_iter().zip(allowed_by_role) {
            let who = actor(role);
            let (report, extra) = prepare(&fixture, act, role).await;
            let before = fixture.snapshot(report.id);
            let units_before = fixture.store.units().count();
            let result = perform(&fixture, act, &who, &report, extra).await;
            if allowed {
                result.unwrap_or_else(|error| panic!("{act:?} as {}: {error}", role.as_str()));
                continue;
            }
            let error = assert_refused(result, ErrorCode::Forbidden);
            assert!(
                error.message.contains(role.as_str()),
                "{act:?}: {}",
                error.message
            );
            assert_eq!(
                fixture.snapshot(report.id),
                before,
                "{act:?} as {} wrote",
                role.as_str()
            );
            assert_eq!(fixture.store.units().count(), units_before);
        }
    }
}

#[test]
fn the_matrix_in_the_test_is_the_matrix_in_the_code() {
    use crate::workflow::{Action, role_may};
    let roles = [
        Role::Admin,
        Role::Supervisor,
        Role::Operator,
        Role::Officer,
        Role::Analyst,
    ];
    let action_of = |act: Act| match act {
        Act::Triage => Action::Triage,
        Act::Forward => Action::Forward,
        Act::SetInProgress => Action::SetStatus(ReportStatus::InProgress),
        Act::SetAwaitingReporter => Action::SetStatus(ReportStatus::AwaitingReporter),
        Act::SetResolved => Action::SetStatus(ReportStatus::Resolved),
        Act::SetClosed => Action::SetStatus(ReportStatus::Closed),
        Act::SetRejected => Action::SetStatus(ReportStatus::Rejected),
        Act::SetDuplicate => Action::SetStatus(ReportStatus::Duplicate),
        Act::SetSpam => Action::SetStatus(ReportStatus::Spam),
        Act::AddNote => Action::AddNote,
        Act::Reply | Act::RequestLocation | Act::RequestCallPermission => Action::ContactReporter,
        Act::LogCall => Action::LogCall,
        Act::Merge => Action::Merge,
        Act::ViewMedia => Action::ViewMedia,
        Act::AddUnit => Action::AdministerUnits,
    };
    for &(act, allowed_by_role) in MATRIX {
        for (role, allowed) in roles.into_iter().zip(allowed_by_role) {
            assert_eq!(
                role_may(role, action_of(act)),
                allowed,
                "{act:?} {}",
                role.as_str()
            );
        }
    }
}

#[tokio::test]
async fn an_officer_without_a_unit_works_nothing() {
    let fixture = fixture();
    let report = fixture.forwarded_report(POLRESTABES).await;
    let unitless = person(Role::Officer, None);
    assert_refused(
        fixture.workflow.report(&unitless, report.id),
        ErrorCode::Forbidden,
    );
    assert_refused(
        fixture
            .workflow
            .add_note(&unitless, report.id, "x".into())
            .await,
        ErrorCode::Forbidden,
    );
}
