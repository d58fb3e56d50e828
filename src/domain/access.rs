//! Who may see which report, and the compartment rule for complaints about police conduct
//! (Propam): they go only to the internal-affairs units and are seen only by the command
//! center and those units, never by the unit complained about.

use std::collections::HashSet;

use crate::domain::report::Report;
use crate::domain::unit::{UnitRecord, UnitTree};
use crate::domain::user::{Principal, Role};
use crate::error::UserError;

/// The profile's category group of complaints about police service and conduct.
pub const PROPAM_CATEGORY_GROUP: &str = "pengaduan_layanan";

/// The visibility rules of one deployment, read from its profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRules {
    /// Categories whose reports are compartmented (`pungli_oknum`, `perilaku_anggota`, …).
    pub propam_categories: HashSet<String>,
    /// The units that handle them (BIDPROPAM, ITWASDA); units below them count as well.
    pub propam_units: HashSet<String>,
    /// Every category code of the profile: the only values a report's category may take.
    pub category_codes: HashSet<String>,
}

impl AccessRules {
    /// From the categories of a profile, as (code, group, functional units): Propam
    /// categories are the `pengaduan_layanan` group, Propam units the functional units those
    /// categories route to.
    pub fn from_categories<'a>(
        categories: impl IntoIterator<Item = (&'a str, &'a str, &'a [String])>,
    ) -> AccessRules {
        let mut rules = AccessRules::default();
        for (code, group, functional_units) in categories {
            rules.category_codes.insert(code.to_string());
            if group != PROPAM_CATEGORY_GROUP {
                continue;
            }
            rules.propam_categories.insert(code.to_string());
            rules.propam_units.extend(functional_units.iter().cloned());
        }
        rules
    }

    pub fn is_known_category(&self, category: &str) -> bool {
        self.category_codes.contains(category)
    }

    pub fn is_propam_category(&self, category: Option<&str>) -> bool {
        category.is_some_and(|category| self.propam_categories.contains(category))
    }

    /// Whether `report` is in the internal-affairs compartment: its category is a police-conduct
    /// category, or it has no category yet and its suggestion is one, or it was compartmented
    /// before and no supervisor has taken it out since (`Report::compartmented`). Every read
    /// and write path asks this one question, through `can_see` and `check_forward_target`.
    pub fn is_compartmented(&self, report: &Report) -> bool {
        if report.compartmented || self.is_propam_category(report.category.as_deref()) {
            return true;
        }
        report.category.is_none()
            && self.is_propam_category(
                report
                    .suggestion
                    .as_ref()
                    .and_then(|suggestion| suggestion.category.as_deref()),
            )
    }

    /// Makes the compartment stick: a report that is compartmented now stays so when its
    /// suggestion later changes. True when the report has just entered the compartment.
    pub fn seal_compartment(&self, report: &mut Report) -> bool {
        if report.compartmented || !self.is_compartmented(report) {
            return false;
        }
        report.compartmented = true;
        true
    }

    /// Whether `unit_code` is a Propam unit or lies below one.
    pub fn is_propam_unit(&self, unit_code: &str, tree: &UnitTree) -> bool {
        self.propam_units
            .iter()
            .any(|propam_unit| tree.is_within(unit_code, propam_unit))
    }

    /// See [`can_see`].
    pub fn can_see(&self, principal: &Principal, report: &Report, tree: &UnitTree) -> bool {
        can_see(principal, report, tree, self)
    }

    /// Whether `report` may be forwarded to `unit`: a compartmented report only to a Propam
    /// unit (FORBIDDEN otherwise), and nothing to an inactive unit (BAD_USER_INPUT).
    pub fn check_forward_target(
        &self,
        report: &Report,
        unit: &UnitRecord,
        tree: &UnitTree,
    ) -> Result<(), UserError> {
        if self.is_compartmented(report) && !self.is_propam_unit(&unit.code, tree) {
            let mut allowed: Vec<&str> = self.propam_units.iter().map(String::as_str).collect();
            allowed.sort_unstable();
            return Err(UserError::forbidden(format!(
                "report {} is a complaint about police conduct and goes only to {} (not {}): the unit complained about must never see it",
                report.ticket,
                allowed.join(" or "),
                unit.code
            )));
        }
        if !unit.active {
            return Err(UserError::bad_input(format!(
                "unit {} is inactive and takes no new reports",
                unit.code
            )));
        }
        Ok(())
    }

    /// Whether the messages of `from` may be merged into `into`: never out of the compartment,
    /// since everyone who sees `into` would then read the complaint.
    pub fn check_merge(&self, into: &Report, from: &Report) -> Result<(), UserError> {
        if self.is_compartmented(from) && !self.is_compartmented(into) {
            return Err(UserError::forbidden(format!(
                "report {} is a complaint about police conduct: merge it only into another such report, not into {}",
                from.ticket, into.ticket
            )));
        }
        Ok(())
    }
}

/// Whether `principal` may see `report`:
/// - admins, supervisors and operators (the command center) see every report;
/// - analysts see every report except compartmented ones (complaints about police conduct);
/// - officers see a report forwarded to their unit or to a unit below it, and a compartmented
///   one only when their own unit is a Propam unit (or below one) as well.
pub fn can_see(
    principal: &Principal,
    report: &Report,
    tree: &UnitTree,
    rules: &AccessRules,
) -> bool {
    match principal.role {
        Role::Admin | Role::Supervisor | Role::Operator => true,
        Role::Analyst => !rules.is_compartmented(report),
        Role::Officer => {
            let (Some(officer_unit), Some(assigned_unit)) =
                (principal.unit.as_deref(), report.assigned_unit.as_deref())
            else {
                return false;
            };
            if !tree.is_within(assigned_unit, officer_unit) {
                return false;
            }
            !rules.is_compartmented(report) || rules.is_propam_unit(officer_unit, tree)
        }
    }
}

/// Analysts read everything they see with reporter phone numbers masked.
pub fn mask_phones(principal: &Principal) -> bool {
    principal.role == Role::Analyst
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::ids::{ReportId, Ticket, UnitCode};
    use crate::domain::report::ReportStatus;

    fn sumsel() -> (AccessRules, UnitTree) {
        let profile = crate::profile::Profile::load("sumsel").unwrap();
        let tree = UnitTree::new(profile.units.iter().map(|unit| unit.to_record().unwrap()));
        (profile.access_rules(), tree)
    }

    fn report(category: Option<&str>, assigned_unit: Option<&str>) -> Report {
        let now = Utc::now();
        Report {
            channel: None,
            citizen_answers: Default::default(),
            blocked: false,
            incident: None,
            linked: Vec::new(),
            citizen_texts: Vec::new(),
            suggestion: None,
            id: ReportId::new(1),
            ticket: Ticket::parse("WA-2026-000001").unwrap(),
            status: ReportStatus::Forwarded,
            reporter_id: 2,
            created_at: now,
            updated_at: now,
            last_activity_at: now,
            category: category.map(str::to_string),
            priority: None,
            summary: None,
            assigned_unit: assigned_unit.map(UnitCode::trusted),
            location: None,
            resume_status: None,
            inbound_count: 1,
            has_media: false,
            last_ack_at: None,
            flags: Vec::new(),
            timeline_len: 1,
            first_action_at: None,
            forwarded_at: None,
            resolved_at: None,
            paused_since: None,
            paused_seconds: 0,
            sla: Default::default(),
            compartmented: false,
            assignee: None,
            satisfaction: None,
        }
    }

    fn suggested(category: &str) -> Report {
        let mut untriaged = report(None, None);
        untriaged.status = ReportStatus::New;
        untriaged.suggestion = Some(crate::domain::suggestion::Suggestion {
            category: Some(category.to_string()),
            confidence: 0.9,
            urgent: false,
            reasons: Vec::new(),
            territorial_unit: None,
            functional_units: Vec::new(),
            place: None,
            ..Default::default()
        });
        untriaged
    }

    fn person(role: Role, unit: Option<&str>) -> Principal {
        Principal {
            username: format!("{}_user", role.as_str()),
            role,
            unit: unit.map(UnitCode::trusted),
        }
    }

    #[test]
    fn the_sumsel_propam_compartment_is_read_from_the_profile() {
        let (rules, _) = sumsel();
        for category in ["pungli_oknum", "perilaku_anggota", "lambat_penanganan"] {
            assert!(rules.propam_categories.contains(category), "{category}");
        }
        assert_eq!(rules.propam_categories.len(), 3);
        let mut units: Vec<&str> = rules.propam_units.iter().map(String::as_str).collect();
        units.sort_unstable();
        assert_eq!(units, ["BIDPROPAM", "ITWASDA"]);
        assert!(rules.is_known_category("curanmor"));
        assert!(!rules.is_known_category("made_up"));
    }

    #[test]
    fn the_command_center_sees_everything() {
        let (rules, tree) = sumsel();
        for role in [Role::Admin, Role::Supervisor, Role::Operator] {
            let who = person(role, None);
            assert!(can_see(&who, &report(None, None), &tree, &rules));
            assert!(can_see(
                &who,
                &report(Some("pungli_oknum"), Some("BIDPROPAM")),
                &tree,
                &rules
            ));
        }
    }

    #[test]
    fn analysts_see_everything_but_propam_complaints_and_get_masked_phones() {
        let (rules, tree) = sumsel();
        let analyst = person(Role::Analyst, None);
        assert!(can_see(
            &analyst,
            &report(Some("curanmor"), None),
            &tree,
            &rules
        ));
        assert!(!can_see(
            &analyst,
            &report(Some("pungli_oknum"), None),
            &tree,
            &rules
        ));
        assert!(mask_phones(&analyst));
        assert!(!mask_phones(&person(Role::Operator, None)));
    }

    #[test]
    fn officers_see_reports_forwarded_to_their_subtree_only() {
        let (rules, tree) = sumsel();
        let polres = person(Role::Officer, Some("POLRESTABES_PALEMBANG"));
        let polsek = person(Role::Officer, Some("POLSEK_PLG_ILIR_BARAT_I"));
        let to_polsek = report(Some("curanmor"), Some("POLSEK_PLG_ILIR_BARAT_I"));
        let to_sibling = report(Some("curanmor"), Some("POLSEK_PLG_ILIR_BARAT_II"));
        let to_polres = report(Some("curanmor"), Some("POLRESTABES_PALEMBANG"));
        assert!(can_see(&polsek, &to_polsek, &tree, &rules));
        assert!(!can_see(&polsek, &to_sibling, &tree, &rules));
        assert!(!can_see(&polsek, &to_polres, &tree, &rules), "not upwards");
        assert!(can_see(&polres, &to_polsek, &tree, &rules));
        assert!(can_see(&polres, &to_sibling, &tree, &rules));
        assert!(
            !can_see(&polres, &report(None, None), &tree, &rules),
            "unassigned"
        );
        let officer_without_unit = person(Role::Officer, None);
        assert!(!can_see(&officer_without_unit, &to_polsek, &tree, &rules));
    }

    #[test]
    fn propam_complaints_are_seen_by_propam_officers_only() {
        let (rules, tree) = sumsel();
        let propam = person(Role::Officer, Some("BIDPROPAM"));
        let polda = person(Role::Officer, Some("POLDA_SUMSEL"));
        let complaint = report(Some("pungli_oknum"), Some("BIDPROPAM"));
        assert!(rules.can_see(&propam, &complaint, &tree));
        assert!(
            !rules.can_see(&polda, &complaint, &tree),
            "the Polda root is no Propam unit"
        );
        // A report recategorised as Propam while it sat with a Polres leaves that Polres' view.
        let recategorised = report(Some("perilaku_anggota"), Some("POLRESTABES_PALEMBANG"));
        let polres = person(Role::Officer, Some("POLRESTABES_PALEMBANG"));
        assert!(!rules.can_see(&polres, &recategorised, &tree));
    }

    #[test]
    fn propam_complaints_may_only_be_forwarded_to_propam_units() {
        let (rules, tree) = sumsel();
        let polres = tree.get("POLRES_OKI").unwrap();
        let error = rules
            .check_forward_target(&report(Some("pungli_oknum"), None), polres, &tree)
            .unwrap_err();
        assert_eq!(error.code, crate::error::ErrorCode::Forbidden);
        assert!(
            error.message.contains("BIDPROPAM or ITWASDA"),
            "{}",
            error.message
        );
        for unit in ["BIDPROPAM", "ITWASDA"] {
            let unit = tree.get(unit).unwrap();
            assert!(
                rules
                    .check_forward_target(&report(Some("lambat_penanganan"), None), unit, &tree)
                    .is_ok()
            );
        }
        assert!(
            rules
                .check_forward_target(&report(Some("curanmor"), None), polres, &tree)
                .is_ok()
        );
        assert!(
            rules
                .check_forward_target(&report(None, None), polres, &tree)
                .is_ok()
        );
        let error = rules
            .check_forward_target(&suggested("pungli_oknum"), polres, &tree)
            .unwrap_err();
        assert_eq!(
            error.code,
            crate::error::ErrorCode::Forbidden,
            "by suggestion"
        );
    }

    #[test]
    fn inactive_units_take_no_reports() {
        let (rules, tree) = sumsel();
        let mut closed = tree.get("POLRES_OKI").unwrap().clone();
        closed.active = false;
        let error = rules
            .check_forward_target(&report(Some("curanmor"), None), &closed, &tree)
            .unwrap_err();
        assert_eq!(error.code, crate::error::ErrorCode::BadUserInput);
        assert!(error.message.contains("inactive"));
    }

    #[test]
    fn an_untriaged_report_is_compartmented_by_its_suggestion_and_stays_so() {
        let (rules, tree) = sumsel();
        let mut complaint = suggested("pungli_oknum");
        assert!(rules.is_compartmented(&complaint));
        assert!(!can_see(
            &person(Role::Analyst, None),
            &complaint,
            &tree,
            &rules
        ));
        assert!(
            rules.seal_compartment(&mut complaint),
            "enters the compartment"
        );
        assert!(!rules.seal_compartment(&mut complaint), "only once");
        // Later messages change the suggestion: the complaint stays where it is.
        complaint.suggestion.as_mut().unwrap().category = Some("curanmor".into());
        assert!(rules.is_compartmented(&complaint));
        // A triaged category wins over the suggestion of an unsealed report.
        let mut triaged = suggested("pungli_oknum");
        triaged.category = Some("curanmor".into());
        assert!(!rules.is_compartmented(&triaged));
        assert!(!rules.is_compartmented(&suggested("curanmor")));
    }

    #[test]
    fn a_compartmented_report_merges_only_into_another() {
        let (rules, _) = sumsel();
        let complaint = report(Some("perilaku_anggota"), None);
        let theft = report(Some("curanmor"), None);
        let error = rules.check_merge(&theft, &complaint).unwrap_err();
        assert_eq!(error.code, crate::error::ErrorCode::Forbidden);
        assert!(
            rules.check_merge(&complaint, &theft).is_ok(),
            "into the compartment"
        );
        assert!(rules.check_merge(&complaint, &complaint.clone()).is_ok());
    }
}
