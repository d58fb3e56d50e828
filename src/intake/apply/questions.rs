//! Asking the citizen when the suggestion is unsure, and applying their answer. WhatsApp lets
//! us send interactive messages only inside the 24-hour window, which the citizen's own
//! message has just opened: the questions go with the first answer to a new report.

use super::Apply;
use crate::bus::ReportEventKind;
use crate::domain::ids::MessageId;
use crate::domain::message::{OutboundContent, OutboundPurpose};
use crate::domain::questions::{
    BUTTON_TITLE_CHARS, Choice, CitizenChoice, LIST_ROW_DESCRIPTION_CHARS, LIST_ROW_TITLE_CHARS,
    MAX_LIST_ROWS, fit_title,
};
use crate::domain::report::{Priority, Report};
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::outbound::queue_reply;
use crate::ledger::Ledger;
use crate::store::StoreError;

impl<'t, 'a> Apply<'t, 'a> {
    /// The first answer to a new report, with the reply buttons "happening now" / "not an
    /// emergency" when urgency is uncertain.
    pub(super) fn first_reply(&mut self, report: &mut Report) -> Result<(), StoreError> {
        let urgency_uncertain = report
            .suggestion
            .as_ref()
            .is_some_and(|suggestion| suggestion.urgency_uncertain && !suggestion.urgent);
        if !urgency_uncertain || report.citizen_answers.urgency_asked_at.is_some() {
            return self.reply(report, OutboundPurpose::NewReportReply);
        }
        let replies = self.settings.replies_for(self.channel.as_deref());
        let body = format!(
            "{}\n\n{}",
            replies.new_report.replace("{ticket}", &report.ticket),
            replies.urgency_question.replace("{ticket}", &report.ticket)
        );
        let choices = vec![
            Choice {
                id: CitizenChoice::HappeningNow.id(),
                title: fit_title(&replies.urgency_button_now, BUTTON_TITLE_CHARS),
                description: None,
            },
            Choice {
                id: CitizenChoice::NotUrgent.id(),
                title: fit_title(&replies.urgency_button_not, BUTTON_TITLE_CHARS),
                description: None,
            },
        ];
        let queued = queue_reply(
            self.tx,
            report,
            OutboundContent::Buttons { body, choices },
            OutboundPurpose::NewReportReply,
            Actor::System,
            self.now,
        )?;
        report.last_ack_at = Some(self.now);
        report.citizen_answers.urgency_asked_at = Some(self.now);
        self.outcome.questions.asked_urgency += 1;
        self.push_reply(queued);
        Ok(())
    }

    /// When the kind of report is unclear, a list of the likeliest kinds (asked once).
    pub(super) fn ask_category_if_unclear(
        &mut self,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        let Some(suggestion) = &report.suggestion else {
            return Ok(());
        };
        if !suggestion.category_uncertain
            || suggestion.category_candidates.len() < 2
            || report.citizen_answers.category_asked_at.is_some()
            || report.category.is_some()
        {
            return Ok(());
        }
        let choices: Vec<Choice> = suggestion
            .category_candidates
            .iter()
            .filter_map(|candidate| {
                let label = self.settings.category_titles.get(&candidate.code)?;
                let title = fit_title(label, LIST_ROW_TITLE_CHARS);
                let description =
                    (title != *label).then(|| fit_title(label, LIST_ROW_DESCRIPTION_CHARS));
                Some(Choice {
                    id: CitizenChoice::Category(candidate.code.clone()).id(),
                    title,
                    description,
                })
            })
            .take(MAX_LIST_ROWS)
            .collect();
        if choices.len() < 2 {
            return Ok(());
        }
        let replies = self.settings.replies_for(self.channel.as_deref());
        let content = OutboundContent::List {
            body: replies
                .category_question
                .replace("{ticket}", &report.ticket),
            button: fit_title(&replies.category_button, BUTTON_TITLE_CHARS),
            choices,
        };
        let queued = queue_reply(
            self.tx,
            report,
            content,
            OutboundPurpose::NewReportReply,
            Actor::System,
            self.now,
        )?;
        report.citizen_answers.category_asked_at = Some(self.now);
        self.outcome.questions.asked_category += 1;
        self.push_reply(queued);
        Ok(())
    }

    /// Applies the citizen's answer. "Happening now" makes the report urgent (priority
    /// URGENT, the emergency answer and the location request, an URGENT_REPORT event), once;
    /// the answer is held back (`may_reply` false) while the reporter floods the line.
    pub(super) fn apply_choice(
        &mut self,
        report: &mut Report,
        choice: CitizenChoice,
        message_id: MessageId,
        may_reply: bool,
    ) -> Result<(), StoreError> {
        let note = match &choice {
            CitizenChoice::HappeningNow => {
                self.outcome.questions.happening_now += 1;
                report.citizen_answers.urgent = Some(true);
                "the citizen says it is happening now and needs help at once".to_string()
            }
            CitizenChoice::NotUrgent => {
                self.outcome.questions.not_urgent += 1;
                report.citizen_answers.urgent = Some(false);
                "the citizen says it is not an emergency".to_string()
            }
            CitizenChoice::Category(code) => {
                self.outcome.questions.category += 1;
                report.citizen_answers.category = Some(code.clone());
                format!("the citizen chose the kind of report: {code}")
            }
        };
        self.tx.reports().append_timeline(
            report,
            TimelineKind::Note,
            Actor::Citizen,
            Some(note),
            Some(message_id),
            self.now,
        )?;
        if choice == CitizenChoice::HappeningNow && !report.flags.iter().any(|f| f == "urgent") {
            report.add_flag("urgent");
            report.priority = Some(Priority::Urgent);
            self.event(ReportEventKind::UrgentReport, report, None);
            if may_reply {
                self.urgent_reply(report)?;
            }
        }
        Ok(())
    }
}
