//! The business numbers: `[[whatsapp.numbers]]` entries and the single-number settings
//! (`--wa-phone-number-id`, `--wa-access-token`, `--wa-business-account-id`), merged into one
//! list whose first number is the default.

use super::settings::NumberSettings;
use super::{ConfigError, invalid, non_empty};
use crate::domain::channel::{Channel, ChannelDirectory};
use crate::domain::ids::UnitCode;
use crate::profile::ReplyOverrides;

/// One business number, validated. Its unit code is checked against the profile at start.
#[derive(Clone, PartialEq)]
pub struct NumberConfig {
    pub phone_number_id: String,
    pub display_number: String,
    pub label: String,
    pub default_unit: Option<UnitCode>,
    /// Its own token, or the global one; `None` in sandbox mode.
    pub access_token: Option<String>,
    /// Its own account, or the global one.
    pub business_account_id: Option<String>,
    /// Its own reply texts (over the `[replies]` table's).
    pub replies: ReplyOverrides,
}

impl std::fmt::Debug for NumberConfig {
    // The configuration is logged at start; the token must not be.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumberConfig")
            .field("phone_number_id", &self.phone_number_id)
            .field("display_number", &self.display_number)
            .field("label", &self.label)
            .field("default_unit", &self.default_unit)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("business_account_id", &self.business_account_id)
            .finish()
    }
}

impl NumberConfig {
    pub fn channel(&self) -> Channel {
        Channel {
            phone_number_id: self.phone_number_id.clone(),
            display_number: self.display_number.clone(),
            label: self.label.clone(),
            default_unit: self.default_unit.clone(),
            business_account_id: self.business_account_id.clone(),
        }
    }
}

/// The directory of the configured numbers (no tokens), for intake, workflow and the API.
pub fn directory(numbers: &[NumberConfig]) -> ChannelDirectory {
    ChannelDirectory::new(numbers.iter().map(NumberConfig::channel).collect())
}

/// The global settings the numbers fall back to.
pub struct Globals {
    pub phone_number_id: Option<String>,
    pub access_token: Option<String>,
    pub business_account_id: Option<String>,
}

/// The label of the number given by `--wa-phone-number-id` alone.
const SINGLE_NUMBER_LABEL: &str = "WhatsApp";

fn digits_only(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

/// Merges the entries and the single-number settings into the list of numbers.
pub fn validate_numbers(
    entries: Vec<NumberSettings>,
    globals: &Globals,
) -> Result<Vec<NumberConfig>, ConfigError> {
    let mut numbers: Vec<NumberConfig> = Vec::with_capacity(entries.len().max(1));
    for (index, entry) in entries.into_iter().enumerate() {
        let position = index + 1;
        let phone_number_id = entry.phone_number_id.trim().to_string();
        if !digits_only(&phone_number_id) {
            return Err(invalid(
                "whatsapp.numbers",
                format!(
                    "entry {position}: phone_number_id {phone_number_id:?} is not a phone number id (digits only)"
                ),
            ));
        }
        if numbers
            .iter()
            .any(|number| number.phone_number_id == phone_number_id)
        {
            return Err(invalid(
                "whatsapp.numbers",
                format!("entry {position}: phone_number_id {phone_number_id} is listed twice"),
            ));
        }
        let display_number = entry.display_number.trim().to_string();
        if !display_number.is_empty()
            && !display_number
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'))
        {
            return Err(invalid(
                "whatsapp.numbers",
                format!(
                    "entry {position}: display_number {display_number:?} is not a phone number"
                ),
            ));
        }
        let label = entry.label.trim().to_string();
        if label.is_empty() || label.chars().count() > 80 {
            return Err(invalid(
                "whatsapp.numbers",
                format!("entry {position} ({phone_number_id}): label must be 1 to 80 characters"),
            ));
        }
        let default_unit = match non_empty(entry.default_unit) {
            None => None,
            Some(code) => Some(UnitCode::parse(&code).map_err(|error| {
                invalid(
                    "whatsapp.numbers",
                    format!("entry {position} ({phone_number_id}): default_unit: {error}"),
                )
            })?),
        };
        let business_account_id =
            non_empty(entry.business_account_id).or_else(|| globals.business_account_id.clone());
        if let Some(id) = &business_account_id
            && !digits_only(id)
        {
            return Err(invalid(
                "whatsapp.numbers",
                format!(
                    "entry {position} ({phone_number_id}): business_account_id {id:?} is not a WhatsApp Business Account id (digits only)"
                ),
            ));
        }
        numbers.push(NumberConfig {
            phone_number_id,
            display_number,
            label,
            default_unit,
            access_token: non_empty(entry.access_token).or_else(|| globals.access_token.clone()),
            business_account_id,
            replies: entry.replies.unwrap_or_default(),
        });
    }
    if let Some(single) = &globals.phone_number_id {
        if !digits_only(single) {
            return Err(invalid(
                "wa-phone-number-id",
                format!("{single:?} is not a phone number id (digits only)"),
            ));
        }
        if numbers.is_empty() {
            numbers.push(NumberConfig {
                phone_number_id: single.clone(),
                display_number: String::new(),
                label: SINGLE_NUMBER_LABEL.to_string(),
                default_unit: None,
                access_token: globals.access_token.clone(),
                business_account_id: globals.business_account_id.clone(),
                replies: ReplyOverrides::default(),
            });
        } else if !numbers
            .iter()
            .any(|number| &number.phone_number_id == single)
        {
            return Err(invalid(
                "wa-phone-number-id",
                format!(
                    "{single} is not one of the [[whatsapp.numbers]] entries: list it there, or leave wa-phone-number-id unset"
                ),
            ));
        }
    }
    let live = numbers
        .iter()
        .filter(|number| number.access_token.is_some())
        .count();
    if live > 0 && live < numbers.len() {
        let sandboxed = numbers
            .iter()
            .find(|number| number.access_token.is_none())
            .map(|number| number.phone_number_id.clone())
            .unwrap_or_default();
        return Err(invalid(
            "whatsapp.numbers",
            format!(
                "number {sandboxed} has no access token while others do: give it access_token, or set wa-access-token for all"
            ),
        ));
    }
    Ok(numbers)
}
