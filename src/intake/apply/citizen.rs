//! Citizens asking the help line rather than telling it about a case: the status of their own
//! reports (a ticket number, `STATUS`, `CEK`, the "Cek status" button) and the "Tambah
//! foto/lokasi" button. Such a message goes on the report it concerns, never opens a report,
//! never reopens or resumes one, and leaves the thread window and the SLA clocks alone.
//! Answers to the satisfaction question are routed here too (`satisfaction.rs`).

use chrono::{DateTime, Duration, Utc};

use super::Apply;
use crate::bus::ReportEventKind;
use crate::domain::abuse::{PaceVerdict, STATUS_CHECK_OVER_LIMIT_MINUTES};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::citizen_requests::{CitizenButton, StatusRequest, parse_status_request};
use crate::domain::ids::ReportId;
use crate::domain::inbound::{InboundMessage, MessageContent};
use crate::domain::message::{Message, OutboundContent, OutboundPurpose};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::reporter::Reporter;
use crate::domain::satisfaction::SatisfactionRating;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::outbound::{queue_reply, queue_unthreaded_reply};
use crate::ledger::{Ledger, OutboxWork};
use crate::store::StoreError;

/// How many of the citizen's reports a status check without a ticket lists, newest first.
pub const STATUS_CHECK_REPORTS: usize = 3;

/// Added to a status check's timeline note when it was not answered (the console reads it).
const STATUS_CHECK_HELD_BACK: &str = "not answered: over the rate limit";

/// `note` of a status check that was not answered.
fn held_back(note: String) -> String {
    format!(
        "{note}; {STATUS_CHECK_HELD_BACK} (answered at most once every {STATUS_CHECK_OVER_LIMIT_MINUTES} minutes)"
    )
}

/// Western Indonesian Time, for the dates citizens read.
const WIB_HOURS: i64 = 7;

/// What a citizen's message asks, with the report it concerns (always the sender's own).
pub(super) enum CitizenRequest {
    Status(StatusRequest),
    AddMedia(Report),
    Rating(Report, SatisfactionRating),
    Comment(Report),
}

impl<'t, 'a> Apply<'t, 'a> {
    /// A message that asks something of the help line, or answers its satisfaction question,
    /// is answered on the report it concerns; any other message is about a case.
    pub(super) fn citizen_message(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<Reporter>,
    ) -> Result<(), StoreError> {
        let request = match reporter.as_ref() {
            Some(reporter) if !reporter.is_blocked(self.now) => {
                self.citizen_request(inbound, reporter)?
            }
            _ => None,
        };
        match (request, reporter) {
            (Some(request), Some(reporter)) => self.answer_citizen(inbound, reporter, request),
            (_, reporter) => self.report_content(inbound, reporter),
        }
    }

    /// What `inbound` asks, if anything: read only, nothing is written.
    fn citizen_request(
        &self,
        inbound: &InboundMessage,
        reporter: &Reporter,
    ) -> Result<Option<CitizenRequest>, StoreError> {
        if let Some(id) = inbound.content.reply_id() {
            let request = match CitizenButton::parse(id) {
                Some(CitizenButton::CheckStatus) => {
                    Some(CitizenRequest::Status(StatusRequest::Mine))
                }
                Some(CitizenButton::AddMedia(report_id)) => self
                    .own_report(report_id, reporter)?
                    .map(CitizenRequest::AddMedia),
                Some(CitizenButton::Rate(rating, report_id)) => self
                    .own_report(report_id, reporter)?
                    .filter(|report| report.satisfaction.is_some())
                    .map(|report| CitizenRequest::Rating(report, rating)),
                None => None,
            };
            return Ok(request);
        }
        let text = match &inbound.content {
            MessageContent::Text { body } => body.as_str(),
            // A quick reply of the satisfaction template: its payload or its title.
            MessageContent::TemplateButton { payload, text } => {
                let rating = [payload, text]
                    .into_iter()
                    .flatten()
                    .find_map(|said| SatisfactionRating::from_text(said));
                return Ok(match (rating, self.pending_satisfaction(reporter)?) {
                    (Some(rating), Some(report)) => Some(CitizenRequest::Rating(report, rating)),
                    _ => None,
                });
            }
            _ => return Ok(None),
        };
        if let Some(asked) = parse_status_request(text, &self.settings.ticket_prefix) {
            return Ok(Some(CitizenRequest::Status(asked)));
        }
        let Some(report) = self.pending_satisfaction(reporter)? else {
            return Ok(None);
        };
        let Some(satisfaction) = &report.satisfaction else {
            return Ok(None);
        };
        if satisfaction.awaits_rating_by_text(self.now)
            && let Some(rating) = SatisfactionRating::from_text(text)
        {
            return Ok(Some(CitizenRequest::Rating(report, rating)));
        }
        // An emergency is never swallowed as a comment on an old report.
        let urgent = self
            .presuggested
            .get(&inbound.external_id)
            .is_some_and(|suggestion| suggestion.urgent);
        if satisfaction.awaits_comment(self.now) && !urgent && !text.trim().is_empty() {
            return Ok(Some(CitizenRequest::Comment(report)));
        }
        Ok(None)
    }

    /// The report `report_id` when it is `reporter`'s own and not a blocked number's record.
    fn own_report(
        &self,
        report_id: ReportId,
        reporter: &Reporter,
    ) -> Result<Option<Report>, StoreError> {
        Ok(self
            .tx
            .reports()
            .get(report_id)?
            .filter(|report| report.reporter_id == reporter.id && !report.blocked))
    }

    fn pending_satisfaction(&self, reporter: &Reporter) -> Result<Option<Report>, StoreError> {
        match reporter.satisfaction_pending {
            Some(report_id) => self.own_report(report_id, reporter),
            None => Ok(None),
        }
    }

    fn answer_citizen(
        &mut self,
        inbound: &InboundMessage,
        mut reporter: Reporter,
        request: CitizenRequest,
    ) -> Result<(), StoreError> {
        // Counted like any message; over the limit the request is kept but not answered (a
        // status check excepted: see `InboundPace::answer_status_check`).
        let calm = reporter.pace.count(self.now, self.settings.pace_limit) == PaceVerdict::Calm;
        self.queue_mark_read(inbound)?;
        let concerned = match request {
            CitizenRequest::Status(asked) => {
                // Over the limit still answered, at most once every few minutes.
                let answer = reporter.pace.answer_status_check(self.now, calm);
                self.status_check(inbound, &reporter, asked, answer)?
            }
            CitizenRequest::AddMedia(report) => {
                Some(self.add_media_help(inbound, &reporter, report, calm)?)
            }
            CitizenRequest::Rating(report, rating) => {
                Some(self.satisfaction_rating(inbound, &mut reporter, report, rating, calm)?)
            }
            CitizenRequest::Comment(report) => {
                Some(self.satisfaction_comment(inbound, &mut reporter, report, calm)?)
            }
        };
        self.tx.reporters().save(&reporter)?;
        match concerned {
            Some(report) => self.describe_replies(&reporter, &report.ticket),
            None => self.replies.clear(),
        }
        Ok(())
    }

    pub(super) fn queue_mark_read(&mut self, inbound: &InboundMessage) -> Result<(), StoreError> {
        if !self.settings.mark_read {
            return Ok(());
        }
        let queued = self.tx.outbox().enqueue_from(
            OutboxWork::MarkRead {
                external_id: inbound.external_id.clone(),
            },
            self.channel.clone(),
            self.now,
        )?;
        self.outcome.queued(queued);
        Ok(())
    }

    /// Keeps the citizen's message on `report` with one timeline entry of `kind`, without
    /// touching what drives the thread window, the status or the SLA; the caller saves.
    pub(super) fn keep_aside(
        &mut self,
        inbound: &InboundMessage,
        report: &mut Report,
        kind: TimelineKind,
        note: String,
    ) -> Result<Message, StoreError> {
        let message = self.inbound_record(inbound, Some(report), Some(report.reporter_id))?;
        self.tx.messages().insert(&message)?;
        report.inbound_count += 1;
        report.updated_at = self.now;
        self.tx.reports().append_timeline(
            report,
            kind,
            Actor::Citizen,
            Some(note),
            Some(message.id),
            self.now,
        )?;
        self.event(ReportEventKind::MessageAdded, report, Some(message.id));
        Ok(message)
    }

    /// Queues an automatic answer on `report` (when the reporter is within the rate limit).
    pub(super) fn answer_on(
        &mut self,
        report: &mut Report,
        content: OutboundContent,
        purpose: OutboundPurpose,
    ) -> Result<(), StoreError> {
        let queued = queue_reply(self.tx, report, content, purpose, Actor::System, self.now)?;
        self.push_reply(queued);
        Ok(())
    }

    /// Answers with the status of the sender's own reports; returns the report the check was
    /// recorded on, if they have one.
    fn status_check(
        &mut self,
        inbound: &InboundMessage,
        reporter: &Reporter,
        asked: StatusRequest,
        calm: bool,
    ) -> Result<Option<Report>, StoreError> {
        let mut latest = Vec::new();
        for report_id in reporter.latest_reports() {
            if let Some(report) = self.own_report(report_id, reporter)? {
                latest.push(report);
            }
        }
        let (found, body, note) = match &asked {
            StatusRequest::Mine => {
                latest.truncate(STATUS_CHECK_REPORTS);
                let body = match latest.is_empty() {
                    true => self
                        .settings
                        .replies_for(self.channel.as_deref())
                        .status_check_none
                        .clone(),
                    false => self.status_lines(&latest)?,
                };
                let note = format!("status check: {} report(s) listed", latest.len());
                (latest.first().cloned(), body, note)
            }
            StatusRequest::Ticket(ticket) => {
                let report = self
                    .tx
                    .reports()
                    .by_ticket(ticket)?
                    .filter(|report| report.reporter_id == reporter.id && !report.blocked);
                match report {
                    Some(report) => {
                        let body = self.status_lines(std::slice::from_ref(&report))?;
                        let note = format!("status check for {ticket}: answered");
                        (Some(report), body, note)
                    }
                    None => {
                        let body = self
                            .settings
                            .replies
                            .status_check_not_found
                            .replace("{ticket}", ticket);
                        let note = format!(
                            "status check for {ticket}: not one of this citizen's reports, answered \"not found\""
                        );
                        // Recorded on their own latest report, which the operator can open.
                        (latest.first().cloned(), body, note)
                    }
                }
            }
        };
        self.outcome.questions.status_checks += 1;
        let content = OutboundContent::Text { body };
        let Some(mut report) = found else {
            self.status_check_without_report(inbound, reporter, &asked, content, calm)?;
            return Ok(None);
        };
        let note = match calm {
            true => note,
            false => held_back(note),
        };
        self.keep_aside(inbound, &mut report, TimelineKind::StatusChecked, note)?;
        if calm {
            self.answer_on(&mut report, content, OutboundPurpose::StatusCheck)?;
        }
        self.tx.reports().save(&report)?;
        Ok(Some(report))
    }

    /// A number without any report asked: the message is kept on no report, and the audit
    /// trail records the check (there is no timeline to hold it).
    fn status_check_without_report(
        &mut self,
        inbound: &InboundMessage,
        reporter: &Reporter,
        asked: &StatusRequest,
        content: OutboundContent,
        calm: bool,
    ) -> Result<(), StoreError> {
        let message = self.inbound_record(inbound, None, Some(reporter.id))?;
        self.tx.messages().insert(&message)?;
        let detail = match asked {
            StatusRequest::Mine => {
                "asked for the status of their reports; the number has none".to_string()
            }
            StatusRequest::Ticket(ticket) => {
                format!(
                    "asked for ticket {ticket}; the number has no report, answered \"not found\""
                )
            }
        };
        let detail = match calm {
            true => detail,
            false => held_back(detail),
        };
        self.tx.audit_log().append(AuditEntry {
            id: 0,
            at: self.now,
            action: AuditAction::CitizenStatusCheck,
            actor: None,
            client: None,
            success: true,
            report_id: None,
            subject: Some(format!("reporter {} (message {})", reporter.id, message.id)),
            detail: Some(detail),
        })?;
        if calm {
            let (_, queued) = queue_unthreaded_reply(
                self.tx,
                reporter.id,
                content,
                OutboundPurpose::StatusCheck,
                self.channel.clone(),
                self.now,
            )?;
            self.outcome.queued(queued);
        }
        Ok(())
    }

    /// The header, one line per report (ticket, date in WIB, status in the citizen's words),
    /// and the footer.
    fn status_lines(&self, reports: &[Report]) -> Result<String, StoreError> {
        let replies = self.settings.replies_for(self.channel.as_deref());
        let mut lines = vec![replies.status_check_header.clone()];
        for report in reports {
            let unit = match &report.assigned_unit {
                Some(code) => self
                    .tx
                    .units()
                    .get(code)?
                    .map_or_else(|| code.to_string(), |unit| unit.name),
                None => replies.command_center_name.clone(),
            };
            let status = match report.status {
                ReportStatus::New | ReportStatus::Triaged => replies.status_received.clone(),
                ReportStatus::Forwarded => replies.status_forwarded.replace("{unit}", &unit),
                ReportStatus::InProgress => replies.status_in_progress.replace("{unit}", &unit),
                ReportStatus::AwaitingReporter => replies.status_awaiting_reporter.clone(),
                ReportStatus::Resolved => replies.status_resolved.clone(),
                ReportStatus::Closed
                | ReportStatus::Rejected
                | ReportStatus::Duplicate
                | ReportStatus::Spam => replies.status_closed.clone(),
            };
            lines.push(format!(
                "• {} ({}): {status}",
                report.ticket,
                wib_date(report.created_at)
            ));
        }
        lines.push(replies.status_check_footer.clone());
        Ok(lines.join("\n\n"))
    }

    /// "Tambah foto/lokasi": how to add a photo, then WhatsApp's location request.
    fn add_media_help(
        &mut self,
        inbound: &InboundMessage,
        reporter: &Reporter,
        mut report: Report,
        calm: bool,
    ) -> Result<Report, StoreError> {
        debug_assert_eq!(report.reporter_id, reporter.id);
        let note = "the citizen asked how to add a photo or the location".to_string();
        self.keep_aside(inbound, &mut report, TimelineKind::MessageReceived, note)?;
        if calm {
            let replies = self.settings.replies_for(self.channel.as_deref());
            let instruction = replies
                .add_media_instruction
                .replace("{ticket}", &report.ticket);
            let location = replies.location_request.replace("{ticket}", &report.ticket);
            for content in [
                OutboundContent::Text { body: instruction },
                OutboundContent::LocationRequest { body: location },
            ] {
                self.answer_on(&mut report, content, OutboundPurpose::StatusCheck)?;
            }
        }
        self.tx.reports().save(&report)?;
        Ok(report)
    }
}

/// The day in Western Indonesian Time (UTC+7, no daylight saving), as citizens write it.
fn wib_date(at: DateTime<Utc>) -> String {
    (at + Duration::hours(WIB_HOURS))
        .format("%d-%m-%Y")
        .to_string()
}
