//! Channels: the business numbers citizens write to. Each has its label, the unit its reports
//! go to when their text names no place, and the WhatsApp Business Account its templates live
//! in. A message to a number siaga does not know still lands, on the first (default) number.

use crate::domain::ids::UnitCode;

/// One configured business number, as operators and the API see it (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Meta's phone number id (`metadata.phone_number_id` on webhooks; the path of sends).
    pub phone_number_id: String,
    /// The number as citizens dial it, e.g. `6281370002110`; empty when not configured.
    pub display_number: String,
    /// "Polrestabes Palembang".
    pub label: String,
    /// Pre-fills the suggestion's unit, and routes reports whose text names no place.
    pub default_unit: Option<UnitCode>,
    /// The WhatsApp Business Account whose templates this number sends.
    pub business_account_id: Option<String>,
}

/// Where an inbound message belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The channel the message is recorded on: the number it came to when configured, else
    /// the default number; the number as given when no number is configured at all.
    pub channel: Option<String>,
    /// False when the message came to a number that is not configured (kept on the default).
    pub known: bool,
}

/// Every configured number, the first being the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelDirectory {
    channels: Vec<Channel>,
}

impl ChannelDirectory {
    pub fn new(channels: Vec<Channel>) -> ChannelDirectory {
        ChannelDirectory { channels }
    }

    pub fn all(&self) -> &[Channel] {
        &self.channels
    }

    /// More than one number: the console shows channels only then.
    pub fn several(&self) -> bool {
        self.channels.len() > 1
    }

    pub fn get(&self, phone_number_id: &str) -> Option<&Channel> {
        self.channels
            .iter()
            .find(|channel| channel.phone_number_id == phone_number_id)
    }

    /// The first configured number: where messages to unknown numbers, and records from before
    /// channels were kept, belong.
    pub fn default_channel(&self) -> Option<&Channel> {
        self.channels.first()
    }

    /// The channel of a record: its own, or the default one for a record without.
    pub fn channel_of<'a>(&'a self, recorded: Option<&'a str>) -> Option<&'a str> {
        recorded.or_else(|| {
            self.default_channel()
                .map(|channel| channel.phone_number_id.as_str())
        })
    }

    /// Whether two records' channels are the same number (a record without one is on the
    /// default number).
    pub fn same_channel(&self, left: Option<&str>, right: Option<&str>) -> bool {
        self.channel_of(left) == self.channel_of(right)
    }

    /// Where a message sent to `recipient` (the webhook's `metadata.phone_number_id`) belongs.
    pub fn arrival(&self, recipient: Option<&str>) -> Arrival {
        if let Some(recipient) = recipient
            && self.get(recipient).is_some()
        {
            return Arrival {
                channel: Some(recipient.to_string()),
                known: true,
            };
        }
        match self.default_channel() {
            Some(default) => Arrival {
                channel: Some(default.phone_number_id.clone()),
                known: recipient.is_none(),
            },
            None => Arrival {
                channel: recipient.map(str::to_string),
                known: true,
            },
        }
    }

    /// The WhatsApp Business Account whose template list serves a record on `recorded`:
    /// `None` for the default number's account (the list kept as it always was), else the
    /// channel's own account id.
    pub fn template_account(&self, recorded: Option<&str>) -> Option<&str> {
        let own = self
            .channel_of(recorded)
            .and_then(|id| self.get(id))
            .and_then(|channel| channel.business_account_id.as_deref())?;
        let default = self
            .default_channel()
            .and_then(|channel| channel.business_account_id.as_deref());
        (default != Some(own)).then_some(own)
    }

    /// A report filter's channel as given (a phone number id, or nothing): the id, and whether
    /// it is the default number (whose reports include those stored without a channel).
    /// BAD_USER_INPUT for text that is not a phone number id.
    pub fn filter_channel(
        &self,
        text: Option<&str>,
    ) -> Result<(Option<String>, bool), crate::error::UserError> {
        match text.map(str::trim) {
            None | Some("") => Ok((None, false)),
            Some(id) if id.chars().all(|c| c.is_ascii_digit()) => {
                let is_default = self
                    .default_channel()
                    .is_some_and(|default| default.phone_number_id == id);
                Ok((Some(id.to_string()), is_default))
            }
            Some(other) => Err(crate::error::UserError::bad_input(format!(
                "channel {other:?} is not a phone number id (digits only; see channels)"
            ))),
        }
    }

    /// The default unit of the channel a record is on.
    pub fn default_unit(&self, recorded: Option<&str>) -> Option<&UnitCode> {
        self.channel_of(recorded)
            .and_then(|id| self.get(id))
            .and_then(|channel| channel.default_unit.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> ChannelDirectory {
        let channel = |id: &str, label: &str| Channel {
            phone_number_id: id.to_string(),
            display_number: String::new(),
            label: label.to_string(),
            default_unit: None,
            business_account_id: None,
        };
        ChannelDirectory::new(vec![channel("111", "Polda"), channel("222", "Polrestabes")])
    }

    #[test]
    fn a_message_to_a_known_number_stays_on_it() {
        let arrival = two().arrival(Some("222"));
        assert_eq!(arrival.channel.as_deref(), Some("222"));
        assert!(arrival.known);
    }

    #[test]
    fn a_message_to_an_unknown_number_lands_on_the_default_one() {
        let arrival = two().arrival(Some("999"));
        assert_eq!(arrival.channel.as_deref(), Some("111"));
        assert!(!arrival.known);
    }

    #[test]
    fn a_record_without_a_channel_is_on_the_default_number() {
        let channels = two();
        assert!(channels.same_channel(None, Some("111")));
        assert!(!channels.same_channel(None, Some("222")));
    }

    #[test]
    fn without_configured_numbers_the_recipient_is_kept_as_given() {
        let arrival = ChannelDirectory::default().arrival(Some("555"));
        assert_eq!(arrival.channel.as_deref(), Some("555"));
    }
}
