//! Replies with media: recording a file an operator uploaded (with its hash, uploader and an
//! audit entry), and queuing it to a citizen as an image, document, audio or video message
//! under the same rules as text (who may write to the reporter, the 24-hour window, the
//! outbox's retries and visible failures).
//!
//! An audio message has no caption on WhatsApp: the reply's text, if any, goes out as a text
//! message queued right after it. Outside the 24-hour window an attachment is refused
//! (CONFLICT, nothing queued): a template cannot carry the file, and sending the template
//! alone would drop it without a word.

use chrono::Utc;

use super::contact::window_closed_reason;
use super::permissions::{Action, require_role};
use super::{Committed, MAX_REPLY_CHARS, Workflow, load_existing_report, optional_text, refuse};
use crate::domain::attachment::{Attachment, AttachmentKind};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::{AttachmentId, ReportId};
use crate::domain::message::{MediaState, Message, OutboundContent, OutboundPurpose, StoredMedia};
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::intake::outbound::queue_reply;
use crate::ledger::Ledger;
use crate::store::TxError;

/// WhatsApp's limit for the caption of an image, video or document.
pub const MAX_CAPTION_CHARS: usize = 1024;

/// A file checked and stored durably in the media store, to be recorded.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub kind: AttachmentKind,
    pub content_type: String,
    pub file_name: Option<String>,
    pub sha256_hex: String,
    pub size_bytes: u64,
    /// The client's address, for the audit entry.
    pub client: Option<String>,
}

impl Workflow {
    /// FORBIDDEN unless `who`'s role may write to reporters: checked before an upload is read.
    pub fn may_upload(&self, who: &Principal) -> Result<(), UserError> {
        require_role(who, Action::ContactReporter)
    }

    /// Records a stored upload as an attachment of `who`, with an audit entry.
    pub async fn record_upload(
        &self,
        who: &Principal,
        file: UploadedFile,
    ) -> Result<Attachment, UserError> {
        self.may_upload(who)?;
        let who = who.clone();
        let now = Utc::now();
        self.commit(move |_this, tx| {
            let attachment = Attachment {
                id: tx.attachments().new_id()?,
                kind: file.kind,
                content_type: file.content_type.clone(),
                file_name: file.file_name.clone(),
                sha256_hex: file.sha256_hex.clone(),
                size_bytes: file.size_bytes,
                uploaded_by: who.username.clone(),
                uploaded_at: now,
                sent_in: Vec::new(),
                graph_media: None,
            };
            tx.attachments().save(&attachment)?;
            let entry = AuditEntry::by(AuditAction::MediaUpload, &who)
                .from_client(file.client.clone())
                .subject(format!("attachment {}", attachment.id))
                .detail(format!(
                    "{} {} bytes sha256 {}",
                    attachment.content_type, attachment.size_bytes, attachment.sha256_hex
                ));
            tx.audit_log().append(entry)?;
            Ok(Committed::new(attachment))
        })
        .await
    }

    /// Queues the attachment to the report's reporter, with `text` as its caption (for audio,
    /// as a text message after it). Returns the media message.
    pub async fn reply_with_attachment(
        &self,
        who: &Principal,
        report_id: ReportId,
        text: String,
        attachment_id: AttachmentId,
    ) -> Result<Message, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who = who.clone();
        self.commit(move |this, tx| {
            let mut report = load_existing_report(tx, report_id)?;
            this.require(&who, Action::ContactReporter, &report, &tree)?;
            let Some(attachment) = tx.attachments().get(attachment_id)? else {
                return refuse(UserError::not_found(&format!("attachment {attachment_id}")));
            };
            if attachment.uploaded_by != who.username {
                return refuse(UserError::forbidden(format!(
                    "attachment {attachment_id} was uploaded by someone else; upload the file yourself"
                )));
            }
            let takes_caption = attachment.kind.takes_caption();
            let text_limit = if takes_caption {
                MAX_CAPTION_CHARS
            } else {
                MAX_REPLY_CHARS
            };
            let what = if takes_caption {
                "the caption"
            } else {
                "the text sent after the audio"
            };
            let text = optional_text(Some(text.clone()), what, text_limit).map_err(TxError::Abort)?;
            let reporter = tx.reporters().get(report.reporter_id)?;
            if !reporter
                .as_ref()
                .is_some_and(|reporter| this.intake.window_open(reporter, report.channel.as_deref(), now))
            {
                return refuse(UserError::conflict(format!(
                    "the attachment cannot go out: {}, and no template can carry a file: nothing was sent; it can once the citizen writes again",
                    window_closed_reason(
                        reporter.as_ref(),
                        this.intake.channels.directory.channel_of(report.channel.as_deref())
                    )
                )));
            }
            let content = OutboundContent::Media {
                attachment_id,
                kind: attachment.kind,
                caption: if takes_caption { text.clone() } else { None },
                file_name: attachment.file_name.clone(),
            };
            let mut queued = queue_reply(
                tx,
                &mut report,
                content,
                OutboundPurpose::OperatorReply,
                who.actor(),
                now,
            )?;
            queued.message.media = Some(StoredMedia {
                state: MediaState::Stored,
                sha256_hex: Some(attachment.sha256_hex.clone()),
                size_bytes: Some(attachment.size_bytes),
                content_type: Some(attachment.content_type.clone()),
                attempts: 0,
                error: None,
                updated_at: Some(now),
            });
            tx.messages().save(&queued.message)?;
            tx.attachments()
                .record_use(attachment_id, queued.message.id)?;
            let mut events = vec![queued.event];
            if let (false, Some(text)) = (takes_caption, text) {
                let follow = queue_reply(
                    tx,
                    &mut report,
                    OutboundContent::Text { body: text },
                    OutboundPurpose::OperatorReply,
                    who.actor(),
                    now,
                )?;
                events.push(follow.event);
            }
            report.mark_acted_on(now);
            tx.reports().save(&report)?;
            let mut committed = Committed::new(queued.message);
            committed.events = events;
            committed.outbox_queued = true;
            Ok(committed)
        })
        .await
    }
}
