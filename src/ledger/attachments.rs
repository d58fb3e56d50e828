//! Uploaded attachments: the record of each file an operator uploaded to send to a citizen,
//! by its id. Records are never removed (evidence); the file itself is in the media store.

use chrono::{DateTime, Utc};

use crate::domain::attachment::{Attachment, GraphMediaId};
use crate::domain::ids::{AttachmentId, MessageId};
use crate::store::keys::u64_key;
use crate::store::{Record, StoreError, Table, Tx};

use super::Source;

impl Record for Attachment {
    const NAME: &'static str = "attachment";
}

/// The attachments (see `Ledger::attachments`).
pub struct Attachments<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> Attachments<'_, S> {
    pub fn get(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        self.at.get_record(Table::Attachments, &u64_key(id.get()))
    }
}

impl Attachments<'_, Tx<'_>> {
    /// A fresh id for a new attachment.
    pub fn new_id(&self) -> Result<AttachmentId, StoreError> {
        Ok(AttachmentId::new(self.at.generate_id()?))
    }

    pub fn save(&self, attachment: &Attachment) -> Result<(), StoreError> {
        self.at.put_record(
            Table::Attachments,
            &u64_key(attachment.id.get()),
            attachment,
        )
    }

    /// Notes that `message_id` sends the attachment.
    pub fn record_use(&self, id: AttachmentId, message_id: MessageId) -> Result<(), StoreError> {
        let Some(mut attachment) = self.get(id)? else {
            return Ok(());
        };
        if !attachment.sent_in.contains(&message_id) {
            attachment.sent_in.push(message_id);
            self.save(&attachment)?;
        }
        Ok(())
    }

    /// Keeps Meta's id of the uploaded file (`None` forgets it, so the next send uploads again).
    pub fn set_graph_media(
        &self,
        id: AttachmentId,
        graph_media_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(mut attachment) = self.get(id)? else {
            return Ok(());
        };
        attachment.graph_media = graph_media_id.map(|media_id| GraphMediaId {
            id: media_id.to_string(),
            uploaded_at: now,
        });
        self.save(&attachment)
    }
}
