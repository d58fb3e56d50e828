//! Reporters: the citizens who write to the help line, identified by their business-scoped
//! user id when Meta gives one, else by their phone number.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::abuse::{InboundPace, ReporterBlock};
use crate::domain::ids::ReportId;

use crate::domain::inbound::Sender;
use crate::domain::phone::PhoneNumber;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reporter {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bsuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    /// The last message or call from the citizen: the 24-hour customer-service window opens here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The report new messages currently join, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_report: Option<ReportId>,
    /// Numbers this reporter used before a `user_changed_number` notice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_phones: Vec<PhoneNumber>,
    /// Until when the citizen allowed us to call them on WhatsApp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_permission_until: Option<DateTime<Utc>>,
    /// Set while a supervisor blocks the number (see `domain::abuse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<ReporterBlock>,
    /// The hidden report a blocked reporter's messages are kept in (see `Report::blocked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_report: Option<ReportId>,
    /// The recent inbound messages the automatic rate limit counts.
    #[serde(default, skip_serializing_if = "is_quiet")]
    pub pace: InboundPace,
    /// The reports this reporter opened most recently, oldest first, at most
    /// `RECENT_REPORTS` (a status check lists them; reports opened before this was kept are
    /// found by their ticket, and the open one through `open_report`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_reports: Vec<ReportId>,
    /// The report whose satisfaction question was last sent to this reporter: a plain-text
    /// answer ("puas") or the comment asked for after one goes there, not into a new report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction_pending: Option<ReportId>,
    /// Per business number (phone number id): the citizen's last message to it, which opens
    /// that number's 24-hour window (Meta keeps one per citizen and business number), and the
    /// report their messages to it currently join. Empty on reporters from before channels
    /// were kept: `last_inbound_at` and `open_report` then stand for the default number.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channels: BTreeMap<String, ReporterChannel>,
}

/// What a reporter did on one business number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReporterChannel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inbound_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_report: Option<ReportId>,
}

/// How many of a reporter's latest reports are remembered for a status check.
pub const RECENT_REPORTS: usize = 5;

fn is_quiet(pace: &InboundPace) -> bool {
    pace.recent.is_empty() && pace.slowed_since.is_none() && pace.status_answered_at.is_none()
}

/// The keys a sender can be found by, strongest first.
pub fn identity_keys(sender: &Sender) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(bsuid) = &sender.bsuid {
        keys.push(bsuid_identity(bsuid));
    }
    if let Some(phone) = &sender.phone {
        keys.push(phone_identity(phone));
    }
    keys
}

pub fn bsuid_identity(bsuid: &str) -> String {
    format!("bsuid:{bsuid}")
}

pub fn phone_identity(phone: &PhoneNumber) -> String {
    format!("phone:{}", phone.as_e164())
}

impl Reporter {
    /// Whether free-form messages may be sent now from any number (the 24-hour
    /// customer-service window).
    pub fn window_open(&self, now: DateTime<Utc>) -> bool {
        self.last_inbound_at
            .is_some_and(|last| now.signed_duration_since(last) < chrono::Duration::hours(24))
    }

    /// Whether free-form messages may be sent now from the business number `channel` (a
    /// phone number id; `None` when no number is configured): Meta keeps the window per
    /// citizen and business number, so a reply from B needs a template even while A's is open.
    pub fn window_open_on(&self, channel: Option<&str>, now: DateTime<Utc>) -> bool {
        self.last_inbound_on(channel)
            .is_some_and(|last| now.signed_duration_since(last) < chrono::Duration::hours(24))
    }

    /// When the citizen last wrote to `channel` (see `window_open_on`). Never later than
    /// `last_inbound_at`, the latest message to any number.
    pub fn last_inbound_on(&self, channel: Option<&str>) -> Option<DateTime<Utc>> {
        match channel {
            Some(channel) if !self.channels.is_empty() => self
                .channels
                .get(channel)
                .and_then(|seen| seen.last_inbound_at)
                .zip(self.last_inbound_at)
                .map(|(on_channel, any)| on_channel.min(any)),
            // Nothing recorded per number: every message came to the one number there was.
            _ => self.last_inbound_at,
        }
    }

    /// Records a message or call to `channel` at `at` (opening that number's window).
    pub fn note_inbound(&mut self, channel: Option<&str>, at: DateTime<Utc>) {
        self.last_inbound_at = Some(self.last_inbound_at.map_or(at, |last| last.max(at)));
        if let Some(channel) = channel {
            let seen = self.channels.entry(channel.to_string()).or_default();
            seen.last_inbound_at = Some(seen.last_inbound_at.map_or(at, |last| last.max(at)));
        }
    }

    /// The report messages to `channel` join (see `channels`); on a reporter from before
    /// channels were kept, the one open report.
    pub fn open_report_on(&self, channel: Option<&str>) -> Option<ReportId> {
        match channel {
            Some(channel) if !self.channels.is_empty() => {
                self.channels.get(channel).and_then(|seen| seen.open_report)
            }
            _ => self.open_report,
        }
    }

    /// A merged report's place as the open one goes to the report it was merged into.
    pub fn replace_open_report(&mut self, merged: ReportId, into: ReportId) {
        if self.open_report == Some(merged) {
            self.open_report = Some(into);
        }
        for seen in self.channels.values_mut() {
            if seen.open_report == Some(merged) {
                seen.open_report = Some(into);
            }
        }
    }

    /// Makes `report` the one messages to `channel` join (and the latest open one).
    pub fn set_open_report(&mut self, channel: Option<&str>, report: ReportId) {
        self.open_report = Some(report);
        if let Some(channel) = channel {
            self.channels
                .entry(channel.to_string())
                .or_default()
                .open_report = Some(report);
        }
    }

    /// Takes what the sender tells us that we did not know; never forgets a known value.
    pub fn absorb(&mut self, sender: &Sender) {
        if sender.bsuid.is_some() && self.bsuid.is_none() {
            self.bsuid = sender.bsuid.clone();
        }
        if let Some(phone) = &sender.phone
            && self.phone.as_ref() != Some(phone)
            && let Some(old) = self.phone.replace(phone.clone())
            && !self.previous_phones.contains(&old)
        {
            self.previous_phones.push(old);
        }
        if sender.profile_name.is_some() {
            self.name = sender.profile_name.clone();
        }
        if sender.username.is_some() {
            self.username = sender.username.clone();
        }
    }

    /// Whether the number is blocked at `now` (a block past its `until` no longer holds).
    pub fn is_blocked(&self, now: DateTime<Utc>) -> bool {
        self.block.as_ref().is_some_and(|block| block.holds_at(now))
    }

    /// Remembers a report this reporter opened, forgetting the oldest beyond `RECENT_REPORTS`.
    pub fn remember_report(&mut self, report_id: ReportId) {
        if self.recent_reports.contains(&report_id) {
            return;
        }
        self.recent_reports.push(report_id);
        let excess = self.recent_reports.len().saturating_sub(RECENT_REPORTS);
        self.recent_reports.drain(..excess);
    }

    /// The reports a status check without a ticket describes, newest first.
    pub fn latest_reports(&self) -> Vec<ReportId> {
        let mut latest: Vec<ReportId> = self.recent_reports.iter().rev().copied().collect();
        if let Some(open) = self.open_report
            && !latest.contains(&open)
        {
            latest.insert(0, open);
        }
        latest
    }

    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.phone.as_ref().map(|phone| phone.to_string()))
            .unwrap_or_else(|| format!("reporter #{}", self.id))
    }
}
