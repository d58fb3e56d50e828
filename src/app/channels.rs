//! The business numbers of the config file as the rest of the server needs them: checked
//! against the profile at start, and handed to intake and workflow with their reply texts.

use std::sync::Arc;

use crate::config::Config;
use crate::profile::Profile;

/// Every number's default unit must be a unit of the profile.
pub(super) fn check_default_units(config: &Config, profile: &Profile) -> anyhow::Result<()> {
    for number in &config.whatsapp.numbers {
        let Some(unit) = &number.default_unit else {
            continue;
        };
        if !profile
            .units
            .iter()
            .any(|known| known.code == unit.as_str())
        {
            anyhow::bail!(
                "setting whatsapp.numbers: number {} ({}): default_unit {unit} is not a unit of the profile {}",
                number.phone_number_id,
                number.label,
                config.profile
            );
        }
    }
    Ok(())
}

/// The numbers for intake and workflow, with the reply texts of those that have their own.
pub(super) fn channel_settings(
    config: &Config,
    profile: &Profile,
) -> crate::intake::ChannelSettings {
    let mut replies = std::collections::HashMap::new();
    for number in &config.whatsapp.numbers {
        if number.replies != crate::profile::ReplyOverrides::default() {
            let texts = profile
                .replies
                .clone()
                .with_overrides(&config.replies)
                .with_overrides(&number.replies);
            replies.insert(number.phone_number_id.clone(), texts);
        }
    }
    crate::intake::ChannelSettings {
        directory: Arc::new(config.whatsapp.channels()),
        replies: Arc::new(replies),
    }
}
