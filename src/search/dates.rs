//! Relative dates in Indonesian query words ("kemarin", "bulan lalu", "7 hari terakhir",
//! "maret 2026") as creation-time ranges, in Asia/Jakarta time (WIB, UTC+7, no daylight saving).

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};

/// WIB is UTC+7 all year.
pub(crate) const WIB_OFFSET_SECS: i64 = 7 * 3600;
const SECONDS_PER_DAY: i64 = 86_400;
/// "N hari terakhir" beyond ten years is a typing error, not a date range.
const MAX_RELATIVE_DAYS: u64 = 3660;
const MIN_YEAR: i32 = 1970;
const MAX_YEAR: i32 = 2200;

const MONTHS: [(&str, u32); 14] = [
    ("januari", 1),
    ("februari", 2),
    ("pebruari", 2),
    ("maret", 3),
    ("april", 4),
    ("mei", 5),
    ("juni", 6),
    ("juli", 7),
    ("agustus", 8),
    ("september", 9),
    ("oktober", 10),
    ("november", 11),
    ("nopember", 11),
    ("desember", 12),
];

/// A half-open time range `[from, to)`; `None` leaves that side open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TimeRange {
    pub(crate) from: Option<DateTime<Utc>>,
    pub(crate) to: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub(crate) fn new(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> TimeRange {
        TimeRange { from, to }
    }

    /// The times inside both ranges.
    pub(crate) fn intersect(self, other: TimeRange) -> TimeRange {
        let from = match (self.from, other.from) {
            (Some(left), Some(right)) => Some(left.max(right)),
            (left, right) => left.or(right),
        };
        let to = match (self.to, other.to) {
            (Some(left), Some(right)) => Some(left.min(right)),
            (left, right) => left.or(right),
        };
        TimeRange { from, to }
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!((self.from, self.to), (Some(from), Some(to)) if from >= to)
    }

    pub(crate) fn is_unbounded(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// The WIB calendar day of an instant.
pub(crate) fn wib_date(at: DateTime<Utc>) -> NaiveDate {
    let shifted = at.timestamp().saturating_add(WIB_OFFSET_SECS);
    wib_day_date(shifted.div_euclid(SECONDS_PER_DAY))
}

/// The number of the WIB day an instant (unix seconds) falls on, counted from 1970-01-01.
pub(crate) fn wib_day_number(unix_seconds: i64) -> i64 {
    unix_seconds
        .saturating_add(WIB_OFFSET_SECS)
        .div_euclid(SECONDS_PER_DAY)
}

/// The calendar date of a WIB day number.
pub(crate) fn wib_day_date(day_number: i64) -> NaiveDate {
    DateTime::from_timestamp(day_number.saturating_mul(SECONDS_PER_DAY), 0)
        .map(|midnight| midnight.date_naive())
        .unwrap_or_default()
}

/// The instant a WIB calendar day starts.
fn wib_midnight(date: NaiveDate) -> Option<DateTime<Utc>> {
    let utc_midnight = date.and_hms_opt(0, 0, 0)?.and_utc();
    utc_midnight.checked_sub_signed(chrono::TimeDelta::seconds(WIB_OFFSET_SECS))
}

fn days(first: NaiveDate, after_last: NaiveDate) -> Option<TimeRange> {
    Some(TimeRange::new(
        Some(wib_midnight(first)?),
        Some(wib_midnight(after_last)?),
    ))
}

fn month_range(year: i32, month: u32) -> Option<TimeRange> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    days(first, first.checked_add_months(Months::new(1))?)
}

fn year_range(year: i32) -> Option<TimeRange> {
    days(
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
    )
}

fn month_number(word: &str) -> Option<u32> {
    MONTHS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, number)| *number)
}

fn year_number(word: &str) -> Option<i32> {
    if word.len() != 4 || !word.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    word.parse()
        .ok()
        .filter(|year| (MIN_YEAR..=MAX_YEAR).contains(year))
}

fn is_past_marker(word: &str) -> bool {
    matches!(word, "lalu" | "kemarin" | "kemaren")
}

/// A relative date at the start of `words` (lowercase query words): how many words it spans and
/// the range it names, relative to `now`.
pub(crate) fn date_at(words: &[&str], now: DateTime<Utc>) -> Option<(usize, TimeRange)> {
    let today = wib_date(now);
    let tomorrow = today.checked_add_days(Days::new(1))?;
    let first = *words.first()?;
    let second = words.get(1).copied().unwrap_or_default();
    let third = words.get(2).copied().unwrap_or_default();
    match (first, second) {
        ("hari", "ini") => return Some((2, days(today, tomorrow)?)),
        ("kemarin" | "kemaren", _) => {
            let yesterday = today.checked_sub_days(Days::new(1))?;
            return Some((1, days(yesterday, today)?));
        }
        ("minggu" | "pekan", "ini") => {
            let monday = today.checked_sub_days(Days::new(monday_offset(today)))?;
            return Some((2, days(monday, monday.checked_add_days(Days::new(7))?)?));
        }
        ("minggu" | "pekan", second) if is_past_marker(second) => {
            let monday = today.checked_sub_days(Days::new(monday_offset(today)))?;
            return Some((2, days(monday.checked_sub_days(Days::new(7))?, monday)?));
        }
        ("bulan", "ini") => return Some((2, month_range(today.year(), today.month())?)),
        ("bulan", second) if is_past_marker(second) => {
            let last_month = today.checked_sub_months(Months::new(1))?;
            return Some((2, month_range(last_month.year(), last_month.month())?));
        }
        ("tahun", "ini") => return Some((2, year_range(today.year())?)),
        ("tahun", second) if is_past_marker(second) => {
            return Some((2, year_range(today.year() - 1)?));
        }
        _ => {}
    }
    if let Ok(count) = first.parse::<u64>()
        && second == "hari"
        && matches!(third, "terakhir" | "lalu" | "belakangan")
        && (1..=MAX_RELATIVE_DAYS).contains(&count)
    {
        let start = today.checked_sub_days(Days::new(count - 1))?;
        return Some((3, days(start, tomorrow)?));
    }
    // "bulan maret", "maret", "maret 2026".
    let (skipped, month_word, year_word) = if first == "bulan" {
        (1, second, third)
    } else {
        (0, first, second)
    };
    let month = month_number(month_word)?;
    if let Some(year) = year_number(year_word) {
        return Some((skipped + 2, month_range(year, month)?));
    }
    let year = if month <= today.month() {
        today.year()
    } else {
        today.year() - 1
    };
    Some((skipped + 1, month_range(year, month)?))
}

fn monday_offset(date: NaiveDate) -> u64 {
    u64::from(date.weekday().num_days_from_monday())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn range_of(query: &str, now: &str) -> Option<(usize, TimeRange)> {
        let words: Vec<&str> = query.split_whitespace().collect();
        date_at(&words, at(now))
    }

    fn expect(query: &str, now: &str, span: usize, from: &str, to: &str) {
        assert_eq!(
            range_of(query, now),
            Some((span, TimeRange::new(Some(at(from)), Some(at(to))))),
            "{query}"
        );
    }

    #[test]
    fn days_are_wib_days() {
        // 20:00 UTC on 9 March is 03:00 WIB on 10 March.
        let now = "2026-03-09T20:00:00Z";
        expect(
            "hari ini",
            now,
            2,
            "2026-03-10T00:00:00+07:00",
            "2026-03-11T00:00:00+07:00",
        );
        expect(
            "kemarin",
            now,
            1,
            "2026-03-09T00:00:00+07:00",
            "2026-03-10T00:00:00+07:00",
        );
        expect(
            "7 hari terakhir",
            now,
            3,
            "2026-03-04T00:00:00+07:00",
            "2026-03-11T00:00:00+07:00",
        );
        expect(
            "1 hari lalu",
            now,
            3,
            "2026-03-10T00:00:00+07:00",
            "2026-03-11T00:00:00+07:00",
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        // 12 March 2026 is a Thursday.
        let now = "2026-03-12T05:00:00Z";
        expect(
            "minggu ini",
            now,
            2,
            "2026-03-09T00:00:00+07:00",
            "2026-03-16T00:00:00+07:00",
        );
        expect(
            "minggu lalu",
            now,
            2,
            "2026-03-02T00:00:00+07:00",
            "2026-03-09T00:00:00+07:00",
        );
    }

    #[test]
    fn months_and_years() {
        let now = "2026-01-15T05:00:00Z";
        expect(
            "bulan ini",
            now,
            2,
            "2026-01-01T00:00:00+07:00",
            "2026-02-01T00:00:00+07:00",
        );
        expect(
            "bulan lalu",
            now,
            2,
            "2025-12-01T00:00:00+07:00",
            "2026-01-01T00:00:00+07:00",
        );
        expect(
            "tahun ini",
            now,
            2,
            "2026-01-01T00:00:00+07:00",
            "2027-01-01T00:00:00+07:00",
        );
        expect(
            "tahun lalu",
            now,
            2,
            "2025-01-01T00:00:00+07:00",
            "2026-01-01T00:00:00+07:00",
        );
        expect(
            "maret",
            now,
            1,
            "2025-03-01T00:00:00+07:00",
            "2025-04-01T00:00:00+07:00",
        );
        expect(
            "januari",
            now,
            1,
            "2026-01-01T00:00:00+07:00",
            "2026-02-01T00:00:00+07:00",
        );
        expect(
            "maret 2026",
            now,
            2,
            "2026-03-01T00:00:00+07:00",
            "2026-04-01T00:00:00+07:00",
        );
        expect(
            "bulan agustus 2025",
            now,
            3,
            "2025-08-01T00:00:00+07:00",
            "2025-09-01T00:00:00+07:00",
        );
    }

    #[test]
    fn other_words_are_no_dates() {
        let now = "2026-01-15T05:00:00Z";
        for query in [
            "hari",
            "bulan",
            "minggu",
            "motor hilang",
            "0 hari terakhir",
            "99999 hari lalu",
        ] {
            assert_eq!(range_of(query, now), None, "{query}");
        }
    }

    #[test]
    fn ranges_intersect() {
        let early = TimeRange::new(Some(at("2026-01-01T00:00:00Z")), None);
        let late = TimeRange::new(None, Some(at("2026-01-02T00:00:00Z")));
        let both = early.intersect(late);
        assert!(!both.is_empty());
        assert!(
            both.intersect(TimeRange::new(Some(at("2026-01-03T00:00:00Z")), None))
                .is_empty()
        );
    }
}
