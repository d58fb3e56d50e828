//! `siaga export`: every report with its reporter, status and messages, one per line (JSON
//! lines or CSV), for analysts and as a black-box view of the store.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::domain::message::{Message, MessageBody};
use crate::domain::reporter::Reporter;
use crate::domain::sla::SlaPolicy;
use crate::domain::unit::UnitTree;
use crate::intake::records::{all_reports, report_messages};
use crate::store::keys::u64_key;
use crate::store::{Store, StoreError, Table};
use crate::workflow::{ReportFilter, filter_matches};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

/// Reports created within [from, to] (whole days, UTC), both optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    fn contains(&self, at: DateTime<Utc>) -> bool {
        let day = at.date_naive();
        self.from.is_none_or(|from| day >= from) && self.to.is_none_or(|to| day <= to)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

/// Which reports to export: a range of creation days and the API's `ReportFilter` (whose
/// `overdue` is judged against `sla` at the time of the export).
pub struct Selection<'a> {
    pub range: DateRange,
    pub filter: &'a ReportFilter,
    pub tree: &'a UnitTree,
    pub sla: &'a SlaPolicy,
}

/// Writes the export and returns how many reports it holds.
pub fn export(
    store: &Store,
    format: ExportFormat,
    selection: &Selection<'_>,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let now = Utc::now();
    let mut count = 0;
    if format == ExportFormat::Csv {
        writeln!(
            out,
            "ticket,status,created_at,updated_at,reporter_name,reporter_phone,category,priority,assigned_unit,flags,message_count,messages"
        )?;
    }
    for report in all_reports(store) {
        let report = report?;
        if !selection.range.contains(report.created_at)
            || !filter_matches(
                selection.filter,
                &report,
                selection.tree,
                selection.sla,
                now,
            )
        {
            continue;
        }
        let reporter: Option<Reporter> =
            store.get_record(Table::Reporters, &u64_key(report.reporter_id))?;
        let messages = report_messages(store, report.id)?;
        match format {
            ExportFormat::Jsonl => {
                let line = json!({
                    "id": report.id.to_string(),
                    "ticket": report.ticket,
                    "status": report.status,
                    "created_at": report.created_at,
                    "updated_at": report.updated_at,
                    "category": report.category,
                    "priority": report.priority,
                    "summary": report.summary,
                    "assigned_unit": report.assigned_unit,
                    "location": report.location.map(|point| json!({ "latitude": point.latitude, "longitude": point.longitude })),
                    "flags": report.flags,
                    "reporter": reporter.as_ref().map(reporter_json),
                    "messages": messages.iter().map(message_json).collect::<Vec<Value>>(),
                });
                writeln!(out, "{line}")?;
            }
            ExportFormat::Csv => {
                let texts: Vec<String> = messages
                    .iter()
                    .map(|message| {
                        let direction = if matches!(message.body, MessageBody::Inbound { .. }) {
                            "in"
                        } else {
                            "out"
                        };
                        format!(
                            "[{direction} {}] {}",
                            message.kind_name(),
                            message.text().unwrap_or("")
                        )
                    })
                    .collect();
                let fields = [
                    report.ticket.clone(),
                    report.status.as_str().to_string(),
                    report.created_at.to_rfc3339(),
                    report.updated_at.to_rfc3339(),
                    reporter
                        .as_ref()
                        .and_then(|reporter| reporter.name.clone())
                        .unwrap_or_default(),
                    reporter
                        .as_ref()
                        .and_then(|reporter| reporter.phone.as_ref().map(|phone| phone.to_string()))
                        .unwrap_or_default(),
                    report.category.clone().unwrap_or_default(),
                    report
                        .priority
                        .map(|priority| priority.as_str().to_string())
                        .unwrap_or_default(),
                    report.assigned_unit.clone().unwrap_or_default(),
                    report.flags.join(";"),
                    messages.len().to_string(),
                    texts.join(" | "),
                ];
                let row: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
                writeln!(out, "{}", row.join(","))?;
            }
        }
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

fn reporter_json(reporter: &Reporter) -> Value {
    json!({
        "id": reporter.id.to_string(),
        "name": reporter.name,
        "phone": reporter.phone.as_ref().map(|phone| phone.to_string()),
        "bsuid": reporter.bsuid,
    })
}

fn message_json(message: &Message) -> Value {
    json!({
        "id": message.id.to_string(),
        "direction": message.direction,
        "kind": message.kind_name(),
        "text": message.text(),
        "external_id": message.external_id,
        "created_at": message.created_at,
        "delivery_status": message.delivery.as_ref().map(|delivery| delivery.status.as_str()),
        "delivery_error": message.delivery.as_ref().and_then(|delivery| delivery.error.as_ref().map(|error| error.to_string())),
        "media": message.media.as_ref().map(|media| json!({
            "state": media.state,
            "sha256": media.sha256_hex,
            "size_bytes": media.size_bytes,
            "content_type": media.content_type,
            "error": media.error,
        })),
        "edited": !message.revisions.is_empty(),
        "revoked_at": message.revoked_at,
    })
}

/// RFC 4180: quote when needed, double inner quotes. A leading formula character is prefixed
/// with `'` so that spreadsheets do not execute citizen text.
fn csv_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formula_safe() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
