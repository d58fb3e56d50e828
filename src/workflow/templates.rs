//! WhatsApp templates in the help desk: the cached list for admins and supervisors, the
//! purposes admins map templates to (`setTemplateForPurpose`, audited), and the CONFLICT of a
//! reply refused outside the 24-hour window, which lists the templates that would fit.
//!
//! The lookup every sender uses is `template_for` (defined beside intake, which sends
//! templates too, and re-exported here): the stored mapping wins over the config file's.
//! Reading the list from Meta is `whatsapp::templates`.

use chrono::Utc;
use serde_json::json;

use super::permissions::{Action, require_role};
use super::{Committed, Workflow, refuse};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::templates::{
    MAX_FILLABLE_PARAMETERS, MessageTemplate, PurposeMapping, TemplateCatalogue, TemplatePurpose,
};
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::{StoreError, Tx, TxError};

pub use crate::intake::templates::{
    ChosenTemplate, MappingSource, configured_template, report_values, template_for,
    template_message,
};

/// The language citizens are written to in, and so the one a template offered in place of a
/// reply must have.
pub const CITIZEN_LANGUAGE: &str = "id";

/// A purpose and the template it is mapped to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurposeState {
    pub purpose: TemplatePurpose,
    pub chosen: Option<ChosenTemplate>,
    /// Who set the stored mapping, and when.
    pub set_by: Option<(String, chrono::DateTime<Utc>)>,
}

impl Workflow {
    /// The cached template list and how its last refresh went; admins and supervisors.
    pub fn templates(&self, who: &Principal) -> Result<TemplateCatalogue, UserError> {
        require_role(who, Action::ViewTemplates)?;
        Ok(self.store().templates().catalogue()?)
    }

    /// The cached template list of the business account the number `channel` (a phone number
    /// id) sends from; `None`: the default number's. Admins and supervisors. BAD_USER_INPUT
    /// for an id that is not a configured number.
    pub fn templates_on(
        &self,
        who: &Principal,
        channel: Option<&str>,
    ) -> Result<TemplateCatalogue, UserError> {
        require_role(who, Action::ViewTemplates)?;
        let channels = self.channels();
        let (channel, _) = channels.filter_channel(channel)?;
        if let Some(id) = &channel
            && channels.get(id).is_none()
        {
            return Err(UserError::bad_input(format!(
                "channel {id} is not a configured number (see channels)"
            )));
        }
        let account = channels.template_account(channel.as_deref());
        Ok(self.store().templates().catalogue_of(account)?)
    }

    /// Every purpose with its template; admins and supervisors.
    pub fn template_purposes(&self, who: &Principal) -> Result<Vec<PurposeState>, UserError> {
        require_role(who, Action::ViewTemplates)?;
        let store = self.store();
        let mut states = Vec::new();
        for purpose in TemplatePurpose::ALL {
            states.push(purpose_state(store, &self.intake.replies, purpose)?);
        }
        Ok(states)
    }

    /// Admins: `purpose` goes out as the template `name` in `language` from now on, or, with
    /// no name, as the config file's again. The template must be in the cached list, APPROVED,
    /// and have only parameters a report fills (`domain::templates`). Audited.
    pub async fn set_template_for_purpose(
        &self,
        who: &Principal,
        purpose: TemplatePurpose,
        template: Option<(String, String)>,
    ) -> Result<PurposeState, UserError> {
        require_role(who, Action::MapTemplates)?;
        let template = match template {
            Some((name, language)) => {
                let name = name.trim().to_string();
                let language = language.trim().to_string();
                if name.is_empty() || language.is_empty() {
                    return Err(UserError::bad_input(
                        "a template needs a name and a language; leave the name out to clear the purpose",
                    ));
                }
                Some((name, language))
            }
            None => None,
        };
        let username = who.username.clone();
        self.commit(move |this, tx| {
            let detail = match &template {
                Some((name, language)) => {
                    let catalogue = tx.templates().catalogue()?;
                    let found = catalogue.find(name, language);
                    check_mappable(purpose, name, language, found).map_err(TxError::Abort)?;
                    tx.templates().save_mapping(&PurposeMapping {
                        purpose,
                        name: name.clone(),
                        language: language.clone(),
                        set_by: username.clone(),
                        set_at: Utc::now(),
                    })?;
                    format!("{} -> {name} ({language})", purpose.as_str())
                }
                None => {
                    if tx.templates().mapping(purpose)?.is_none() {
                        return refuse(UserError::not_found(&format!(
                            "a stored template for {}",
                            purpose.as_str()
                        )));
                    }
                    tx.templates().clear_mapping(purpose)?;
                    format!("{} cleared", purpose.as_str())
                }
            };
            let entry = AuditEntry::new(AuditAction::TemplateMapping, Some(&username))
                .subject(purpose.as_str())
                .detail(detail);
            tx.audit_log().append(entry)?;
            let state = purpose_state(tx, &this.intake.replies, purpose)?;
            Ok(Committed::new(state))
        })
        .await
    }
}

fn purpose_state<L: Ledger>(
    at: &L,
    replies: &crate::profile::ReplyTexts,
    purpose: TemplatePurpose,
) -> Result<PurposeState, StoreError> {
    let set_by = at
        .templates()
        .mapping(purpose)?
        .map(|mapping| (mapping.set_by, mapping.set_at));
    Ok(PurposeState {
        purpose,
        chosen: template_for(at, replies, purpose)?,
        set_by,
    })
}

/// BAD_USER_INPUT unless the template is listed, approved and fillable from a report.
fn check_mappable(
    purpose: TemplatePurpose,
    name: &str,
    language: &str,
    found: Option<&MessageTemplate>,
) -> Result<(), UserError> {
    let Some(template) = found else {
        return Err(UserError::bad_input(format!(
            "template {name:?} in language {language:?} is not in the cached template list; refresh the list (refreshTemplates) or check the name and language"
        )));
    };
    if !template.is_approved() {
        return Err(UserError::bad_input(format!(
            "template {name:?} ({language}) is {}, not APPROVED: Meta would refuse to send it for {}",
            template.status,
            purpose.as_str()
        )));
    }
    let unfillable = template.unfillable_parameters();
    if !unfillable.is_empty() {
        return Err(UserError::bad_input(format!(
            "template {name:?} ({language}) has parameters no report value fills: {}; a template may use {{{{1}}}} to {{{{{MAX_FILLABLE_PARAMETERS}}}}} (ticket, unit, status, reporter name) or the names ticket, unit, status, nama",
            unfillable.join(", ")
        )));
    }
    Ok(())
}

/// The CONFLICT of a reply that cannot go out: the window is closed and no template is mapped
/// to OUTSIDE_WINDOW (or it cannot be filled). Its message and `extensions.templates` list the
/// approved templates in the citizen's language whose parameters a report fills.
pub(super) fn no_template_refusal(tx: &Tx<'_>, closed: &str) -> Result<UserError, StoreError> {
    let catalogue = tx.templates().catalogue()?;
    let fitting = catalogue.sendable_in(CITIZEN_LANGUAGE);
    let offer = if fitting.is_empty() {
        "no approved template in the cached list fits either".to_string()
    } else {
        let names: Vec<String> = fitting
            .iter()
            .map(|template| {
                format!(
                    "{} ({}, {} parameters)",
                    template.name,
                    template.language,
                    template.parameters.len()
                )
            })
            .collect();
        format!(
            "approved templates that fit: {}; an admin can map one with setTemplateForPurpose(OUTSIDE_WINDOW, …)",
            names.join(", ")
        )
    };
    let listed: Vec<serde_json::Value> = fitting
        .iter()
        .map(|template| {
            json!({
                "name": template.name,
                "language": template.language,
                "category": template.category,
                "parameterCount": template.parameters.len(),
                "bodyText": template.body_text,
            })
        })
        .collect();
    Ok(UserError::conflict(format!(
        "a reply cannot go out: {closed}, and no template configured to send instead: nothing was sent; it can once the citizen writes again; {offer}"
    ))
    .with_detail("templates", serde_json::Value::Array(listed)))
}
