//! Reports in a person's hands: `claimReport`, `releaseReport`, `assignReport` (supervisors),
//! `Report.assignee`, and the people a supervisor may assign a report to. The rules are in
//! `workflow/assignment.rs`.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::types::{ReportView, UserView, parse_report_id};
use super::{IntoGraphql, principal, services};
use crate::domain::access::mask_phones;
use crate::domain::assignment::Assignee;

#[derive(Default)]
pub struct AssignmentMutation;

#[Object(name = "AssignmentMutation")]
impl AssignmentMutation {
    /// Puts the report in the caller's hands. A report someone else holds is CONFLICT, naming
    /// them; officers claim only reports they can see. The claim ends after the idle period
    /// without an action by the holder (`--claim-idle-minutes`), when the report is forwarded
    /// to a unit the holder cannot see, or when it is closed.
    async fn claim_report(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let workflow = &services(ctx)?.workflow;
        let report = workflow
            .claim_report(who, parse_report_id(&id)?)
            .await
            .gql()?;
        Ok(ReportView {
            report,
            masked: mask_phones(who),
        })
    }

    /// Lets go of a report: its holder may, and a supervisor may take it from anyone.
    async fn release_report(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let workflow = &services(ctx)?.workflow;
        let report = workflow
            .release_report(who, parse_report_id(&id)?)
            .await
            .gql()?;
        Ok(ReportView {
            report,
            masked: mask_phones(who),
        })
    }

    /// Supervisors: puts the report in `username`'s hands, whoever held it. The person must be
    /// an active supervisor, operator or officer who can see the report (BAD_USER_INPUT
    /// otherwise: forward it to their unit first).
    async fn assign_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
        username: String,
    ) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let workflow = &services(ctx)?.workflow;
        let report = workflow
            .assign_report(who, parse_report_id(&id)?, username)
            .await
            .gql()?;
        Ok(ReportView {
            report,
            masked: mask_phones(who),
        })
    }
}

#[derive(Default)]
pub struct AssignmentQuery;

#[Object(name = "AssignmentQuery")]
impl AssignmentQuery {
    /// Supervisors: the active people who could hold this report (they work reports and can
    /// see it), by username.
    async fn assignable_users(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
    ) -> async_graphql::Result<Vec<UserView>> {
        let who = principal(ctx)?;
        let workflow = &services(ctx)?.workflow;
        let users = workflow
            .assignable_users(who, parse_report_id(&report_id)?)
            .gql()?;
        Ok(users.into_iter().map(UserView).collect())
    }
}

/// The person who holds a report.
#[derive(SimpleObject)]
#[graphql(name = "Assignee")]
pub struct AssigneeView {
    pub username: String,
    pub display_name: Option<String>,
    /// When they claimed it or were assigned it.
    pub since: DateTime<Utc>,
    /// Their last action on the report; the claim ends `claimIdleMinutes` after it.
    pub last_action_at: DateTime<Utc>,
    /// When the claim ends unless they act on the report before.
    pub idle_until: DateTime<Utc>,
    /// The supervisor who assigned it; null when claimed.
    pub assigned_by: Option<String>,
}

/// `Report.assignee`.
pub(super) fn assignee_view(
    ctx: &Context<'_>,
    assignee: Option<&Assignee>,
) -> async_graphql::Result<Option<AssigneeView>> {
    let Some(assignee) = assignee else {
        return Ok(None);
    };
    let services = services(ctx)?;
    let display_name = services
        .auth
        .user(&assignee.username)
        .gql()?
        .and_then(|user| user.display_name);
    let idle_after = services.workflow.clock().claim_idle_after;
    Ok(Some(AssigneeView {
        username: assignee.username.clone(),
        display_name,
        since: assignee.since,
        last_action_at: assignee.last_action_at,
        idle_until: assignee.idle_until(idle_after),
        assigned_by: assignee.assigned_by.clone(),
    }))
}
