//! Who may do what: the one table of roles × workflow actions, checked before anything is
//! written.
//!
//! | action                                        | admin | supervisor | operator | officer | analyst |
//! |-----------------------------------------------|-------|------------|----------|---------|---------|
//! | triage                                        |   -   |     ✓      |    ✓     |    -    |    -    |
//! | forward / re-forward                          |   -   |     ✓      |    ✓     |    ✓    |    -    |
//! | set status IN_PROGRESS, AWAITING_REPORTER,    |   -   |     ✓      |    ✓     |    ✓    |    -    |
//! |   RESOLVED, FORWARDED (back to its unit)      |       |            |          |         |         |
//! | set status NEW, TRIAGED, CLOSED, REJECTED,    |   -   |     ✓      |    ✓     |    -    |    -    |
//! |   DUPLICATE, SPAM                             |       |            |          |         |         |
//! | add note, reply, request location or call     |   -   |     ✓      |    ✓     |    ✓    |    -    |
//! |   permission, log a call                      |       |            |          |         |         |
//! | merge reports                                 |   -   |     ✓      |    ✓     |    -    |    -    |
//! | link reports of one event, unlink             |   -   |     ✓      |    ✓     |    -    |    -    |
//! | claim a report, release one's own claim       |   -   |     ✓      |    ✓     |    ✓    |    -    |
//! | assign a report to a person, release anyone's |   -   |     ✓      |    -     |    -    |    -    |
//! | manage canned replies (read: everyone)        |   ✓   |     ✓      |    -     |    -    |    -    |
//! | open original media (recorded)                |   ✓   |     ✓      |    ✓     |    ✓    |    ✓    |
//! | administer units                              |   ✓   |     -      |    -     |    -    |    -    |
//! | block and unblock reporters                   |   ✓   |     ✓      |    -     |    -    |    -    |
//! | read WhatsApp templates and their purposes    |   ✓   |     ✓      |    -     |    -    |    -    |
//! | map a template to a purpose                   |   ✓   |     -      |    -     |    -    |    -    |
//!
//! On top of the role, every report action needs the report to be visible to the principal
//! (`domain::access::can_see`): officers act only on reports forwarded to their unit subtree,
//! analysts never on Propam complaints. Admins administer users and units; they do not work
//! reports. Analysts read and search and never write (a media view is recorded for custody,
//! not as a change). Closing, rejecting and marking duplicates or spam are command center
//! decisions, so officers cannot take them.

use crate::domain::access::{AccessRules, can_see};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::unit::UnitTree;
use crate::domain::user::{Principal, Role};
use crate::error::UserError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Triage,
    Forward,
    SetStatus(ReportStatus),
    AddNote,
    /// Reply, location request, call permission request.
    ContactReporter,
    LogCall,
    Merge,
    /// Group reports of one event into an incident, or take one out (`workflow::incidents`).
    Link,
    ViewMedia,
    AdministerUnits,
    /// Block or unblock a reporter's number (`workflow::blocking`).
    BlockReporter,
    /// Claim a report, release one's own claim.
    Claim,
    /// Put a report in someone else's hands, or take it out of them.
    AssignToPerson,
    /// Create, change and delete canned replies.
    ManageCannedReplies,
    /// Read the WhatsApp templates and the purposes mapped to them, refresh the list.
    ViewTemplates,
    /// Map a template to a purpose (`workflow::templates`).
    MapTemplates,
}

impl Action {
    fn describe(self) -> String {
        match self {
            Action::Triage => "triage reports".to_string(),
            Action::Forward => "forward reports".to_string(),
            Action::SetStatus(status) => format!("set a report to {status}"),
            Action::AddNote => "add notes".to_string(),
            Action::ContactReporter => "write to reporters".to_string(),
            Action::LogCall => "log calls".to_string(),
            Action::Merge => "merge reports".to_string(),
            Action::Link => "link reports".to_string(),
            Action::ViewMedia => "open media".to_string(),
            Action::AdministerUnits => "administer units".to_string(),
            Action::BlockReporter => "block or unblock reporters".to_string(),
            Action::Claim => "claim reports".to_string(),
            Action::AssignToPerson => "assign reports to people".to_string(),
            Action::ManageCannedReplies => "manage canned replies".to_string(),
            Action::ViewTemplates => "read the WhatsApp templates".to_string(),
            Action::MapTemplates => "map templates to purposes".to_string(),
        }
    }
}

/// The statuses an officer may set: the work of a unit on a case. The rest decide whether a
/// case exists at all or is over, and belong to the command center.
const OFFICER_STATUSES: [ReportStatus; 4] = [
    ReportStatus::Forwarded,
    ReportStatus::InProgress,
    ReportStatus::AwaitingReporter,
    ReportStatus::Resolved,
];

/// The table of the module documentation, by role alone (visibility is checked separately).
pub fn role_may(role: Role, action: Action) -> bool {
    match action {
        Action::ViewMedia => true,
        Action::AdministerUnits => role == Role::Admin,
        Action::BlockReporter => matches!(role, Role::Admin | Role::Supervisor),
        Action::Triage | Action::Merge | Action::Link => {
            matches!(role, Role::Supervisor | Role::Operator)
        }
        Action::AssignToPerson => role == Role::Supervisor,
        Action::ManageCannedReplies | Action::ViewTemplates => {
            matches!(role, Role::Supervisor | Role::Admin)
        }
        Action::MapTemplates => role == Role::Admin,
        Action::SetStatus(target) => match role {
            Role::Supervisor | Role::Operator => true,
            Role::Officer => OFFICER_STATUSES.contains(&target),
            Role::Admin | Role::Analyst => false,
        },
        Action::Forward
        | Action::AddNote
        | Action::ContactReporter
        | Action::LogCall
        | Action::Claim => {
            matches!(role, Role::Supervisor | Role::Operator | Role::Officer)
        }
    }
}

/// FORBIDDEN, with the reason, unless the role may take `action`.
pub fn require_role(who: &Principal, action: Action) -> Result<(), UserError> {
    if role_may(who.role, action) {
        return Ok(());
    }
    let reason = match who.role {
        Role::Admin => {
            "admins administer users and units; supervisors, operators and officers work reports"
        }
        Role::Analyst => "analysts read and search; they cannot change anything",
        Role::Officer => "that is a command center decision",
        Role::Operator
            if matches!(
                action,
                Action::AssignToPerson | Action::ManageCannedReplies | Action::ViewTemplates
            ) =>
        {
            "only supervisors may"
        }
        Role::Supervisor | Role::Operator => "only admins may",
    };
    Err(UserError::forbidden(format!(
        "role {} may not {}: {reason}",
        who.role.as_str(),
        action.describe()
    )))
}

/// FORBIDDEN unless `who` sees `report` and their role may take `action` on it.
pub fn require(
    who: &Principal,
    action: Action,
    report: &Report,
    tree: &UnitTree,
    rules: &AccessRules,
) -> Result<(), UserError> {
    if !can_see(who, report, tree, rules) {
        return Err(UserError::forbidden(format!(
            "report {} is not visible to {}",
            report.id, who.username
        )));
    }
    require_role(who, action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::*;

    #[test]
    fn officers_set_only_the_statuses_of_a_unit_at_work() {
        for status in ReportStatus::ALL {
            let allowed = matches!(status, Forwarded | InProgress | AwaitingReporter | Resolved);
            assert_eq!(
                role_may(Role::Officer, Action::SetStatus(status)),
                allowed,
                "{status}"
            );
            assert!(role_may(Role::Operator, Action::SetStatus(status)));
            assert!(role_may(Role::Supervisor, Action::SetStatus(status)));
            assert!(!role_may(Role::Admin, Action::SetStatus(status)));
            assert!(!role_may(Role::Analyst, Action::SetStatus(status)));
        }
    }

    #[test]
    fn refusals_name_the_role_and_the_reason() {
        let analyst = Principal {
            username: "ana".into(),
            role: Role::Analyst,
            unit: None,
        };
        let error = require_role(&analyst, Action::AddNote).unwrap_err();
        assert_eq!(error.code, crate::error::ErrorCode::Forbidden);
        assert_eq!(
            error.message,
            "role analyst may not add notes: analysts read and search; they cannot change anything"
        );
    }
}
