//! Mutations for abusive numbers: `blockReporter` and `unblockReporter` (supervisors and
//! admins). Thin: they name the caller and hand over to `workflow::blocking`.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use super::report_view::ReporterView;
use super::types::parse_report_id;
use super::{IntoGraphql, bad_input, principal, services};
use crate::domain::access::mask_phones;

#[derive(Default)]
pub struct BlockingMutation;

fn parse_reporter_id(id: &ID) -> async_graphql::Result<u64> {
    id.as_str()
        .trim()
        .parse::<u64>()
        .map_err(|_| bad_input(&format!("reporter id {:?} is not a number", id.as_str())))
}

/// The reporter as the caller may see it, or the refusal.
fn view(
    who: &crate::domain::user::Principal,
    reporter: Result<crate::domain::reporter::Reporter, crate::error::UserError>,
) -> async_graphql::Result<ReporterView> {
    Ok(ReporterView {
        reporter: reporter.gql()?,
        masked: mask_phones(who),
        channel: None,
    })
}

#[Object(name = "BlockingMutation")]
impl BlockingMutation {
    /// Blocks a reporter's number (supervisors and admins). Their messages are still stored,
    /// as evidence, in a report hidden from the queue (`ReportFilter.blocked`), with no
    /// automatic reply and no alert. `until` ends the block by itself (it must be in the
    /// future; absent: until `unblockReporter`). Blocking a blocked number changes its reason
    /// and end. `reportId`, the report acted from, gets the timeline entry too (the
    /// reporter's open and blocked reports always do). Audited.
    async fn block_reporter(
        &self,
        ctx: &Context<'_>,
        reporter_id: ID,
        reason: String,
        until: Option<DateTime<Utc>>,
        report_id: Option<ID>,
    ) -> async_graphql::Result<ReporterView> {
        let who = principal(ctx)?;
        let reporter_id = parse_reporter_id(&reporter_id)?;
        let from_report = report_id.as_ref().map(parse_report_id).transpose()?;
        let reporter = services(ctx)?
            .workflow
            .block_reporter(who, reporter_id, reason, until, from_report)
            .await;
        view(who, reporter)
    }

    /// Lifts the block of a reporter's number (supervisors and admins); CONFLICT when it is
    /// not blocked. What was kept while blocked stays in its blocked report. Audited.
    async fn unblock_reporter(
        &self,
        ctx: &Context<'_>,
        reporter_id: ID,
        report_id: Option<ID>,
    ) -> async_graphql::Result<ReporterView> {
        let who = principal(ctx)?;
        let reporter_id = parse_reporter_id(&reporter_id)?;
        let from_report = report_id.as_ref().map(parse_report_id).transpose()?;
        let reporter = services(ctx)?
            .workflow
            .unblock_reporter(who, reporter_id, from_report)
            .await;
        view(who, reporter)
    }
}
