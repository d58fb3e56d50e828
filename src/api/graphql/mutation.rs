//! Mutations: sign-in, the report workflow, replies and calls, user and unit administration.
//! Each resolver is thin: it names the caller and hands over to `workflow` or `auth`.

use crate::domain::audit::{AuditAction, AuditEntry};
use async_graphql::{Context, ID, Object};

use super::types::{
    AuthPayload, CallKind, MessageView, Priority, ReportStatus, ReportView, Role,
    TimelineEventView, UnitKind, UnitView, UserView, parse_optional_unit_code, parse_report_id,
    parse_unit_code,
};
use super::{IntoGraphql, bad_input, forbidden, principal, services, session};
use crate::domain::access::mask_phones;
use crate::domain::user::{Principal, Role as DomainRole};

/// The core mutations; other groups live in their own modules and are merged into
/// `MutationRoot` (see `mod.rs`).
#[derive(Default)]
pub struct CoreMutation;

fn require_admin(who: &Principal) -> async_graphql::Result<()> {
    if who.role != DomainRole::Admin {
        return Err(forbidden("only admins administer users and units"));
    }
    Ok(())
}

fn require_known_unit(
    services: &super::Services,
    unit_code: Option<&str>,
) -> async_graphql::Result<()> {
    match unit_code {
        Some(code) if services.workflow.units().tree().get(code).is_none() => {
            Err(bad_input(&format!("unknown unit {code}")))
        }
        _ => Ok(()),
    }
}

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

    async fn create_user(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
        role: Role,
        unit_code: Option<String>,
        display_name: Option<String>,
    ) -> async_graphql::Result<UserView> {
        let who = principal(ctx)?;
        require_admin(who)?;
        let services = services(ctx)?;
        let unit_code = parse_optional_unit_code(unit_code.as_deref())?;
        require_known_unit(services, unit_code.as_deref())?;
        let detail = format!("created as {}", role_and_unit(role, unit_code.as_deref()));
        let entry = AuditEntry::by(AuditAction::UserAdmin, who)
            .subject(username.trim().to_ascii_lowercase())
            .detail(detail);
        let created = services
            .auth
            .recording(entry.clone())
            .create_user(
                username.trim(),
                &password,
                role.into(),
                unit_code,
                display_name,
            )
            .await;
        audited_if_refused(services, entry, created)
            .await
            .map(UserView)
    }

    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        username: String,
        active: bool,
    ) -> async_graphql::Result<UserView> {
        let who = principal(ctx)?;
        require_admin(who)?;
        if who.username == username && !active {
            return Err(bad_input("an admin cannot deactivate their own account"));
        }
        let services = services(ctx)?;
        let entry = AuditEntry::by(AuditAction::UserAdmin, who)
            .subject(&username)
            .detail(if active { "activated" } else { "deactivated" });
        let changed = services
            .auth
            .recording(entry.clone())
            .set_active(&username, active)
            .await;
        audited_if_refused(services, entry, changed)
            .await
            .map(UserView)
    }

    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        username: String,
        role: Role,
        unit_code: Option<String>,
    ) -> async_graphql::Result<UserView> {
        let who = principal(ctx)?;
        require_admin(who)?;
        let services = services(ctx)?;
        let unit_code = parse_optional_unit_code(unit_code.as_deref())?;
        require_known_unit(services, unit_code.as_deref())?;
        let detail = format!("role set to {}", role_and_unit(role, unit_code.as_deref()));
        let entry = AuditEntry::by(AuditAction::UserAdmin, who)
            .subject(&username)
            .detail(detail);
        let changed = services
            .auth
            .recording(entry.clone())
            .set_role(&username, role.into(), unit_code)
            .await;
        audited_if_refused(services, entry, changed)
            .await
            .map(UserView)
    }

    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> async_graphql::Result<UserView> {
        let who = principal(ctx)?;
        require_admin(who)?;
        let services = services(ctx)?;
        let entry = AuditEntry::by(AuditAction::UserAdmin, who)
            .subject(&username)
            .detail("password reset");
        let changed = services
            .auth
            .recording(entry.clone())
            .set_password(&username, &password)
            .await;
        audited_if_refused(services, entry, changed)
            .await
            .map(UserView)
    }

    async fn add_unit(
        &self,
        ctx: &Context<'_>,
        code: String,
        name: String,
        kind: UnitKind,
        parent_code: String,
    ) -> async_graphql::Result<UnitView> {
        let who = principal(ctx)?;
        let services = services(ctx)?;
        let entry = AuditEntry::by(AuditAction::UnitAdmin, who)
            .subject(code.trim())
            .detail(format!("added under {parent_code} as {name:?}"));
        let added = services
            .workflow
            .add_unit(
                who,
                parse_unit_code(&code)?,
                name,
                kind.into(),
                parse_unit_code(&parent_code)?,
            )
            .await;
        audited_if_refused(services, entry, added)
            .await
            .map(UnitView)
    }

    async fn rename_unit(
        &self,
        ctx: &Context<'_>,
        code: String,
        name: String,
    ) -> async_graphql::Result<UnitView> {
        let who = principal(ctx)?;
        let services = services(ctx)?;
        let entry = AuditEntry::by(AuditAction::UnitAdmin, who)
            .subject(&code)
            .detail(format!("renamed to {name:?}"));
        let renamed = services.workflow.rename_unit(who, &code, name).await;
        audited_if_refused(services, entry, renamed)
            .await
            .map(UnitView)
    }

    async fn set_unit_active(
        &self,
        ctx: &Context<'_>,
        code: String,
        active: bool,
    ) -> async_graphql::Result<UnitView> {
        let who = principal(ctx)?;
        let services = services(ctx)?;
        let entry = AuditEntry::by(AuditAction::UnitAdmin, who)
            .subject(&code)
            .detail(if active { "activated" } else { "deactivated" });
        let changed = services.workflow.set_unit_active(who, &code, active).await;
        audited_if_refused(services, entry, changed)
            .await
            .map(UnitView)
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

/// For administration, which records its entry in its own transaction when it succeeds:
/// records the refused attempts.
async fn audited_if_refused<T>(
    services: &super::Services,
    entry: AuditEntry,
    result: Result<T, crate::error::UserError>,
) -> async_graphql::Result<T> {
    if let Err(error) = &result {
        crate::audit::append_logged(services.workflow.store(), refused(entry, error)).await;
    }
    result.gql()
}

/// `officer of POLSEK_X`, `operator`: a role as the audit trail names it.
fn role_and_unit(role: Role, unit: Option<&str>) -> String {
    let role = crate::domain::user::Role::from(role).as_str();
    match unit {
        Some(unit) => format!("{role} of {unit}"),
        None => role.to_string(),
    }
}

fn refused(entry: AuditEntry, error: &crate::error::UserError) -> AuditEntry {
    let attempted = entry.detail.clone().unwrap_or_default();
    entry
        .failed()
        .detail(format!("{attempted}: refused: {}", error.message))
}
