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
    /// The first line of the answer to a status check (a ticket number, `STATUS` or `CEK`).
    pub status_check_header: String,
    /// The last line of that answer.
    pub status_check_footer: String,
    /// The answer when the ticket asked about is not one of the sender's: the same for a
    /// ticket that does not exist and for another citizen's, so that it reveals nothing.
    pub status_check_not_found: String,
    /// The answer to a status check from a number that has no report.
    pub status_check_none: String,
    /// A report's status as the citizen reads it: not yet forwarded.
    pub status_received: String,
    /// Forwarded; `{unit}` is the unit's name.
    pub status_forwarded: String,
    /// Being handled; `{unit}` is the unit's name.
    pub status_in_progress: String,
    /// The command center waits for the citizen's answer.
    pub status_awaiting_reporter: String,
    /// Resolved.
    pub status_resolved: String,
    /// Closed, rejected, merged or set aside.
    pub status_closed: String,
    /// The reply button on the automatic reply that asks for the status (at most 20
    /// characters).
    pub status_button: String,
    /// The reply button on the automatic reply that asks how to add a photo or the location
    /// (at most 20 characters).
    pub add_media_button: String,
    /// The answer to that button; a location request follows it.
    pub add_media_instruction: String,
    /// Asked once when a report is resolved, above three reply buttons.
    pub satisfaction_question: String,
    /// The three buttons' labels (at most 20 characters each).
    pub satisfaction_button_satisfied: String,
    pub satisfaction_button_fair: String,
    pub satisfaction_button_dissatisfied: String,
    /// The answer to a Puas.
    pub satisfaction_thanks: String,
    /// The answer to a Cukup or Tidak puas: the next message is taken as the comment.
    pub satisfaction_comment_request: String,
    /// The answer to the comment.
    pub satisfaction_comment_thanks: String,
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
    pub status_check_header: Option<String>,
    pub status_check_footer: Option<String>,
    pub status_check_not_found: Option<String>,
    pub status_check_none: Option<String>,
    pub status_received: Option<String>,
    pub status_forwarded: Option<String>,
    pub status_in_progress: Option<String>,
    pub status_awaiting_reporter: Option<String>,
    pub status_resolved: Option<String>,
    pub status_closed: Option<String>,
    pub status_button: Option<String>,
    pub add_media_button: Option<String>,
    pub add_media_instruction: Option<String>,
    pub satisfaction_question: Option<String>,
    pub satisfaction_button_satisfied: Option<String>,
    pub satisfaction_button_fair: Option<String>,
    pub satisfaction_button_dissatisfied: Option<String>,
    pub satisfaction_thanks: Option<String>,
    pub satisfaction_comment_request: Option<String>,
    pub satisfaction_comment_thanks: Option<String>,
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
                &mut self.status_check_header,
                &overrides.status_check_header,
            ),
            (
                &mut self.status_check_footer,
                &overrides.status_check_footer,
            ),
            (
                &mut self.status_check_not_found,
                &overrides.status_check_not_found,
            ),
            (&mut self.status_check_none, &overrides.status_check_none),
            (&mut self.status_received, &overrides.status_received),
            (&mut self.status_forwarded, &overrides.status_forwarded),
            (&mut self.status_in_progress, &overrides.status_in_progress),
            (
                &mut self.status_awaiting_reporter,
                &overrides.status_awaiting_reporter,
            ),
            (&mut self.status_resolved, &overrides.status_resolved),
            (&mut self.status_closed, &overrides.status_closed),
            (&mut self.status_button, &overrides.status_button),
            (&mut self.add_media_button, &overrides.add_media_button),
            (
                &mut self.add_media_instruction,
                &overrides.add_media_instruction,
            ),
            (
                &mut self.satisfaction_question,
                &overrides.satisfaction_question,
            ),
            (
                &mut self.satisfaction_button_satisfied,
                &overrides.satisfaction_button_satisfied,
            ),
            (
                &mut self.satisfaction_button_fair,
                &overrides.satisfaction_button_fair,
            ),
            (
                &mut self.satisfaction_button_dissatisfied,
                &overrides.satisfaction_button_dissatisfied,
            ),
            (
                &mut self.satisfaction_thanks,
                &overrides.satisfaction_thanks,
            ),
            (
                &mut self.satisfaction_comment_request,
                &overrides.satisfaction_comment_request,
            ),
            (
                &mut self.satisfaction_comment_thanks,
                &overrides.satisfaction_comment_thanks,
            ),
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
