//! The WhatsApp Business Account's message templates: `GET /{waba-id}/message_templates`,
//! followed page by page through `paging.cursors.after` while Meta says there is a `next` page.
//!
//! The call takes the account id and the token as arguments (not the client's phone number and
//! token), so that one client can list the templates of any account a number belongs to.

use serde::Deserialize;

use super::GraphClient;
use super::errors::{GraphError, classify_reqwest_error, unexpected_json};
use crate::domain::templates::MessageTemplate;

/// Templates asked for per page (Meta's largest page is 100 or more; 100 is always accepted).
const PAGE_SIZE: &str = "100";

/// A bound on the pages followed, so that a proxy answering `next` forever cannot keep the
/// refresh running: 50 pages of 100 is far more than Meta's limit of templates per account.
const MAX_PAGES: usize = 50;

/// Which account's templates, read with which token.
#[derive(Clone)]
pub struct TemplateAccount {
    pub business_account_id: String,
    /// The client's own token when none.
    pub access_token: Option<String>,
}

impl std::fmt::Debug for TemplateAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateAccount")
            .field("business_account_id", &self.business_account_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TemplatePage {
    #[serde(default)]
    data: Vec<TemplateEntry>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    cursors: Option<Cursors>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

#[derive(Deserialize)]
struct TemplateEntry {
    name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

impl TemplateEntry {
    fn into_template(self) -> MessageTemplate {
        let body_text = self
            .components
            .into_iter()
            .find(|component| component.kind.eq_ignore_ascii_case("BODY"))
            .and_then(|component| component.text);
        MessageTemplate::new(
            self.name,
            self.language,
            self.category,
            self.status.to_ascii_uppercase(),
            body_text,
        )
    }
}

impl GraphClient {
    /// Every template of the account, in Meta's order, all pages read.
    pub async fn list_message_templates(
        &self,
        account: &TemplateAccount,
    ) -> Result<Vec<MessageTemplate>, GraphError> {
        let token = account
            .access_token
            .as_deref()
            .unwrap_or(&self.access_token);
        let mut templates = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = self.graph_url(&[&account.business_account_id, "message_templates"]);
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("fields", "name,status,category,language,components");
                query.append_pair("limit", PAGE_SIZE);
                if let Some(cursor) = &after {
                    query.append_pair("after", cursor);
                }
            }
            let response = self
                .http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .map_err(classify_reqwest_error)?;
            let (http_status, body) = self.read_api_response(response).await?;
            let page: TemplatePage = serde_json::from_value(body.clone())
                .map_err(|_| unexpected_json(http_status, &body, token))?;
            templates.extend(page.data.into_iter().map(TemplateEntry::into_template));
            let next_cursor = page.paging.and_then(|paging| match paging.next {
                Some(_) => paging.cursors.and_then(|cursors| cursors.after),
                None => None,
            });
            match next_cursor {
                Some(cursor) if Some(&cursor) != after.as_ref() => after = Some(cursor),
                _ => return Ok(templates),
            }
        }
        Err(GraphError::UnexpectedResponse {
            http_status: 200,
            body_snippet: format!("message_templates still had a next page after {MAX_PAGES}"),
        })
    }
}
