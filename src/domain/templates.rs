//! WhatsApp message templates as Meta lists them (name, language, category, status, body text
//! and its parameters), the purposes an admin maps one to, and which report value fills which
//! body parameter. Only an APPROVED template can be sent, and only one whose every parameter
//! this module can fill.
//!
//! The filling, by position or by name (Meta's "named parameters"):
//!
//! | position | names | value |
//! | --- | --- | --- |
//! | `{{1}}` | `{{ticket}}`, `{{tiket}}` | the ticket number |
//! | `{{2}}` | `{{unit}}`, `{{satuan}}` | the unit handling the report (the command center before it is forwarded) |
//! | `{{3}}` | `{{status}}` | the report's status, in Indonesian |
//! | `{{4}}` | `{{nama}}`, `{{name}}` | the reporter's WhatsApp name (else the profile's polite form) |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::report::ReportStatus;

/// The most body parameters a template may have for siaga to fill it.
pub const MAX_FILLABLE_PARAMETERS: usize = 4;

/// The status Meta gives a template that may be sent.
pub const APPROVED: &str = "APPROVED";

/// One message template of the WhatsApp Business Account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageTemplate {
    pub name: String,
    /// Meta's language code: `id`, `en_US`.
    pub language: String,
    /// `UTILITY`, `MARKETING`, `AUTHENTICATION`.
    pub category: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`…
    pub status: String,
    /// The BODY component's text, with its `{{…}}` placeholders; none when the template has no
    /// body component.
    #[serde(default)]
    pub body_text: Option<String>,
    /// The body's parameters in sending order: `"1"`, `"2"`… for positional templates, the
    /// names for named ones.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// Whether the parameters are named (Meta's `parameter_format: NAMED`).
    #[serde(default)]
    pub named_parameters: bool,
}

impl MessageTemplate {
    /// A template as Meta described it; the parameters are read from the body text.
    pub fn new(
        name: String,
        language: String,
        category: String,
        status: String,
        body_text: Option<String>,
    ) -> MessageTemplate {
        let (parameters, named_parameters) = body_parameters(body_text.as_deref().unwrap_or(""));
        MessageTemplate {
            name,
            language,
            category,
            status,
            body_text,
            parameters,
            named_parameters,
        }
    }

    pub fn is_approved(&self) -> bool {
        self.status == APPROVED
    }

    pub fn is(&self, name: &str, language: &str) -> bool {
        self.name == name && self.language == language
    }

    /// The parameters no report value fills, by their placeholder (`{{5}}`, `{{alamat}}`).
    pub fn unfillable_parameters(&self) -> Vec<String> {
        self.parameters
            .iter()
            .filter(|parameter| ReportValue::for_parameter(parameter).is_none())
            .map(|parameter| format!("{{{{{parameter}}}}}"))
            .collect()
    }

    /// Approved and every parameter fillable: what `setTemplateForPurpose` accepts.
    pub fn can_be_sent(&self) -> bool {
        self.is_approved() && self.unfillable_parameters().is_empty()
    }
}

/// The body's parameters: positional ones as `"1"`, `"2"`… up to the highest seen, or the
/// named ones in order of first appearance. Text between braces that is neither is left alone.
pub fn body_parameters(body: &str) -> (Vec<String>, bool) {
    let mut highest_position = 0usize;
    let mut names: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let inside = after[..end].trim();
        if !inside.is_empty() && inside.chars().all(|c| c.is_ascii_digit()) {
            if let Ok(position) = inside.parse::<usize>() {
                highest_position = highest_position.max(position);
            }
        } else if is_parameter_name(inside) && !names.iter().any(|name| name == inside) {
            names.push(inside.to_string());
        }
        rest = &after[end + 2..];
    }
    if names.is_empty() {
        let positions = (1..=highest_position).map(|n| n.to_string()).collect();
        (positions, false)
    } else {
        (names, true)
    }
}

/// Meta's named parameters: lowercase letters, digits and underscores.
fn is_parameter_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A value of the report a body parameter is filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportValue {
    Ticket,
    Unit,
    Status,
    ReporterName,
}

impl ReportValue {
    /// The value a parameter (`"1"`, `"ticket"`…) is filled with; none for an unknown one.
    pub fn for_parameter(parameter: &str) -> Option<ReportValue> {
        match parameter {
            "1" | "ticket" | "tiket" => Some(ReportValue::Ticket),
            "2" | "unit" | "satuan" => Some(ReportValue::Unit),
            "3" | "status" => Some(ReportValue::Status),
            "4" | "nama" | "name" => Some(ReportValue::ReporterName),
            _ => None,
        }
    }

    /// How the API describes it.
    pub fn describe(self) -> &'static str {
        match self {
            ReportValue::Ticket => "ticket",
            ReportValue::Unit => "unit",
            ReportValue::Status => "status",
            ReportValue::ReporterName => "reporter name",
        }
    }
}

/// The values of one report that fill a template's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportValues {
    pub ticket: String,
    pub unit: String,
    pub status: String,
    pub reporter_name: String,
}

impl ReportValues {
    pub fn get(&self, value: ReportValue) -> &str {
        match value {
            ReportValue::Ticket => &self.ticket,
            ReportValue::Unit => &self.unit,
            ReportValue::Status => &self.status,
            ReportValue::ReporterName => &self.reporter_name,
        }
    }

    /// The template's parameters filled in sending order; none when one cannot be filled.
    pub fn fill(&self, template: &MessageTemplate) -> Option<Vec<String>> {
        template
            .parameters
            .iter()
            .map(|parameter| {
                ReportValue::for_parameter(parameter).map(|value| self.get(value).to_string())
            })
            .collect()
    }
}

/// A report's status as a citizen reads it.
pub fn status_for_citizen(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::New | ReportStatus::Triaged => "diterima",
        ReportStatus::Forwarded => "diteruskan ke satuan",
        ReportStatus::InProgress => "sedang ditangani",
        ReportStatus::AwaitingReporter => "menunggu jawaban Anda",
        ReportStatus::Resolved => "selesai ditangani",
        ReportStatus::Closed => "ditutup",
        ReportStatus::Rejected => "tidak dapat diproses",
        ReportStatus::Duplicate => "digabung dengan laporan lain",
        ReportStatus::Spam => "tidak diproses",
    }
}

/// What a template is sent for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplatePurpose {
    /// Instead of an operator's reply or an automatic text once the 24-hour window closed.
    OutsideWindow,
    /// The notice that a report was forwarded to a unit.
    Forwarded,
    /// The notice that a report was resolved.
    Resolved,
    /// The satisfaction question after a report is resolved.
    Satisfaction,
}

impl TemplatePurpose {
    pub const ALL: [TemplatePurpose; 4] = [
        TemplatePurpose::OutsideWindow,
        TemplatePurpose::Forwarded,
        TemplatePurpose::Resolved,
        TemplatePurpose::Satisfaction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TemplatePurpose::OutsideWindow => "OUTSIDE_WINDOW",
            TemplatePurpose::Forwarded => "FORWARDED",
            TemplatePurpose::Resolved => "RESOLVED",
            TemplatePurpose::Satisfaction => "SATISFACTION",
        }
    }
}

/// An admin's choice of template for a purpose (`setTemplateForPurpose`); it wins over the
/// config file's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeMapping {
    pub purpose: TemplatePurpose,
    pub name: String,
    pub language: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// The cached list of the account's templates, and how its last refresh went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCatalogue {
    pub templates: Vec<MessageTemplate>,
    /// When the list was last read from Meta in full.
    #[serde(default)]
    pub refreshed_at: Option<DateTime<Utc>>,
    /// When a refresh was last tried, whatever its outcome.
    #[serde(default)]
    pub attempted_at: Option<DateTime<Utc>>,
    /// Why the last refresh failed; none when it succeeded.
    #[serde(default)]
    pub last_error: Option<String>,
}

impl TemplateCatalogue {
    pub fn find(&self, name: &str, language: &str) -> Option<&MessageTemplate> {
        self.templates
            .iter()
            .find(|template| template.is(name, language))
    }

    /// The approved templates in `language` whose every parameter can be filled: what may go
    /// out instead of free text.
    pub fn sendable_in(&self, language: &str) -> Vec<&MessageTemplate> {
        self.templates
            .iter()
            .filter(|template| template.language == language && template.can_be_sent())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(status: &str, body: &str) -> MessageTemplate {
        MessageTemplate::new(
            "status_laporan".into(),
            "id".into(),
            "UTILITY".into(),
            status.into(),
            Some(body.into()),
        )
    }

    #[test]
    fn positional_parameters_are_counted_up_to_the_highest() {
        let (parameters, named) =
            body_parameters("Laporan {{1}} diteruskan ke {{2}}. Status: {{3}} ({{1}})");
        assert_eq!(parameters, ["1", "2", "3"]);
        assert!(!named);
    }

    #[test]
    fn named_parameters_are_kept_in_order_of_first_appearance() {
        let (parameters, named) = body_parameters("Yth. {{nama}}, laporan {{ticket}} {{nama}}");
        assert_eq!(parameters, ["nama", "ticket"]);
        assert!(named);
    }

    #[test]
    fn a_body_without_placeholders_has_no_parameters() {
        assert_eq!(
            body_parameters("Terima kasih {x} {{ }}").0,
            Vec::<String>::new()
        );
        assert_eq!(body_parameters("unclosed {{1").0, Vec::<String>::new());
    }

    #[test]
    fn only_approved_templates_with_fillable_parameters_can_be_sent() {
        assert!(template("APPROVED", "Laporan {{1}} di {{2}}").can_be_sent());
        assert!(!template("PENDING", "Laporan {{1}}").can_be_sent());
        let five = template("APPROVED", "{{1}} {{2}} {{3}} {{4}} {{5}}");
        assert_eq!(five.unfillable_parameters(), ["{{5}}"]);
        assert!(!five.can_be_sent());
        let named = template("APPROVED", "Halo {{nama}}, alamat {{alamat}}");
        assert_eq!(named.unfillable_parameters(), ["{{alamat}}"]);
    }

    #[test]
    fn values_fill_parameters_by_position_and_by_name() {
        let values = ReportValues {
            ticket: "WA-2026-000001".into(),
            unit: "Polsek Ilir Barat I".into(),
            status: "selesai ditangani".into(),
            reporter_name: "Siti".into(),
        };
        let positional = template("APPROVED", "{{1}} {{2}} {{3}} {{4}}");
        assert_eq!(
            values.fill(&positional).unwrap(),
            [
                "WA-2026-000001",
                "Polsek Ilir Barat I",
                "selesai ditangani",
                "Siti"
            ]
        );
        let named = template("APPROVED", "{{satuan}} / {{tiket}}");
        assert_eq!(
            values.fill(&named).unwrap(),
            ["Polsek Ilir Barat I", "WA-2026-000001"]
        );
        assert_eq!(values.fill(&template("APPROVED", "{{9}}")), None);
    }
}
