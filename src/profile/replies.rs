//! The texts citizens receive automatically, and the config file's overrides of them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRef {
    pub name: String,
    #[serde(default = "default_template_language")]
    pub language: String,
}

fn default_template_language() -> String {
    "id".to_string()
}

/// The texts citizens receive automatically. `{ticket}` is replaced by the ticket number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTexts {
    pub new_report: String,
    /// The answer to a report judged urgent: call 110 now, share your live location.
    pub urgent_report: String,
    pub follow_up_ack: String,
    /// Sent when the report is forwarded; `{unit}` is the unit's name.
    pub forwarded: String,
    pub resolved: String,
    /// The body of the WhatsApp location request.
    pub location_request: String,
    /// The body of the WhatsApp call permission request.
    pub call_permission_request: String,
    /// A reminder when the command center asked something and the citizen has not answered.
    pub reporter_reminder: String,
    /// Added to the first answer when urgency is uncertain, above two reply buttons.
    pub urgency_question: String,
    /// The reply buttons' labels (at most 20 characters each).
    pub urgency_button_now: String,
    pub urgency_button_not: String,
    /// The body of the list of likeliest kinds sent when the category is unclear.
    pub category_question: String,
    /// The label of the button that opens that list (at most 20 characters).
    pub category_button: String,
    /// The one answer to a reporter over the automatic rate limit (see `domain::abuse`).
    #[serde(default = "default_slow_down")]
    pub slow_down: String,
    /// Sent outside the 24-hour window in place of an operator's reply or an automatic text
    /// (purpose OUTSIDE_WINDOW); an admin's `setTemplateForPurpose` wins over it.
    #[serde(default)]
    pub fallback_template: Option<TemplateRef>,
    /// The forwarded notice outside the window (purpose FORWARDED).
    #[serde(default)]
    pub forwarded_template: Option<TemplateRef>,
    /// The resolved notice outside the window (purpose RESOLVED).
    #[serde(default)]
    pub resolved_template: Option<TemplateRef>,
    /// The satisfaction question outside the window (purpose SATISFACTION).
    #[serde(default)]
    pub satisfaction_template: Option<TemplateRef>,
    /// What a canned reply's `{nama}` becomes when the reporter's WhatsApp name is unknown.
    #[serde(default = "default_unknown_reporter_name")]
    pub unknown_reporter_name: String,
    /// What a canned reply's `{satuan}` becomes before the report is forwarded, when the
    /// operator has no unit either.
    #[serde(default = "default_command_center_name")]
    pub command_center_name: String,
}

fn default_unknown_reporter_name() -> String {
    "Bapak/Ibu".to_string()
}

fn default_command_center_name() -> String {
    "Command Center".to_string()
}

/// For a profile folder written before the rate limit existed.
fn default_slow_down() -> String {
    "Kami menerima banyak pesan dari nomor Anda dalam waktu singkat. Pesan Anda tetap kami simpan dan dibaca petugas, tetapi balasan otomatis kami hentikan sementara. Mohon tulis laporan Anda dalam satu atau beberapa pesan saja. DARURAT? Segera telepon 110.".to_string()
}

/// Replacement texts from the config file; each one left out keeps the profile's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyOverrides {
    pub new_report: Option<String>,
    pub urgent_report: Option<String>,
    pub follow_up_ack: Option<String>,
    pub forwarded: Option<String>,
    pub resolved: Option<String>,
    pub location_request: Option<String>,
    pub call_permission_request: Option<String>,
    pub reporter_reminder: Option<String>,
    pub urgency_question: Option<String>,
    pub urgency_button_now: Option<String>,
    pub urgency_button_not: Option<String>,
    pub category_question: Option<String>,
    pub category_button: Option<String>,
    pub slow_down: Option<String>,
    pub fallback_template: Option<TemplateRef>,
    pub forwarded_template: Option<TemplateRef>,
    pub resolved_template: Option<TemplateRef>,
    pub satisfaction_template: Option<TemplateRef>,
    pub unknown_reporter_name: Option<String>,
    pub command_center_name: Option<String>,
}

impl ReplyTexts {
    pub fn with_overrides(mut self, overrides: &ReplyOverrides) -> ReplyTexts {
        if let Some(text) = &overrides.new_report {
            self.new_report = text.clone();
        }
        let texts = [
            (&mut self.urgent_report, &overrides.urgent_report),
            (&mut self.follow_up_ack, &overrides.follow_up_ack),
            (&mut self.forwarded, &overrides.forwarded),
            (&mut self.resolved, &overrides.resolved),
            (&mut self.location_request, &overrides.location_request),
            (
                &mut self.call_permission_request,
                &overrides.call_permission_request,
            ),
            (&mut self.reporter_reminder, &overrides.reporter_reminder),
            (&mut self.urgency_question, &overrides.urgency_question),
            (&mut self.urgency_button_now, &overrides.urgency_button_now),
            (&mut self.urgency_button_not, &overrides.urgency_button_not),
            (&mut self.category_question, &overrides.category_question),
            (&mut self.category_button, &overrides.category_button),
            (&mut self.slow_down, &overrides.slow_down),
            (
                &mut self.unknown_reporter_name,
                &overrides.unknown_reporter_name,
            ),
            (
                &mut self.command_center_name,
                &overrides.command_center_name,
            ),
        ];
        for (text, replacement) in texts {
            if let Some(replacement) = replacement {
                text.clone_from(replacement);
            }
        }
        let templates = [
            (&mut self.fallback_template, &overrides.fallback_template),
            (&mut self.forwarded_template, &overrides.forwarded_template),
            (&mut self.resolved_template, &overrides.resolved_template),
            (
                &mut self.satisfaction_template,
                &overrides.satisfaction_template,
            ),
        ];
        for (template, replacement) in templates {
            if replacement.is_some() {
                template.clone_from(replacement);
            }
        }
        self
    }
}
