//! Inbound messages: dedupe, the reporter, threading into the open report or a new one with a
//! ticket, the citizen's words kept for the suggestion, and the record of the message itself.

use chrono::{DateTime, Utc};

use super::annotations::Annotation;
use super::{Apply, MAX_CITIZEN_TEXT_BYTES};
use crate::bus::ReportEventKind;
use crate::domain::abuse::PaceVerdict;
use crate::domain::inbound::{InboundMessage, MessageContent};
use crate::domain::message::{Direction, Message, MessageBody, OutboundPurpose, StoredMedia};
use crate::domain::questions::CitizenChoice;
use crate::domain::report::{GeoPoint, Report, ReportStatus};
use crate::domain::reporter::Reporter;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::ledger::Ledger;
use crate::store::StoreError;

impl<'t, 'a> Apply<'t, 'a> {
    pub(super) fn message(&mut self, inbound: &InboundMessage) -> Result<(), StoreError> {
        if self
            .tx
            .messages()
            .id_by_wamid(&inbound.external_id)?
            .is_some()
        {
            self.outcome.duplicates += 1;
            return Ok(());
        }
        self.outcome.messages_new += 1;
        if matches!(
            inbound.content,
            MessageContent::Unsupported {
                known_to_meta: false,
                ..
            }
        ) {
            self.outcome.unknown_types += 1;
        }
        // The window opens when we receive the message: the citizen's clock may be wrong.
        let reporter = self.upsert_reporter(&inbound.sender, Some(self.now))?;
        match &inbound.content {
            MessageContent::Reaction { target_id, emoji } => self.annotate_target(
                inbound,
                reporter.as_ref(),
                target_id,
                Annotation::Reaction(emoji.clone()),
            ),
            MessageContent::Edit {
                target_id,
                new_content,
            } => self.annotate_target(
                inbound,
                reporter.as_ref(),
                target_id,
                Annotation::Edit((**new_content).clone()),
            ),
            MessageContent::Revoke { target_id } => {
                self.annotate_target(inbound, reporter.as_ref(), target_id, Annotation::Revoke)
            }
            MessageContent::System { .. } => self.system_notice(inbound, reporter),
            MessageContent::CallPermissionReply {
                accepted,
                expires_at,
                ..
            } => self.call_permission_reply(inbound, reporter, *accepted, *expires_at),
            _ => self.citizen_message(inbound, reporter),
        }
    }

    /// A message that says something about the case: it joins the open report or opens one.
    pub(super) fn report_content(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<Reporter>,
    ) -> Result<(), StoreError> {
        let Some(mut reporter) = reporter else {
            // Nobody to thread under or reply to; kept as evidence, flagged in the log.
            tracing::warn!(external_id = %inbound.external_id, "message without sender identity stored unthreaded");
            let message = self.inbound_record(inbound, None, None)?;
            return self.tx.messages().insert(&message);
        };
        if reporter.is_blocked(self.now) {
            return self.blocked_content(inbound, reporter);
        }
        let pace = reporter.pace.count(self.now, self.settings.pace_limit);
        // Threading goes by the receive time too: a stated send time in the future would keep
        // the thread open.
        let (mut report, opened) = self.open_or_join_report(&mut reporter)?;
        let message = self.keep_on_report(inbound, &mut report, reporter.id)?;
        if !opened && report.status == ReportStatus::AwaitingReporter {
            self.resume_after_reporter_answered(&mut report)?;
        }
        self.queue_mark_read(inbound)?;
        // A tap on one of our questions' buttons is an answer, not words about the case.
        let choice = inbound.content.reply_id().and_then(CitizenChoice::parse);
        let newly_urgent = self.update_suggestion(&mut report, inbound, choice.is_none());
        let calm = pace == PaceVerdict::Calm;
        match pace {
            PaceVerdict::JustFlooding => self.reply(&mut report, OutboundPurpose::SlowDown)?,
            // Held back until the rate is within the limit again; alerts still go out.
            PaceVerdict::StillFlooding => {}
            PaceVerdict::Calm if newly_urgent => self.urgent_reply(&mut report)?,
            PaceVerdict::Calm if opened => {
                self.first_reply(&mut report)?;
                self.ask_category_if_unclear(&mut report)?;
            }
            PaceVerdict::Calm if choice.is_none() && self.follow_up_ack_due(&report) => {
                self.reply(&mut report, OutboundPurpose::FollowUpAck)?;
            }
            PaceVerdict::Calm => {}
        }
        if let Some(choice) = choice {
            self.apply_choice(&mut report, choice, message.id, calm)?;
        }
        self.event(ReportEventKind::MessageAdded, &report, Some(message.id));
        self.tx.reports().save(&report)?;
        self.tx.reporters().save(&reporter)?;
        self.describe_replies(&reporter, &report.ticket);
        Ok(())
    }

    /// Stores the message on `report` with what it tells about the case (timeline, media to
    /// fetch, location, flags); the caller saves the report.
    fn keep_on_report(
        &mut self,
        inbound: &InboundMessage,
        report: &mut Report,
        reporter_id: u64,
    ) -> Result<Message, StoreError> {
        let message = self.inbound_record(inbound, Some(report), Some(reporter_id))?;
        self.tx.messages().insert(&message)?;
        report.inbound_count += 1;
        report.last_activity_at = report.last_activity_at.max(self.now);
        report.updated_at = self.now;
        let note = Some(message.kind_name().to_string());
        self.tx.reports().append_timeline(
            report,
            TimelineKind::MessageReceived,
            Actor::Citizen,
            note,
            Some(message.id),
            self.now,
        )?;
        if let Some((_, media)) = inbound.content.media() {
            debug_assert!(!media.media_id.is_empty() || media.url.is_some());
            report.has_media = true;
            self.tx.media_queue().enqueue(message.id, self.now)?;
            self.outcome.media_queued += 1;
        }
        if let MessageContent::Location {
            latitude,
            longitude,
            ..
        } = inbound.content
        {
            report.location = Some(GeoPoint {
                latitude,
                longitude,
            });
        }
        if inbound.context.frequently_forwarded {
            report.add_flag("possible_hoax");
        }
        if let MessageContent::Unsupported {
            known_to_meta: false,
            ..
        } = inbound.content
        {
            report.add_flag("unknown_message_type");
        }
        Ok(message)
    }

    /// A message from a blocked number: kept as evidence in the reporter's blocked report
    /// (opened when needed, hidden from the queue), with no reply, no read receipt, no
    /// suggestion and no event, so that nothing alerts anyone.
    fn blocked_content(
        &mut self,
        inbound: &InboundMessage,
        mut reporter: Reporter,
    ) -> Result<(), StoreError> {
        let (mut report, _) = self.thread_report(reporter.blocked_report, reporter.id, true)?;
        reporter.blocked_report = Some(report.id);
        self.keep_on_report(inbound, &mut report, reporter.id)?;
        keep_citizen_text(&mut report, inbound, true);
        self.outcome.blocked_messages += 1;
        self.tx.reports().save(&report)?;
        self.tx.reporters().save(&reporter)
    }

    pub(super) fn follow_up_ack_due(&self, report: &Report) -> bool {
        match report.last_ack_at {
            None => true,
            Some(last) => {
                self.now.signed_duration_since(last) >= self.settings.follow_up_ack_interval
            }
        }
    }

    /// Recomputes the suggestion from everything the citizen wrote; true when the report has
    /// just become urgent (it then gets URGENT priority, the urgent reply and an event).
    pub(super) fn update_suggestion(
        &mut self,
        report: &mut Report,
        inbound: &InboundMessage,
        about_the_case: bool,
    ) -> bool {
        keep_citizen_text(report, inbound, about_the_case);
        let Some(router) = &self.settings.router else {
            return false;
        };
        let precomputed = self
            .presuggested
            .get(&inbound.external_id)
            .filter(|_| report.citizen_texts.len() == 1 && report.location.is_none());
        let suggestion = match precomputed {
            Some(suggestion) => suggestion.clone(),
            None => {
                let texts: Vec<&str> = report.citizen_texts.iter().map(String::as_str).collect();
                let location = report
                    .location
                    .map(|point| (point.latitude, point.longitude));
                router.suggest(&texts, location)
            }
        };
        let mut suggestion = suggestion;
        self.apply_default_unit(report, &mut suggestion);
        let urgent = suggestion.urgent;
        report.suggestion = Some(suggestion);
        self.settings.access.seal_compartment(report);
        if !urgent || report.flags.iter().any(|flag| flag == "urgent") {
            return false;
        }
        report.add_flag("urgent");
        report.priority = Some(crate::domain::report::Priority::Urgent);
        self.event(ReportEventKind::UrgentReport, report, None);
        true
    }

    /// A report whose text names no place goes to its number's default unit, if it has one.
    fn apply_default_unit(&self, report: &Report, suggestion: &mut crate::routing::Suggestion) {
        if suggestion.territorial_unit.is_some() || suggestion.place.is_some() {
            return;
        }
        let directory = &self.settings.channels.directory;
        let Some(unit) = directory.default_unit(report.channel.as_deref()) else {
            return;
        };
        suggestion.territorial_unit = Some(unit.clone());
        let label = directory
            .channel_of(report.channel.as_deref())
            .and_then(|id| directory.get(id))
            .map(|channel| channel.label.clone())
            .unwrap_or_default();
        suggestion
            .reasons
            .push(format!("unit: no place named; the default unit of {label}"));
    }

    pub(super) fn inbound_record(
        &mut self,
        inbound: &InboundMessage,
        report: Option<&Report>,
        reporter_id: Option<u64>,
    ) -> Result<Message, StoreError> {
        let media = inbound.content.media().map(|_| StoredMedia::pending());
        Ok(Message {
            id: self.tx.messages().new_id()?,
            report_id: report.map(|report| report.id),
            reporter_id,
            direction: Direction::Inbound,
            external_id: Some(inbound.external_id.clone()),
            created_at: self.sent_at(inbound),
            received_at: self.now,
            stated_sent_at: Some(inbound.sent_at),
            body: MessageBody::Inbound {
                content: inbound.content.clone(),
                context: inbound.context.clone(),
                errors: inbound.errors.clone(),
            },
            delivery: None,
            media,
            revisions: Vec::new(),
            revoked_at: None,
            reactions: Vec::new(),
            raw_payload_id: Some(self.raw_payload_id()?),
            canned_reply: None,
            channel: self.channel.clone(),
        })
    }

    /// When the citizen sent the message, as stated by the channel but never later than we
    /// received it.
    pub(super) fn sent_at(&self, inbound: &InboundMessage) -> DateTime<Utc> {
        inbound.sent_at.min(self.now)
    }

    /// The reporter's open report when now is within its thread window, else a new report.
    pub(super) fn open_or_join_report(
        &mut self,
        reporter: &mut Reporter,
    ) -> Result<(Report, bool), StoreError> {
        let channel = self.channel.clone();
        let current = reporter.open_report_on(channel.as_deref());
        let (report, opened) = self.thread_report(current, reporter.id, false)?;
        reporter.set_open_report(channel.as_deref(), report.id);
        if opened {
            reporter.remember_report(report.id);
        }
        Ok((report, opened))
    }

    /// `current` when it still takes follow-ups now, else a new report (a `blocked` one for a
    /// blocked reporter's messages: no event announces it).
    pub(super) fn thread_report(
        &mut self,
        current: Option<crate::domain::ids::ReportId>,
        reporter_id: u64,
        blocked: bool,
    ) -> Result<(Report, bool), StoreError> {
        let at = self.now;
        // A message to another number never joins the report: its replies must come from
        // the number the citizen wrote to, and the numbers' units differ.
        if let Some(open_id) = current
            && let Some(report) = self.tx.reports().get(open_id)?
            && report.accepts_follow_up(at, self.settings.thread_window)
            && self
                .settings
                .channels
                .directory
                .same_channel(report.channel.as_deref(), self.channel.as_deref())
        {
            return Ok((report, false));
        }
        let ticket = self
            .tx
            .reports()
            .next_ticket(&self.settings.ticket_prefix, self.now)?;
        let mut report = Report {
            id: self.tx.reports().new_id()?,
            ticket: ticket.clone(),
            status: ReportStatus::New,
            reporter_id,
            created_at: self.now,
            updated_at: self.now,
            last_activity_at: at,
            category: None,
            priority: None,
            summary: None,
            assigned_unit: None,
            location: None,
            resume_status: None,
            inbound_count: 0,
            has_media: false,
            last_ack_at: None,
            flags: Vec::new(),
            timeline_len: 0,
            citizen_texts: Vec::new(),
            suggestion: None,
            first_action_at: None,
            forwarded_at: None,
            resolved_at: None,
            paused_since: None,
            paused_seconds: 0,
            sla: Default::default(),
            compartmented: false,
            citizen_answers: Default::default(),
            blocked,
            incident: None,
            linked: Vec::new(),
            assignee: None,
            satisfaction: None,
            channel: self.channel.clone(),
        };
        self.tx.reports().register_ticket(&ticket, report.id)?;
        self.tx.reports().append_timeline(
            &mut report,
            TimelineKind::ReportOpened,
            Actor::Citizen,
            Some(ticket.to_string()),
            None,
            self.now,
        )?;
        self.outcome.reports_opened += 1;
        if !blocked {
            self.event(ReportEventKind::ReportCreated, &report, None);
        }
        Ok((report, true))
    }
}

/// Keeps what the citizen wrote about the case on the report (for suggestions and search),
/// within `MAX_CITIZEN_TEXT_BYTES`.
fn keep_citizen_text(report: &mut Report, inbound: &InboundMessage, about_the_case: bool) {
    if let Some(text) = inbound
        .content
        .text()
        .map(str::trim)
        .filter(|text| about_the_case && !text.is_empty())
    {
        let written: usize = report.citizen_texts.iter().map(String::len).sum();
        if written + text.len() <= MAX_CITIZEN_TEXT_BYTES {
            report.citizen_texts.push(text.to_string());
        }
    }
}
