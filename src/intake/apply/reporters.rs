//! Who the citizen is: finding or creating the reporter by identity, Meta's notices of a
//! changed number or user id, and the citizen's answer to a call permission request.

use chrono::{DateTime, Utc};

use super::Apply;
use crate::bus::ReportEventKind;
use crate::domain::inbound::{InboundMessage, MessageContent, Sender};
use crate::domain::reporter::{Reporter, bsuid_identity, identity_keys, phone_identity};
use crate::domain::timeline::{Actor, TimelineKind};
use crate::ledger::Ledger;
use crate::store::StoreError;

impl<'t, 'a> Apply<'t, 'a> {
    /// Finds the reporter by their strongest identity, creating them on first contact, and
    /// records any identity they newly show. `None` when the sender carries no identity.
    /// The reporter is returned unsaved: each caller saves it once, after its own changes.
    pub(super) fn upsert_reporter(
        &mut self,
        sender: &Sender,
        inbound_at: Option<DateTime<Utc>>,
    ) -> Result<Option<Reporter>, StoreError> {
        let identities = identity_keys(sender);
        if identities.is_empty() {
            return Ok(None);
        }
        let mut mapped_to = Vec::with_capacity(identities.len());
        for identity in &identities {
            mapped_to.push(self.tx.reporters().id_by_identity(identity)?);
        }
        let mut found = None;
        for &reporter_id in mapped_to.iter().flatten() {
            found = self.tx.reporters().get(reporter_id)?;
            if found.is_some() {
                break;
            }
        }
        let mut reporter = match found {
            Some(mut reporter) => {
                reporter.absorb(sender);
                reporter
            }
            None => Reporter {
                id: self.tx.generate_id()?,
                bsuid: sender.bsuid.clone(),
                phone: sender.phone.clone(),
                name: sender.profile_name.clone(),
                username: sender.username.clone(),
                first_seen_at: self.now,
                last_inbound_at: None,
                open_report: None,
                previous_phones: Vec::new(),
                call_permission_until: None,
                block: None,
                blocked_report: None,
                pace: Default::default(),
                recent_reports: Vec::new(),
                satisfaction_pending: None,
                channels: Default::default(),
            },
        };
        if let Some(at) = inbound_at {
            reporter.note_inbound(self.channel.as_deref(), at);
        }
        // Only identities new to this reporter are written: a returning citizen costs reads.
        for (identity, mapped) in identities.iter().zip(&mapped_to) {
            if *mapped != Some(reporter.id) {
                self.tx.reporters().map_identity(identity, reporter.id)?;
            }
        }
        Ok(Some(reporter))
    }

    pub(super) fn system_notice(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<Reporter>,
    ) -> Result<(), StoreError> {
        let MessageContent::System {
            new_phone,
            new_bsuid,
            kind,
            ..
        } = &inbound.content
        else {
            return Ok(());
        };
        let mut report = None;
        if let Some(mut reporter) = reporter {
            if let Some(phone) = new_phone {
                self.tx
                    .reporters()
                    .map_identity(&phone_identity(phone), reporter.id)?;
                reporter.absorb(&Sender {
                    phone: Some(phone.clone()),
                    ..Sender::default()
                });
            }
            if let Some(bsuid) = new_bsuid {
                self.tx
                    .reporters()
                    .map_identity(&bsuid_identity(bsuid), reporter.id)?;
                reporter.bsuid = Some(bsuid.clone());
            }
            self.tx.reporters().save(&reporter)?;
            if let Some(open_id) = reporter.open_report {
                report = self.tx.reports().get(open_id)?;
            }
            let message = self.inbound_record(inbound, report.as_ref(), Some(reporter.id))?;
            self.tx.messages().insert(&message)?;
            if let Some(report) = report.as_mut() {
                let note = Some(match new_phone {
                    Some(phone) => format!("{kind}: now {phone}"),
                    None => kind.clone(),
                });
                self.tx.reports().append_timeline(
                    report,
                    TimelineKind::ReporterChangedNumber,
                    Actor::Citizen,
                    note,
                    Some(message.id),
                    self.now,
                )?;
                self.tx.reports().save(report)?;
            }
            return Ok(());
        }
        let message = self.inbound_record(inbound, None, None)?;
        self.tx.messages().insert(&message)
    }

    pub(super) fn call_permission_reply(
        &mut self,
        inbound: &InboundMessage,
        reporter: Option<Reporter>,
        accepted: bool,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let Some(mut reporter) = reporter else {
            let message = self.inbound_record(inbound, None, None)?;
            return self.tx.messages().insert(&message);
        };
        reporter.call_permission_until = if accepted {
            expires_at.or(Some(self.now + chrono::Duration::days(7)))
        } else {
            None
        };
        let mut report = match reporter.open_report {
            Some(open_id) => self.tx.reports().get(open_id)?,
            None => None,
        };
        let message = self.inbound_record(inbound, report.as_ref(), Some(reporter.id))?;
        self.tx.messages().insert(&message)?;
        if let Some(report) = report.as_mut() {
            let note = Some(if accepted {
                "the citizen allows calls".to_string()
            } else {
                "the citizen declined calls".to_string()
            });
            self.tx.reports().append_timeline(
                report,
                TimelineKind::CallPermissionAnswered,
                Actor::Citizen,
                note,
                Some(message.id),
                self.now,
            )?;
            self.tx.reports().save(report)?;
            self.event(ReportEventKind::MessageAdded, report, Some(message.id));
        }
        self.tx.reporters().save(&reporter)
    }
}
