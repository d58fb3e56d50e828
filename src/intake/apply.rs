//! The body of the intake transaction: each inbound item applied to the store.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::routing::Suggestion;

use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::inbound::{
    CallEvent, ChannelError, DeliveryStatus, InboundItem, InboundMessage, MessageContent, Sender,
    StatusUpdate,
};
use crate::domain::message::{
    Delivery, Direction, Message, MessageBody, OutboundContent, OutboundPurpose, Reaction,
    Revision, StoredMedia,
};
use crate::domain::report::{GeoPoint, Report, ReportStatus, format_ticket, ticket_sequence_name};
use crate::domain::reporter::{Reporter, bsuid_identity, identity_keys, phone_identity};
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::outbound::{QueuedReply, queue_reply};
use crate::intake::queues::{KnownSend, OutboxWork, enqueue_media, enqueue_outbox};
use crate::intake::records::*;
use crate::intake::{IngestOutcome, IntakeSettings};
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Record, StoreError, Table, Tx};

/// Statuses that arrived for a wamid we do not know yet (a send whose answer we have not
/// recorded); applied when the wamid is recorded.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PendingStatuses {
    pub updates: Vec<StatusUpdate>,
}

impl Record for PendingStatuses {
    const NAME: &'static str = "pending_statuses";
}

/// A channel error as kept for operators and the IT team.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ChannelErrorRecord {
    pub received_at: DateTime<Utc>,
    pub error: ChannelError,
}

impl Record for ChannelErrorRecord {
    const NAME: &'static str = "channel_error";
}

/// The citizen's own words kept on a report for suggestions; beyond this, later texts are
/// still stored as messages but no longer steer the suggestion.
const MAX_CITIZEN_TEXT_BYTES: usize = 16 * 1024;

/// The prefix of `biz_opaque_callback_data` we put on every send: `siaga:<message id>`.
pub const CALLBACK_PREFIX: &str = "siaga:";

pub(super) struct Apply<'t, 'a> {
    tx: &'t Tx<'a>,
    settings: &'t IntakeSettings,
    now: DateTime<Utc>,
    raw_payload_id: Option<u64>,
    outcome: IngestOutcome,
    /// Suggestions computed before the transaction from each message's text alone; used as
    /// they are when that text is all a (new) report holds, which keeps the routing work out
    /// of the serialised section in the common case.
    presuggested: &'t HashMap<String, Suggestion>,
    /// Automatic replies queued for the message being applied, by their place in
    /// `outcome.outbox`: once the reporter and report are saved, the sender is given them
    /// (`describe_replies`) so that it need not read them back.
    replies: Vec<(usize, Message)>,
}

impl<'t, 'a> Apply<'t, 'a> {
    pub(super) fn new(
        tx: &'t Tx<'a>,
        settings: &'t IntakeSettings,
        now: DateTime<Utc>,
        presuggested: &'t HashMap<String, Suggestion>,
    ) -> Self {
        Apply {
            tx,
            settings,
            now,
            raw_payload_id: None,
            outcome: IngestOutcome::default(),
            presuggested,
            replies: Vec::new(),
        }
    }

    /// Stores the raw body when anything in it was new, and returns what changed.
    pub(super) fn finish(self, raw_body: &[u8]) -> Result<IngestOutcome, StoreError> {
        if let Some(raw_id) = self.raw_payload_id {
            self.tx
                .put(Table::RawPayloads, &u64_key(raw_id), raw_body)?;
        }
        Ok(self.outcome)
    }

    /// The id the raw body will be stored under; allocated on first use.
    fn raw_payload_id(&mut self) -> Result<u64, StoreError> {
        if let Some(id) = self.raw_payload_id {
            return Ok(id);
        }
        let id = self.tx.generate_id()?;
        self.raw_payload_id = Some(id);
        Ok(id)
    }

    pub(super) fn item(&mut self, item: &InboundItem) -> Result<(), StoreError> {
        match item {
            InboundItem::Message(message) => self.message(message),
            InboundItem::Status(status) => self.status(status),
            InboundItem::Call(call) => self.call(call),
            InboundItem::ChannelError(error) => self.channel_error(error),
            InboundItem::Ignored { field, .. } => {
                tracing::debug!(field, "webhook item ignored");
                self.outcome.ignored += 1;
                Ok(())
            }
        }
    }

    fn event(&mut self, kind: ReportEventKind, report: &Report, message_id: Option<u64>) {
        self.outcome.events.push(ReportEvent {
            kind,
            report_id: report.id,
            ticket: report.ticket.clone(),
            at: self.now,
            message_id,
        });
    }

    // ---- messages -------------------------------------------------------------------------

    fn message(&mut self, inbound: &InboundMessage) -> Result<(), StoreError> {
        if message_id_by_external_id(self.tx, &inbound.external_id)?.is_some() {
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
        let reporter = self.upsert_reporter(&inbound.sender, Some(inbound.sent_at))?;
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
            _ => self.report_content(inbound, reporter),
        }
    }

    /// A message that says something about the case: it joins the open report or opens one.
    fn report_content(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<Reporter>,
    ) -> Result<(), StoreError> {
        let Some(mut reporter) = reporter else {
            // Nobody to thread under or reply to; kept as evidence, flagged in the log.
            tracing::warn!(external_id = %inbound.external_id, "message without sender identity stored unthreaded");
            let message = self.inbound_record(inbound, None, None)?;
            return insert_message(self.tx, &message);
        };
        let (mut report, opened) = self.open_or_join_report(&mut reporter, inbound.sent_at)?;
        let message = self.inbound_record(inbound, Some(&report), Some(reporter.id))?;
        insert_message(self.tx, &message)?;
        report.inbound_count += 1;
        report.last_activity_at = report.last_activity_at.max(inbound.sent_at);
        report.updated_at = self.now;
        let note = Some(message.kind_name().to_string());
        append_timeline(
            self.tx,
            &mut report,
            TimelineKind::MessageReceived,
            Actor::Citizen,
            note,
            Some(message.id),
            self.now,
        )?;

        if let Some((_, media)) = inbound.content.media() {
            debug_assert!(!media.media_id.is_empty() || media.url.is_some());
            report.has_media = true;
            enqueue_media(self.tx, message.id, self.now)?;
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
        if !opened && report.status == ReportStatus::AwaitingReporter {
            self.resume_after_reporter_answered(&mut report)?;
        }
        if self.settings.mark_read {
            let queued = enqueue_outbox(
                self.tx,
                OutboxWork::MarkRead {
                    external_id: inbound.external_id.clone(),
                },
                self.now,
            )?;
            self.outcome.outbox_queued += 1;
            self.outcome.outbox.push(queued);
        }
        let newly_urgent = self.update_suggestion(&mut report, inbound);
        if newly_urgent {
            self.urgent_reply(&mut report)?;
        } else if opened {
            self.reply(&mut report, OutboundPurpose::NewReportReply)?;
        } else if self.follow_up_ack_due(&report) {
            self.reply(&mut report, OutboundPurpose::FollowUpAck)?;
        }
        self.event(ReportEventKind::MessageAdded, &report, Some(message.id));
        save_report(self.tx, &report)?;
        save_reporter(self.tx, &reporter)?;
        self.describe_replies(&reporter, &report.ticket);
        Ok(())
    }

    fn follow_up_ack_due(&self, report: &Report) -> bool {
        match report.last_ack_at {
            None => true,
            Some(last) => {
                self.now.signed_duration_since(last) >= self.settings.follow_up_ack_interval
            }
        }
    }

    /// Recomputes the suggestion from everything the citizen wrote; true when the report has
    /// just become urgent (it then gets URGENT priority, the urgent reply and an event).
    fn update_suggestion(&mut self, report: &mut Report, inbound: &InboundMessage) -> bool {
        if let Some(text) = inbound
            .content
            .text()
            .map(str::trim)
            .filter(|text| !text.is_empty())
        {
            let written: usize = report.citizen_texts.iter().map(String::len).sum();
            if written + text.len() <= MAX_CITIZEN_TEXT_BYTES {
                report.citizen_texts.push(text.to_string());
            }
        }
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

    /// The answer to an urgent report: call 110 now, then a one-tap location request.
    fn urgent_reply(&mut self, report: &mut Report) -> Result<(), StoreError> {
        let replies = &self.settings.replies;
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

    fn reply(&mut self, report: &mut Report, purpose: OutboundPurpose) -> Result<(), StoreError> {
        let replies = &self.settings.replies;
        let template = match purpose {
            OutboundPurpose::NewReportReply => &replies.new_report,
            _ => &replies.follow_up_ack,
        };
        let body = template.replace("{ticket}", &report.ticket);
        let queued = queue_reply(
            self.tx,
            report,
            OutboundContent::Text { body },
            purpose,
            Actor::System,
            self.now,
        )?;
        report.last_ack_at = Some(self.now);
        self.push_reply(queued);
        Ok(())
    }

    fn push_reply(&mut self, queued: QueuedReply) {
        self.outcome.outbox_queued += 1;
        self.outcome.events.push(queued.event);
        self.replies
            .push((self.outcome.outbox.len(), queued.message));
        self.outcome.outbox.push(queued.queued);
    }

    /// Gives the replies just queued for `reporter` what the sender would otherwise read back:
    /// call it once the reporter and the report are saved as they will be committed.
    fn describe_replies(&mut self, reporter: &Reporter, ticket: &str) {
        for (index, message) in self.replies.drain(..) {
            if message.reporter_id != Some(reporter.id) {
                continue;
            }
            if let Some(queued) = self.outcome.outbox.get_mut(index) {
                queued.known = Some(Box::new(KnownSend {
                    message,
                    reporter: reporter.clone(),
                    ticket: ticket.to_string(),
                }));
            }
        }
    }

    fn resume_after_reporter_answered(&mut self, report: &mut Report) -> Result<(), StoreError> {
        let Some(resume_to) = report.resume_status.take() else {
            return Ok(());
        };
        let note = Some(format!(
            "{} -> {} (reporter answered)",
            report.status, resume_to
        ));
        report.move_to(resume_to, self.now);
        append_timeline(
            self.tx,
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

    fn inbound_record(
        &mut self,
        inbound: &InboundMessage,
        report: Option<&Report>,
        reporter_id: Option<u64>,
    ) -> Result<Message, StoreError> {
        let media = inbound.content.media().map(|_| StoredMedia::pending());
        Ok(Message {
            id: self.tx.generate_id()?,
            report_id: report.map(|report| report.id),
            reporter_id,
            direction: Direction::Inbound,
            external_id: Some(inbound.external_id.clone()),
            created_at: inbound.sent_at,
            received_at: self.now,
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
        })
    }

    /// The reporter's open report when `at` is within its thread window, else a new report.
    fn open_or_join_report(
        &mut self,
        reporter: &mut Reporter,
        at: DateTime<Utc>,
    ) -> Result<(Report, bool), StoreError> {
        if let Some(open_id) = reporter.open_report
            && let Some(report) = load_report(self.tx, open_id)?
            && report.accepts_follow_up(at, self.settings.thread_window)
        {
            return Ok((report, false));
        }
        let (sequence_name, year) = ticket_sequence_name(&self.settings.ticket_prefix, self.now);
        let sequence = self.tx.next_in_sequence(&sequence_name)?;
        let ticket = format_ticket(&self.settings.ticket_prefix, year, sequence);
        let mut report = Report {
            id: self.tx.generate_id()?,
            ticket: ticket.clone(),
            status: ReportStatus::New,
            reporter_id: reporter.id,
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
        };
        self.tx
            .put(Table::ReportTickets, ticket.as_bytes(), &u64_key(report.id))?;
        append_timeline(
            self.tx,
            &mut report,
            TimelineKind::ReportOpened,
            Actor::Citizen,
            Some(ticket),
            None,
            self.now,
        )?;
        reporter.open_report = Some(report.id);
        self.outcome.reports_opened += 1;
        self.event(ReportEventKind::ReportCreated, &report, None);
        Ok((report, true))
    }

    /// Finds the reporter by their strongest identity, creating them on first contact, and
    /// records any identity they newly show. `None` when the sender carries no identity.
    /// The reporter is returned unsaved: each caller saves it once, after its own changes.
    fn upsert_reporter(
        &mut self,
        sender: &Sender,
        inbound_at: Option<DateTime<Utc>>,
    ) -> Result<Option<Reporter>, StoreError> {
        let identities = identity_keys(sender);
        if identities.is_empty() {
            return Ok(None);
        }
        let mut mapped_to = Vec::with_capacity(identities.len());
        for identity in &identities {
            let bytes = self
                .tx
                .get(Table::ReporterIdentities, identity.as_bytes())?;
            mapped_to.push(bytes.and_then(|bytes| read_u64(&bytes, 0)));
        }
        let mut found = None;
        for &reporter_id in mapped_to.iter().flatten() {
            found = load_reporter(self.tx, reporter_id)?;
            if found.is_some() {
                break;
            }
        }
        let mut reporter = match found {
            Some(mut reporter) => {
                reporter.absorb(sender);
                reporter
            }
            None => Reporter {
                id: self.tx.generate_id()?,
                bsuid: sender.bsuid.clone(),
                phone: sender.phone.clone(),
                name: sender.profile_name.clone(),
                username: sender.username.clone(),
                first_seen_at: self.now,
                last_inbound_at: None,
                open_report: None,
                previous_phones: Vec::new(),
                call_permission_until: None,
            },
        };
        if let Some(at) = inbound_at {
            reporter.last_inbound_at =
                Some(reporter.last_inbound_at.map_or(at, |last| last.max(at)));
        }
        // Only identities new to this reporter are written: a returning citizen costs reads.
        for (identity, mapped) in identities.iter().zip(&mapped_to) {
            if *mapped != Some(reporter.id) {
                self.tx.put(
                    Table::ReporterIdentities,
                    identity.as_bytes(),
                    &u64_key(reporter.id),
                )?;
            }
        }
        Ok(Some(reporter))
    }

    /// Reactions, edits and deletions: recorded beside the message they refer to, which is
    /// never changed itself. They do not open reports or get replies.
    fn annotate_target(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<&Reporter>,
        target_external_id: &str,
        annotation: Annotation,
    ) -> Result<(), StoreError> {
        if let Some(reporter) = reporter {
            // Nothing here changes the reporter beyond what `upsert_reporter` did.
            save_reporter(self.tx, reporter)?;
        }
        let target = match message_id_by_external_id(self.tx, target_external_id)? {
            Some(target_id) => load_message(self.tx, target_id)?,
            None => None,
        };
        let report_id = target
            .as_ref()
            .and_then(|message| message.report_id)
            .or_else(|| reporter.and_then(|reporter| reporter.open_report));
        let mut report = match report_id {
            Some(report_id) => load_report(self.tx, report_id)?,
            None => None,
        };
        let message = self.inbound_record(
            inbound,
            report.as_ref(),
            reporter.map(|reporter| reporter.id),
        )?;
        insert_message(self.tx, &message)?;

        let (kind, note) = match &annotation {
            Annotation::Reaction(emoji) => (
                TimelineKind::ReactionReceived,
                Some(
                    emoji
                        .clone()
                        .map_or("reaction removed".to_string(), |emoji| {
                            format!("reaction {emoji}")
                        }),
                ),
            ),
            Annotation::Edit(content) => (
                TimelineKind::MessageEdited,
                Some(format!(
                    "edited to: {}",
                    content.text().unwrap_or("(no text)")
                )),
            ),
            Annotation::Revoke => (
                TimelineKind::MessageRevoked,
                Some("the citizen deleted a message; the original is kept".into()),
            ),
        };
        if let Some(mut target) = target {
            match annotation {
                Annotation::Reaction(emoji) => target.reactions.push(Reaction {
                    at: inbound.sent_at,
                    emoji,
                }),
                Annotation::Edit(content) => target.revisions.push(Revision {
                    at: inbound.sent_at,
                    external_id: inbound.external_id.clone(),
                    content: Some(content),
                }),
                Annotation::Revoke => target.revoked_at = Some(inbound.sent_at),
            }
            save_message(self.tx, &target)?;
        }
        if let Some(report) = report.as_mut() {
            append_timeline(
                self.tx,
                report,
                kind,
                Actor::Citizen,
                note,
                Some(message.id),
                self.now,
            )?;
            report.updated_at = self.now;
            save_report(self.tx, report)?;
            self.event(ReportEventKind::MessageAdded, report, Some(message.id));
        }
        Ok(())
    }

    fn system_notice(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<Reporter>,
    ) -> Result<(), StoreError> {
        let MessageContent::System {
            new_phone,
            new_bsuid,
            kind,
            ..
        } = &inbound.content
        else {
            return Ok(());
        };
        let mut report = None;
        if let Some(mut reporter) = reporter {
            if let Some(phone) = new_phone {
                self.tx.put(
                    Table::ReporterIdentities,
                    phone_identity(phone).as_bytes(),
                    &u64_key(reporter.id),
                )?;
                reporter.absorb(&Sender {
                    phone: Some(phone.clone()),
                    ..Sender::default()
                });
            }
            if let Some(bsuid) = new_bsuid {
                self.tx.put(
                    Table::ReporterIdentities,
                    bsuid_identity(bsuid).as_bytes(),
                    &u64_key(reporter.id),
                )?;
                reporter.bsuid = Some(bsuid.clone());
            }
            save_reporter(self.tx, &reporter)?;
            if let Some(open_id) = reporter.open_report {
                report = load_report(self.tx, open_id)?;
            }
            let message = self.inbound_record(inbound, report.as_ref(), Some(reporter.id))?;
            insert_message(self.tx, &message)?;
            if let Some(report) = report.as_mut() {
                let note = Some(match new_phone {
                    Some(phone) => format!("{kind}: now {phone}"),
                    None => kind.clone(),
                });
                append_timeline(
                    self.tx,
                    report,
                    TimelineKind::ReporterChangedNumber,
                    Actor::Citizen,
                    note,
                    Some(message.id),
                    self.now,
                )?;
                save_report(self.tx, report)?;
            }
            return Ok(());
        }
        let message = self.inbound_record(inbound, None, None)?;
        insert_message(self.tx, &message)
    }

    fn call_permission_reply(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<Reporter>,
        accepted: bool,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let Some(mut reporter) = reporter else {
            let message = self.inbound_record(inbound, None, None)?;
            return insert_message(self.tx, &message);
        };
        reporter.call_permission_until = if accepted {
            expires_at.or(Some(self.now + chrono::Duration::days(7)))
        } else {
            None
        };
        let mut report = match reporter.open_report {
            Some(open_id) => load_report(self.tx, open_id)?,
            None => None,
        };
        let message = self.inbound_record(inbound, report.as_ref(), Some(reporter.id))?;
        insert_message(self.tx, &message)?;
        if let Some(report) = report.as_mut() {
            let note = Some(if accepted {
                "the citizen allows calls".to_string()
            } else {
                "the citizen declined calls".to_string()
            });
            append_timeline(
                self.tx,
                report,
                TimelineKind::CallPermissionAnswered,
                Actor::Citizen,
                note,
                Some(message.id),
                self.now,
            )?;
            save_report(self.tx, report)?;
            self.event(ReportEventKind::MessageAdded, report, Some(message.id));
        }
        save_reporter(self.tx, &reporter)
    }

    // ---- statuses -------------------------------------------------------------------------

    fn status(&mut self, update: &StatusUpdate) -> Result<(), StoreError> {
        let seen_key = format!("status:{}#{}", update.external_id, update.status.as_str());
        if self.tx.contains(Table::SeenEvents, seen_key.as_bytes())? {
            self.outcome.duplicates += 1;
            return Ok(());
        }
        self.tx.put(Table::SeenEvents, seen_key.as_bytes(), &[])?;
        let message_id = match message_id_by_external_id(self.tx, &update.external_id)? {
            Some(id) => Some(id),
            None => self.adopt_wamid_from_callback_data(update)?,
        };
        let Some(message_id) = message_id else {
            let key = update.external_id.as_bytes();
            let mut pending: PendingStatuses = self
                .tx
                .get_record(Table::PendingStatuses, key)?
                .unwrap_or_default();
            pending.updates.push(update.clone());
            self.tx.put_record(Table::PendingStatuses, key, &pending)?;
            self.outcome.statuses_pending += 1;
            return Ok(());
        };
        self.outcome.statuses_applied += 1;
        let applied =
            apply_status_to_message(self.tx, self.settings, message_id, update, self.now)?;
        if applied.fallback_queued {
            self.outcome.outbox_queued += 1;
        }
        self.outcome.events.extend(applied.event);
        Ok(())
    }

    /// A `sent` status carrying our callback data for a message whose send answer was lost
    /// (a crash between Meta accepting it and us recording the wamid): record the wamid now.
    fn adopt_wamid_from_callback_data(
        &mut self,
        update: &StatusUpdate,
    ) -> Result<Option<u64>, StoreError> {
        let Some(message_id) = update
            .callback_data
            .as_deref()
            .and_then(|data| data.strip_prefix(CALLBACK_PREFIX))
            .and_then(|id| id.parse::<u64>().ok())
        else {
            return Ok(None);
        };
        let Some(mut message) = load_message(self.tx, message_id)? else {
            return Ok(None);
        };
        if message.direction != Direction::Outbound || message.external_id.is_some() {
            return Ok(None);
        }
        message.external_id = Some(update.external_id.clone());
        save_message(self.tx, &message)?;
        self.tx.put(
            Table::MessageExternalIds,
            update.external_id.as_bytes(),
            &u64_key(message_id),
        )?;
        Ok(Some(message_id))
    }

    // ---- calls and errors -----------------------------------------------------------------

    fn call(&mut self, call: &CallEvent) -> Result<(), StoreError> {
        let seen_key = format!("call:{}", call.dedupe_key());
        if self.tx.contains(Table::SeenEvents, seen_key.as_bytes())? {
            self.outcome.duplicates += 1;
            return Ok(());
        }
        self.tx.put(Table::SeenEvents, seen_key.as_bytes(), &[])?;
        self.outcome.calls += 1;
        let citizen_called = call.direction.as_deref() != Some("business_initiated");
        // A call from the citizen opens the 24-hour window like a message does.
        let window_opens_at = citizen_called.then_some(call.at);
        let Some(mut reporter) = self.upsert_reporter(&call.sender, window_opens_at)? else {
            tracing::warn!(call_id = %call.call_id, "call event without caller identity");
            return Ok(());
        };
        let is_connect = call.event == "connect";
        let (mut report, opened) = if citizen_called && is_connect {
            self.open_or_join_report(&mut reporter, call.at)?
        } else {
            match reporter.open_report {
                Some(open_id) => match load_report(self.tx, open_id)? {
                    Some(report) => (report, false),
                    None => return save_reporter(self.tx, &reporter),
                },
                None => return save_reporter(self.tx, &reporter),
            }
        };
        let (kind, note) = describe_call(call);
        append_timeline(
            self.tx,
            &mut report,
            kind,
            Actor::Citizen,
            Some(note),
            None,
            self.now,
        )?;
        report.updated_at = self.now;
        report.last_activity_at = report.last_activity_at.max(call.at);
        if call.event == "terminate" && call.outcome.as_deref() != Some("completed") {
            report.add_flag("missed_call");
        }
        if opened {
            self.reply(&mut report, OutboundPurpose::NewReportReply)?;
        }
        self.event(ReportEventKind::CallReceived, &report, None);
        save_report(self.tx, &report)?;
        save_reporter(self.tx, &reporter)?;
        self.describe_replies(&reporter, &report.ticket);
        Ok(())
    }

    fn channel_error(&mut self, error: &ChannelError) -> Result<(), StoreError> {
        tracing::warn!(code = error.error.code, error = %error.error, "whatsapp reported a channel error");
        self.outcome.channel_errors += 1;
        let id = self.tx.generate_id()?;
        let record = ChannelErrorRecord {
            received_at: self.now,
            error: error.clone(),
        };
        self.tx
            .put_record(Table::ChannelErrors, &u64_key(id), &record)
    }
}

enum Annotation {
    Reaction(Option<String>),
    Edit(MessageContent),
    Revoke,
}

fn describe_call(call: &CallEvent) -> (TimelineKind, String) {
    let direction = call.direction.as_deref().unwrap_or("user_initiated");
    match call.event.as_str() {
        "connect" => (
            TimelineKind::CallReceived,
            format!("whatsapp call ({direction}) from the citizen"),
        ),
        "terminate" => {
            let outcome = call.outcome.as_deref().unwrap_or("unknown");
            let duration = call
                .duration_seconds
                .map(|seconds| format!(", {seconds} s"))
                .unwrap_or_default();
            let missed = if outcome == "completed" {
                ""
            } else {
                " - missed: call the citizen back"
            };
            (
                TimelineKind::CallEnded,
                format!("whatsapp call ended: {outcome}{duration}{missed}"),
            )
        }
        other => (TimelineKind::CallReceived, format!("whatsapp call {other}")),
    }
}

/// What applying a status changed.
#[derive(Debug, Default)]
pub struct StatusApplied {
    pub event: Option<ReportEvent>,
    /// A template was queued in place of a message refused outside the 24-hour window.
    pub fallback_queued: bool,
}

/// Moves an outbound message's delivery state forward (never back; failed is final), records
/// failures on the timeline, and queues the template fallback for a closed window.
pub fn apply_status_to_message(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    message_id: u64,
    update: &StatusUpdate,
    now: DateTime<Utc>,
) -> Result<StatusApplied, StoreError> {
    let Some(mut message) = load_message(tx, message_id)? else {
        return Ok(StatusApplied::default());
    };
    let current = message.delivery.clone().unwrap_or(Delivery {
        status: DeliveryStatus::Queued,
        updated_at: now,
        error: None,
        attempts: 0,
        fell_back_to_template: false,
    });
    if !current.status.may_advance_to(update.status) {
        return Ok(StatusApplied::default());
    }
    let error = update.errors.first().cloned();
    message.delivery = Some(Delivery {
        status: update.status,
        updated_at: update.at,
        error: error.clone(),
        ..current
    });
    save_message(tx, &message)?;
    let Some(report_id) = message.report_id else {
        return Ok(StatusApplied::default());
    };
    let Some(mut report) = load_report(tx, report_id)? else {
        return Ok(StatusApplied::default());
    };
    if update.status != DeliveryStatus::Failed {
        let event = ReportEvent {
            kind: ReportEventKind::DeliveryUpdated,
            report_id,
            ticket: report.ticket.clone(),
            at: now,
            message_id: Some(message_id),
        };
        return Ok(StatusApplied {
            event: Some(event),
            fallback_queued: false,
        });
    }
    let reason = error
        .as_ref()
        .map_or("no reason given".to_string(), |error| error.to_string());
    report.add_flag("reply_failed");
    append_timeline(
        tx,
        &mut report,
        TimelineKind::ReplyFailed,
        Actor::System,
        Some(reason),
        Some(message_id),
        now,
    )?;
    let outside_window = error.as_ref().is_some_and(|error| error.code == 131047);
    let fallback_queued =
        outside_window && queue_template_fallback(tx, settings, &mut report, &message, now)?;
    save_report(tx, &report)?;
    let event = ReportEvent {
        kind: ReportEventKind::DeliveryFailed,
        report_id,
        ticket: report.ticket.clone(),
        at: now,
        message_id: Some(message_id),
    };
    Ok(StatusApplied {
        event: Some(event),
        fallback_queued,
    })
}

/// Outside the 24-hour window only a pre-approved template may be sent. When one is configured
/// the failed free-text message is followed by it; otherwise the timeline says nothing more
/// can be sent until the citizen writes again.
pub fn queue_template_fallback(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    report: &mut Report,
    failed: &Message,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let MessageBody::Outbound {
        content, purpose, ..
    } = &failed.body
    else {
        return Ok(false);
    };
    if matches!(content, OutboundContent::Template { .. }) {
        return Ok(false);
    }
    let Some(template) = &settings.replies.fallback_template else {
        let note = Some(
            "outside the 24-hour window and no template is configured: the citizen was not reached"
                .to_string(),
        );
        append_timeline(
            tx,
            report,
            TimelineKind::ReplyFailed,
            Actor::System,
            note,
            Some(failed.id),
            now,
        )?;
        return Ok(false);
    };
    let content = OutboundContent::Template {
        name: template.name.clone(),
        language: template.language.clone(),
        parameters: vec![report.ticket.clone()],
    };
    queue_reply(tx, report, content, *purpose, Actor::System, now)?;
    Ok(true)
}
