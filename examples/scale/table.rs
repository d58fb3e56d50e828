//! The scale example's result: rows of (measure, value, target), printed and written as the
//! Markdown table of issue #16, with the run's conditions above it.

use std::time::Duration;

pub struct Row {
    pub measure: String,
    pub value: String,
    pub target: String,
}

impl Row {
    pub fn new(
        measure: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
    ) -> Row {
        Row {
            measure: measure.into(),
            value: value.into(),
            target: target.into(),
        }
    }
}

/// The `fraction` percentile of sorted durations, in milliseconds (nearest rank).
pub fn percentile_ms(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

/// The table with a header line naming the conditions.
pub fn render(heading: &str, rows: &[Row]) -> String {
    let mut out = format!("{heading}\n\n| measure | value | target |\n| --- | --- | --- |\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            row.measure.replace('|', "\\|"),
            row.value,
            row.target
        ));
    }
    out
}
