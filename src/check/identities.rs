//! Lookups that find records: reporters and their identities (`bsuid:`, `phone:`), and channel
//! ids (wamids), which dedupe inbound messages and join statuses to our messages.

use std::collections::HashMap;

use super::records::MessageFacts;
use super::{Findings, Fix, Group};
use crate::domain::ids::{MessageId, ReportId};
use crate::domain::report::Report;
use crate::domain::reporter::{Reporter, bsuid_identity, phone_identity};
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

/// Reports name existing reporters; identities find existing reporters, and each reporter's
/// current identities find someone.
pub(super) fn check_reporters(
    store: &Store,
    reports: &HashMap<ReportId, Report>,
    reporters: &HashMap<u64, Reporter>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    for report in reports.values() {
        if !reporters.contains_key(&report.reporter_id) {
            findings.add(
                Group::Reporters,
                format!(
                    "report {} is from reporter {}, who does not exist",
                    report.id, report.reporter_id
                ),
                None,
            );
        }
    }
    let mut identities = HashMap::new();
    for entry in store.survey().identities() {
        let (identity, reporter_id) = entry?;
        let kind = identity.split(':').next().unwrap_or_default().to_owned();
        match reporter_id {
            Some(id) if reporters.contains_key(&id) => {}
            _ => findings.add(
                Group::Reporters,
                format!(
                    "a {kind} identity points at reporter {}, who does not exist",
                    reporter_id.map_or("?".to_owned(), |id| id.to_string())
                ),
                Some(Fix::DropIdentity(identity.clone())),
            ),
        }
        identities.insert(identity, reporter_id);
    }
    for reporter in reporters.values() {
        let own = reporter
            .bsuid
            .as_deref()
            .map(bsuid_identity)
            .into_iter()
            .chain(reporter.phone.as_ref().map(phone_identity));
        for identity in own {
            if !identities.contains_key(&identity) {
                let kind = identity.split(':').next().unwrap_or_default().to_owned();
                findings.add(
                    Group::Reporters,
                    format!(
                        "the {kind} identity of reporter {} finds nobody",
                        reporter.id
                    ),
                    Some(Fix::PointIdentity(identity, reporter.id)),
                );
            }
        }
        if let Some(open) = reporter.open_report
            && !reports.contains_key(&open)
        {
            findings.add(
                Group::Reporters,
                format!(
                    "reporter {} threads into report {open}, which does not exist",
                    reporter.id
                ),
                None,
            );
        }
    }
    Ok(())
}

/// Each channel id finds its message, and each lookup finds a message with that channel id.
pub(super) fn check_wamids(
    store: &Store,
    messages: &HashMap<MessageId, MessageFacts>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    let mut lookup = HashMap::new();
    for entry in store.survey().wamids() {
        let (wamid, message_id) = entry?;
        let message_id = message_id.map(MessageId::new);
        if message_id.is_none_or(|id| !messages.contains_key(&id)) {
            findings.add(
                Group::ChannelIds,
                format!(
                    "a channel id points at message {}, which does not exist",
                    message_id.map_or("?".to_owned(), |id| id.to_string())
                ),
                Some(Fix::DropWamid(wamid.clone())),
            );
        }
        lookup.insert(wamid, message_id);
    }
    for (message_id, message) in messages {
        let Some(wamid) = &message.external_id else {
            continue;
        };
        match lookup.get(wamid.as_str()) {
            Some(Some(found)) if found == message_id => {}
            Some(Some(other)) if messages.contains_key(other) => findings.add(
                Group::ChannelIds,
                format!("messages {message_id} and {other} carry the same channel id"),
                None,
            ),
            _ => findings.add(
                Group::ChannelIds,
                format!("the channel id of message {message_id} does not find it"),
                Some(Fix::PointWamid(wamid.clone(), *message_id)),
            ),
        }
    }
    Ok(())
}
