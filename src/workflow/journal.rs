//! Entries in a report's history that change no status: notes, logged calls, and the record of
//! every view of an original media file (chain of custody).

use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::{MessageId, ReportId};
use chrono::Utc;

use super::permissions::Action;
use super::{
    CallKind, Committed, MAX_CALL_OUTCOME_CHARS, MAX_CALL_SECONDS, MAX_NOTE_CHARS, Workflow,
    load_existing_report, optional_text, refuse, report_event, required_text, touch,
};
use crate::bus::ReportEventKind;
use crate::domain::message::{MediaState, Message};
use crate::domain::report::Report;
use crate::domain::timeline::{TimelineEvent, TimelineKind};
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::TxError;

impl Workflow {
    /// A note on the report's timeline, 1 to 4000 characters.
    pub async fn add_note(
        &self,
        who: &Principal,
        report_id: ReportId,
        text: String,
    ) -> Result<TimelineEvent, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let mut report = load_existing_report(tx, report_id)?;
            this.require(who, Action::AddNote, &report, &tree)?;
            let text = required_text(&text, "the note", MAX_NOTE_CHARS).map_err(TxError::Abort)?;
            let event = tx.reports().append_timeline(
                &mut report,
                TimelineKind::Note,
                who.actor(),
                Some(text),
                None,
                now,
            )?;
            touch(&mut report, now);
            tx.reports().save(&report)?;
            let mut committed = Committed::new(event);
            committed
                .events
                .push(report_event(ReportEventKind::NoteAdded, &report, now, None));
            Ok(committed)
        })
        .await
    }

    /// Records a call an operator or officer had (or tried to have) with the citizen outside
    /// siaga's own channel events: by phone, video, or a WhatsApp call from a handset.
    pub async fn log_call(
        &self,
        who: &Principal,
        report_id: ReportId,
        kind: CallKind,
        outcome: String,
        duration_seconds: Option<u32>,
        note: Option<String>,
    ) -> Result<TimelineEvent, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let mut report = load_existing_report(tx, report_id)?;
            this.require(who, Action::LogCall, &report, &tree)?;
            let outcome = required_text(&outcome, "the call outcome", MAX_CALL_OUTCOME_CHARS)
                .map_err(TxError::Abort)?;
            let note =
                optional_text(note.clone(), "the note", MAX_NOTE_CHARS).map_err(TxError::Abort)?;
            if let Some(seconds) = duration_seconds
                && seconds > MAX_CALL_SECONDS
            {
                return refuse(UserError::bad_input(format!(
                    "a call of {seconds} seconds is longer than a day; check the duration"
                )));
            }
            let mut description = format!("{} call: {outcome}", kind.as_str());
            if let Some(seconds) = duration_seconds {
                description.push_str(&format!(" ({seconds} s)"));
            }
            let description = super::with_note(description, note.as_deref());
            let event = tx.reports().append_timeline(
                &mut report,
                TimelineKind::CallLogged,
                who.actor(),
                Some(description),
                None,
                now,
            )?;
            touch(&mut report, now);
            tx.reports().save(&report)?;
            let mut committed = Committed::new(event);
            committed.events.push(report_event(
                ReportEventKind::CallLogged,
                &report,
                now,
                None,
            ));
            Ok(committed)
        })
        .await
    }

    /// For `GET /media/{message_id}`: the message and its report when `who` may see them and
    /// the original file is stored; the view is written to the report's timeline, naming the
    /// viewer, and made durable before the file is served.
    pub async fn record_media_view(
        &self,
        who: &Principal,
        message_id: MessageId,
    ) -> Result<(Message, Report), UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who_owned = who.clone();
        self.commit(move |this, tx| {
            let who = &who_owned;
            let Some(message) = tx.messages().get(message_id)? else {
                return refuse(UserError::not_found(&format!("message {message_id}")));
            };
            let Some(report_id) = message.report_id else {
                // Media without a report has no timeline to record custody on.
                return refuse(UserError::not_found(&format!(
                    "media of message {message_id}"
                )));
            };
            let mut report = load_existing_report(tx, report_id)?;
            this.require(who, Action::ViewMedia, &report, &tree)?;
            let stored = message.media.as_ref().is_some_and(|media| {
                media.state == MediaState::Stored && media.sha256_hex.is_some()
            });
            if !stored {
                return refuse(UserError::not_found(&format!(
                    "downloaded media of message {message_id}"
                )));
            }
            let note = format!(
                "{} opened the original {} of message {message_id}",
                who.username,
                message.kind_name()
            );
            // A view is not an action on the case: the report's activity times stay as they are.
            tx.reports().append_timeline(
                &mut report,
                TimelineKind::MediaViewed,
                who.actor(),
                Some(note),
                Some(message_id),
                now,
            )?;
            tx.reports().save(&report)?;
            let entry = AuditEntry::by(AuditAction::MediaView, who)
                .about_report(report.id)
                .subject(format!("message {message_id}"));
            tx.audit_log().append(entry)?;
            let mut committed = Committed::new((message, report.clone()));
            committed.events.push(report_event(
                ReportEventKind::MediaViewed,
                &report,
                now,
                Some(message_id),
            ));
            Ok(committed)
        })
        .await
    }
}
