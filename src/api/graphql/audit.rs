//! `auditLog`: the audit trail as a Relay connection, newest first. Admins read every entry;
//! supervisors the entries about reports; nobody else reads it.

use async_graphql::{Context, Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use super::types::{PageInfo, parse_report_id};
use super::{bad_input, forbidden, principal, services, to_graphql_error};
use crate::audit::AuditFilter as StoredAuditFilter;
use crate::domain::audit::{AuditEntry as StoredEntry, audit_entry_visible_to, may_read_audit};
use crate::error::UserError;

/// At most this many entries per page.
const MAX_AUDIT_PAGE: i32 = 500;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AuditAction", remote = "crate::domain::audit::AuditAction")]
pub enum AuditAction {
    SignIn,
    TokenRefresh,
    UserAdmin,
    UnitAdmin,
    PhoneSearch,
    TicketSearch,
    Export,
    MediaView,
    CompartmentExit,
    MediaUpload,
    ReporterBlock,
    ReporterUnblock,
    TemplateMapping,
    /// A citizen with no report asked for a ticket's status (subject: the reporter).
    CitizenStatusCheck,
}

#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Only these actions.
    pub action: Option<Vec<AuditAction>>,
    /// Only entries of this username.
    pub actor: Option<String>,
    /// Only entries about this report.
    pub report_id: Option<ID>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only successful (true) or failed (false) actions.
    pub success: Option<bool>,
}

#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// The username; for a sign-in, the username that was tried.
    pub actor: Option<String>,
    /// The client's address (the peer, or the trusted proxy's header).
    pub client_address: Option<String>,
    pub success: bool,
    pub report_id: Option<ID>,
    /// What the action was done to: a username, a unit code, an export's format.
    pub subject: Option<String>,
    pub detail: Option<String>,
}

impl From<StoredEntry> for AuditEntry {
    fn from(entry: StoredEntry) -> AuditEntry {
        AuditEntry {
            id: ID(entry.id.to_string()),
            at: entry.at,
            action: entry.action.into(),
            actor: entry.actor,
            client_address: entry.client,
            success: entry.success,
            report_id: entry.report_id.map(|id| ID(id.to_string())),
            subject: entry.subject,
            detail: entry.detail,
        }
    }
}

#[derive(SimpleObject)]
pub struct AuditEdge {
    pub cursor: String,
    pub node: AuditEntry,
}

#[derive(SimpleObject)]
pub struct AuditConnection {
    /// Every matching entry the caller may read, on this page or another.
    pub total_count: usize,
    pub edges: Vec<AuditEdge>,
    pub page_info: PageInfo,
}

pub async fn audit_log(
    ctx: &Context<'_>,
    filter: Option<AuditFilter>,
    first: i32,
    after: Option<String>,
) -> async_graphql::Result<AuditConnection> {
    let who = principal(ctx)?.clone();
    if !may_read_audit(who.role) {
        return Err(forbidden(
            "only admins (and supervisors, for entries about reports) read the audit trail",
        ));
    }
    if !(0..=MAX_AUDIT_PAGE).contains(&first) {
        return Err(bad_input(&format!(
            "first must be between 0 and {MAX_AUDIT_PAGE}"
        )));
    }
    let filter = filter.unwrap_or_default();
    let stored_filter = StoredAuditFilter {
        actions: filter
            .action
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
        actor: filter.actor.map(|actor| actor.trim().to_ascii_lowercase()),
        report_id: match &filter.report_id {
            Some(id) => Some(parse_report_id(id)?),
            None => None,
        },
        from: filter.from,
        to: filter.to,
        success: filter.success,
    };
    let store = services(ctx)?.workflow.store().clone();
    let role = who.role;
    let page = tokio::task::spawn_blocking(move || {
        crate::audit::page(
            &store,
            &stored_filter,
            &|entry| audit_entry_visible_to(role, entry),
            first as usize,
            after.as_deref(),
        )
    })
    .await
    .map_err(|error| to_graphql_error(UserError::internal(&error)))?
    .map_err(|error| to_graphql_error(error.into()))?;
    let edges: Vec<AuditEdge> = page
        .entries
        .into_iter()
        .map(|(cursor, entry)| AuditEdge {
            cursor,
            node: entry.into(),
        })
        .collect();
    Ok(AuditConnection {
        total_count: page.total_count,
        page_info: PageInfo {
            has_next_page: page.has_next_page,
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        },
        edges,
    })
}
