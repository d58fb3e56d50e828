//! Which template goes out for a purpose, and its body filled from the report. The one lookup
//! every sender uses (re-exported as `workflow::templates::template_for`): an admin's mapping
//! (`setTemplateForPurpose`, stored) wins over the config file's (`[replies]`), and the cached
//! list from Meta says which parameters the template's body has.

use crate::domain::message::OutboundContent;
use crate::domain::report::Report;
use crate::domain::templates::{
    MessageTemplate, ReportValues, TemplatePurpose, status_for_citizen,
};
use crate::ledger::Ledger;
use crate::profile::{ReplyTexts, TemplateRef};
use crate::store::StoreError;

/// Where a purpose's template was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingSource {
    /// `setTemplateForPurpose`.
    Stored,
    /// The config file or the profile (`[replies]`).
    Config,
}

/// The template chosen for a purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenTemplate {
    pub purpose: TemplatePurpose,
    pub name: String,
    pub language: String,
    pub source: MappingSource,
    /// Its entry in the cached list; none when the list does not have it (not refreshed yet,
    /// or a config-file name Meta does not know).
    pub definition: Option<MessageTemplate>,
}

impl ChosenTemplate {
    pub fn reference(&self) -> TemplateRef {
        TemplateRef {
            name: self.name.clone(),
            language: self.language.clone(),
        }
    }
}

/// The config file's (or profile's) template for a purpose.
pub fn configured_template(replies: &ReplyTexts, purpose: TemplatePurpose) -> Option<&TemplateRef> {
    match purpose {
        TemplatePurpose::OutsideWindow => replies.fallback_template.as_ref(),
        TemplatePurpose::Forwarded => replies.forwarded_template.as_ref(),
        TemplatePurpose::Resolved => replies.resolved_template.as_ref(),
        TemplatePurpose::Satisfaction => replies.satisfaction_template.as_ref(),
    }
}

/// The template for `purpose`: the stored mapping, else the config file's, else none; its
/// definition from the default number's account.
pub fn template_for<L: Ledger>(
    at: &L,
    replies: &ReplyTexts,
    purpose: TemplatePurpose,
) -> Result<Option<ChosenTemplate>, StoreError> {
    template_for_account(at, replies, purpose, None)
}

/// `template_for`, with the definition from the template list of `account` (the business
/// account of the report's number; `None`: the default number's, see
/// `ChannelDirectory::template_account`).
pub fn template_for_account<L: Ledger>(
    at: &L,
    replies: &ReplyTexts,
    purpose: TemplatePurpose,
    account: Option<&str>,
) -> Result<Option<ChosenTemplate>, StoreError> {
    let (name, language, source) = match at.templates().mapping(purpose)? {
        Some(mapping) => (mapping.name, mapping.language, MappingSource::Stored),
        None => match configured_template(replies, purpose) {
            Some(configured) => (
                configured.name.clone(),
                configured.language.clone(),
                MappingSource::Config,
            ),
            None => return Ok(None),
        },
    };
    let definition = at
        .templates()
        .catalogue_of(account)?
        .find(&name, &language)
        .cloned();
    Ok(Some(ChosenTemplate {
        purpose,
        name,
        language,
        source,
        definition,
    }))
}

/// The values of `report` that fill a template's body (see `domain::templates`).
pub fn report_values<L: Ledger>(
    at: &L,
    replies: &ReplyTexts,
    report: &Report,
) -> Result<ReportValues, StoreError> {
    let unit = match &report.assigned_unit {
        Some(code) => at.units().get(code.as_str())?.map(|unit| unit.name),
        None => None,
    };
    let reporter_name = at
        .reporters()
        .get(report.reporter_id)?
        .and_then(|reporter| reporter.name)
        .filter(|name| !name.trim().is_empty());
    Ok(ReportValues {
        ticket: report.ticket.to_string(),
        unit: unit.unwrap_or_else(|| replies.command_center_name.clone()),
        status: status_for_citizen(report.status).to_string(),
        reporter_name: reporter_name.unwrap_or_else(|| replies.unknown_reporter_name.clone()),
    })
}

/// The template message for `report`, its body parameters filled from the report. Without the
/// template's definition in the cached list, its one parameter is taken to be the ticket (how
/// the config file's fallback template always worked). None when the cached list says Meta
/// would refuse the send: the template is no longer APPROVED (paused, disabled), or it has a
/// parameter no report value fills.
pub fn template_message<L: Ledger>(
    at: &L,
    replies: &ReplyTexts,
    chosen: &ChosenTemplate,
    report: &Report,
) -> Result<Option<OutboundContent>, StoreError> {
    let (parameters, parameter_names) = match &chosen.definition {
        Some(definition) if !definition.is_approved() => return Ok(None),
        Some(definition) => {
            let values = report_values(at, replies, report)?;
            let Some(parameters) = values.fill(definition) else {
                return Ok(None);
            };
            let names = if definition.named_parameters {
                definition.parameters.clone()
            } else {
                Vec::new()
            };
            (parameters, names)
        }
        None => (vec![report.ticket.to_string()], Vec::new()),
    };
    Ok(Some(OutboundContent::Template {
        name: chosen.name.clone(),
        language: chosen.language.clone(),
        parameters,
        parameter_names,
    }))
}
