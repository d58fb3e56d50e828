//! The citizen's answer to the satisfaction question (a button that names the report, a
//! template's quick reply, or the word typed soon after) and the comment that may follow a
//! Cukup or Tidak puas. Stored on the resolved report without reopening it; a Tidak puas
//! raises a DISSATISFIED event for supervisors. The first answer stands.

use super::Apply;
use crate::bus::ReportEventKind;
use crate::domain::inbound::InboundMessage;
use crate::domain::message::{OutboundContent, OutboundPurpose};
use crate::domain::report::Report;
use crate::domain::reporter::Reporter;
use crate::domain::satisfaction::{SatisfactionRating, fit_comment};
use crate::domain::timeline::TimelineKind;
use crate::ledger::Ledger;
use crate::store::StoreError;

impl<'t, 'a> Apply<'t, 'a> {
    pub(super) fn satisfaction_rating(
        &mut self,
        inbound: &InboundMessage,
        reporter: &mut Reporter,
        mut report: Report,
        rating: SatisfactionRating,
        calm: bool,
    ) -> Result<Report, StoreError> {
        let Some(mut satisfaction) = report.satisfaction.clone() else {
            debug_assert!(false, "only a report that was asked is answered");
            return Ok(report);
        };
        let first = satisfaction.rating;
        let note = match first {
            Some(first) => format!(
                "the citizen answered again: {} (the first answer, {}, stands)",
                rating.as_str(),
                first.as_str()
            ),
            None => format!("the citizen's satisfaction: {}", rating.as_str()),
        };
        self.keep_aside(
            inbound,
            &mut report,
            TimelineKind::SatisfactionAnswered,
            note,
        )?;
        if first.is_some() {
            self.tx.reports().save(&report)?;
            return Ok(report);
        }
        satisfaction.rating = Some(rating);
        satisfaction.answered_at = Some(self.now);
        let replies = self.settings.replies_for(self.channel.as_deref());
        let answer = if rating.invites_comment() {
            satisfaction.comment_asked_at = Some(self.now);
            reporter.satisfaction_pending = Some(report.id);
            &replies.satisfaction_comment_request
        } else {
            if reporter.satisfaction_pending == Some(report.id) {
                reporter.satisfaction_pending = None;
            }
            &replies.satisfaction_thanks
        };
        let body = answer.replace("{ticket}", &report.ticket);
        report.satisfaction = Some(satisfaction);
        if calm {
            let content = OutboundContent::Text { body };
            self.answer_on(&mut report, content, OutboundPurpose::Satisfaction)?;
        }
        if rating == SatisfactionRating::Dissatisfied {
            self.event(ReportEventKind::Dissatisfied, &report, None);
        }
        self.outcome.questions.satisfaction += 1;
        self.tx.reports().save(&report)?;
        Ok(report)
    }

    pub(super) fn satisfaction_comment(
        &mut self,
        inbound: &InboundMessage,
        reporter: &mut Reporter,
        mut report: Report,
        calm: bool,
    ) -> Result<Report, StoreError> {
        let Some(mut satisfaction) = report.satisfaction.clone() else {
            debug_assert!(false, "only a report that was asked is commented on");
            return Ok(report);
        };
        let comment = fit_comment(inbound.content.text().unwrap_or_default());
        satisfaction.comment = Some(comment.clone());
        satisfaction.commented_at = Some(self.now);
        report.satisfaction = Some(satisfaction);
        if reporter.satisfaction_pending == Some(report.id) {
            reporter.satisfaction_pending = None;
        }
        let note = format!("the citizen's comment on the handling: {comment}");
        self.keep_aside(
            inbound,
            &mut report,
            TimelineKind::SatisfactionAnswered,
            note,
        )?;
        if calm {
            let body = self
                .settings
                .replies
                .satisfaction_comment_thanks
                .replace("{ticket}", &report.ticket);
            let content = OutboundContent::Text { body };
            self.answer_on(&mut report, content, OutboundPurpose::Satisfaction)?;
        }
        self.tx.reports().save(&report)?;
        Ok(report)
    }
}
