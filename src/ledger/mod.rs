//! The data layer: how every record of the help desk is stored and found again.
//!
//! This module and `store` are the only ones that know key layouts. Everyone else asks an
//! area handle in the words of the domain: `tx.reports().save(&report)`,
//! `store.outbox().due(now, limit, claim)`, `store.users().get("op.sari")`. A handle is
//! narrow: it offers the reads and writes of one area, so a component that is handed one
//! cannot wander into another's tables.
//!
//! The same handle works inside a transaction (`Tx`) and on the store outside one (`Store`):
//! point reads are offered on both, writes only in a transaction (with a few single-writer
//! exceptions noted where they are), and ordered scans only on the store (sled transactions
//! cannot scan).
//!
//! `commit` holds the one commit path: transaction on a writer thread, group flush, then the
//! hand-over of queued work to the workers and the events to the bus.

mod attachments;
mod audit;
mod canned;
mod channel;
pub mod commit;
mod directory;
mod index_queue;
mod messages;
mod quarantine;
mod queues;
mod raw_bodies;
mod reporters;
mod reports;
mod retention;
mod survey;
mod templates;
mod timeline;

pub use attachments::Attachments;
pub use audit::AuditLog;
pub use canned::CannedReplies;
pub use channel::{ChannelErrorRecord, ChannelLog, PendingStatuses};
pub use commit::{Commit, CommitError, Effects, outbox_feed};
pub use directory::{SigningKeys, StoredSigningKey, Units, Users};
pub use index_queue::{IndexQueue, Pending};
pub use messages::Messages;
pub use quarantine::{Quarantine, QuarantinedDelivery};
pub use queues::{
    KnownSend, MediaJob, MediaQueue, Outbox, OutboxItem, OutboxWork, QueueKey, Queued,
};
pub use raw_bodies::RawBody;
pub use reporters::Reporters;
pub use reports::{OpenReport, ReportWatcher, Reports};
pub use retention::{Dated, Retained};
pub use survey::{Lookup, Survey};
pub use templates::Templates;

use crate::store::{Record, Store, StoreError, Table, Tx};

/// Point reads, the same inside and outside a transaction.
pub trait Source {
    fn get_bytes(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    fn get_record<T: Record>(&self, table: Table, key: &[u8]) -> Result<Option<T>, StoreError>;
}

impl Source for Store {
    fn get_bytes(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(table, key)
    }

    fn get_record<T: Record>(&self, table: Table, key: &[u8]) -> Result<Option<T>, StoreError> {
        Store::get_record(self, table, key)
    }
}

impl Source for Tx<'_> {
    fn get_bytes(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(table, key)
    }

    fn get_record<T: Record>(&self, table: Table, key: &[u8]) -> Result<Option<T>, StoreError> {
        Tx::get_record(self, table, key)
    }
}

/// The area handles, on the store and on a transaction alike.
pub trait Ledger: Source + Sized {
    fn reports(&self) -> Reports<'_, Self> {
        Reports { at: self }
    }
    fn messages(&self) -> Messages<'_, Self> {
        Messages { at: self }
    }
    fn reporters(&self) -> Reporters<'_, Self> {
        Reporters { at: self }
    }
    fn outbox(&self) -> Outbox<'_, Self> {
        Outbox { at: self }
    }
    fn media_queue(&self) -> MediaQueue<'_, Self> {
        MediaQueue { at: self }
    }
    fn index_queue(&self) -> IndexQueue<'_, Self> {
        IndexQueue { at: self }
    }
    fn users(&self) -> Users<'_, Self> {
        Users { at: self }
    }
    fn units(&self) -> Units<'_, Self> {
        Units { at: self }
    }
    fn audit_log(&self) -> AuditLog<'_, Self> {
        AuditLog { at: self }
    }
    fn channel_log(&self) -> ChannelLog<'_, Self> {
        ChannelLog { at: self }
    }
    fn signing_keys(&self) -> SigningKeys<'_, Self> {
        SigningKeys { at: self }
    }
    fn quarantine(&self) -> Quarantine<'_, Self> {
        Quarantine { at: self }
    }
    fn attachments(&self) -> Attachments<'_, Self> {
        Attachments { at: self }
    }

    fn canned_replies(&self) -> CannedReplies<'_, Self> {
        CannedReplies { at: self }
    }
    /// The cached WhatsApp templates and the purposes mapped to them.
    fn templates(&self) -> Templates<'_, Self> {
        Templates { at: self }
    }
    /// Whole-table reads and rewrites of derived entries, for `siaga check` only.
    fn survey(&self) -> Survey<'_, Self> {
        Survey { at: self }
    }
}

impl Ledger for Store {}
impl Ledger for Tx<'_> {}

/// Runs `body` as a transaction whose only failures are storage failures.
pub fn write<R>(
    store: &Store,
    body: impl Fn(&Tx<'_>) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    store
        .transaction(|tx| {
            body(tx).map_err(crate::store::TxError::<std::convert::Infallible>::Store)
        })
        .map_err(|error| match error {
            crate::store::TxError::Store(error) => error,
            crate::store::TxError::Abort(never) => match never {},
        })
}

impl Record for crate::domain::unit::UnitRecord {
    const NAME: &'static str = "unit";
}

impl Record for crate::domain::message::Message {
    const NAME: &'static str = "message";
}

impl Record for crate::domain::reporter::Reporter {
    const NAME: &'static str = "reporter";
}

impl Record for crate::domain::timeline::TimelineEvent {
    const NAME: &'static str = "timeline_event";
}

impl Record for crate::domain::audit::AuditEntry {
    const NAME: &'static str = "audit entry";
}

impl Record for crate::domain::user::User {
    const NAME: &'static str = "user";
}

impl Record for crate::domain::report::Report {
    const NAME: &'static str = "report";
}
