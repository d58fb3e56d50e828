//! The audit trail: entries appended in the transaction of the action they record (see
//! `ledger::AuditLog`), or in one of their own, and read newest first in pages.

use chrono::{DateTime, Utc};

use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::ReportId;
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

/// Appends `entry` in a transaction of its own, for actions that write nothing else (a
/// sign-in, a search, an export). Blocking: call from `spawn_blocking` in async code.
pub fn append(store: &Store, entry: AuditEntry) -> Result<AuditEntry, StoreError> {
    crate::ledger::write(store, |tx| tx.audit_log().append(entry.clone()))
}

/// Appends off the runtime's threads and logs a failure: an audit entry that cannot be written
/// must not turn a served request into an error, but must not vanish silently either.
pub async fn append_logged(store: &Store, entry: AuditEntry) {
    let store = store.clone();
    let action = entry.action;
    let outcome = tokio::task::spawn_blocking(move || append(&store, entry)).await;
    match outcome {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => tracing::error!(?action, %error, "audit entry not written"),
        Err(error) => tracing::error!(?action, %error, "audit entry not written"),
    }
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actions: Vec<AuditAction>,
    pub actor: Option<String>,
    pub report_id: Option<ReportId>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// Only failed (false) or successful (true) actions.
    pub success: Option<bool>,
}

impl AuditFilter {
    fn matches(&self, entry: &AuditEntry) -> bool {
        (self.actions.is_empty() || self.actions.contains(&entry.action))
            && self
                .actor
                .as_deref()
                .is_none_or(|actor| entry.actor.as_deref() == Some(actor))
            && self
                .report_id
                .is_none_or(|report_id| entry.report_id == Some(report_id))
            && self.from.is_none_or(|from| entry.at >= from)
            && self.to.is_none_or(|to| entry.at < to)
            && self.success.is_none_or(|success| entry.success == success)
    }
}

/// One page, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditPage {
    /// Each entry with its cursor.
    pub entries: Vec<(String, AuditEntry)>,
    pub has_next_page: bool,
    /// Every matching entry the reader may see, on this page or another.
    pub total_count: usize,
}

/// Entries matching `filter` that `visible` lets through, newest first, `first` of them after
/// the cursor `after` (an opaque cursor from an earlier page).
pub fn page(
    store: &Store,
    filter: &AuditFilter,
    visible: &dyn Fn(&AuditEntry) -> bool,
    first: usize,
    after: Option<&str>,
) -> Result<AuditPage, AuditReadError> {
    let after_key = match after {
        Some(cursor) => Some(hex::decode(cursor).map_err(|_| AuditReadError::BadCursor)?),
        None => None,
    };
    let mut result = AuditPage::default();
    for item in store.audit_log().newest_first() {
        let (key, entry) = item?;
        if after_key
            .as_deref()
            .is_some_and(|after| key.as_slice() >= after)
        {
            continue;
        }
        if !filter.matches(&entry) || !visible(&entry) {
            continue;
        }
        result.total_count += 1;
        if result.entries.len() < first {
            result.entries.push((hex::encode(&key), entry));
        } else {
            result.has_next_page = true;
        }
    }
    Ok(result)
}

#[derive(Debug, thiserror::Error)]
pub enum AuditReadError {
    #[error("after is not a cursor of the audit log")]
    BadCursor,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AuditReadError> for crate::error::UserError {
    fn from(error: AuditReadError) -> crate::error::UserError {
        match error {
            AuditReadError::BadCursor => crate::error::UserError::bad_input(error.to_string()),
            AuditReadError::Store(store_error) => store_error.into(),
        }
    }
}

/// Reads the whole trail, oldest first (tests and tools).
pub fn all_entries(store: &Store) -> Result<Vec<AuditEntry>, StoreError> {
    store.audit_log().all()
}
