//! The report as GraphQL shows it, with its reporter, messages and timeline. For readers who may
//! not see phone numbers (analysts), every number and WhatsApp user id is masked: in the
//! reporter's fields and in all free text (what citizens wrote, WhatsApp's system messages,
//! summaries and timeline notes).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::types::{
    DeliveryStatus, Direction, Priority, ReportStatus, SlaView, SuggestionView, UnitView,
};
use super::{IntoGraphql, services};
use crate::domain::inbound::DeliveryStatus as DomainDeliveryStatus;
use crate::domain::message::{
    Direction as DomainDirection, MediaState, Message, MessageBody, OutboundContent,
};
use crate::domain::redact::mask_phone_numbers_if as for_reader;
use crate::domain::report::Report;
use crate::domain::reporter::Reporter;
use crate::domain::timeline::TimelineEvent;
use crate::domain::user::Principal;
use crate::ledger::Ledger;

pub struct ReportView {
    pub report: Report,
    /// Reporter phone numbers are masked for this reader.
    pub masked: bool,
}

#[Object(name = "Report")]
impl ReportView {
    async fn id(&self) -> ID {
        ID(self.report.id.to_string())
    }
    async fn ticket(&self) -> &str {
        &self.report.ticket
    }
    async fn status(&self) -> ReportStatus {
        self.report.status.into()
    }
    async fn category(&self) -> Option<&str> {
        self.report.category.as_deref()
    }
    async fn priority(&self) -> Option<Priority> {
        self.report.priority.map(Into::into)
    }
    async fn summary(&self) -> Option<String> {
        let summary = self.report.summary.as_deref()?;
        Some(for_reader(summary, self.masked).into_owned())
    }
    /// What the report is about, for lists: the citizen's first words (texts and captions), on
    /// one line, cut to 160 characters. Null when the citizen sent only media or a location.
    async fn excerpt(&self) -> Option<String> {
        super::console::excerpt(&self.report, self.masked)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.report.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.report.updated_at
    }
    /// Markers for operators: possible_hoax, reply_failed, missed_call, unknown_message_type.
    async fn flags(&self) -> &[String] {
        &self.report.flags
    }
    async fn has_media(&self) -> bool {
        self.report.has_media
    }
    /// Opened for a blocked number: its messages kept as evidence, out of the queue (see
    /// `ReportFilter.blocked`).
    async fn blocked(&self) -> bool {
        self.report.blocked
    }
    /// The incident (one event, many reporters) the report belongs to, if any.
    async fn incident(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::incidents::Incident>> {
        super::incidents::incident_of(ctx, &self.report)
    }
    /// Reports that look like the same event, best first: same category, same kab/kota or
    /// within 1 km, created within 2 hours; candidates for `linkReports`.
    async fn similar(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 5)] first: i32,
    ) -> async_graphql::Result<Vec<super::incidents::SimilarReport>> {
        super::incidents::similar_to(ctx, &self.report, first)
    }
    async fn location(&self) -> Option<Location> {
        self.report.location.map(|point| Location {
            latitude: point.latitude,
            longitude: point.longitude,
        })
    }
    async fn reporter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ReporterView>> {
        let workflow = &services(ctx)?.workflow;
        let reporter = workflow.reporter(self.report.reporter_id).gql()?;
        let channel = workflow
            .channels()
            .channel_of(self.report.channel.as_deref())
            .map(str::to_string);
        Ok(reporter.map(|reporter| ReporterView {
            reporter,
            masked: self.masked,
            channel,
        }))
    }
    /// The business number the report came in on, which its replies go out from (the default
    /// number for a report from before channels were kept); none without configured numbers.
    async fn channel(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::channels::ChannelView>> {
        let directory = services(ctx)?.workflow.channels();
        Ok(super::channels::channel_view(
            directory,
            self.report.channel.as_deref(),
        ))
    }
    async fn messages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MessageView>> {
        let store = services(ctx)?.workflow.store();
        let messages = store
            .reports()
            .messages(self.report.id)
            .map_err(crate::error::UserError::from)
            .gql()?;
        Ok(messages
            .into_iter()
            .map(|message| MessageView {
                message,
                masked: self.masked,
            })
            .collect())
    }
    async fn timeline(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TimelineEventView>> {
        let store = services(ctx)?.workflow.store();
        let events = store
            .reports()
            .timeline(self.report.id)
            .map_err(crate::error::UserError::from)
            .gql()?;
        Ok(events
            .into_iter()
            .map(|event| TimelineEventView {
                event,
                masked: self.masked,
            })
            .collect())
    }
    /// What siaga suggests from the citizen's messages: category, place, units, urgency.
    async fn suggestion(&self) -> Option<SuggestionView> {
        let answers = self.report.citizen_answers.clone();
        self.report
            .suggestion
            .clone()
            .map(|suggestion| SuggestionView(suggestion, answers))
    }
    /// Where the report stands against the service-level targets of its priority.
    async fn sla(&self, ctx: &Context<'_>) -> async_graphql::Result<SlaView> {
        let policy = &services(ctx)?.workflow.clock().sla;
        let standing = policy.standing(&self.report, Utc::now());
        Ok(SlaView {
            stage: standing.stage.map(Into::into),
            due_at: standing.due_at,
            paused: standing.paused,
            overdue: standing.overdue,
            breached: !self.report.sla.breached.is_empty(),
            breaches: self
                .report
                .sla
                .breached
                .iter()
                .map(|stage| (*stage).into())
                .collect(),
            escalated_to: self.report.sla.escalated_to.as_deref().map(str::to_string),
        })
    }
    /// The statuses the reader may move the report to now (`setReportStatus`): the status
    /// table, the reader's role, and for FORWARDED a unit to go back to.
    async fn allowed_status_moves(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ReportStatus>> {
        super::console::allowed_status_moves(ctx, &self.report)
    }
    /// The person who holds the report (claimed it, or was assigned it); null when nobody does.
    async fn assignee(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::assignment::AssigneeView>> {
        super::assignment::assignee_view(ctx, self.report.assignee.as_ref())
    }
    /// The satisfaction question once the report was resolved, and the citizen's answer; null
    /// when the citizen was not asked.
    async fn satisfaction(&self) -> Option<super::satisfaction::Satisfaction> {
        let mut satisfaction: super::satisfaction::Satisfaction =
            self.report.satisfaction.as_ref()?.into();
        // The comment is the citizen's own words: numbers in it are masked as in any message.
        satisfaction.comment = satisfaction
            .comment
            .map(|comment| for_reader(&comment, self.masked).into_owned());
        Some(satisfaction)
    }
    async fn assigned_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UnitView>> {
        let Some(code) = &self.report.assigned_unit else {
            return Ok(None);
        };
        let tree = services(ctx)?.workflow.units().tree();
        Ok(tree.get(code).cloned().map(UnitView))
    }
}

#[derive(SimpleObject)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

pub struct ReporterView {
    pub reporter: Reporter,
    pub masked: bool,
    /// The business number whose 24-hour window `windowOpen` tells (the report's, when the
    /// reporter is read through one); `None`: any number.
    pub channel: Option<String>,
}

#[Object(name = "Reporter")]
impl ReporterView {
    async fn id(&self) -> ID {
        ID(self.reporter.id.to_string())
    }
    async fn name(&self) -> Option<String> {
        let name = self.reporter.name.as_deref()?;
        Some(for_reader(name, self.masked).into_owned())
    }
    /// E.164 (`+6281377101001`); every digit masked (`+•••••••••••••`) for analysts.
    async fn phone(&self) -> Option<String> {
        let phone = self.reporter.phone.as_ref()?;
        Some(if self.masked {
            phone.masked()
        } else {
            phone.to_string()
        })
    }
    /// Whether free-form messages can be sent now (the 24-hour window): from the report's
    /// number when read through a report (Meta keeps one window per business number), else
    /// from any number.
    async fn window_open(&self) -> bool {
        match &self.channel {
            Some(channel) => self.reporter.window_open_on(Some(channel), Utc::now()),
            None => self.reporter.window_open(Utc::now()),
        }
    }
    /// Whether the number is blocked now (`blockReporter`).
    async fn blocked(&self) -> bool {
        self.reporter.is_blocked(Utc::now())
    }
    /// The block in force, if any: who, when, why and until when.
    async fn block(&self) -> Option<ReporterBlockView> {
        let block = self.reporter.block.as_ref()?;
        block.holds_at(Utc::now()).then(|| ReporterBlockView {
            reason: for_reader(&block.reason, self.masked).into_owned(),
            until: block.until,
            blocked_by: block.by.clone(),
            blocked_at: block.at,
        })
    }
    /// Whether automatic replies are held back because the number writes faster than the
    /// automatic rate limit allows (it is not a block: messages still open reports).
    async fn slowed_down(&self) -> bool {
        self.reporter.pace.slowed_since.is_some()
    }
}

/// Why and until when a number is blocked.
#[derive(SimpleObject)]
#[graphql(name = "ReporterBlock")]
pub struct ReporterBlockView {
    pub reason: String,
    /// `null`: until someone unblocks.
    pub until: Option<DateTime<Utc>>,
    pub blocked_by: String,
    pub blocked_at: DateTime<Utc>,
}

pub struct MessageView {
    pub message: Message,
    /// Phone numbers in the text are masked for this reader.
    pub masked: bool,
}

impl MessageView {
    pub fn for_principal(message: Message, who: &Principal) -> MessageView {
        MessageView {
            message,
            masked: crate::domain::access::mask_phones(who),
        }
    }
}

#[Object(name = "Message")]
impl MessageView {
    async fn id(&self) -> ID {
        ID(self.message.id.to_string())
    }
    async fn direction(&self) -> Direction {
        match self.message.direction {
            DomainDirection::Inbound => Direction::Inbound,
            DomainDirection::Outbound => Direction::Outbound,
        }
    }
    /// text, image, video, audio, voice, document, sticker, location, contacts, interactive,
    /// button, reaction, order, system, edit, revoke, unsupported, template, location_request,
    /// call_permission_request.
    async fn kind(&self) -> &str {
        self.message.kind_name()
    }
    async fn text(&self) -> Option<String> {
        let text = self.message.text()?;
        Some(for_reader(text, self.masked).into_owned())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.message.created_at
    }
    async fn delivery_status(&self) -> Option<DeliveryStatus> {
        self.message
            .delivery
            .as_ref()
            .map(|delivery| DomainDeliveryStatus::into(delivery.status))
    }
    async fn delivery_error(&self) -> Option<String> {
        self.message
            .delivery
            .as_ref()
            .and_then(|delivery| delivery.error.as_ref().map(|error| error.to_string()))
    }
    /// Why siaga sent an outbound message (null for the citizen's).
    async fn purpose(&self) -> Option<super::console::OutboundPurpose> {
        match &self.message.body {
            MessageBody::Outbound { purpose, .. } => Some((*purpose).into()),
            MessageBody::Inbound { .. } => None,
        }
    }
    /// The canned reply an operator's reply was written from.
    async fn canned_reply(&self) -> Option<super::canned::CannedReplyUse> {
        self.message
            .canned_reply
            .as_ref()
            .map(super::canned::CannedReplyUse::of)
    }
    /// The operator who wrote an outbound message.
    async fn author(&self) -> Option<&str> {
        match &self.message.body {
            MessageBody::Outbound { author, .. } => author.as_deref(),
            MessageBody::Inbound { .. } => None,
        }
    }
    /// `/media/{id}` once the file is stored (fetch it with the same bearer token).
    async fn media_url(&self) -> Option<String> {
        let stored = self
            .message
            .media
            .as_ref()
            .is_some_and(|media| media.state == MediaState::Stored);
        stored.then(|| format!("/media/{}", self.message.id))
    }
    /// A link to the stored file for `<img>`, `<audio>` and `<video>`, which cannot send a
    /// bearer header: it works for the reader only, for a few minutes, while they may see the
    /// report; each view is still written to the timeline.
    async fn signed_media_url(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        super::console::signed_media_url(ctx, &self.message)
    }
    /// Where the message's file stands (null for a message without one).
    async fn media_state(&self) -> Option<super::console::MediaDownload> {
        self.message.media.as_ref().map(|media| media.state.into())
    }
    async fn media_content_type(&self) -> Option<&str> {
        self.message
            .media
            .as_ref()
            .and_then(|media| media.content_type.as_deref())
    }
    /// The file name of an operator's attachment (a document's is shown to the citizen).
    async fn file_name(&self) -> Option<&str> {
        match &self.message.body {
            MessageBody::Outbound {
                content: OutboundContent::Media { file_name, .. },
                ..
            } => file_name.as_deref(),
            _ => None,
        }
    }
    /// Later versions the citizen sent; `text` stays the original.
    async fn edits(&self) -> Vec<String> {
        self.message
            .revisions
            .iter()
            .filter_map(|revision| revision.content.as_ref()?.text())
            .map(|text| for_reader(text, self.masked).into_owned())
            .collect()
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.message.revoked_at
    }
}

pub struct TimelineEventView {
    pub event: TimelineEvent,
    /// Phone numbers in the note are masked for this reader.
    pub masked: bool,
}

impl TimelineEventView {
    pub fn for_principal(event: TimelineEvent, who: &Principal) -> TimelineEventView {
        TimelineEventView {
            event,
            masked: crate::domain::access::mask_phones(who),
        }
    }
}

#[Object(name = "TimelineEvent")]
impl TimelineEventView {
    async fn kind(&self) -> &str {
        self.event.kind.as_str()
    }
    async fn at(&self) -> DateTime<Utc> {
        self.event.at
    }
    /// `citizen`, `system`, or the username.
    async fn actor(&self) -> String {
        self.event.actor.to_string()
    }
    async fn note(&self) -> Option<String> {
        let note = self.event.note.as_deref()?;
        Some(for_reader(note, self.masked).into_owned())
    }
    async fn message_id(&self) -> Option<ID> {
        self.event.message_id.map(|id| ID(id.to_string()))
    }
}
