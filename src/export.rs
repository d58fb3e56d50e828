//! Exports of reports with their reporter, status and messages, one per line (JSON lines or
//! CSV): `siaga export` for admins on a stopped server, and `GET /export` for signed-in users,
//! which shows each reader only the reports they may see, with phone numbers masked for
//! analysts (`Reader`).

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::domain::message::{Message, MessageBody};
use crate::domain::reporter::Reporter;
use crate::domain::satisfaction::Satisfaction;
use crate::domain::sla::SlaPolicy;
use crate::domain::unit::UnitTree;
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};
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

/// A `ReportFilter` as text, as `siaga export`'s flags and `GET /export`'s parameters give it:
/// lists separated by commas.
#[derive(Debug, Clone, Default)]
pub struct FilterText {
    /// NEW, FORWARDED, …
    pub status: Option<String>,
    /// Category codes.
    pub category: Option<String>,
    /// A unit code: its reports and those of the units below it.
    pub unit: Option<String>,
    /// URGENT, HIGH, NORMAL, LOW.
    pub priority: Option<String>,
    pub has_media: Option<bool>,
    pub overdue: Option<bool>,
    /// PUAS, CUKUP, TIDAK_PUAS: the citizen's answer to the satisfaction question.
    pub satisfaction: Option<String>,
    /// A phone number id: reports that came in on that business number.
    pub channel: Option<String>,
}

impl FilterText {
    /// The filter, or BAD_USER_INPUT naming the value that is not one. `channels` tells
    /// whether the channel asked for is the default number.
    pub fn to_filter(
        &self,
        channels: &crate::domain::channel::ChannelDirectory,
    ) -> Result<ReportFilter, crate::error::UserError> {
        use crate::domain::report::{Priority, ReportStatus};
        use crate::domain::satisfaction::SatisfactionRating;
        use crate::error::UserError;
        fn items(list: &Option<String>) -> impl Iterator<Item = &str> {
            list.as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
        }
        let status = items(&self.status)
            .map(|text| {
                ReportStatus::ALL
                    .into_iter()
                    .find(|status| status.as_str().eq_ignore_ascii_case(text))
                    .ok_or_else(|| UserError::bad_input(format!("unknown status {text:?}")))
            })
            .collect::<Result<_, _>>()?;
        let priority = items(&self.priority)
            .map(|text| {
                [
                    Priority::Urgent,
                    Priority::High,
                    Priority::Normal,
                    Priority::Low,
                ]
                .into_iter()
                .find(|priority| priority.as_str().eq_ignore_ascii_case(text))
                .ok_or_else(|| UserError::bad_input(format!("unknown priority {text:?}")))
            })
            .collect::<Result<_, _>>()?;
        let satisfaction = items(&self.satisfaction)
            .map(|text| {
                SatisfactionRating::ALL
                    .into_iter()
                    .find(|rating| rating.as_str().eq_ignore_ascii_case(text))
                    .ok_or_else(|| {
                        UserError::bad_input(format!(
                            "unknown satisfaction {text:?} (PUAS, CUKUP or TIDAK_PUAS)"
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        let (channel, channel_is_default) = channels.filter_channel(self.channel.as_deref())?;
        Ok(ReportFilter {
            status,
            category: items(&self.category).map(str::to_string).collect(),
            unit_code: self.unit.as_deref().map(str::trim).map(str::to_string),
            priority,
            has_media: self.has_media,
            overdue: self.overdue,
            satisfaction,
            channel,
            channel_is_default,
            ..ReportFilter::default()
        })
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
/// `overdue` is judged against `sla` at the time of the export), for whom.
pub struct Selection<'a> {
    pub range: DateRange,
    pub filter: &'a ReportFilter,
    pub tree: &'a UnitTree,
    pub sla: &'a SlaPolicy,
    pub reader: Reader<'a>,
}

/// Who reads the export: which reports they may see, and whether phone numbers, WhatsApp user
/// ids and message ids are hidden from them (numbers inside free text become `•`).
pub struct Reader<'a> {
    pub visible: &'a (dyn Fn(&crate::domain::report::Report) -> bool + Sync),
    pub mask_phones: bool,
}

impl Reader<'_> {
    /// Everything, numbers included: `siaga export` without `--mask-phones`.
    pub const EVERYTHING: Reader<'static> = Reader {
        visible: &|_| true,
        mask_phones: false,
    };

    fn text<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        crate::domain::redact::mask_phone_numbers_if(text, self.mask_phones)
    }
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
            "ticket,status,created_at,updated_at,reporter_name,reporter_phone,category,priority,assigned_unit,flags,satisfaction,satisfaction_comment,satisfaction_asked_at,satisfaction_answered_at,message_count,messages"
        )?;
    }
    let reader = &selection.reader;
    for report in store.reports().oldest_first() {
        let report = report?;
        if !(selection.reader.visible)(&report)
            || !selection.range.contains(report.created_at)
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
        let reporter: Option<Reporter> = store.reporters().get(report.reporter_id)?;
        let messages = store.reports().messages(report.id)?;
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
                    "summary": report.summary.as_deref().map(|summary| reader.text(summary)),
                    "assigned_unit": report.assigned_unit,
                    "location": report.location.map(|point| json!({ "latitude": point.latitude, "longitude": point.longitude })),
                    "flags": report.flags,
                    "satisfaction": report.satisfaction.as_ref().map(|satisfaction| satisfaction_json(satisfaction, reader)),
                    "reporter": reporter.as_ref().map(|reporter| reporter_json(reporter, reader)),
                    "messages": messages.iter().map(|message| message_json(message, reader)).collect::<Vec<Value>>(),
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
                            reader.text(message.text().unwrap_or(""))
                        )
                    })
                    .collect();
                let satisfaction = report.satisfaction.as_ref();
                let fields = [
                    report.ticket.to_string(),
                    report.status.as_str().to_string(),
                    report.created_at.to_rfc3339(),
                    report.updated_at.to_rfc3339(),
                    reporter
                        .as_ref()
                        .and_then(|reporter| reporter.name.as_deref())
                        .map(|name| reader.text(name).into_owned())
                        .unwrap_or_default(),
                    reporter
                        .as_ref()
                        .and_then(|reporter| reporter.phone.as_ref())
                        .map(|phone| phone_for(phone, reader))
                        .unwrap_or_default(),
                    report.category.clone().unwrap_or_default(),
                    report
                        .priority
                        .map(|priority| priority.as_str().to_string())
                        .unwrap_or_default(),
                    report
                        .assigned_unit
                        .as_deref()
                        .unwrap_or_default()
                        .to_string(),
                    report.flags.join(";"),
                    satisfaction
                        .and_then(|satisfaction| satisfaction.rating)
                        .map(|rating| rating.as_str().to_string())
                        .unwrap_or_default(),
                    satisfaction
                        .and_then(|satisfaction| satisfaction.comment.as_deref())
                        .map(|comment| reader.text(comment).into_owned())
                        .unwrap_or_default(),
                    satisfaction
                        .map(|satisfaction| satisfaction.asked_at.to_rfc3339())
                        .unwrap_or_default(),
                    satisfaction
                        .and_then(|satisfaction| satisfaction.answered_at)
                        .map(|at| at.to_rfc3339())
                        .unwrap_or_default(),
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

fn phone_for(phone: &crate::domain::phone::PhoneNumber, reader: &Reader<'_>) -> String {
    if reader.mask_phones {
        phone.masked()
    } else {
        phone.to_string()
    }
}

fn reporter_json(reporter: &Reporter, reader: &Reader<'_>) -> Value {
    json!({
        "id": reporter.id.to_string(),
        "name": reporter.name.as_deref().map(|name| reader.text(name)),
        "phone": reporter.phone.as_ref().map(|phone| phone_for(phone, reader)),
        // A business-scoped user id names the person as surely as the number.
        "bsuid": reporter.bsuid.as_ref().filter(|_| !reader.mask_phones),
    })
}

/// The satisfaction question and the answer: the rating is the citizen's verdict on the
/// service, shown to every reader; the comment is the citizen's own text, masked like a
/// message's.
fn satisfaction_json(satisfaction: &Satisfaction, reader: &Reader<'_>) -> Value {
    json!({
        "rating": satisfaction.rating.map(|rating| rating.as_str()),
        "comment": satisfaction.comment.as_deref().map(|comment| reader.text(comment)),
        "asked_at": satisfaction.asked_at,
        "asked_by": satisfaction.asked_by,
        "answered_at": satisfaction.answered_at,
    })
}

fn message_json(message: &Message, reader: &Reader<'_>) -> Value {
    json!({
        "id": message.id.to_string(),
        "direction": message.direction,
        "kind": message.kind_name(),
        "text": message.text().map(|text| reader.text(text)),
        // WhatsApp message ids carry the sender's number, base64-encoded.
        "external_id": message.external_id.as_ref().filter(|_| !reader.mask_phones),
        "created_at": message.created_at,
        "received_at": message.received_at,
        // The send time as the citizen's phone stated it, when it differs from `created_at`
        // (clamped to the receive time).
        "stated_sent_at": message.stated_sent_at.filter(|stated| *stated != message.created_at),
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
