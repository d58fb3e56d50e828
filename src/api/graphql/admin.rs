//! User and unit administration (admins): accounts, roles, passwords, the unit tree. Each
//! change is audited in its own transaction; refused attempts are audited here.

use async_graphql::{Context, Object};

use super::mutation::refused;
use super::types::{Role, UnitKind, UnitView, UserView, parse_optional_unit_code, parse_unit_code};
use super::{IntoGraphql, bad_input, forbidden, principal, services};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::user::{Principal, Role as DomainRole};

#[derive(Default)]
pub struct AdminMutation;

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

#[Object(name = "AdminMutation")]
impl AdminMutation {
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
