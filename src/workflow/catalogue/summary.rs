//! One report as the catalogue keeps it: the few facts lists filter, order and check
//! visibility on, with category, unit, business number and holder interned, and every small
//! fact packed into one 16-bit word (`Facets`) that a request's filter reads through two
//! 256-entry tables.

use chrono::Duration;

use crate::domain::access::AccessRules;
use crate::domain::report::{GeoPoint, Report, ReportStatus, SlaStage};
use crate::domain::satisfaction::SatisfactionRating;
use crate::domain::sla::SlaPolicy;

use super::super::listing::{nanos, priority_rank};

/// Business numbers the summary can tell apart.
pub(super) const MAX_CHANNELS: u16 = 255;

/// The small facts of one report in 16 bits. The low byte holds what the queue order and the
/// priority and satisfaction filters read, the high byte the status and the flags, so that a
/// filter is the product of a table over each byte (see `query::Matcher`).
///
/// | bits | fact |
/// | --- | --- |
/// | 0–2 | 0 without a priority, else 1 + `priority_rank` |
/// | 3–4 | 0 when no SLA stage is open, else 1 + the open stage's place in `SlaStage::ALL` |
/// | 5 | the SLA clock is paused (waiting for the reporter) |
/// | 6–7 | 0 until the citizen answers the satisfaction question, else 1 + the answer's place in `SatisfactionRating::ALL` |
/// | 8–11 | place in `ReportStatus::ALL` |
/// | 12 | has media |
/// | 13 | compartmented |
/// | 14 | opened for a blocked reporter (`Report::blocked`) |
/// | 15 | someone holds the report (`Report::assignee`) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Facets(pub u16);

impl Facets {
    const PRIORITY_MASK: u16 = 0b111;
    const STAGE_SHIFT: u16 = 3;
    const PAUSED: u16 = 1 << 5;
    const SATISFACTION_SHIFT: u16 = 6;
    const STATUS_SHIFT: u16 = 8;
    /// The queue order's part of the word: priority, stage and pause.
    pub const DUE_BITS: u16 = 0b11_1111;
    pub const HAS_MEDIA: u8 = 1 << 4;
    pub const COMPARTMENTED: u8 = 1 << 5;
    pub const BLOCKED: u8 = 1 << 6;
    pub const HELD: u8 = 1 << 7;

    /// The priority byte (0: none, else 1 + `priority_rank`) of a low byte.
    pub fn priority_of(low: u8) -> u8 {
        low & Self::PRIORITY_MASK as u8
    }

    /// The satisfaction code (0: no answer, else 1 + place) of a low byte.
    pub fn satisfaction_of(low: u8) -> u8 {
        low >> Self::SATISFACTION_SHIFT
    }

    /// The place in `ReportStatus::ALL` of a high byte.
    pub fn status_of(high: u8) -> u8 {
        high & 0b1111
    }

    /// `priority_rank` of the priority in the queue bits (a report without one counts as
    /// NORMAL).
    pub fn rank_of(due_bits: u16) -> u8 {
        match (due_bits & Self::PRIORITY_MASK) as u8 {
            0 => 2,
            priority => priority - 1,
        }
    }
}

/// The facts of one report that lists read; the catalogue keeps them by column (`columns.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ReportSummary {
    pub id: u64,
    /// Nanoseconds since 1970 (see `listing::nanos`).
    pub created: i64,
    /// Seconds spent waiting for the reporter in past pauses (every due time moves by them).
    pub paused_seconds: u32,
    pub location: Option<GeoPoint>,
    /// Interned category code; 0 when none.
    pub category: u16,
    /// Interned assigned unit code; 0 when none.
    pub unit: u16,
    /// Interned holder (`Report::assignee`); 0 when nobody holds the report.
    pub holder: u16,
    /// Interned business number (`Report::channel`); 0 when none.
    pub channel: u8,
    pub facets: Facets,
}

/// The interned codes of one report: category, unit, business number and holder.
pub(super) struct Interned {
    pub category: u16,
    pub unit: u16,
    pub channel: u8,
    pub holder: u16,
}

impl ReportSummary {
    /// The summary of `report` with its interned codes.
    pub fn of(report: &Report, rules: &AccessRules, interned: Interned) -> ReportSummary {
        let status = ReportStatus::ALL
            .iter()
            .position(|status| *status == report.status)
            .unwrap_or(0) as u16;
        let stage = SlaPolicy::pending_stages(report)
            .next()
            .and_then(|stage| SlaStage::ALL.iter().position(|each| *each == stage))
            .map_or(0, |place| place as u16 + 1);
        let priority = report
            .priority
            .map_or(0, |priority| u16::from(priority_rank(Some(priority))) + 1);
        let mut word = priority
            | stage << Facets::STAGE_SHIFT
            | u16::from(satisfaction_code(report)) << Facets::SATISFACTION_SHIFT
            | status << Facets::STATUS_SHIFT;
        if report.paused_since.is_some() {
            word |= Facets::PAUSED;
        }
        let mut flags = 0u8;
        if report.has_media {
            flags |= Facets::HAS_MEDIA;
        }
        if rules.is_compartmented(report) {
            flags |= Facets::COMPARTMENTED;
        }
        if report.blocked {
            flags |= Facets::BLOCKED;
        }
        if interned.holder != 0 {
            flags |= Facets::HELD;
        }
        word |= u16::from(flags) << 8;
        ReportSummary {
            id: report.id.get(),
            created: nanos(report.created_at),
            paused_seconds: u32::try_from(report.paused_seconds.max(0)).unwrap_or(u32::MAX),
            location: report.location,
            category: interned.category,
            unit: interned.unit,
            holder: interned.holder,
            channel: interned.channel,
            facets: Facets(word),
        }
    }
}

/// When the open SLA stage is due, by the queue bits of a report's facets: the SLA target in
/// nanoseconds, or `None` when nothing is due or the clock is paused.
pub(super) struct DueTargets {
    offsets: [Option<i64>; 64],
}

impl DueTargets {
    pub fn of(sla: &SlaPolicy) -> DueTargets {
        let in_nanos = |target: Duration| target.num_nanoseconds().unwrap_or(i64::MAX);
        let rows = [&sla.urgent, &sla.high, &sla.normal, &sla.low]
            .map(|targets| SlaStage::ALL.map(|stage| in_nanos(targets.for_stage(stage))));
        let mut offsets = [None; 64];
        for (bits, offset) in offsets.iter_mut().enumerate() {
            let bits = bits as u16;
            let stage = (bits >> Facets::STAGE_SHIFT) & 0b11;
            if stage == 0 || bits & Facets::PAUSED != 0 {
                continue;
            }
            // Priority bits past LOW are never stored.
            if let Some(row) = rows.get(Facets::rank_of(bits) as usize) {
                *offset = Some(row[stage as usize - 1]);
            }
        }
        DueTargets { offsets }
    }

    /// The due time in nanoseconds since 1970 (`i64::MAX` when nothing is due or the clock is
    /// paused) of a report with these facets, created then and paused that long before.
    #[inline]
    pub fn due(&self, facets: u16, created: i64, paused_seconds: u32) -> i64 {
        match self.offsets[(facets & Facets::DUE_BITS) as usize] {
            None => i64::MAX,
            Some(target) => created
                .saturating_add(target)
                .saturating_add(i64::from(paused_seconds).saturating_mul(1_000_000_000)),
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
    fn every_status_fits_the_four_bits_of_the_facets() {
        assert!(ReportStatus::ALL.len() <= 16);
        assert!(SatisfactionRating::ALL.len() <= 3);
        assert!(SlaStage::ALL.len() <= 3);
    }

    #[test]
    fn the_rank_of_no_priority_is_normal() {
        assert_eq!(Facets::rank_of(0), 2);
        assert_eq!(Facets::rank_of(1), 0);
        assert_eq!(Facets::rank_of(4), 3);
    }
}
