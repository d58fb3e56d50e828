//! Reactions, edits and deletions: kept beside the message they refer to, never changing it.

use super::Apply;
use crate::bus::ReportEventKind;
use crate::domain::ids::Wamid;
use crate::domain::inbound::{InboundMessage, MessageContent};
use crate::domain::message::{Reaction, Revision};
use crate::domain::reporter::Reporter;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::ledger::Ledger;
use crate::store::StoreError;

/// What a reaction, edit or deletion says about the message it targets.
pub(super) enum Annotation {
    Reaction(Option<String>),
    Edit(MessageContent),
    Revoke,
}

impl<'t, 'a> Apply<'t, 'a> {
    /// Reactions, edits and deletions: recorded beside the message they refer to, which is
    /// never changed itself. They do not open reports or get replies.
    pub(super) fn annotate_target(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<&Reporter>,
        target_external_id: &Wamid,
        annotation: Annotation,
    ) -> Result<(), StoreError> {
        if let Some(reporter) = reporter {
            // Nothing here changes the reporter beyond what `upsert_reporter` did.
            self.tx.reporters().save(reporter)?;
        }
        let target = match self.tx.messages().id_by_wamid(target_external_id)? {
            Some(target_id) => self.tx.messages().get(target_id)?,
            None => None,
        };
        let report_id = target
            .as_ref()
            .and_then(|message| message.report_id)
            .or_else(|| reporter.and_then(|reporter| reporter.open_report));
        let mut report = match report_id {
            Some(report_id) => self.tx.reports().get(report_id)?,
            None => None,
        };
        let message = self.inbound_record(
            inbound,
            report.as_ref(),
            reporter.map(|reporter| reporter.id),
        )?;
        self.tx.messages().insert(&message)?;

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
                    at: self.sent_at(inbound),
                    emoji,
                }),
                Annotation::Edit(content) => target.revisions.push(Revision {
                    at: self.sent_at(inbound),
                    external_id: inbound.external_id.clone(),
                    content: Some(content),
                }),
                Annotation::Revoke => target.revoked_at = Some(self.sent_at(inbound)),
            }
            self.tx.messages().save(&target)?;
        }
        if let Some(report) = report.as_mut() {
            self.tx.reports().append_timeline(
                report,
                kind,
                Actor::Citizen,
                note,
                Some(message.id),
                self.now,
            )?;
            report.updated_at = self.now;
            self.tx.reports().save(report)?;
            self.event(ReportEventKind::MessageAdded, report, Some(message.id));
        }
        Ok(())
    }
}
