//! `siaga check`: an offline consistency check of a stopped data dir, and `--repair`.
//!
//! The check reads every record through the ledger's survey (`ledger::Survey`) and the search
//! index through `search::inspect`, and lists what does not agree: messages and the reports
//! that list them, tickets and their lookup, the queues and what they point at, the order of
//! each timeline, reporters and their identities, the open-reports set, the quarantine (counted;
//! an unreadable entry is a problem), the WhatsApp templates' purposes (each still an APPROVED
//! template of the cached list), and the index against the store. Each problem says whether it
//! can be derived again (`Fix`); `repair` writes those
//! entries again and rebuilds the index, and never removes evidence (messages, raw bodies,
//! timeline entries, reports). Problems print with record ids only: no phone number, wamid or
//! identity in clear.

mod channels;
mod cli;
mod identities;
mod index;
mod quarantine;
mod records;
mod repair;
mod report;
mod templates;

use std::path::Path;
use std::time::Instant;

use crate::domain::ids::{MessageId, ReportId, Wamid};
use crate::ledger::QueueKey;
use crate::store::{Store, StoreError};

pub use channels::check_channels;
pub use cli::run_offline;
pub use repair::{RepairError, Repaired, repair};
pub use report::render;
pub use templates::check_template_accounts;

/// Where a problem belongs, for the grouped list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Messages,
    Tickets,
    Timeline,
    Queues,
    OpenReports,
    Reporters,
    ChannelIds,
    Quarantine,
    SearchIndex,
    Templates,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Messages => "messages and the reports that list them",
            Group::Tickets => "tickets",
            Group::Timeline => "timelines",
            Group::Queues => "queues (outbox, media, index)",
            Group::OpenReports => "open-reports set",
            Group::Reporters => "reporters and their identities",
            Group::ChannelIds => "channel ids (dedupe of messages and statuses)",
            Group::Quarantine => "quarantined deliveries",
            Group::SearchIndex => "search index",
            Group::Templates => "WhatsApp templates and their purposes",
        }
    }
}

/// A derived entry `repair` can write again (or remove, when it points at nothing).
#[derive(Debug, Clone, PartialEq)]
pub enum Fix {
    LinkMessage(ReportId, MessageId),
    UnlinkMessage(ReportId, MessageId),
    PointTicket(String, ReportId),
    DropTicket(String),
    PointWamid(Wamid, MessageId),
    DropWamid(String),
    PointIdentity(String, u64),
    DropIdentity(String),
    SyncOpen(ReportId),
    DropOpen(ReportId),
    DropIndexEntry(ReportId),
    DropOutboxItem(QueueKey),
    DropMediaJob(QueueKey),
    RebuildIndex,
}

/// One thing that does not agree: a line for the reader, and the fix if it can be derived.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub group: Group,
    pub text: String,
    pub fix: Option<Fix>,
}

/// What was looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub reports: usize,
    pub messages: usize,
    pub reporters: usize,
    pub timeline_events: usize,
    pub outbox: usize,
    pub media_jobs: usize,
    pub index_queue: usize,
    /// Readable poison deliveries in the quarantine (kept on purpose: counted, not a problem).
    pub quarantined: usize,
    /// Live documents of the search index (`None` when it could not be read).
    pub indexed: Option<usize>,
    /// Documents whose status and category were compared with the store.
    pub compared: usize,
}

/// The outcome of a check.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub problems: Vec<Problem>,
    /// What deserves a look but is not wrong (records on a number no longer configured).
    pub warnings: Vec<String>,
    pub counts: Counts,
    pub seconds: f64,
}

impl Findings {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// How many problems `repair` can fix.
    pub fn repairable(&self) -> usize {
        self.problems
            .iter()
            .filter(|problem| problem.fix.is_some())
            .count()
    }

    fn add(&mut self, group: Group, text: String, fix: Option<Fix>) {
        self.problems.push(Problem { group, text, fix });
    }
}

/// Checks the store and the index in `index_dir`. The data dir must not be in use (the caller
/// holds the store open, which sled's lock makes exclusive).
pub fn check(store: &Store, index_dir: &Path) -> Result<Findings, StoreError> {
    let started = Instant::now();
    let mut findings = Findings::default();
    let catalogue = records::check_records(store, &mut findings)?;
    quarantine::check_quarantine(store, &mut findings)?;
    templates::check_templates(store, &mut findings)?;
    index::check_index(index_dir, &catalogue, &mut findings);
    findings.problems.sort_by_key(|problem| problem.group);
    findings.seconds = started.elapsed().as_secs_f64();
    Ok(findings)
}
