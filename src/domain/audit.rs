//! The audit trail's entries: who did what that matters for security, when, from where. Plain
//! data; `crate::audit` keeps them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::ReportId;

use crate::domain::user::{Principal, Role};

/// What was done. Stored by name: never rename a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditAction {
    /// A sign-in with a password, successful or not.
    SignIn,
    /// A token exchanged for a fresh one.
    TokenRefresh,
    /// A user created, their password set, (de)activated, or their role or unit changed.
    UserAdmin,
    /// A unit created, renamed, moved, (de)activated.
    UnitAdmin,
    /// A search for a phone number.
    PhoneSearch,
    /// A search for a ticket number.
    TicketSearch,
    /// Reports exported (through `GET /export` or `siaga export`).
    Export,
    /// The original of a citizen's photo, video, voice note or document opened.
    MediaView,
    /// A complaint about police conduct taken out of the internal-affairs compartment.
    CompartmentExit,
    /// A file uploaded to send to a citizen (`POST /media/upload`).
    MediaUpload,
    /// A reporter's number blocked (or its block changed), with the reason and the end.
    ReporterBlock,
    /// A reporter's number unblocked.
    ReporterUnblock,
    /// A WhatsApp template mapped to a purpose, or the mapping cleared.
    TemplateMapping,
    /// A citizen with no report asked for the status of a ticket (or of their reports): kept
    /// here because there is no report whose timeline could hold it.
    CitizenStatusCheck,
}

impl AuditAction {
    pub const ALL: [AuditAction; 14] = [
        AuditAction::SignIn,
        AuditAction::TokenRefresh,
        AuditAction::UserAdmin,
        AuditAction::UnitAdmin,
        AuditAction::PhoneSearch,
        AuditAction::TicketSearch,
        AuditAction::Export,
        AuditAction::MediaView,
        AuditAction::CompartmentExit,
        AuditAction::MediaUpload,
        AuditAction::ReporterBlock,
        AuditAction::ReporterUnblock,
        AuditAction::TemplateMapping,
        AuditAction::CitizenStatusCheck,
    ];
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// The signed-in user, or for a sign-in the username tried (lowercased, as typed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The client's address, where the action came over HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    pub success: bool,
    /// The report the action was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<ReportId>,
    /// What the action was done to: a username, a unit code, an export's format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What changed or why it failed, in a few words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditEntry {
    /// A successful action of `actor`; `id` and `at` are set when it is appended.
    pub fn new(action: AuditAction, actor: Option<&str>) -> AuditEntry {
        AuditEntry {
            id: 0,
            at: Utc::now(),
            action,
            actor: actor.map(str::to_string),
            client: None,
            success: true,
            report_id: None,
            subject: None,
            detail: None,
        }
    }

    pub fn by(action: AuditAction, who: &Principal) -> AuditEntry {
        AuditEntry::new(action, Some(&who.username))
    }

    pub fn failed(mut self) -> AuditEntry {
        self.success = false;
        self
    }

    pub fn from_client(mut self, client: Option<String>) -> AuditEntry {
        self.client = client;
        self
    }

    pub fn about_report(mut self, report_id: ReportId) -> AuditEntry {
        self.report_id = Some(report_id);
        self
    }

    pub fn subject(mut self, subject: impl Into<String>) -> AuditEntry {
        self.subject = Some(subject.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> AuditEntry {
        self.detail = Some(detail.into());
        self
    }
}

/// Who reads which entries: admins all of them, supervisors those about reports; nobody else.
pub fn may_read_audit(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Supervisor)
}

/// Whether a reader of `role` (who may read the audit trail) sees `entry`.
pub fn audit_entry_visible_to(role: Role, entry: &AuditEntry) -> bool {
    match role {
        Role::Admin => true,
        Role::Supervisor => entry.report_id.is_some(),
        Role::Operator | Role::Officer | Role::Analyst => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_read_everything_and_supervisors_what_is_about_reports() {
        let sign_in = AuditEntry::new(AuditAction::SignIn, Some("budi"));
        let view =
            AuditEntry::new(AuditAction::MediaView, Some("budi")).about_report(ReportId::new(7));
        assert!(audit_entry_visible_to(Role::Admin, &sign_in));
        assert!(audit_entry_visible_to(Role::Admin, &view));
        assert!(!audit_entry_visible_to(Role::Supervisor, &sign_in));
        assert!(audit_entry_visible_to(Role::Supervisor, &view));
        for role in [Role::Operator, Role::Officer, Role::Analyst] {
            assert!(!may_read_audit(role));
            assert!(!audit_entry_visible_to(role, &view));
        }
    }

    #[test]
    fn actions_are_stored_by_their_names() {
        let entry = AuditEntry::new(AuditAction::TicketSearch, None).failed();
        let json = serde_json::to_string(&entry).unwrap();
        assert!(json.contains("\"TICKET_SEARCH\""), "{json}");
        assert!(json.contains("\"success\":false"), "{json}");
    }
}
