//! Operator and officer actions on reports (triage, forward, status changes, notes, replies,
//! call logs, merges, media views) and unit administration: every change a person makes to a
//! report. Intake and the WhatsApp workers (`whatsapp::outbox`, `whatsapp::media`) write to
//! reports too, for what arrives and for delivery and media outcomes.
//!
//! Every change is one store transaction that checks who may do it, applies the new state and
//! appends a timeline event naming the actor and the time, and queues any message for the
//! citizen in the outbox. Only after the durable flush are the events published on the bus and
//! the outbox sender woken. A refused change returns its `UserError` and writes nothing.

mod assignment;
mod attachments;
mod blocking;
mod canned;
mod catalogue;
mod clock;
mod contact;
mod directory;
mod incidents;
mod journal;
mod listing;
mod merge;
pub mod permissions;
mod reads;
mod satisfaction;
mod similar;
mod status;
pub mod templates;
#[cfg(test)]
mod tests;
mod triage;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::access::AccessRules;
use crate::domain::ids::{MessageId, ReportId};
use crate::domain::report::{Priority, Report, ReportStatus};
use crate::domain::unit::UnitTree;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::intake::IntakeSettings;
use crate::ledger::Ledger;
use crate::ledger::{Commit, CommitError, Effects};
use crate::store::{Store, Tx, TxError};

pub use attachments::UploadedFile;
pub use blocking::MAX_BLOCK_REASON_CHARS;
pub use canned::{CannedReplyChange, seed_canned_replies};
pub use catalogue::{Catalogue, CataloguePage, CatalogueSize, Reading};
pub use clock::{ClockPass, ClockSettings, ClockWorker, REPORTER_SILENT_FLAG};
pub use directory::UnitDirectory;
pub use incidents::MAX_LINKED_REPORTS;
pub use listing::{ListRequest, QueuePosition, ReportCursor, ReportOrder};
pub use permissions::{Action, role_may};
pub use reads::filter_matches;
pub use similar::{SIMILAR_WITHIN, SIMILAR_WITHIN_KM, SimilarReport};

/// Notes and call-log texts longer than this are refused rather than cut.
pub const MAX_NOTE_CHARS: usize = 4000;
/// WhatsApp's limit for the body of a text message.
pub const MAX_REPLY_CHARS: usize = 4096;
/// A summary is a line or a paragraph, not a document.
pub const MAX_SUMMARY_CHARS: usize = 2000;
/// The outcome of a logged call is a short phrase ("reached", "no answer", …).
pub const MAX_CALL_OUTCOME_CHARS: usize = 200;
/// No single call lasts longer than a day; a larger duration is a typing error.
pub const MAX_CALL_SECONDS: u32 = 24 * 60 * 60;
/// The largest page `list_reports` returns.
pub const MAX_PAGE_SIZE: usize = 500;

/// Which reports to list; an empty list or `None` does not restrict.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub status: Vec<ReportStatus>,
    pub category: Vec<String>,
    /// Reports assigned to this unit or to any unit below it.
    pub unit_code: Option<String>,
    pub priority: Vec<Priority>,
    /// Created at or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before this time (exclusive, so that consecutive ranges do not overlap).
    pub created_to: Option<DateTime<Utc>>,
    pub has_media: Option<bool>,
    /// Reports whose location lies in this box; reports without a location never match.
    pub within: Option<BoundingBox>,
    /// Reports whose open SLA stage is past its due time (`true`), or that are not (`false`).
    pub overdue: Option<bool>,
    /// `false` (the default): leaves out the reports opened for blocked reporters, as the
    /// queue does; `true`: only those.
    pub blocked: bool,
    /// Reports this person holds (`Report::assignee`).
    pub assignee: Option<String>,
    /// Reports this person does not hold (held by someone else, or by nobody).
    pub not_assignee: Option<String>,
    /// Reports nobody holds (`true`), or that someone holds (`false`).
    pub unassigned: Option<bool>,
    /// Reports that came in on this business number (a phone number id).
    pub channel: Option<String>,
    /// `channel` is the default number, whose reports include those stored without a
    /// channel (from before channels were kept).
    pub channel_is_default: bool,
    /// Reports whose citizen answered the satisfaction question with one of these ratings
    /// (a report not asked, or not answered yet, never matches a non-empty list).
    pub satisfaction: Vec<crate::domain::satisfaction::SatisfactionRating>,
}

impl ReportFilter {
    /// Whether a report on `recorded` (its `Report::channel`) passes the channel filter.
    pub fn channel_matches(&self, recorded: Option<&str>) -> bool {
        match (&self.channel, recorded) {
            (None, _) => true,
            (Some(wanted), Some(recorded)) => wanted == recorded,
            (Some(_), None) => self.channel_is_default,
        }
    }
}

impl ReportFilter {
    /// Whether the filter asks who holds the report; the search index does not know that.
    pub fn asks_for_assignee(&self) -> bool {
        self.assignee.is_some() || self.not_assignee.is_some() || self.unassigned.is_some()
    }
}

/// A latitude/longitude box, edges included. `west > east` describes a box that crosses the
/// antimeridian.
#[derive(Debug, Clone, Copy)]
pub struct BoundingBox {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

/// One page of `list_reports`, in the order asked for.
#[derive(Debug, Clone)]
pub struct ReportPage {
    pub reports: Vec<Report>,
    /// Where each report of the page stands in the list's order, for the next page.
    pub cursors: Vec<ReportCursor>,
    /// Every visible report matching the filter, on this page or any other.
    pub total_count: usize,
    pub has_next_page: bool,
}

/// How an operator or officer talked to the citizen in a logged call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Phone,
    Video,
    Whatsapp,
}

impl CallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Phone => "phone",
            CallKind::Video => "video",
            CallKind::Whatsapp => "whatsapp",
        }
    }
}

/// The workflow service: cheap to clone, shared by the GraphQL resolvers and the media route.
#[derive(Clone)]
pub struct Workflow {
    store: Store,
    /// The commit path every change goes through.
    writer: Commit,
    intake: Arc<IntakeSettings>,
    units: UnitDirectory,
    rules: Arc<AccessRules>,
    /// Every report's summary, which lists are answered from.
    catalogue: Catalogue,
    clock: Arc<ClockSettings>,
    /// The SLA watcher's memory of quiet open reports (see `run_clock`).
    clock_memo: Arc<std::sync::Mutex<clock::ClockMemos>>,
}

impl Workflow {
    pub fn new(
        intake: IntakeSettings,
        units: UnitDirectory,
        rules: AccessRules,
        writer: Commit,
    ) -> Workflow {
        let rules = Arc::new(rules);
        Workflow {
            store: writer.store().clone(),
            catalogue: Catalogue::open_or_scan(writer.store(), Arc::clone(&rules)),
            writer,
            intake: Arc::new(intake),
            units,
            rules,
            clock: Arc::new(ClockSettings::default()),
            clock_memo: Arc::default(),
        }
    }

    /// The SLA targets, silent-reporter time and automatic forwarding to apply.
    pub fn with_clock(mut self, clock: ClockSettings) -> Workflow {
        self.clock = Arc::new(clock);
        self.clock_memo = Arc::default();
        self
    }

    pub fn units(&self) -> &UnitDirectory {
        &self.units
    }

    pub fn rules(&self) -> &AccessRules {
        &self.rules
    }

    /// The configured business numbers (no tokens).
    pub fn channels(&self) -> &crate::domain::channel::ChannelDirectory {
        &self.intake.channels.directory
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs `body` as one transaction, makes it durable, then announces it. `body` may run more
    /// than once (on a write conflict), so it reads everything it decides on from `tx`.
    ///
    /// The body runs on a blocking thread (see `ledger::Commit::run`), so it owns what it
    /// captures (a change moves its arguments in) and is handed the workflow itself.
    async fn commit<R: Send + 'static>(
        &self,
        body: impl Fn(&Workflow, &Tx<'_>) -> Result<Committed<R>, TxError<UserError>> + Send + 'static,
    ) -> Result<R, UserError> {
        let this = self.clone();
        let outcome = self
            .writer
            .run(move |tx| {
                let committed = body(&this, tx)?;
                let effects = Effects {
                    events: committed.events,
                    outbox_queued: committed.outbox_queued,
                    ..Effects::default()
                };
                Ok((committed.value, effects))
            })
            .await;
        match outcome {
            Ok(value) => Ok(value),
            Err(CommitError::Refused(refusal)) => Err(refusal),
            Err(CommitError::Store(error)) => Err(UserError::from(error)),
        }
    }

    /// The checks every report action starts with: the principal sees the report, and their
    /// role may take `action` on it.
    fn require(
        &self,
        who: &Principal,
        action: Action,
        report: &Report,
        tree: &UnitTree,
    ) -> Result<(), TxError<UserError>> {
        permissions::require(who, action, report, tree, &self.rules).map_err(TxError::Abort)
    }
}

/// What a transaction body produced: its value, and what to announce once it is durable.
struct Committed<R> {
    value: R,
    events: Vec<ReportEvent>,
    /// Something was put in the outbox: wake its sender.
    outbox_queued: bool,
}

impl<R> Committed<R> {
    fn new(value: R) -> Committed<R> {
        Committed {
            value,
            events: Vec::new(),
            outbox_queued: false,
        }
    }
}

/// Refuses the change: the transaction writes nothing and the caller gets `error`.
fn refuse<T>(error: UserError) -> Result<T, TxError<UserError>> {
    Err(TxError::Abort(error))
}

fn report_event(
    kind: ReportEventKind,
    report: &Report,
    at: DateTime<Utc>,
    message_id: Option<MessageId>,
) -> ReportEvent {
    ReportEvent {
        kind,
        report_id: report.id,
        ticket: report.ticket.clone(),
        at,
        message_id,
        published_at: None,
    }
}

/// The report with this id, or NOT_FOUND.
fn load_existing_report(tx: &Tx<'_>, report_id: ReportId) -> Result<Report, TxError<UserError>> {
    match tx.reports().get(report_id)? {
        Some(report) => Ok(report),
        None => refuse(UserError::not_found(&format!("report {report_id}"))),
    }
}

/// An operator's action keeps the case alive like a message does (see `Report::last_activity_at`).
/// It is also a person acting on it, which ends the SLA's first stage.
fn touch(report: &mut Report, now: DateTime<Utc>) {
    report.mark_acted_on(now);
    report.updated_at = now;
    report.last_activity_at = report.last_activity_at.max(now);
}

/// A free-text field that may be left out: trimmed, empty means absent, too long is refused.
fn optional_text(
    text: Option<String>,
    field: &str,
    max_chars: usize,
) -> Result<Option<String>, UserError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let length = trimmed.chars().count();
    if length > max_chars {
        return Err(UserError::bad_input(format!(
            "{field} has {length} characters; at most {max_chars} are allowed"
        )));
    }
    Ok(Some(trimmed.to_string()))
}

/// A free-text field that must be given: trimmed, 1 to `max_chars` characters.
fn required_text(text: &str, field: &str, max_chars: usize) -> Result<String, UserError> {
    match optional_text(Some(text.to_string()), field, max_chars)? {
        Some(text) => Ok(text),
        None => Err(UserError::bad_input(format!("{field} must not be empty"))),
    }
}

/// `base`, then `: note` when a note was given.
fn with_note(base: String, note: Option<&str>) -> String {
    match note {
        Some(note) => format!("{base}: {note}"),
        None => base,
    }
}
