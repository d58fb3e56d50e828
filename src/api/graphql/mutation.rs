//! Mutations: sign-in, the report workflow, replies and calls (user and unit administration
//! are in `admin.rs`).
//! Each resolver is thin: it names the caller and hands over to `workflow` or `auth`.

use crate::domain::audit::{AuditAction, AuditEntry};
use async_graphql::{Context, ID, Object};

use super::types::{
    AuthPayload, CallKind, MessageView, Priority, ReportStatus, ReportView, TimelineEventView,
    UserView, parse_report_id, parse_unit_code,
};
use super::{IntoGraphql, bad_input, principal, services, session};
use crate::domain::access::mask_phones;
use crate::domain::user::Principal;

/// The core mutations; other groups live in their own modules and are merged into
/// `MutationRoot` (see `mod.rs`).
#[derive(Default)]
pub struct CoreMutation;

fn view(who: &Principal, report: crate::domain::report::Report) -> ReportView {
    ReportView {
        report,
        masked: mask_phones(who),
    }
}

#[Object(name = "CoreMutation")]
impl CoreMutation {
    /// Signs in; the token goes in `Authorization: Bearer …` (or the WebSocket's connection_init).
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> async_graphql::Result<AuthPayload> {
        let services = services(ctx)?;
        let auth = &services.auth;
        let client = super::sign_in_gate::client_of(ctx);
        let attempted = username.trim().to_ascii_lowercase();
        let entry = AuditEntry::new(AuditAction::SignIn, Some(&attempted))
            .from_client(Some(client.to_string()));
        if let Err(retry_after) = auth.take_attempt(client) {
            let refused = entry
                .failed()
                .detail("refused: too many attempts from this address");
            crate::audit::append_logged(services.workflow.store(), refused).await;
            return Err(super::sign_in_gate::rate_limited(retry_after));
        }
        let outcome = auth.login(username.trim(), &password).await;
        if outcome.is_ok() {
            auth.give_back_attempt(client);
        }
        let issued = audited(services, entry, outcome).await?;
        Ok(AuthPayload {
            token: issued.token,
            expires_at: issued.expires_at,
            user: UserView(issued.user),
        })
    }

    /// A fresh token for the signed-in user, for the next shift hours; it ends no later than
    /// the maximum session age after the password was entered, and past that age the answer is
    /// UNAUTHENTICATED: sign in again.
    async fn refresh_token(&self, ctx: &Context<'_>) -> async_graphql::Result<AuthPayload> {
        let who = principal(ctx)?;
        let session = session(ctx)?;
        let services = services(ctx)?;
        let outcome = services.auth.refresh(session);
        let issued = audited(
            services,
            AuditEntry::by(AuditAction::TokenRefresh, who),
            outcome,
        )
        .await?;
        Ok(AuthPayload {
            token: issued.token,
            expires_at: issued.expires_at,
            user: UserView(issued.user),
        })
    }

    /// Sets category, priority and summary. A complaint about police conduct leaves the
    /// internal-affairs compartment only when a supervisor triages it into another category
    /// with a `note` saying why.
    async fn triage_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
        category: Option<String>,
        priority: Option<Priority>,
        summary: Option<String>,
        note: Option<String>,
    ) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let report = services(ctx)?
            .workflow
            .triage_with_note(
                who,
                parse_report_id(&id)?,
                category,
                priority.map(Into::into),
                summary,
                note,
            )
            .await
            .gql()?;
        Ok(view(who, report))
    }

    async fn forward_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
        unit_code: String,
        note: Option<String>,
        #[graphql(desc = "On an incident's primary: forward its linked reports too.")]
        with_linked: Option<bool>,
    ) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let (workflow, id) = (&services(ctx)?.workflow, parse_report_id(&id)?);
        let unit = parse_unit_code(&unit_code)?;
        let report = match with_linked {
            Some(true) => workflow.forward_with_linked(who, id, &unit, note).await,
            _ => workflow.forward(who, id, &unit, note).await,
        }
        .gql()?;
        Ok(view(who, report))
    }

    async fn set_report_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: ReportStatus,
        note: Option<String>,
        #[graphql(desc = "On an incident's primary: move its linked reports too.")]
        with_linked: Option<bool>,
    ) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let (workflow, id) = (&services(ctx)?.workflow, parse_report_id(&id)?);
        let report = match with_linked {
            Some(true) => {
                workflow
                    .set_status_with_linked(who, id, status.into(), note)
                    .await
            }
            _ => workflow.set_status(who, id, status.into(), note).await,
        }
        .gql()?;
        Ok(view(who, report))
    }

    async fn add_note(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
        text: String,
    ) -> async_graphql::Result<TimelineEventView> {
        let who = principal(ctx)?;
        let event = services(ctx)?
            .workflow
            .add_note(who, parse_report_id(&report_id)?, text)
            .await
            .gql()?;
        Ok(TimelineEventView::for_principal(event, who))
    }

    /// Free text inside the 24-hour window; outside it the configured template, or an error
    /// and nothing is queued. With `cannedReplyId`, the reply is written from that canned reply:
    /// `text` (the operator's edit; the canned text when left out) has its variables filled,
    /// the message records the canned reply and its use is counted. With `attachmentId` (from
    /// `POST /media/upload`), the file goes out as an image, document, audio or video message
    /// with `text` as its caption (may be empty; for audio, sent as a text message after it);
    /// outside the window it is refused.
    async fn reply_to_reporter(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
        text: Option<String>,
        canned_reply_id: Option<ID>,
        attachment_id: Option<ID>,
    ) -> async_graphql::Result<MessageView> {
        let who = principal(ctx)?;
        let report_id = parse_report_id(&report_id)?;
        let workflow = &services(ctx)?.workflow;
        let canned_reply_id = match &canned_reply_id {
            Some(id) => Some(super::canned::parse_canned_reply_id(id)?),
            None => None,
        };
        let message = match attachment_id {
            Some(_) if canned_reply_id.is_some() => {
                return Err(bad_input(
                    "a reply with an attachment takes its caption from text, not from a canned reply",
                ));
            }
            Some(attachment_id) => {
                let attachment_id = super::attachments::parse_attachment_id(&attachment_id)?;
                let caption = text.unwrap_or_default();
                workflow
                    .reply_with_attachment(who, report_id, caption, attachment_id)
                    .await
            }
            None => {
                workflow
                    .reply_to_reporter_with(who, report_id, text, canned_reply_id)
                    .await
            }
        }
        .gql()?;
        Ok(MessageView::for_principal(message, who))
    }

    /// Asks the citizen to share their location with one tap.
    async fn request_location(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
    ) -> async_graphql::Result<MessageView> {
        let who = principal(ctx)?;
        let message = services(ctx)?
            .workflow
            .request_location(who, parse_report_id(&report_id)?)
            .await
            .gql()?;
        Ok(MessageView::for_principal(message, who))
    }

    /// Asks the citizen's permission to call them on WhatsApp.
    async fn request_call_permission(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
    ) -> async_graphql::Result<MessageView> {
        let who = principal(ctx)?;
        let message = services(ctx)?
            .workflow
            .request_call_permission(who, parse_report_id(&report_id)?)
            .await
            .gql()?;
        Ok(MessageView::for_principal(message, who))
    }

    /// Records a call with the reporter on the timeline.
    async fn log_call(
        &self,
        ctx: &Context<'_>,
        report_id: ID,
        kind: CallKind,
        outcome: String,
        duration_seconds: Option<i32>,
        note: Option<String>,
    ) -> async_graphql::Result<TimelineEventView> {
        let who = principal(ctx)?;
        let duration = match duration_seconds {
            Some(seconds) if seconds < 0 => {
                return Err(bad_input("durationSeconds must not be negative"));
            }
            Some(seconds) => Some(seconds as u32),
            None => None,
        };
        let event = services(ctx)?
            .workflow
            .log_call(
                who,
                parse_report_id(&report_id)?,
                kind.into(),
                outcome,
                duration,
                note,
            )
            .await
            .gql()?;
        Ok(TimelineEventView::for_principal(event, who))
    }

    /// Moves `from`'s messages into `into` and marks `from` DUPLICATE.
    async fn merge_reports(
        &self,
        ctx: &Context<'_>,
        into: ID,
        from: ID,
    ) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let report = services(ctx)?
            .workflow
            .merge_reports(who, parse_report_id(&into)?, parse_report_id(&from)?)
            .await
            .gql()?;
        Ok(view(who, report))
    }
}

/// Records a sign-in or a refresh in the audit trail, refused ones too (with the reason), and
/// passes its result on.
async fn audited<T>(
    services: &super::Services,
    entry: AuditEntry,
    result: Result<T, crate::error::UserError>,
) -> async_graphql::Result<T> {
    let entry = match &result {
        Ok(_) => entry,
        Err(error) => refused(entry, error),
    };
    crate::audit::append_logged(services.workflow.store(), entry).await;
    result.gql()
}

pub(super) fn refused(entry: AuditEntry, error: &crate::error::UserError) -> AuditEntry {
    let attempted = entry.detail.clone().unwrap_or_default();
    entry
        .failed()
        .detail(format!("{attempted}: refused: {}", error.message))
}
