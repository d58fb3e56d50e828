//! The automatic replies an inbound message earns (acknowledgement, urgent advice, follow-ups),
//! queued in the transaction and described to the sender once the report is saved.

use super::Apply;
use crate::bus::ReportEventKind;
use crate::domain::citizen_requests::CitizenButton;
use crate::domain::ids::Ticket;
use crate::domain::message::{OutboundContent, OutboundPurpose};
use crate::domain::questions::{BUTTON_TITLE_CHARS, Choice, MAX_INTERACTIVE_BODY_CHARS, fit_title};
use crate::domain::report::Report;
use crate::domain::reporter::Reporter;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::outbound::{QueuedReply, queue_reply};
use crate::ledger::KnownSend;
use crate::ledger::Ledger;
use crate::store::StoreError;

impl<'t, 'a> Apply<'t, 'a> {
    /// The answer to an urgent report: call 110 now, then a one-tap location request.
    pub(super) fn urgent_reply(&mut self, report: &mut Report) -> Result<(), StoreError> {
        let replies = self.settings.replies_for(self.channel.as_deref());
        let body = replies.urgent_report.replace("{ticket}", &report.ticket);
        let location_body = replies.location_request.replace("{ticket}", &report.ticket);
        for content in [
            OutboundContent::Text { body },
            OutboundContent::LocationRequest {
                body: location_body,
            },
        ] {
            let queued = queue_reply(
                self.tx,
                report,
                content,
                OutboundPurpose::NewReportReply,
                Actor::System,
                self.now,
            )?;
            self.push_reply(queued);
        }
        report.last_ack_at = Some(self.now);
        Ok(())
    }

    pub(super) fn reply(
        &mut self,
        report: &mut Report,
        purpose: OutboundPurpose,
    ) -> Result<(), StoreError> {
        let replies = self.settings.replies_for(self.channel.as_deref());
        let template = match purpose {
            OutboundPurpose::NewReportReply => &replies.new_report,
            OutboundPurpose::SlowDown => &replies.slow_down,
            _ => &replies.follow_up_ack,
        };
        let body = template.replace("{ticket}", &report.ticket);
        let content = match purpose {
            OutboundPurpose::NewReportReply => self.with_report_buttons(report, body),
            _ => OutboundContent::Text { body },
        };
        let queued = queue_reply(self.tx, report, content, purpose, Actor::System, self.now)?;
        report.last_ack_at = Some(self.now);
        self.push_reply(queued);
        Ok(())
    }

    /// The automatic reply to a new report, with the reply buttons "Cek status" and "Tambah
    /// foto/lokasi" under its text (which keeps the ticket number). A text too long for an
    /// interactive body goes out as plain text.
    fn with_report_buttons(&self, report: &Report, body: String) -> OutboundContent {
        if body.chars().count() > MAX_INTERACTIVE_BODY_CHARS {
            return OutboundContent::Text { body };
        }
        let replies = self.settings.replies_for(self.channel.as_deref());
        let choices = vec![
            Choice {
                id: CitizenButton::CheckStatus.id(),
                title: fit_title(&replies.status_button, BUTTON_TITLE_CHARS),
                description: None,
            },
            Choice {
                id: CitizenButton::AddMedia(report.id).id(),
                title: fit_title(&replies.add_media_button, BUTTON_TITLE_CHARS),
                description: None,
            },
        ];
        OutboundContent::Buttons { body, choices }
    }

    pub(super) fn push_reply(&mut self, queued: QueuedReply) {
        self.outcome.outbox_queued += 1;
        self.outcome.events.push(queued.event);
        self.replies
            .push((self.outcome.outbox.len(), queued.message));
        self.outcome.outbox.push(queued.queued);
    }

    /// Gives the replies just queued for `reporter` what the sender would otherwise read back:
    /// call it once the reporter and the report are saved as they will be committed.
    pub(super) fn describe_replies(&mut self, reporter: &Reporter, ticket: &Ticket) {
        for (index, message) in self.replies.drain(..) {
            if message.reporter_id != Some(reporter.id) {
                continue;
            }
            if let Some(queued) = self.outcome.outbox.get_mut(index) {
                queued.known = Some(Box::new(KnownSend {
                    message,
                    reporter: reporter.clone(),
                    ticket: ticket.clone(),
                }));
            }
        }
    }

    pub(super) fn resume_after_reporter_answered(
        &mut self,
        report: &mut Report,
    ) -> Result<(), StoreError> {
        let Some(resume_to) = report.resume_status.take() else {
            return Ok(());
        };
        let note = Some(format!(
            "{} -> {} (reporter answered)",
            report.status, resume_to
        ));
        report.move_to(resume_to, self.now);
        self.tx.reports().append_timeline(
            report,
            TimelineKind::StatusChanged,
            Actor::Citizen,
            note,
            None,
            self.now,
        )?;
        self.event(ReportEventKind::StatusChanged, report, None);
        Ok(())
    }
}
