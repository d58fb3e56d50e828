//! Writing to the citizen under WhatsApp's 24-hour rule: operator replies, location and call
//! permission requests, and the automatic notices when a report is forwarded or resolved.
//! Free text goes out only within 24 hours of the citizen's last message; outside that window
//! only a pre-approved template may (the one mapped to the purpose, `workflow::templates`),
//! and interactive requests not at all.

use chrono::{DateTime, Utc};

use super::permissions::Action;
use super::{Committed, MAX_REPLY_CHARS, Workflow, load_existing_report, refuse, required_text};
use crate::bus::ReportEvent;
use crate::domain::ids::ReportId;
use crate::domain::message::{Message, OutboundContent, OutboundPurpose};
use crate::domain::report::Report;
use crate::domain::reporter::Reporter;
use crate::domain::templates::TemplatePurpose;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::intake::IntakeSettings;
use crate::intake::outbound::{QueuedReply, queue_reply};
use crate::intake::templates::{ChosenTemplate, template_for_account, template_message};
use crate::ledger::Ledger;
use crate::store::{StoreError, Tx, TxError};

/// What an operator or officer asks to send.
enum Outgoing {
    /// The operator's text, or the text of the canned reply it was written from (filled in).
    Reply {
        text: Option<String>,
        canned_reply_id: Option<u64>,
    },
    LocationRequest,
    CallPermissionRequest,
}

impl Outgoing {
    fn describe(&self) -> &'static str {
        match self {
            Outgoing::Reply { .. } => "a reply",
            Outgoing::LocationRequest => "a location request",
            Outgoing::CallPermissionRequest => "a call permission request",
        }
    }
}

impl Workflow {
    /// Free text inside the reporter's 24-hour window; outside it the template mapped to
    /// OUTSIDE_WINDOW, or CONFLICT with nothing queued, listing the templates that would fit.
    pub async fn reply_to_reporter(
        &self,
        who: &Principal,
        report_id: ReportId,
        text: String,
    ) -> Result<Message, UserError> {
        self.reply_to_reporter_with(who, report_id, Some(text), None)
            .await
    }

    /// `reply_to_reporter`, written from a canned reply: its variables are filled in (in `text`
    /// when the operator edited it, else in the canned text), the message records which canned
    /// reply it came from, and the canned reply's use is counted.
    pub async fn reply_to_reporter_with(
        &self,
        who: &Principal,
        report_id: ReportId,
        text: Option<String>,
        canned_reply_id: Option<u64>,
    ) -> Result<Message, UserError> {
        let outgoing = Outgoing::Reply {
            text,
            canned_reply_id,
        };
        self.write_to_reporter(who, report_id, outgoing).await
    }

    /// WhatsApp's "share your location" request; only inside the 24-hour window.
    pub async fn request_location(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Message, UserError> {
        self.write_to_reporter(who, report_id, Outgoing::LocationRequest)
            .await
    }

    /// WhatsApp's request for permission to call the citizen; only inside the 24-hour window.
    pub async fn request_call_permission(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Message, UserError> {
        self.write_to_reporter(who, report_id, Outgoing::CallPermissionRequest)
            .await
    }

    async fn write_to_reporter(
        &self,
        who: &Principal,
        report_id: ReportId,
        outgoing: Outgoing,
    ) -> Result<Message, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let mut report = load_existing_report(tx, report_id)?;
            let replies = this.intake.replies_for(report.channel.as_deref());
            let channel = this.intake.channels.directory.channel_of(report.channel.as_deref()).map(str::to_string);
            this.require(who, Action::ContactReporter, &report, &tree)?;
            let mut canned_reply = None;
            let content = match &outgoing {
                Outgoing::Reply {
                    text,
                    canned_reply_id: Some(id),
                } => {
                    let (body, canned) =
                        this.compose_from_canned(tx, who, &report, text.as_deref(), *id)?;
                    canned_reply = Some(canned.reference());
                    OutboundContent::Text { body }
                }
                Outgoing::Reply { text, .. } => OutboundContent::Text {
                    body: required_text(text.as_deref().unwrap_or(""), "the reply", MAX_REPLY_CHARS)
                        .map_err(TxError::Abort)?,
                },
                Outgoing::LocationRequest => OutboundContent::LocationRequest {
                    body: fill_placeholders(&replies.location_request, &report, None),
                },
                Outgoing::CallPermissionRequest => OutboundContent::CallPermissionRequest {
                    body: fill_placeholders(&replies.call_permission_request, &report, None),
                },
            };
            let reporter = tx.reporters().get(report.reporter_id)?;
            let window_open = reporter
                .as_ref()
                .is_some_and(|reporter| reporter.window_open_on(channel.as_deref(), now));
            let queued = if window_open {
                queue_reply(
                    tx,
                    &mut report,
                    content,
                    OutboundPurpose::OperatorReply,
                    who.actor(),
                    now,
                )?
            } else {
                let closed = window_closed_reason(reporter.as_ref(), channel.as_deref());
                let template = match &outgoing {
                    Outgoing::Reply { .. } => {
                        sendable_template(tx, &this.intake, TemplatePurpose::OutsideWindow, &report)?
                    }
                    _ => None,
                };
                let Some((template, template_content)) = template else {
                    let refusal = match &outgoing {
                        Outgoing::Reply { .. } => {
                            super::templates::no_template_refusal(tx, &closed)?
                        }
                        _ => UserError::conflict(format!(
                            "{} cannot go out: {closed}, and it is an interactive message that no template can replace: nothing was sent; it can once the citizen writes again",
                            outgoing.describe()
                        )),
                    };
                    return refuse(refusal);
                };
                let queued = queue_template(
                    tx,
                    &mut report,
                    template_content,
                    OutboundPurpose::OperatorReply,
                    who.actor(),
                    now,
                )?;
                // The operator's words did not go out; keep them beside the template that did.
                let note = format!(
                    "{closed}: template {} went out instead of the text: {}",
                    template.name,
                    content.text()
                );
                tx.reports().append_timeline(&mut report,
                    TimelineKind::Note,
                    who.actor(),
                    Some(note),
                    Some(queued.message.id),
                    now,
                )?;
                queued
            };
            let mut queued = queued;
            if let Some(canned_reply) = canned_reply {
                queued.message.canned_reply = Some(canned_reply);
                tx.messages().save(&queued.message)?;
            }
            report.mark_acted_on(now);
            tx.reports().save(&report)?;
            let mut committed = Committed::new(queued.message);
            committed.events.push(queued.event);
            committed.outbox_queued = true;
            Ok(committed)
        })
        .await
    }
}

/// `{ticket}` and `{unit}` of a reply text, filled in for this report.
pub(super) fn fill_placeholders(text: &str, report: &Report, unit_name: Option<&str>) -> String {
    let filled = text.replace("{ticket}", &report.ticket);
    match unit_name {
        Some(unit_name) => filled.replace("{unit}", unit_name),
        None => filled,
    }
}

/// Why nothing but a template can go to the reporter from the number `channel` now.
pub(super) fn window_closed_reason(reporter: Option<&Reporter>, channel: Option<&str>) -> String {
    match reporter.and_then(|reporter| reporter.last_inbound_on(channel)) {
        Some(last) => format!(
            "the 24-hour window for free messages to this reporter closed at {}",
            (last + chrono::Duration::hours(24)).to_rfc3339()
        ),
        None => {
            "the 24-hour window for free messages to this reporter is closed (they never wrote)"
                .to_string()
        }
    }
}

/// The template mapped to `purpose` and its message for this report, when one is mapped and
/// its parameters can be filled.
fn sendable_template(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    purpose: TemplatePurpose,
    report: &Report,
) -> Result<Option<(ChosenTemplate, OutboundContent)>, StoreError> {
    let replies = settings.replies_for(report.channel.as_deref());
    let account = settings
        .channels
        .directory
        .template_account(report.channel.as_deref());
    let Some(chosen) = template_for_account(tx, replies, purpose, account)? else {
        return Ok(None);
    };
    Ok(template_message(tx, replies, &chosen, report)?.map(|content| (chosen, content)))
}

/// Queues a template message and marks it as sent in place of free text.
fn queue_template(
    tx: &Tx<'_>,
    report: &mut Report,
    content: OutboundContent,
    purpose: OutboundPurpose,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<QueuedReply, StoreError> {
    let mut queued = queue_reply(tx, report, content, purpose, actor, now)?;
    if let Some(delivery) = queued.message.delivery.as_mut() {
        delivery.fell_back_to_template = true;
    }
    tx.messages().save(&queued.message)?;
    Ok(queued)
}

/// Tells the citizen what happened to their report (`text`, already filled in): as text inside
/// the window; outside it as the template mapped to the notice's purpose (FORWARDED, RESOLVED),
/// else the OUTSIDE_WINDOW one; or not at all, which the timeline then says. A notice that
/// cannot go out never stops the change it announces.
pub(super) fn notify_citizen(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    report: &mut Report,
    notice: Notice,
    now: DateTime<Utc>,
) -> Result<Option<ReportEvent>, StoreError> {
    let reporter = tx.reporters().get(report.reporter_id)?;
    let channel = settings
        .channels
        .directory
        .channel_of(report.channel.as_deref())
        .map(str::to_string);
    let window_open = reporter
        .as_ref()
        .is_some_and(|reporter| reporter.window_open_on(channel.as_deref(), now));
    if window_open {
        let content = OutboundContent::Text { body: notice.text };
        let queued = queue_reply(
            tx,
            report,
            content,
            OutboundPurpose::StatusNotice,
            Actor::System,
            now,
        )?;
        return Ok(Some(queued.event));
    }
    let template = match sendable_template(tx, settings, notice.purpose, report)? {
        Some(template) => Some(template),
        None => sendable_template(tx, settings, TemplatePurpose::OutsideWindow, report)?,
    };
    if let Some((_, content)) = template {
        let queued = queue_template(
            tx,
            report,
            content,
            OutboundPurpose::StatusNotice,
            Actor::System,
            now,
        )?;
        return Ok(Some(queued.event));
    }
    let note = format!(
        "the citizen was not told that the report was {}: {} and no template is configured",
        notice.what_happened,
        window_closed_reason(reporter.as_ref(), channel.as_deref())
    );
    tx.reports().append_timeline(
        report,
        TimelineKind::NoticeNotSent,
        Actor::System,
        Some(note),
        None,
        now,
    )?;
    Ok(None)
}

/// A notice to the citizen about their report.
pub(super) struct Notice {
    /// The text sent inside the window, filled in.
    pub text: String,
    /// For the timeline when it cannot go out: "forwarded to …", "resolved".
    pub what_happened: String,
    /// Which template carries it outside the window.
    pub purpose: TemplatePurpose,
}
