//! One report as the catalogue keeps it: the few facts lists filter, order and check
//! visibility on, in 32 bytes, with category and unit codes interned.

use chrono::Duration;

use crate::domain::access::AccessRules;
use crate::domain::report::{GeoPoint, Report, ReportStatus, SlaStage};
use crate::domain::satisfaction::SatisfactionRating;
use crate::domain::sla::SlaPolicy;

use super::super::listing::{nanos, priority_rank};

/// `ReportSummary::location` of a report without a location.
pub(super) const NO_LOCATION: u32 = u32::MAX;

const HAS_MEDIA: u8 = 1;
const COMPARTMENTED: u8 = 1 << 1;
const PAUSED: u8 = 1 << 2;
/// Opened for a blocked reporter (`Report::blocked`).
const BLOCKED: u8 = 1 << 5;
/// Two bits: 0 when no SLA stage is open, else 1 + the open stage's place in `SlaStage::ALL`.
const STAGE_SHIFT: u8 = 3;
const STAGE_MASK: u8 = 0b11;
/// Someone holds the report (who: `Shelf::holders`), so that holder filters look up only these.
const HELD: u8 = 1 << 6;
/// Business numbers the summary can tell apart (`channel_rating`'s low six bits).
pub(super) const MAX_CHANNELS: u16 = 63;
const CHANNEL_MASK: u8 = 0b11_1111;
const SATISFACTION_SHIFT: u8 = 6;

/// The facts of one report that lists read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReportSummary {
    pub id: u64,
    /// Nanoseconds since 1970 (see `listing::nanos`).
    pub created: i64,
    /// Seconds spent waiting for the reporter in past pauses (every due time moves by them).
    pub paused_seconds: u32,
    /// Index into the catalogue's locations, or `NO_LOCATION`.
    pub location: u32,
    /// Interned category code; 0 when none.
    pub category: u16,
    /// Interned assigned unit code; 0 when none.
    pub unit: u16,
    /// Place in `ReportStatus::ALL`.
    pub status: u8,
    /// 0 without a priority, else 1 + `priority_rank`.
    pub priority: u8,
    bits: u8,
    /// The interned business number (`Report::channel`; 0 when none) in the low six bits, and
    /// in the top two 0 until the citizen answers the satisfaction question, else 1 + the
    /// answer's place in `SatisfactionRating::ALL`.
    channel_rating: u8,
}

impl ReportSummary {
    /// The summary of `report`; `category`, `unit` and `channel` are its interned codes,
    /// `location` its slot.
    pub fn of(
        report: &Report,
        rules: &AccessRules,
        interned: (u16, u16, u8),
        location: u32,
    ) -> ReportSummary {
        let status = ReportStatus::ALL
            .iter()
            .position(|status| *status == report.status)
            .unwrap_or(0) as u8;
        let stage = SlaPolicy::pending_stages(report)
            .next()
            .and_then(|stage| SlaStage::ALL.iter().position(|each| *each == stage))
            .map_or(0, |place| place as u8 + 1);
        let mut bits = stage << STAGE_SHIFT;
        if report.has_media {
            bits |= HAS_MEDIA;
        }
        if rules.is_compartmented(report) {
            bits |= COMPARTMENTED;
        }
        if report.paused_since.is_some() {
            bits |= PAUSED;
        }
        if report.blocked {
            bits |= BLOCKED;
        }
        if report.assignee.is_some() {
            bits |= HELD;
        }
        ReportSummary {
            id: report.id.get(),
            created: nanos(report.created_at),
            paused_seconds: u32::try_from(report.paused_seconds.max(0)).unwrap_or(u32::MAX),
            location,
            category: interned.0,
            unit: interned.1,
            status,
            priority: report
                .priority
                .map_or(0, |priority| priority_rank(Some(priority)) + 1),
            bits,
            channel_rating: interned.2 & CHANNEL_MASK
                | satisfaction_code(report) << SATISFACTION_SHIFT,
        }
    }

    /// The interned business number; 0 when none.
    pub fn channel(&self) -> u8 {
        self.channel_rating & CHANNEL_MASK
    }

    /// 0 until the citizen answers the satisfaction question, else 1 + the answer's place in
    /// `SatisfactionRating::ALL`.
    pub fn satisfaction(&self) -> u8 {
        self.channel_rating >> SATISFACTION_SHIFT
    }

    pub fn has_media(&self) -> bool {
        self.bits & HAS_MEDIA != 0
    }

    pub fn is_blocked(&self) -> bool {
        self.bits & BLOCKED != 0
    }

    pub fn is_compartmented(&self) -> bool {
        self.bits & COMPARTMENTED != 0
    }

    pub fn is_held(&self) -> bool {
        self.bits & HELD != 0
    }

    /// When the open SLA stage is due, in nanoseconds since 1970 (`i64::MAX` when nothing is
    /// due or the clock is paused), by `targets`.
    pub fn due(&self, targets: &DueTargets) -> i64 {
        let stage = (self.bits >> STAGE_SHIFT) & STAGE_MASK;
        if stage == 0 || self.bits & PAUSED != 0 {
            return i64::MAX;
        }
        let rank = self.priority.saturating_sub(1);
        let rank = if self.priority == 0 { 2 } else { rank };
        let target = targets.nanos[rank as usize][stage as usize - 1];
        let paused = i64::from(self.paused_seconds).saturating_mul(1_000_000_000);
        self.created.saturating_add(target).saturating_add(paused)
    }

    /// `priority_rank` of the report's priority.
    pub fn rank(&self) -> u8 {
        if self.priority == 0 {
            2
        } else {
            self.priority - 1
        }
    }
}

/// The SLA targets in nanoseconds, by priority rank and stage.
pub(super) struct DueTargets {
    nanos: [[i64; 3]; 4],
}

impl DueTargets {
    pub fn of(sla: &SlaPolicy) -> DueTargets {
        let in_nanos = |target: Duration| target.num_nanoseconds().unwrap_or(i64::MAX);
        let row = |targets: &crate::domain::sla::StageTargets| {
            SlaStage::ALL.map(|stage| in_nanos(targets.for_stage(stage)))
        };
        DueTargets {
            nanos: [
                row(&sla.urgent),
                row(&sla.high),
                row(&sla.normal),
                row(&sla.low),
            ],
        }
    }
}

/// Codes stored once, referred to by number; 0 stands for "none".
#[derive(Debug, Default)]
pub(super) struct Interner {
    codes: Vec<String>,
    numbers: rustc_hash::FxHashMap<String, u16>,
}

impl Interner {
    /// The number of `code` (`None`: 0), or `None` when all 65,535 numbers are taken.
    pub fn intern(&mut self, code: Option<&str>) -> Option<u16> {
        let Some(code) = code else {
            return Some(0);
        };
        if let Some(number) = self.numbers.get(code) {
            return Some(*number);
        }
        let number = u16::try_from(self.codes.len() + 1).ok()?;
        self.codes.push(code.to_string());
        self.numbers.insert(code.to_string(), number);
        Some(number)
    }

    /// The number of `code`, if it was ever interned.
    pub fn number(&self, code: &str) -> Option<u16> {
        self.numbers.get(code).copied()
    }

    /// The codes by number, from 1.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    pub fn footprint(&self) -> usize {
        self.codes.iter().map(|code| 2 * code.len() + 48).sum()
    }
}

/// Where the located reports are: a slot per report that ever had a location.
#[derive(Debug, Default)]
pub(super) struct Locations {
    points: Vec<GeoPoint>,
}

impl Locations {
    /// The slot for `point` given the report's previous slot.
    pub fn place(&mut self, previous: u32, point: Option<GeoPoint>) -> u32 {
        let Some(point) = point else {
            return NO_LOCATION;
        };
        if let Some(slot) = self.points.get_mut(previous as usize) {
            *slot = point;
            return previous;
        }
        self.points.push(point);
        (self.points.len() - 1) as u32
    }

    pub fn get(&self, slot: u32) -> Option<GeoPoint> {
        self.points.get(slot as usize).copied()
    }

    pub fn footprint(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<GeoPoint>()
    }
}

/// 0 until the citizen answers the satisfaction question, else 1 + the answer's place in
/// `SatisfactionRating::ALL` (at most 3: two bits).
fn satisfaction_code(report: &Report) -> u8 {
    report
        .satisfaction
        .as_ref()
        .and_then(|satisfaction| satisfaction.rating)
        .and_then(|rating| {
            SatisfactionRating::ALL
                .iter()
                .position(|each| *each == rating)
        })
        .map_or(0, |place| place as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_takes_32_bytes() {
        assert_eq!(std::mem::size_of::<ReportSummary>(), 32);
    }
}
