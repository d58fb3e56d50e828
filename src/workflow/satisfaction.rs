//! The satisfaction question, asked once when a report becomes RESOLVED (by an operator, an
//! officer, or carried along with its incident): three reply buttons inside the 24-hour
//! window, the template mapped to SATISFACTION outside it (`template_for`: an admin's mapping,
//! else the config file's `satisfaction_template`), and nothing (said on the timeline) when
//! there is no template. Never for SPAM, DUPLICATE or REJECTED reports, nor twice.

use chrono::{DateTime, Utc};

use super::contact::window_closed_reason;
use crate::bus::ReportEvent;
use crate::domain::citizen_requests::CitizenButton;
use crate::domain::message::{OutboundContent, OutboundPurpose};
use crate::domain::questions::{BUTTON_TITLE_CHARS, Choice, fit_title};
use crate::domain::report::Report;
use crate::domain::satisfaction::{AskedBy, Satisfaction, SatisfactionRating, reason_not_to_ask};
use crate::domain::templates::TemplatePurpose;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::intake::IntakeSettings;
use crate::intake::outbound::queue_reply;
use crate::intake::templates::{template_for_account, template_message};
use crate::ledger::Ledger;
use crate::profile::ReplyTexts;
use crate::store::{StoreError, Tx};

/// Asks the citizen how satisfied they are, if `report` should be asked now; the caller saves
/// the report. Returns the event of the queued question.
pub(super) fn ask_satisfaction(
    tx: &Tx<'_>,
    settings: &IntakeSettings,
    report: &mut Report,
    now: DateTime<Utc>,
) -> Result<Option<ReportEvent>, StoreError> {
    if reason_not_to_ask(report).is_some() {
        return Ok(None);
    }
    let Some(mut reporter) = tx.reporters().get(report.reporter_id)? else {
        return Ok(None);
    };
    if reporter.is_blocked(now) {
        return Ok(None);
    }
    let replies = settings.replies_for(report.channel.as_deref());
    let window_open = settings.window_open(&reporter, report.channel.as_deref(), now);
    let template = if window_open {
        None
    } else {
        let account = settings
            .channels
            .directory
            .template_account(report.channel.as_deref());
        match template_for_account(tx, replies, TemplatePurpose::Satisfaction, account)? {
            Some(chosen) => template_message(tx, replies, &chosen, report)?,
            None => None,
        }
    };
    let (content, asked_by) = if window_open {
        (question(replies, report), AskedBy::Buttons)
    } else if let Some(content) = template {
        (content, AskedBy::Template)
    } else {
        let note = format!(
            "the satisfaction question was not asked: {} and no satisfaction template is configured",
            window_closed_reason(
                Some(&reporter),
                settings
                    .channels
                    .directory
                    .channel_of(report.channel.as_deref())
            )
        );
        tx.reports().append_timeline(
            report,
            TimelineKind::NoticeNotSent,
            Actor::System,
            Some(note),
            None,
            now,
        )?;
        return Ok(None);
    };
    let how = match &content {
        OutboundContent::Template { name, .. } => format!("with the template {name}"),
        _ => "with reply buttons".to_string(),
    };
    let queued = queue_reply(
        tx,
        report,
        content,
        OutboundPurpose::Satisfaction,
        Actor::System,
        now,
    )?;
    report.satisfaction = Some(Satisfaction::asked(now, asked_by));
    tx.reports().append_timeline(
        report,
        TimelineKind::SatisfactionAsked,
        Actor::System,
        Some(format!(
            "the citizen was asked how satisfied they are, {how}"
        )),
        Some(queued.message.id),
        now,
    )?;
    reporter.satisfaction_pending = Some(report.id);
    tx.reporters().save(&reporter)?;
    Ok(Some(queued.event))
}

/// The question with its three buttons, each naming the report it answers for.
fn question(replies: &ReplyTexts, report: &Report) -> OutboundContent {
    let labels = [
        (
            SatisfactionRating::Satisfied,
            &replies.satisfaction_button_satisfied,
        ),
        (SatisfactionRating::Fair, &replies.satisfaction_button_fair),
        (
            SatisfactionRating::Dissatisfied,
            &replies.satisfaction_button_dissatisfied,
        ),
    ];
    let choices = labels
        .into_iter()
        .map(|(rating, label)| Choice {
            id: CitizenButton::Rate(rating, report.id).id(),
            title: fit_title(label, BUTTON_TITLE_CHARS),
            description: None,
        })
        .collect();
    OutboundContent::Buttons {
        body: replies
            .satisfaction_question
            .replace("{ticket}", &report.ticket),
        choices,
    }
}
