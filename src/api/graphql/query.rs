//! Queries: who am I, one report, a page of reports, the unit tree, users.

use async_graphql::{Context, ID, Object};

use super::types::{
    PageInfo, ReportConnection, ReportEdge, ReportFilter, ReportOrder, ReportView, UnitView,
    UserView, parse_report_id, parse_ticket,
};
use super::{IntoGraphql, bad_input, forbidden, principal, services};
use crate::domain::access::mask_phones;
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::user::Role;
use crate::workflow::{ListRequest, ReportCursor};

#[derive(Default)]
pub struct QueryRoot;

/// At most this many reports per page.
const MAX_PAGE: usize = 200;

#[Object(name = "CoreQuery")]
impl QueryRoot {
    /// The audit trail, newest first: every entry for admins, the entries about reports for
    /// supervisors.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<super::audit::AuditFilter>,
        #[graphql(default = 50)] first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<super::audit::AuditConnection> {
        super::audit::audit_log(ctx, filter, first, after).await
    }

    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<UserView> {
        let who = principal(ctx)?;
        let user = services(ctx)?.auth.user(&who.username).gql()?;
        user.map(UserView)
            .ok_or_else(|| forbidden("account no longer exists"))
    }

    /// One report, by id or by ticket number.
    async fn report(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        ticket: Option<String>,
    ) -> async_graphql::Result<Option<ReportView>> {
        let who = principal(ctx)?;
        let workflow = &services(ctx)?.workflow;
        let report = match (id, ticket) {
            (Some(id), _) => workflow.report(who, parse_report_id(&id)?),
            (None, Some(ticket)) => {
                let entry = AuditEntry::by(AuditAction::TicketSearch, who)
                    .detail(crate::domain::redact::mask_phone_numbers(ticket.trim()));
                crate::audit::append_logged(workflow.store(), entry).await;
                workflow.report_by_ticket(who, &parse_ticket(&ticket)?)
            }
            (None, None) => return Err(bad_input("give id or ticket")),
        };
        match report {
            Ok(report) => Ok(Some(ReportView {
                report,
                masked: mask_phones(who),
            })),
            Err(error) if error.code == crate::error::ErrorCode::NotFound => Ok(None),
            Err(error) => Err(super::to_graphql_error(error)),
        }
    }

    /// Reports the caller may see, as a Relay connection: newest first, or in the work queue's
    /// order. A cursor belongs to the order of the page it came from.
    async fn reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportFilter>,
        #[graphql(default)] order: ReportOrder,
        #[graphql(default = 50)] first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<ReportConnection> {
        let who = principal(ctx)?;
        let workflow = &services(ctx)?.workflow;
        if first < 0 {
            return Err(bad_input("first must not be negative"));
        }
        let order = order.into();
        let after = match after {
            Some(cursor) => Some(ReportCursor::parse(&cursor, order).gql()?),
            None => None,
        };
        let filter = filter
            .unwrap_or_default()
            .to_domain(who, workflow.channels())
            .gql()?;
        let request = ListRequest {
            filter: &filter,
            order,
            first: (first as usize).min(MAX_PAGE),
            after,
        };
        let page = workflow.list_reports_in(who, &request).gql()?;
        let masked = mask_phones(who);
        let edges: Vec<ReportEdge> = page
            .reports
            .into_iter()
            .zip(page.cursors)
            .map(|(report, cursor)| ReportEdge {
                cursor: cursor.encode(),
                node: ReportView { report, masked },
            })
            .collect();
        let end_cursor = edges.last().map(|edge| edge.cursor.clone());
        Ok(ReportConnection {
            total_count: page.total_count,
            edges,
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor,
            },
        })
    }

    /// Full-text search over every report the caller may see, best match first. The query
    /// language: words (all must match; stems, chat slang and small typos are understood),
    /// "quoted phrases", -exclusion, OR between words, a ticket number, a phone number in any
    /// common form (not for analysts), and Indonesian dates ("kemarin", "minggu lalu",
    /// "bulan lalu", "maret 2026", "7 hari terakhir"). An empty query lists everything, newest
    /// first. Facets count the matches by category, status, unit and priority.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<ReportFilter>,
        #[graphql(default = 20)] first: i32,
        after: Option<String>,
    ) -> async_graphql::Result<super::search::SearchConnection> {
        super::search::search(ctx, query, filter, first, after).await
    }

    /// Counts and response times over the reports the caller may see, created in [from, to).
    async fn stats(
        &self,
        ctx: &Context<'_>,
        from: Option<chrono::DateTime<chrono::Utc>>,
        to: Option<chrono::DateTime<chrono::Utc>>,
        filter: Option<ReportFilter>,
    ) -> async_graphql::Result<super::search::Stats> {
        super::search::stats(ctx, from, to, filter).await
    }

    /// The unit tree: the root units, each with its children.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnitView>> {
        principal(ctx)?;
        let tree = services(ctx)?.workflow.units().tree();
        Ok(tree
            .roots()
            .into_iter()
            .map(|unit| UnitView(unit.clone()))
            .collect())
    }

    /// One unit by code.
    async fn unit(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<Option<UnitView>> {
        principal(ctx)?;
        let tree = services(ctx)?.workflow.units().tree();
        Ok(tree.get(&code).cloned().map(UnitView))
    }

    /// Every user (admins and supervisors).
    async fn users(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UserView>> {
        let who = principal(ctx)?;
        if !matches!(who.role, Role::Admin | Role::Supervisor) {
            return Err(forbidden("only admins and supervisors list users"));
        }
        Ok(services(ctx)?
            .auth
            .list_users()
            .gql()?
            .into_iter()
            .map(UserView)
            .collect())
    }
}
