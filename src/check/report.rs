//! The check's findings as text: problems grouped, one line each, then the counts.

use std::fmt::Write as _;

use super::{Findings, Group};

/// Lines shown per group; the rest are counted.
const LINES_PER_GROUP: usize = 50;

/// The findings for a reader: the grouped problems (if any), then one summary line.
pub fn render(findings: &Findings) -> String {
    let mut text = String::new();
    let mut groups: Vec<Group> = findings
        .problems
        .iter()
        .map(|problem| problem.group)
        .collect();
    groups.dedup();
    for group in groups {
        let problems: Vec<_> = findings
            .problems
            .iter()
            .filter(|problem| problem.group == group)
            .collect();
        let _ = writeln!(text, "{} ({}):", group.title(), problems.len());
        for problem in problems.iter().take(LINES_PER_GROUP) {
            let mark = if problem.fix.is_some() {
                " [repairable]"
            } else {
                ""
            };
            let _ = writeln!(text, "  - {}{mark}", problem.text);
        }
        if problems.len() > LINES_PER_GROUP {
            let _ = writeln!(text, "  … and {} more", problems.len() - LINES_PER_GROUP);
        }
    }
    for warning in &findings.warnings {
        let _ = writeln!(text, "warning: {warning}");
    }
    let counts = &findings.counts;
    let indexed = counts
        .indexed
        .map_or("unreadable".to_owned(), |docs| docs.to_string());
    let verdict = if findings.is_clean() {
        "clean".to_owned()
    } else {
        format!(
            "{} problems ({} repairable with --repair)",
            findings.problems.len(),
            findings.repairable()
        )
    };
    let _ = writeln!(
        text,
        "{verdict}: {} reports, {} messages, {} reporters, {} timeline entries, outbox {}, \
         media queue {}, index queue {}, quarantine {}, index {indexed} documents ({} compared); \
         {:.2} s",
        counts.reports,
        counts.messages,
        counts.reporters,
        counts.timeline_events,
        counts.outbox,
        counts.media_jobs,
        counts.index_queue,
        counts.quarantined,
        counts.compared,
        findings.seconds
    );
    text
}
