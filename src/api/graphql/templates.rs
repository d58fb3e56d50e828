//! WhatsApp message templates: `templates`, `templateSync` and `templatePurposes` (admins and
//! supervisors), `refreshTemplates` (admins and supervisors) and `setTemplateForPurpose`
//! (admins). Thin: the rules are in `workflow::templates`, the list from Meta in
//! `whatsapp::templates`.

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{IntoGraphql, principal, services};
use crate::domain::templates::{
    MessageTemplate, ReportValue, TemplateCatalogue, TemplatePurpose as Purpose,
};
use crate::error::UserError;
use crate::workflow::templates::{CITIZEN_LANGUAGE, MappingSource, PurposeState};

/// What a template is sent for.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(
    name = "TemplatePurpose",
    remote = "crate::domain::templates::TemplatePurpose"
)]
pub enum TemplatePurpose {
    /// In place of an operator's reply or an automatic text once the 24-hour window closed.
    OutsideWindow,
    /// The notice that a report was forwarded to a unit.
    Forwarded,
    /// The notice that a report was resolved.
    Resolved,
    /// The satisfaction question after a report is resolved.
    Satisfaction,
}

/// Where a purpose's template was chosen.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "TemplateMappingSource")]
pub enum TemplateMappingSource {
    /// `setTemplateForPurpose`, which wins.
    Stored,
    /// The config file or the profile (`[replies]`).
    Config,
}

/// One body parameter of a template, and the report value that fills it.
#[derive(SimpleObject)]
pub struct TemplateParameter {
    /// 1 for the first parameter in sending order.
    pub position: i32,
    /// The name, for a template with named parameters.
    pub name: Option<String>,
    /// `ticket`, `unit`, `status` or `reporter name`; null when no report value fills it
    /// (such a template cannot be mapped to a purpose).
    pub fills_with: Option<String>,
}

/// A message template of the WhatsApp Business Account, as Meta last listed it.
#[derive(SimpleObject)]
#[graphql(name = "MessageTemplate")]
pub struct MessageTemplateView {
    pub name: String,
    /// Meta's language code: `id`, `en_US`.
    pub language: String,
    /// `UTILITY`, `MARKETING`, `AUTHENTICATION`.
    pub category: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`…; only APPROVED can be sent.
    pub status: String,
    /// The body with its `{{…}}` placeholders.
    pub body_text: Option<String>,
    pub parameter_count: i32,
    /// The parameters' names for a template with named parameters; empty otherwise.
    pub parameter_names: Vec<String>,
    pub body_parameters: Vec<TemplateParameter>,
    /// Approved and every parameter fillable from a report: it can be mapped to a purpose.
    pub sendable: bool,
}

impl From<&MessageTemplate> for MessageTemplateView {
    fn from(template: &MessageTemplate) -> MessageTemplateView {
        let body_parameters = template
            .parameters
            .iter()
            .enumerate()
            .map(|(index, parameter)| TemplateParameter {
                position: index as i32 + 1,
                name: template.named_parameters.then(|| parameter.clone()),
                fills_with: ReportValue::for_parameter(parameter)
                    .map(|value| value.describe().to_string()),
            })
            .collect();
        MessageTemplateView {
            name: template.name.clone(),
            language: template.language.clone(),
            category: template.category.clone(),
            status: template.status.clone(),
            body_text: template.body_text.clone(),
            parameter_count: template.parameters.len() as i32,
            parameter_names: if template.named_parameters {
                template.parameters.clone()
            } else {
                Vec::new()
            },
            body_parameters,
            sendable: template.can_be_sent(),
        }
    }
}

/// The cached template list and how its last refresh went.
#[derive(SimpleObject)]
pub struct TemplateSync {
    /// Whether the list can be read from Meta at all (an access token and
    /// `wa-business-account-id` are set).
    pub configured: bool,
    /// When the list was last read from Meta in full; null before the first success.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// When a refresh was last tried.
    pub attempted_at: Option<DateTime<Utc>>,
    /// Why the last refresh failed (the cached list stays); null when it succeeded.
    pub last_error: Option<String>,
    pub templates: Vec<MessageTemplateView>,
}

fn sync_view(catalogue: &TemplateCatalogue, configured: bool) -> TemplateSync {
    TemplateSync {
        configured,
        refreshed_at: catalogue.refreshed_at,
        attempted_at: catalogue.attempted_at,
        last_error: catalogue.last_error.clone(),
        templates: catalogue
            .templates
            .iter()
            .map(MessageTemplateView::from)
            .collect(),
    }
}

/// A purpose and the template it goes out as.
#[derive(SimpleObject)]
pub struct TemplatePurposeMapping {
    pub purpose: TemplatePurpose,
    /// The template's name; null when no template is mapped (the message is then not sent
    /// outside the window, or for a notice, the OUTSIDE_WINDOW template is used).
    pub name: Option<String>,
    pub language: Option<String>,
    pub source: Option<TemplateMappingSource>,
    /// The template as Meta last listed it; null when the cached list does not have it.
    pub template: Option<MessageTemplateView>,
    /// Who stored the mapping, and when.
    pub set_by: Option<String>,
    pub set_at: Option<DateTime<Utc>>,
}

impl From<PurposeState> for TemplatePurposeMapping {
    fn from(state: PurposeState) -> TemplatePurposeMapping {
        let chosen = state.chosen;
        TemplatePurposeMapping {
            purpose: state.purpose.into(),
            name: chosen.as_ref().map(|chosen| chosen.name.clone()),
            language: chosen.as_ref().map(|chosen| chosen.language.clone()),
            source: chosen.as_ref().map(|chosen| match chosen.source {
                MappingSource::Stored => TemplateMappingSource::Stored,
                MappingSource::Config => TemplateMappingSource::Config,
            }),
            template: chosen
                .as_ref()
                .and_then(|chosen| chosen.definition.as_ref())
                .map(MessageTemplateView::from),
            set_by: state.set_by.as_ref().map(|(by, _)| by.clone()),
            set_at: state.set_by.map(|(_, at)| at),
        }
    }
}

#[derive(Default)]
pub struct TemplateQuery;

#[Object(name = "TemplateQuery")]
impl TemplateQuery {
    /// Admins and supervisors: the WhatsApp Business Account's message templates, from the
    /// cache (kept in the store, refreshed hourly). `refresh: true` reads them from Meta
    /// first; if Meta cannot be reached the cached list is returned and `templateSync` says
    /// why and when the list was last refreshed. `status` and `language` filter the list.
    /// `channel` (a phone number id) lists the templates of that number's WhatsApp Business
    /// Account; without it, the default number's.
    async fn templates(
        &self,
        ctx: &Context<'_>,
        refresh: Option<bool>,
        status: Option<String>,
        language: Option<String>,
        channel: Option<String>,
    ) -> async_graphql::Result<Vec<MessageTemplateView>> {
        let who = principal(ctx)?;
        let services = services(ctx)?;
        let channel = channel.as_deref();
        let mut catalogue = services.workflow.templates_on(who, channel).gql()?;
        if refresh == Some(true) {
            // Every account's list is read; the one asked for is then read from the store.
            services
                .templates
                .refresh()
                .await
                .map_err(UserError::from)
                .gql()?;
            catalogue = services.workflow.templates_on(who, channel).gql()?;
        }
        let status = status.map(|status| status.trim().to_ascii_uppercase());
        Ok(catalogue
            .templates
            .iter()
            .filter(|template| {
                status
                    .as_ref()
                    .is_none_or(|status| &template.status == status)
            })
            .filter(|template| {
                language
                    .as_ref()
                    .is_none_or(|language| template.language == language.trim())
            })
            .map(MessageTemplateView::from)
            .collect())
    }

    /// Admins and supervisors: the cached list and how its last refresh went.
    async fn template_sync(&self, ctx: &Context<'_>) -> async_graphql::Result<TemplateSync> {
        let who = principal(ctx)?;
        let services = services(ctx)?;
        let catalogue = services.workflow.templates(who).gql()?;
        Ok(sync_view(&catalogue, services.templates.configured()))
    }

    /// Admins and supervisors: every purpose and the template it goes out as (the stored
    /// mapping wins over the config file's).
    async fn template_purposes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<TemplatePurposeMapping>> {
        let who = principal(ctx)?;
        let states = services(ctx)?.workflow.template_purposes(who).gql()?;
        Ok(states
            .into_iter()
            .map(TemplatePurposeMapping::from)
            .collect())
    }
}

#[derive(Default)]
pub struct TemplateMutation;

#[Object(name = "TemplateMutation")]
impl TemplateMutation {
    /// Admins and supervisors: reads the template list from Meta now. A failure keeps the
    /// cached list and is returned in `lastError`.
    async fn refresh_templates(&self, ctx: &Context<'_>) -> async_graphql::Result<TemplateSync> {
        let who = principal(ctx)?;
        let services = services(ctx)?;
        services.workflow.templates(who).gql()?;
        let catalogue = services
            .templates
            .refresh()
            .await
            .map_err(UserError::from)
            .gql()?;
        Ok(sync_view(&catalogue, services.templates.configured()))
    }

    /// Admins: `purpose` goes out as the template `name` in `language` (default `id`) from
    /// now on; without `name`, the stored mapping is cleared and the config file's applies
    /// again. BAD_USER_INPUT for a template not in the cached list, not APPROVED, or with a
    /// parameter no report value fills. Audited.
    async fn set_template_for_purpose(
        &self,
        ctx: &Context<'_>,
        purpose: TemplatePurpose,
        name: Option<String>,
        language: Option<String>,
    ) -> async_graphql::Result<TemplatePurposeMapping> {
        let who = principal(ctx)?;
        let template = name.map(|name| {
            let language = language.unwrap_or_else(|| CITIZEN_LANGUAGE.to_string());
            (name, language)
        });
        let state = services(ctx)?
            .workflow
            .set_template_for_purpose(who, Purpose::from(purpose), template)
            .await
            .gql()?;
        Ok(TemplatePurposeMapping::from(state))
    }
}
