//! A report in one person's hands: who claimed it (or was assigned it by a supervisor), since
//! when, and when they last acted on it, which the idle timeout counts from.
//!
//! What keeps a claim alive is the holder's own work on the report: every timeline entry the
//! holder makes counts (a reply, a note, a status change, a forward, a triage, a logged call, a
//! location or call-permission request, a merge), except opening a media file, which is
//! reading, not acting. `Report::note_timeline_entry` applies this on every append, so no
//! action can forget it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::report::Report;
use crate::domain::timeline::{Actor, TimelineKind};

/// Who holds a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub username: String,
    /// When the holder claimed it, or was assigned it.
    pub since: DateTime<Utc>,
    /// The holder's last action on the report (at first, `since`).
    pub last_action_at: DateTime<Utc>,
    /// The supervisor who assigned it, when it was not claimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_by: Option<String>,
}

impl Assignee {
    pub fn new(username: &str, now: DateTime<Utc>, assigned_by: Option<&str>) -> Assignee {
        Assignee {
            username: username.to_string(),
            since: now,
            last_action_at: now,
            assigned_by: assigned_by.map(str::to_string),
        }
    }

    /// When the claim runs out if the holder does nothing more.
    pub fn idle_until(&self, idle_after: Duration) -> DateTime<Utc> {
        self.last_action_at + idle_after
    }
}

/// Whether a timeline entry of this kind, made by the holder, keeps their claim alive.
pub fn keeps_claim_alive(kind: TimelineKind) -> bool {
    kind != TimelineKind::MediaViewed
}

impl Report {
    /// Called for every timeline entry appended to the report: the holder acting on it resets
    /// the idle timer.
    pub fn note_timeline_entry(&mut self, kind: TimelineKind, actor: &Actor, at: DateTime<Utc>) {
        let Some(assignee) = self.assignee.as_mut() else {
            return;
        };
        if let Actor::User(username) = actor
            && *username == assignee.username
            && keeps_claim_alive(kind)
        {
            assignee.last_action_at = assignee.last_action_at.max(at);
        }
    }

    /// Whether the claim on this report has gone idle at `now`.
    pub fn claim_expired(&self, idle_after: Duration, now: DateTime<Utc>) -> bool {
        self.assignee
            .as_ref()
            .is_some_and(|assignee| assignee.idle_until(idle_after) <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-06T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minutes)
    }

    fn claimed_by(username: &str) -> Report {
        let json = serde_json::json!({
            "id": 3, "ticket": "WA-2026-000003", "status": "NEW", "reporter_id": 1,
            "created_at": at(0), "updated_at": at(0), "last_activity_at": at(0),
        });
        let mut report: Report = serde_json::from_value(json).unwrap();
        report.assignee = Some(Assignee::new(username, at(0), None));
        report
    }

    #[test]
    fn only_the_holders_own_actions_reset_the_idle_timer() {
        let idle = Duration::minutes(30);
        let mut report = claimed_by("ops1");
        report.note_timeline_entry(TimelineKind::Note, &Actor::User("ops2".into()), at(20));
        report.note_timeline_entry(TimelineKind::MessageReceived, &Actor::Citizen, at(21));
        report.note_timeline_entry(TimelineKind::SlaBreached, &Actor::System, at(22));
        report.note_timeline_entry(
            TimelineKind::MediaViewed,
            &Actor::User("ops1".into()),
            at(23),
        );
        assert!(report.claim_expired(idle, at(30)), "nobody but ops1 acted");
        report.note_timeline_entry(
            TimelineKind::ReplyQueued,
            &Actor::User("ops1".into()),
            at(25),
        );
        assert!(!report.claim_expired(idle, at(54)));
        assert!(report.claim_expired(idle, at(55)));
    }

    #[test]
    fn an_unclaimed_report_never_expires() {
        let mut report = claimed_by("ops1");
        report.assignee = None;
        report.note_timeline_entry(TimelineKind::Note, &Actor::User("ops1".into()), at(1));
        assert!(!report.claim_expired(Duration::minutes(1), at(600)));
    }
}
