//! The file of a media message: Meta's id of it when one is still usable (uploaded fewer than
//! 29 days ago; Meta keeps uploads 30), otherwise an upload from the media store just before
//! the send. An id Meta rejects is forgotten and the send retried with a fresh upload, once.

use std::convert::Infallible;

use super::*;
use crate::domain::attachment::{ACCEPTED_TYPES, Attachment};
use crate::domain::ids::AttachmentId;
use crate::whatsapp::graph::MediaUpload;
use crate::whatsapp::media::media_path;

/// Meta's codes for a media id it cannot use (an expired or failed upload; an unknown id).
const MEDIA_ID_REJECTED: [i64; 2] = [131053, 100];

pub(super) struct MediaSend {
    pub attachment: Attachment,
    /// Meta's id from an earlier upload is in the outgoing message.
    pub reused_id: bool,
}

impl OutboxSender {
    /// The attachment of a media message, with Meta's id put into `outgoing` when it is still
    /// usable; `None` when the attachment's record is missing.
    pub(super) fn media_to_send(
        &self,
        attachment_id: AttachmentId,
        outgoing: &mut OutgoingMessage,
    ) -> Result<Option<MediaSend>, StoreError> {
        let Some(attachment) = self.store.attachments().get(attachment_id)? else {
            return Ok(None);
        };
        let usable = attachment
            .graph_media
            .as_ref()
            .filter(|graph_media| graph_media.usable_at(Utc::now()))
            .map(|graph_media| graph_media.id.clone());
        let reused_id = usable.is_some();
        if let (Some(id), OutgoingMessage::Media { media_id, .. }) = (usable, outgoing) {
            *media_id = id;
        }
        Ok(Some(MediaSend {
            attachment,
            reused_id,
        }))
    }

    /// Uploads the file of a media message that has no usable id yet, and keeps the id.
    pub(super) async fn upload_if_needed(
        &self,
        client: &GraphClient,
        send: &mut PendingSend,
    ) -> Result<(), GraphError> {
        let Some(media) = &send.media else {
            return Ok(());
        };
        if media.reused_id {
            return Ok(());
        }
        let attachment = &media.attachment;
        let path = media_path(&self.media_dir, &attachment.sha256_hex);
        let file_name = attachment
            .file_name
            .clone()
            .unwrap_or_else(|| default_file_name(attachment));
        let media_id = client
            .upload_media(MediaUpload {
                path: &path,
                size_bytes: attachment.size_bytes,
                content_type: &attachment.content_type,
                file_name: &file_name,
            })
            .await?;
        add(&self.metrics.media_uploaded, 1);
        let (attachment_id, kept) = (attachment.id, media_id.clone());
        // Losing it in a crash only costs another upload.
        let stored = self
            .writer
            .bookkeep(move |tx| -> Result<(), TxError<Infallible>> {
                tx.attachments()
                    .set_graph_media(attachment_id, Some(&kept), Utc::now())?;
                Ok(())
            })
            .await;
        if let Err(error) = stored {
            let error = StoreError::from(error);
            tracing::warn!(%error, attachment = %attachment_id, "meta's media id could not be kept");
        }
        if let OutgoingMessage::Media { media_id: slot, .. } = &mut send.outgoing {
            *slot = media_id;
        }
        Ok(())
    }

    /// Meta refused an id uploaded for an earlier send (expired, or lost on Meta's side).
    pub(super) fn reused_media_id_rejected(&self, send: &PendingSend, error: &GraphError) -> bool {
        let reused = send.media.as_ref().is_some_and(|media| media.reused_id);
        reused
            && matches!(error, GraphError::Api(failure) if MEDIA_ID_REJECTED.contains(&failure.code))
    }

    /// Forgets the rejected id, so that the retry, due at once, uploads the file again.
    pub(super) async fn forget_media_id(&self, send: &PendingSend) -> Result<Outcome, StoreError> {
        if let Some(media) = &send.media {
            let attachment_id = media.attachment.id;
            tracing::info!(attachment = %attachment_id, "meta rejected the media id; uploading again");
            self.writer
                .bookkeep(move |tx| -> Result<(), TxError<Infallible>> {
                    tx.attachments()
                        .set_graph_media(attachment_id, None, Utc::now())?;
                    Ok(())
                })
                .await?;
        }
        Ok(Outcome::RetryAt(Utc::now()))
    }
}

/// `lampiran-<id>.<ending of its type>`, for an upload that came without a file name.
fn default_file_name(attachment: &Attachment) -> String {
    let extension = ACCEPTED_TYPES
        .iter()
        .find(|accepted| accepted.mime == attachment.content_type)
        .map_or("bin", |accepted| accepted.extensions[0]);
    format!("lampiran-{}.{extension}", attachment.id)
}
