//! The search index against the store: every report not waiting in the index queue is indexed
//! once, with the status and category the store has; the index holds no report the store
//! lacks.

use std::path::Path;

use super::records::Catalogue;
use super::{Findings, Fix, Group};
use crate::search::SearchError;
use crate::search::inspect::indexed_reports;

pub(super) fn check_index(dir: &Path, catalogue: &Catalogue, findings: &mut Findings) {
    let indexed = match indexed_reports(dir) {
        Ok(indexed) => indexed,
        Err(SearchError::NeedsRebuild { reason }) => {
            findings.add(
                Group::SearchIndex,
                format!("the index cannot be used: {reason}"),
                Some(Fix::RebuildIndex),
            );
            return;
        }
        Err(error) => {
            findings.add(
                Group::SearchIndex,
                format!("the index cannot be read: {error}"),
                Some(Fix::RebuildIndex),
            );
            return;
        }
    };
    findings.counts.indexed = Some(indexed.values().map(Vec::len).sum());
    let mut problems = Vec::new();
    for (report_id, docs) in &indexed {
        if !catalogue.reports.contains_key(report_id) {
            problems.push(format!(
                "the index holds report {report_id}, which does not exist"
            ));
        } else if docs.len() > 1 {
            problems.push(format!(
                "the index holds report {report_id} {} times",
                docs.len()
            ));
        }
    }
    let mut ids: Vec<_> = catalogue.reports.keys().copied().collect();
    ids.sort_unstable();
    for report_id in ids {
        if catalogue.queued_for_index.contains(&report_id) {
            // Changed since it was last indexed: the indexer catches up at the next start.
            continue;
        }
        let facts = &catalogue.reports[&report_id];
        let Some(docs) = indexed.get(&report_id) else {
            problems.push(format!("report {report_id} is missing from the index"));
            continue;
        };
        findings.counts.compared += 1;
        let doc = &docs[0];
        if doc.status != Some(facts.status) {
            problems.push(format!(
                "report {report_id} is {} but indexed as {}",
                facts.status,
                doc.status
                    .map_or("an unknown status".to_owned(), |status| status.to_string())
            ));
        } else if doc.category != facts.category {
            problems.push(format!(
                "report {report_id} has category {} but is indexed with {}",
                facts.category.as_deref().unwrap_or("none"),
                doc.category.as_deref().unwrap_or("none")
            ));
        }
    }
    problems.sort();
    for problem in problems {
        findings.add(Group::SearchIndex, problem, Some(Fix::RebuildIndex));
    }
}
