//! Service-level targets and where a report stands against them: which stage is open, when it is
//! due, when supervisors are warned, what is overdue. Pure: the clock is always an argument.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::domain::report::{Priority, Report, SlaStage};

/// The targets of one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTargets {
    pub first_action: Duration,
    pub forward: Duration,
    pub resolution: Duration,
}

impl StageTargets {
    pub fn for_stage(&self, stage: SlaStage) -> Duration {
        match stage {
            SlaStage::FirstAction => self.first_action,
            SlaStage::Forward => self.forward,
            SlaStage::Resolution => self.resolution,
        }
    }

    fn minutes(first_action: i64, forward: i64, resolution: i64) -> StageTargets {
        StageTargets {
            first_action: Duration::minutes(first_action),
            forward: Duration::minutes(forward),
            resolution: Duration::minutes(resolution),
        }
    }
}

/// The targets of every priority, and when to warn before a breach.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaPolicy {
    pub urgent: StageTargets,
    pub high: StageTargets,
    pub normal: StageTargets,
    pub low: StageTargets,
    /// The fraction of a target after which supervisors are warned, in (0, 1].
    pub warning_at: f64,
}

impl Default for SlaPolicy {
    /// URGENT 2 min / 5 min / 2 h; HIGH 10 min / 30 min / 24 h; NORMAL 30 min / 4 h / 3 days;
    /// LOW 4 h / 1 day / 14 days; warnings at 80%.
    fn default() -> SlaPolicy {
        SlaPolicy {
            urgent: StageTargets::minutes(2, 5, 120),
            high: StageTargets::minutes(10, 30, 24 * 60),
            normal: StageTargets::minutes(30, 4 * 60, 3 * 24 * 60),
            low: StageTargets::minutes(4 * 60, 24 * 60, 14 * 24 * 60),
            warning_at: 0.8,
        }
    }
}

/// Where a report stands at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaStanding {
    /// The first stage not yet done; `None` once resolved or final.
    pub stage: Option<SlaStage>,
    /// When the open stage is due; `None` while the clock is paused or nothing is open.
    pub due_at: Option<DateTime<Utc>>,
    /// Waiting for the reporter: the clock stands still.
    pub paused: bool,
    /// The open stage is past due.
    pub overdue: bool,
}

impl SlaPolicy {
    /// The targets a report is held to; a report not yet given a priority counts as NORMAL.
    pub fn targets(&self, priority: Option<Priority>) -> &StageTargets {
        match priority.unwrap_or(Priority::Normal) {
            Priority::Urgent => &self.urgent,
            Priority::High => &self.high,
            Priority::Normal => &self.normal,
            Priority::Low => &self.low,
        }
    }

    /// Stages not done yet, in order; none for a report in a final status.
    pub fn pending_stages(report: &Report) -> impl Iterator<Item = SlaStage> + '_ {
        let finished = report.status.is_final() || report.blocked;
        SlaStage::ALL.into_iter().filter(move |stage| {
            !finished
                && match stage {
                    SlaStage::FirstAction => report.first_action_at.is_none(),
                    SlaStage::Forward => report.forwarded_at.is_none(),
                    SlaStage::Resolution => report.resolved_at.is_none(),
                }
        })
    }

    /// When `stage` is due: the report's creation plus the target plus the time spent paused
    /// (including the pause still running at `now`).
    pub fn due_at(&self, report: &Report, stage: SlaStage, now: DateTime<Utc>) -> DateTime<Utc> {
        report.created_at + self.targets(report.priority).for_stage(stage) + paused(report, now)
    }

    /// When supervisors are warned about `stage`.
    pub fn warn_at(&self, report: &Report, stage: SlaStage, now: DateTime<Utc>) -> DateTime<Utc> {
        let target = self.targets(report.priority).for_stage(stage);
        let warn_after_ms = (target.num_milliseconds() as f64 * self.warning_at).round() as i64;
        report.created_at + Duration::milliseconds(warn_after_ms) + paused(report, now)
    }

    pub fn standing(&self, report: &Report, now: DateTime<Utc>) -> SlaStanding {
        let stage = SlaPolicy::pending_stages(report).next();
        let paused = report.paused_since.is_some();
        let due_at = match stage {
            Some(stage) if !paused => Some(self.due_at(report, stage, now)),
            _ => None,
        };
        SlaStanding {
            stage,
            due_at,
            paused,
            overdue: due_at.is_some_and(|due| due <= now),
        }
    }
}

/// Time spent AWAITING_REPORTER, the current pause counted up to `now`.
fn paused(report: &Report, now: DateTime<Utc>) -> Duration {
    let running = report
        .paused_since
        .map(|since| now.signed_duration_since(since).max(Duration::zero()))
        .unwrap_or_else(Duration::zero);
    Duration::seconds(report.paused_seconds) + running
}

/// `sla.toml` of a profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaFile {
    warning_at: f64,
    urgent: TargetsFile,
    high: TargetsFile,
    normal: TargetsFile,
    low: TargetsFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    first_action_minutes: i64,
    forward_minutes: i64,
    resolution_minutes: i64,
}

impl SlaFile {
    /// Checks the numbers: warnings inside (0, 1], every target positive, and the stages of
    /// each priority in their natural order.
    pub fn into_policy(self) -> Result<SlaPolicy, String> {
        if !(self.warning_at > 0.0 && self.warning_at <= 1.0) {
            return Err(format!(
                "warning_at must be in (0, 1], not {}",
                self.warning_at
            ));
        }
        let convert = |name: &str, file: &TargetsFile| -> Result<StageTargets, String> {
            let TargetsFile {
                first_action_minutes,
                forward_minutes,
                resolution_minutes,
            } = *file;
            if first_action_minutes <= 0 || forward_minutes <= 0 || resolution_minutes <= 0 {
                return Err(format!(
                    "[{name}]: every target must be at least one minute"
                ));
            }
            if !(first_action_minutes <= forward_minutes && forward_minutes <= resolution_minutes) {
                return Err(format!(
                    "[{name}]: targets must not decrease (first action <= forward <= resolution)"
                ));
            }
            Ok(StageTargets::minutes(
                first_action_minutes,
                forward_minutes,
                resolution_minutes,
            ))
        };
        Ok(SlaPolicy {
            urgent: convert("urgent", &self.urgent)?,
            high: convert("high", &self.high)?,
            normal: convert("normal", &self.normal)?,
            low: convert("low", &self.low)?,
            warning_at: self.warning_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::ReportStatus;

    fn report_at(created_at: DateTime<Utc>, priority: Option<Priority>) -> Report {
        let json = serde_json::json!({
            "id": 7, "ticket": "WA-2026-000007", "status": "NEW", "reporter_id": 1,
            "created_at": created_at, "updated_at": created_at, "last_activity_at": created_at,
            "priority": priority,
        });
        serde_json::from_value(json).expect("a minimal report")
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T08:00:00Z")
            .expect("valid time")
            .with_timezone(&Utc)
            + Duration::minutes(minutes)
    }

    #[test]
    fn an_urgent_report_is_due_for_a_first_action_after_two_minutes() {
        let policy = SlaPolicy::default();
        let report = report_at(at(0), Some(Priority::Urgent));
        let standing = policy.standing(&report, at(1));
        assert_eq!(standing.stage, Some(SlaStage::FirstAction));
        assert_eq!(standing.due_at, Some(at(2)));
        assert!(!standing.overdue);
        assert!(policy.standing(&report, at(2)).overdue);
        assert_eq!(
            policy.warn_at(&report, SlaStage::FirstAction, at(0)),
            at(0) + Duration::seconds(96)
        );
    }

    #[test]
    fn a_report_without_priority_is_held_to_normal() {
        let policy = SlaPolicy::default();
        let report = report_at(at(0), None);
        assert_eq!(policy.standing(&report, at(0)).due_at, Some(at(30)));
    }

    #[test]
    fn stages_close_in_order_and_a_final_report_has_none_open() {
        let policy = SlaPolicy::default();
        let mut report = report_at(at(0), Some(Priority::High));
        report.mark_acted_on(at(3));
        assert_eq!(
            policy.standing(&report, at(4)).stage,
            Some(SlaStage::Forward)
        );
        assert_eq!(policy.standing(&report, at(4)).due_at, Some(at(30)));
        report.move_to(ReportStatus::Forwarded, at(5));
        assert_eq!(
            policy.standing(&report, at(6)).due_at,
            Some(at(24 * 60)),
            "resolution of a HIGH report is due after 24 h"
        );
        report.move_to(ReportStatus::Resolved, at(60));
        assert_eq!(policy.standing(&report, at(61)).stage, None);
        report.move_to(ReportStatus::InProgress, at(62));
        assert_eq!(
            policy.standing(&report, at(63)).stage,
            Some(SlaStage::Resolution),
            "reopening restarts the resolution stage"
        );
        let mut spam = report_at(at(0), None);
        spam.move_to(ReportStatus::Spam, at(1));
        assert_eq!(policy.standing(&spam, at(100)).stage, None);
    }

    #[test]
    fn waiting_for_the_reporter_stops_the_clock_and_moves_every_due_time() {
        let policy = SlaPolicy::default();
        let mut report = report_at(at(0), Some(Priority::Normal));
        report.mark_acted_on(at(1));
        report.move_to(ReportStatus::AwaitingReporter, at(10));
        let paused = policy.standing(&report, at(500));
        assert!(paused.paused);
        assert_eq!(paused.due_at, None);
        assert!(!paused.overdue, "a paused report is never overdue");
        report.move_to(ReportStatus::New, at(70));
        assert_eq!(report.paused_seconds, 60 * 60);
        assert_eq!(
            policy.standing(&report, at(71)).due_at,
            Some(at(240 + 60)),
            "the forward target moved by the hour spent waiting"
        );
    }

    #[test]
    fn the_embedded_profile_targets_are_the_documented_defaults() {
        let file: SlaFile =
            toml::from_str(include_str!("../profile/sumsel/sla.toml")).expect("valid sla.toml");
        assert_eq!(file.into_policy(), Ok(SlaPolicy::default()));
    }

    #[test]
    fn targets_out_of_order_are_refused() {
        let text = include_str!("../profile/sumsel/sla.toml")
            .replace("first_action_minutes = 2\n", "first_action_minutes = 9\n");
        let file: SlaFile = toml::from_str(&text).expect("valid toml");
        assert!(file.into_policy().unwrap_err().contains("[urgent]"));
    }
}
