//! Reports (one case, one ticket), their status machine and priority.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{ReportId, Ticket, UnitCode};

/// The life of a report. Moves are checked by `ReportStatus::can_move_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportStatus {
    New,
    Triaged,
    Forwarded,
    InProgress,
    AwaitingReporter,
    Resolved,
    Closed,
    Rejected,
    Duplicate,
    Spam,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 10] = [
        ReportStatus::New,
        ReportStatus::Triaged,
        ReportStatus::Forwarded,
        ReportStatus::InProgress,
        ReportStatus::AwaitingReporter,
        ReportStatus::Resolved,
        ReportStatus::Closed,
        ReportStatus::Rejected,
        ReportStatus::Duplicate,
        ReportStatus::Spam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::New => "NEW",
            ReportStatus::Triaged => "TRIAGED",
            ReportStatus::Forwarded => "FORWARDED",
            ReportStatus::InProgress => "IN_PROGRESS",
            ReportStatus::AwaitingReporter => "AWAITING_REPORTER",
            ReportStatus::Resolved => "RESOLVED",
            ReportStatus::Closed => "CLOSED",
            ReportStatus::Rejected => "REJECTED",
            ReportStatus::Duplicate => "DUPLICATE",
            ReportStatus::Spam => "SPAM",
        }
    }

    /// Final statuses: a new message from the reporter opens a new report.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ReportStatus::Closed
                | ReportStatus::Rejected
                | ReportStatus::Duplicate
                | ReportStatus::Spam
        )
    }

    /// Whether an operator may move a report from `self` to `next`. `resume_to` is the status a
    /// report AWAITING_REPORTER came from: it may only go back there.
    pub fn can_move_to(self, next: ReportStatus, resume_to: Option<ReportStatus>) -> bool {
        use ReportStatus::*;
        match self {
            New => matches!(
                next,
                Triaged | Forwarded | AwaitingReporter | Rejected | Duplicate | Spam
            ),
            Triaged => matches!(
                next,
                Forwarded | AwaitingReporter | Rejected | Duplicate | Spam
            ),
            Forwarded => matches!(next, Forwarded | InProgress | AwaitingReporter | Resolved),
            InProgress => matches!(next, Forwarded | AwaitingReporter | Resolved),
            AwaitingReporter => resume_to == Some(next),
            Resolved => matches!(next, Closed | InProgress),
            Closed | Rejected | Duplicate | Spam => false,
        }
    }
}

impl std::fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "URGENT",
            Priority::High => "HIGH",
            Priority::Normal => "NORMAL",
            Priority::Low => "LOW",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// Kilometres per degree of latitude.
const KM_PER_DEGREE: f64 = 111.32;

impl GeoPoint {
    /// Equirectangular distance; exact enough at a few tens of kilometres near the equator.
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let mean_latitude = ((self.latitude + other.latitude) / 2.0).to_radians();
        let north = (self.latitude - other.latitude) * KM_PER_DEGREE;
        let east = (self.longitude - other.longitude) * KM_PER_DEGREE * mean_latitude.cos();
        (north * north + east * east).sqrt()
    }
}

/// One case: what a reporter told us within a thread window, and what we did about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: ReportId,
    pub ticket: Ticket,
    pub status: ReportStatus,
    pub reporter_id: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The last message in either direction or operator action; drives the thread window.
    pub last_activity_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_unit: Option<UnitCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoPoint>,
    /// The status to return to when the reporter answers (set while AWAITING_REPORTER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_status: Option<ReportStatus>,
    #[serde(default)]
    pub inbound_count: u32,
    #[serde(default)]
    pub has_media: bool,
    /// When the last short acknowledgement of a follow-up message was queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ack_at: Option<DateTime<Utc>>,
    /// Markers for operators: `possible_hoax`, `unknown_message_type`, `reply_failed`, …
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    #[serde(default)]
    pub timeline_len: u64,
    /// What the citizen wrote (texts and captions, in order, bounded), for suggestions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub citizen_texts: Vec<String>,
    /// Category, place, unit and urgency suggested from the citizen's messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<crate::domain::suggestion::Suggestion>,
    /// When a person (not the system) first acted on the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_action_at: Option<DateTime<Utc>>,
    /// When the report was first forwarded to a unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_at: Option<DateTime<Utc>>,
    /// When the report was last resolved; cleared when it is reopened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Since when the report waits for its reporter (the SLA clock stands still meanwhile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<DateTime<Utc>>,
    /// Seconds spent AWAITING_REPORTER in earlier pauses: every SLA due time moves by this much.
    #[serde(default)]
    pub paused_seconds: i64,
    /// What the SLA watcher already announced for this report.
    #[serde(default)]
    pub sla: SlaMarks,
    /// In the internal-affairs compartment: once a complaint about police conduct (by its
    /// category, or by its suggestion while untriaged), it stays there until a supervisor
    /// triages it into another category. See `domain::access`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compartmented: bool,
    /// What the citizen was asked (is it happening now? which kind?) and answered.
    #[serde(
        default,
        skip_serializing_if = "crate::domain::questions::CitizenAnswers::is_empty"
    )]
    pub citizen_answers: crate::domain::questions::CitizenAnswers,
    /// Opened for a blocked reporter: their messages kept as evidence, out of the queue (lists,
    /// search and subscriptions leave it out unless asked for `blocked`), with no SLA, no
    /// automatic reply and no alert. It stays blocked after an unblock: it is the record of
    /// what the number sent while blocked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
    /// The incident (one event, many reporters) the report belongs to, named by its primary
    /// report: the report's own id on the primary. See `workflow::incidents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<ReportId>,
    /// On an incident's primary: the other reports of the incident, in the order linked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<ReportId>,
    /// The person who holds the report (claimed it, or was assigned it); see
    /// `domain::assignment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<crate::domain::assignment::Assignee>,
    /// The satisfaction question once the report was resolved, and the citizen's answer; see
    /// `domain::satisfaction`. Set once: a report is never asked twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<crate::domain::satisfaction::Satisfaction>,
    /// The business number (phone number id) the report's first message came to; its replies
    /// go out from it. `None` on reports from before channels were kept: the default number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// The stages of handling a report that the SLA measures, in the order they are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaStage {
    FirstAction,
    Forward,
    Resolution,
}

impl SlaStage {
    pub const ALL: [SlaStage; 3] = [
        SlaStage::FirstAction,
        SlaStage::Forward,
        SlaStage::Resolution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaStage::FirstAction => "FIRST_ACTION",
            SlaStage::Forward => "FORWARD",
            SlaStage::Resolution => "RESOLUTION",
        }
    }
}

/// Warnings and breaches already recorded, so that each is announced once across restarts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlaMarks {
    #[serde(default)]
    pub warned: Vec<SlaStage>,
    #[serde(default)]
    pub breached: Vec<SlaStage>,
    /// The unit a breached forwarded report was escalated to (the parent of its unit).
    #[serde(default)]
    pub escalated_to: Option<UnitCode>,
    /// When the reporter was found silent during the current pause (flag and reminder sent).
    #[serde(default)]
    pub silent_noticed_at: Option<DateTime<Utc>>,
    /// Whether automatic forwarding already looked at this report (it looks once).
    #[serde(default)]
    pub auto_forward_checked: bool,
}

impl Report {
    pub fn add_flag(&mut self, flag: &str) {
        if !self.flags.iter().any(|existing| existing == flag) {
            self.flags.push(flag.to_string());
        }
    }

    /// Changes the status and keeps the milestones the SLA and the statistics read: the first
    /// forward, the resolution (undone by reopening), and the pauses while AWAITING_REPORTER.
    /// The caller has checked the move with `ReportStatus::can_move_to`.
    pub fn move_to(&mut self, next: ReportStatus, now: DateTime<Utc>) {
        let previous = self.status;
        if previous == ReportStatus::AwaitingReporter
            && next != ReportStatus::AwaitingReporter
            && let Some(since) = self.paused_since.take()
        {
            self.paused_seconds += now.signed_duration_since(since).num_seconds().max(0);
            self.sla.silent_noticed_at = None;
        }
        match next {
            ReportStatus::Forwarded => {
                self.forwarded_at.get_or_insert(now);
            }
            ReportStatus::Resolved => self.resolved_at = Some(now),
            ReportStatus::AwaitingReporter if previous != ReportStatus::AwaitingReporter => {
                self.paused_since = Some(now);
            }
            ReportStatus::InProgress if previous == ReportStatus::Resolved => {
                self.resolved_at = None;
            }
            _ => {}
        }
        self.status = next;
    }

    /// Records that a person acted on the report (the SLA's first stage).
    pub fn mark_acted_on(&mut self, now: DateTime<Utc>) {
        self.first_action_at.get_or_insert(now);
    }

    /// Whether a new inbound message at `at` joins this report rather than opening another.
    pub fn accepts_follow_up(&self, at: DateTime<Utc>, thread_window: chrono::Duration) -> bool {
        !self.status.is_final() && at.signed_duration_since(self.last_activity_at) <= thread_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::*;

    #[test]
    fn the_status_table_allows_exactly_the_listed_moves() {
        let allowed: &[(ReportStatus, &[ReportStatus])] = &[
            (
                New,
                &[
                    Triaged,
                    Forwarded,
                    AwaitingReporter,
                    Rejected,
                    Duplicate,
                    Spam,
                ],
            ),
            (
                Triaged,
                &[Forwarded, AwaitingReporter, Rejected, Duplicate, Spam],
            ),
            (
                Forwarded,
                &[Forwarded, InProgress, AwaitingReporter, Resolved],
            ),
            (InProgress, &[Forwarded, AwaitingReporter, Resolved]),
            (Resolved, &[Closed, InProgress]),
            (Closed, &[]),
            (Rejected, &[]),
            (Duplicate, &[]),
            (Spam, &[]),
        ];
        for (from, targets) in allowed {
            for to in ReportStatus::ALL {
                assert_eq!(
                    from.can_move_to(to, None),
                    targets.contains(&to),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn awaiting_reporter_only_returns_where_it_came_from() {
        for to in ReportStatus::ALL {
            assert_eq!(
                AwaitingReporter.can_move_to(to, Some(InProgress)),
                to == InProgress,
                "{to}"
            );
        }
        assert!(!AwaitingReporter.can_move_to(New, None));
    }

    #[test]
    fn tickets_are_zero_padded_and_prefixed() {
        assert_eq!(Ticket::format("WA", 2026, 123), "WA-2026-000123");
        assert_eq!(Ticket::format("LP", 2027, 1_234_567), "LP-2027-1234567");
    }
}
