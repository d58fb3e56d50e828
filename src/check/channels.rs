//! Records on business numbers the configuration no longer lists: warnings, not problems.
//! Numbers can be removed from the config while their reports and messages stay; their
//! replies then go out from the default number.

use std::collections::BTreeMap;

use super::Findings;
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

/// Counts the reports and messages on each number not in `configured` (phone number ids) and
/// adds one warning per such number. Records without a channel are on the default number.
pub fn check_channels(
    store: &Store,
    configured: &[String],
    findings: &mut Findings,
) -> Result<(), StoreError> {
    if configured.is_empty() {
        return Ok(());
    }
    let known = |channel: &str| configured.iter().any(|id| id == channel);
    let mut unknown: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for report in store.reports().oldest_first() {
        let report = report?;
        if let Some(channel) = report.channel.as_deref()
            && !known(channel)
        {
            unknown.entry(channel.to_string()).or_default().0 += 1;
        }
    }
    for message in store.survey().messages() {
        let message = message?;
        if let Some(channel) = message.channel.as_deref()
            && !known(channel)
        {
            unknown.entry(channel.to_string()).or_default().1 += 1;
        }
    }
    for (channel, (reports, messages)) in unknown {
        findings.warnings.push(format!(
            "business number {channel} is not configured: {reports} reports and {messages} messages are on it (their replies go out from the default number)"
        ));
    }
    Ok(())
}
