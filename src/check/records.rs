//! The store's own agreement: messages and conversation lists, tickets, timelines, queues,
//! the open-reports set, reporters and identities, channel ids.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::{Findings, Fix, Group, identities};
use crate::domain::ids::{MessageId, ReportId, Wamid};
use crate::domain::message::{Direction, Message};
use crate::domain::report::{Report, ReportStatus};
use crate::ledger::{Ledger, OutboxWork};
use crate::store::{Store, StoreError};

/// How far back a timeline entry may be stamped behind the one before it: concurrent writers
/// take their clock before their transaction, so the later of two may carry the earlier time.
const TIMELINE_SKEW: Duration = Duration::seconds(60);

/// What the index check needs of each report.
pub(super) struct ReportFacts {
    pub status: ReportStatus,
    pub category: Option<String>,
}

/// The reports as the store has them, and those still queued for indexing.
pub(super) struct Catalogue {
    pub reports: HashMap<ReportId, ReportFacts>,
    pub queued_for_index: HashSet<ReportId>,
}

/// What the checks need of each message.
pub(super) struct MessageFacts {
    pub report_id: Option<ReportId>,
    pub direction: Direction,
    pub external_id: Option<Wamid>,
    pub has_media: bool,
}

pub(super) fn check_records(
    store: &Store,
    findings: &mut Findings,
) -> Result<Catalogue, StoreError> {
    let survey = store.survey();
    let mut reporters = HashMap::new();
    for reporter in survey.reporters() {
        let reporter = reporter?;
        reporters.insert(reporter.id, reporter);
    }
    let mut reports = HashMap::new();
    for report in store.reports().oldest_first() {
        let report = report?;
        reports.insert(report.id, report);
    }
    let mut messages = HashMap::new();
    let known = Known {
        reports: &reports,
        reporters: &reporters,
        raw_bodies_pruned_through: store.channel_log().raw_bodies_pruned_through()?,
    };
    for message in survey.messages() {
        let message = message?;
        check_message_refs(store, &message, &known, findings)?;
        messages.insert(message.id, message_facts(&message));
    }
    findings.counts.reports = reports.len();
    findings.counts.messages = messages.len();
    findings.counts.reporters = reporters.len();
    check_links(store, &reports, &messages, findings)?;
    check_tickets(store, &reports, findings)?;
    check_timelines(store, &reports, findings)?;
    check_open_set(store, &reports, findings)?;
    identities::check_reporters(store, &reports, &reporters, findings)?;
    identities::check_wamids(store, &messages, findings)?;
    let queued_for_index = check_queues(store, &reports, &messages, findings)?;
    Ok(Catalogue {
        reports: reports
            .into_values()
            .map(|report| {
                let facts = ReportFacts {
                    status: report.status,
                    category: report.category,
                };
                (report.id, facts)
            })
            .collect(),
        queued_for_index,
    })
}

fn message_facts(message: &Message) -> MessageFacts {
    MessageFacts {
        report_id: message.report_id,
        direction: message.direction,
        external_id: message.external_id.clone(),
        has_media: message.media.is_some(),
    }
}

/// What a message may refer to.
struct Known<'a> {
    reports: &'a HashMap<ReportId, Report>,
    reporters: &'a HashMap<u64, crate::domain::reporter::Reporter>,
    /// Raw bodies up to this id may have been removed by the retention setting.
    raw_bodies_pruned_through: u64,
}

/// A message's own references: its report, its reporter, its raw body (unless the retention
/// setting may have removed it).
fn check_message_refs(
    store: &Store,
    message: &Message,
    known: &Known<'_>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    let (reports, reporters) = (known.reports, known.reporters);
    let id = message.id;
    // A message may belong to no report: a notice (a changed number) from a citizen with no
    // open report.
    if let Some(report_id) = message.report_id
        && !reports.contains_key(&report_id)
    {
        findings.add(
            Group::Messages,
            format!("message {id} belongs to report {report_id}, which does not exist"),
            None,
        );
    }
    if let Some(reporter_id) = message.reporter_id
        && !reporters.contains_key(&reporter_id)
    {
        findings.add(
            Group::Reporters,
            format!("message {id} is from reporter {reporter_id}, who does not exist"),
            None,
        );
    }
    if let Some(raw) = message.raw_payload_id
        && raw > known.raw_bodies_pruned_through
        && !store.survey().has_raw_payload(raw)?
    {
        findings.add(
            Group::Messages,
            format!("the raw webhook body {raw} of message {id} is missing"),
            None,
        );
    }
    Ok(())
}

/// Every message is on its report's list, and every entry of a list is a message of it.
fn check_links(
    store: &Store,
    reports: &HashMap<ReportId, Report>,
    messages: &HashMap<MessageId, MessageFacts>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    let mut linked = HashSet::new();
    for link in store.survey().report_messages() {
        let (report_id, message_id) = link?;
        linked.insert((report_id, message_id));
        match messages.get(&message_id) {
            None => findings.add(
                Group::Messages,
                format!("report {report_id} lists message {message_id}, which does not exist"),
                None,
            ),
            Some(message) if message.report_id != Some(report_id) => findings.add(
                Group::Messages,
                format!(
                    "report {report_id} lists message {message_id}, which belongs to {}",
                    message
                        .report_id
                        .map_or("no report".to_owned(), |other| format!("report {other}"))
                ),
                Some(Fix::UnlinkMessage(report_id, message_id)),
            ),
            Some(_) => {}
        }
    }
    for (message_id, message) in messages {
        if let Some(report_id) = message.report_id
            && reports.contains_key(&report_id)
            && !linked.contains(&(report_id, *message_id))
        {
            findings.add(
                Group::Messages,
                format!("message {message_id} is missing from the list of report {report_id}"),
                Some(Fix::LinkMessage(report_id, *message_id)),
            );
        }
    }
    Ok(())
}

/// Tickets are unique (a ticket names its year), and the lookup finds each report.
fn check_tickets(
    store: &Store,
    reports: &HashMap<ReportId, Report>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    let mut by_ticket: HashMap<&str, Vec<ReportId>> = HashMap::new();
    for report in reports.values() {
        by_ticket
            .entry(report.ticket.as_str())
            .or_default()
            .push(report.id);
    }
    let mut lookup = HashMap::new();
    for entry in store.survey().tickets() {
        let (ticket, report_id) = entry?;
        lookup.insert(ticket, report_id.map(ReportId::new));
    }
    for (ticket, owners) in &by_ticket {
        if owners.len() > 1 {
            let mut owners = owners.clone();
            owners.sort_unstable();
            let list: Vec<String> = owners.iter().map(ToString::to_string).collect();
            findings.add(
                Group::Tickets,
                format!("ticket {ticket} is held by reports {}", list.join(", ")),
                None,
            );
            continue;
        }
        let owner = owners[0];
        if lookup.get(*ticket) != Some(&Some(owner)) {
            findings.add(
                Group::Tickets,
                format!("ticket {ticket} does not find its report {owner}"),
                Some(Fix::PointTicket((*ticket).to_owned(), owner)),
            );
        }
    }
    for (ticket, report_id) in &lookup {
        if !by_ticket.contains_key(ticket.as_str()) {
            let target =
                report_id.map_or("an unreadable id".to_owned(), |id| format!("report {id}"));
            findings.add(
                Group::Tickets,
                format!("ticket {ticket} points at {target}, which has no such ticket"),
                Some(Fix::DropTicket(ticket.clone())),
            );
        }
    }
    Ok(())
}

/// Each report's timeline holds the sequences 1..=timeline_len, in time order.
fn check_timelines(
    store: &Store,
    reports: &HashMap<ReportId, Report>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    let mut seen: HashMap<ReportId, Vec<(u64, DateTime<Utc>)>> = HashMap::new();
    let mut events = 0;
    for entry in store.survey().timeline() {
        let (report_id, event) = entry?;
        events += 1;
        if event.report_id != report_id {
            findings.add(
                Group::Timeline,
                format!(
                    "timeline entry {} under report {report_id} names report {}",
                    event.sequence, event.report_id
                ),
                None,
            );
        }
        seen.entry(report_id)
            .or_default()
            .push((event.sequence, event.at));
    }
    findings.counts.timeline_events = events;
    for (report_id, entries) in &seen {
        if !reports.contains_key(report_id) {
            findings.add(
                Group::Timeline,
                format!(
                    "{} timeline entries belong to report {report_id}, which does not exist",
                    entries.len()
                ),
                None,
            );
        }
    }
    for report in reports.values() {
        let entries = seen.get(&report.id).map(Vec::as_slice).unwrap_or_default();
        let expected: Vec<u64> = (1..=report.timeline_len).collect();
        let sequences: Vec<u64> = entries.iter().map(|(sequence, _)| *sequence).collect();
        if sequences != expected {
            findings.add(
                Group::Timeline,
                format!(
                    "report {} has timeline entries {} but counts {}",
                    report.id,
                    describe_sequences(&sequences),
                    report.timeline_len
                ),
                None,
            );
        }
        for pair in entries.windows(2) {
            let ((_, before), (sequence, at)) = (pair[0], pair[1]);
            if at < before - TIMELINE_SKEW {
                findings.add(
                    Group::Timeline,
                    format!(
                        "the timeline of report {} goes back in time at entry {sequence} ({at} after {before})",
                        report.id
                    ),
                    None,
                );
            }
        }
    }
    Ok(())
}

/// "1..=5" for a plain run, else the first few numbers.
fn describe_sequences(sequences: &[u64]) -> String {
    match sequences {
        [] => "none".to_owned(),
        [first, .., last] if (last - first) as usize + 1 == sequences.len() => {
            format!("{first}..={last}")
        }
        _ => {
            let shown: Vec<String> = sequences.iter().take(8).map(ToString::to_string).collect();
            let more = if sequences.len() > 8 { ", …" } else { "" };
            format!("{}{more}", shown.join(", "))
        }
    }
}

/// The open-reports set holds exactly the reports not in a final status.
fn check_open_set(
    store: &Store,
    reports: &HashMap<ReportId, Report>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    let mut open = HashSet::new();
    for entry in store.reports().open() {
        let report_id = entry?.report_id;
        open.insert(report_id);
        match reports.get(&report_id) {
            None => findings.add(
                Group::OpenReports,
                format!("report {report_id} is in the open set but does not exist"),
                Some(Fix::DropOpen(report_id)),
            ),
            Some(report) if report.status.is_final() => findings.add(
                Group::OpenReports,
                format!(
                    "report {report_id} is {} but in the open set",
                    report.status
                ),
                Some(Fix::SyncOpen(report_id)),
            ),
            Some(_) => {}
        }
    }
    for report in reports.values() {
        if !report.status.is_final() && !open.contains(&report.id) {
            findings.add(
                Group::OpenReports,
                format!(
                    "report {} is {} but missing from the open set",
                    report.id, report.status
                ),
                Some(Fix::SyncOpen(report.id)),
            );
        }
    }
    Ok(())
}

/// The outbox, media and index queues point at records that exist; returns the reports
/// queued for indexing.
fn check_queues(
    store: &Store,
    reports: &HashMap<ReportId, Report>,
    messages: &HashMap<MessageId, MessageFacts>,
    findings: &mut Findings,
) -> Result<HashSet<ReportId>, StoreError> {
    let survey = store.survey();
    for entry in survey.outbox() {
        let (key, item) = entry?;
        findings.counts.outbox += 1;
        let item_id = item.id;
        let problem = match &item.work {
            OutboxWork::Deliver { message_id } => match messages.get(message_id) {
                None => Some(format!("sends message {message_id}, which does not exist")),
                Some(message) if message.direction != Direction::Outbound => {
                    Some(format!("sends message {message_id}, which is inbound"))
                }
                Some(_) => None,
            },
            OutboxWork::MarkRead { external_id } => store
                .messages()
                .id_by_wamid(external_id)?
                .is_none()
                .then(|| "marks as read a message that is not stored".to_owned()),
        };
        if let Some(problem) = problem {
            findings.add(
                Group::Queues,
                format!("outbox item {item_id} {problem}"),
                Some(Fix::DropOutboxItem(key)),
            );
        }
    }
    for entry in survey.media_jobs() {
        let (key, job) = entry?;
        findings.counts.media_jobs += 1;
        let message_id = job.message_id;
        let problem = match messages.get(&message_id) {
            None => Some("does not exist"),
            Some(message) if !message.has_media => Some("has no media"),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            findings.add(
                Group::Queues,
                format!(
                    "media job {} downloads for message {message_id}, which {problem}",
                    job.id
                ),
                Some(Fix::DropMediaJob(key)),
            );
        }
    }
    let mut queued = HashSet::new();
    for pending in store.index_queue().first(usize::MAX)? {
        let report_id = pending.report_id;
        if !reports.contains_key(&report_id) {
            findings.add(
                Group::Queues,
                format!("report {report_id} is queued for indexing but does not exist"),
                Some(Fix::DropIndexEntry(report_id)),
            );
        }
        queued.insert(report_id);
    }
    findings.counts.index_queue = queued.len();
    Ok(queued)
}
