//! Due times, escalation targets and what a clock pass decides.

use super::*;
use crate::domain::report::Priority;
use crate::workflow::{ReportFilter, filter_matches};

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-28T08:00:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
        + Duration::minutes(minutes)
}

fn report(priority: Option<Priority>) -> Report {
    let json = serde_json::json!({
        "id": 9, "ticket": "WA-2026-000009", "status": "NEW", "reporter_id": 1,
        "created_at": at(0), "updated_at": at(0), "last_activity_at": at(0),
        "priority": priority,
    });
    serde_json::from_value(json).expect("a minimal report")
}

#[test]
fn due_now_warns_then_breaches_each_stage_once() {
    let clock = ClockSettings::default();
    let mut report = report(Some(Priority::High));
    assert!(due_now(&report, &clock, at(7)).is_empty());
    assert_eq!(
        due_now(&report, &clock, at(8)),
        vec![Due::Warning(SlaStage::FirstAction)],
        "80% of 10 minutes"
    );
    report.sla.warned.push(SlaStage::FirstAction);
    assert_eq!(
        due_now(&report, &clock, at(25)),
        vec![
            Due::Breach(SlaStage::FirstAction),
            Due::Warning(SlaStage::Forward)
        ],
        "a stage not done in time is breached; the next one is warned at 24 of 30 minutes"
    );
    report.sla.breached.push(SlaStage::FirstAction);
    report.sla.warned.push(SlaStage::Forward);
    assert!(due_now(&report, &clock, at(26)).is_empty());
}

#[test]
fn next_due_at_is_the_first_moment_due_now_finds_anything() {
    let clock = ClockSettings::default();
    let check = |report: &Report| {
        let next = next_due_at(report, &clock).expect("something comes due");
        let just_before = next - Duration::milliseconds(1);
        assert!(due_now(report, &clock, just_before).is_empty(), "{next}");
        assert!(!due_now(report, &clock, next).is_empty(), "{next}");
    };
    let mut report = report(Some(Priority::High));
    check(&report);
    assert_eq!(next_due_at(&report, &clock), Some(at(8)));
    report.sla.warned.push(SlaStage::FirstAction);
    check(&report);
    assert_eq!(next_due_at(&report, &clock), Some(at(10)));
    report.sla.breached.push(SlaStage::FirstAction);
    check(&report);
    report.move_to(ReportStatus::AwaitingReporter, at(11));
    check(&report);
    assert_eq!(next_due_at(&report, &clock), Some(at(11 + 240)));
    report.sla.silent_noticed_at = Some(at(251));
    assert_eq!(
        next_due_at(&report, &clock),
        None,
        "only the reporter can move it now"
    );
}

#[test]
fn a_paused_report_only_comes_due_as_a_silent_reporter() {
    let clock = ClockSettings::default();
    let mut report = report(Some(Priority::Urgent));
    report.move_to(ReportStatus::AwaitingReporter, at(1));
    assert!(due_now(&report, &clock, at(200)).is_empty());
    assert_eq!(
        due_now(&report, &clock, at(1 + 240)),
        vec![Due::SilentReporter]
    );
    report.sla.silent_noticed_at = Some(at(241));
    assert!(due_now(&report, &clock, at(600)).is_empty());
}

#[test]
fn the_overdue_filter_follows_the_clock() {
    let policy = SlaPolicy::default();
    let tree = UnitTree::new(Vec::new());
    let report = report(None);
    let overdue = ReportFilter {
        overdue: Some(true),
        ..ReportFilter::default()
    };
    let on_time = ReportFilter {
        overdue: Some(false),
        ..ReportFilter::default()
    };
    assert!(!filter_matches(&overdue, &report, &tree, &policy, at(29)));
    assert!(filter_matches(&on_time, &report, &tree, &policy, at(29)));
    assert!(filter_matches(&overdue, &report, &tree, &policy, at(30)));
    assert!(!filter_matches(&on_time, &report, &tree, &policy, at(30)));
}
