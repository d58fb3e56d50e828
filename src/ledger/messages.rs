//! Messages, in and out, and the channel ids (wamids) that find them.

use crate::domain::ids::{MessageId, Wamid};
use crate::domain::message::Message;
use crate::store::keys::{read_u64, u64_key};
use crate::store::{Store, StoreError, Table, Tx};

use super::{Ledger, Source};

/// The messages area (see `Ledger::messages`).
pub struct Messages<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> Messages<'_, S> {
    pub fn get(&self, message_id: MessageId) -> Result<Option<Message>, StoreError> {
        self.at
            .get_record(Table::Messages, &u64_key(message_id.get()))
    }

    /// The message with this channel id (wamid), inbound or sent.
    pub fn id_by_wamid(&self, wamid: &Wamid) -> Result<Option<MessageId>, StoreError> {
        Ok(self
            .at
            .get_bytes(Table::MessageExternalIds, wamid.as_str().as_bytes())?
            .and_then(|bytes| read_u64(&bytes, 0))
            .map(MessageId::new))
    }
}

impl Messages<'_, Tx<'_>> {
    /// A number for a new message.
    pub fn new_id(&self) -> Result<MessageId, StoreError> {
        Ok(MessageId::new(self.at.generate_id()?))
    }

    pub fn save(&self, message: &Message) -> Result<(), StoreError> {
        self.at
            .put_record(Table::Messages, &u64_key(message.id.get()), message)
    }

    /// Stores a new message, makes its channel id find it and links it to its report.
    pub fn insert(&self, message: &Message) -> Result<(), StoreError> {
        self.save(message)?;
        if let Some(wamid) = &message.external_id {
            self.link_wamid(wamid, message.id)?;
        }
        if let Some(report_id) = message.report_id {
            self.at.reports().link_message(report_id, message.id)?;
        }
        Ok(())
    }

    /// Makes a channel id find the message (a sent message learns its wamid from Meta).
    pub fn link_wamid(&self, wamid: &Wamid, message_id: MessageId) -> Result<(), StoreError> {
        self.at.put(
            Table::MessageExternalIds,
            wamid.as_str().as_bytes(),
            &u64_key(message_id.get()),
        )
    }
}

impl Messages<'_, Store> {
    pub fn count(&self) -> usize {
        self.at.len(Table::Messages)
    }
}
