//! The mock's template list, `GET /{ver}/{waba_id}/message_templates`, in Meta's shape: `data`
//! of templates (name, language, category, status, `parameter_format`, components with a
//! HEADER, a BODY whose text has `{{1}}`… or named parameters with their examples, a FOOTER),
//! paged with `paging.cursors.after` and a `next` link while more remain. Only with a bearer
//! token; a scripted number of listings fail as Meta does when it is unavailable.

use serde_json::{Value, json};

use super::media::refuse_without_bearer;
use super::{MockGraph, PlannedResponse, Shared, graph_error, lock};

impl MockGraph {
    /// Adds a template to the account's list, in Meta's shape. A body with `{{name}}`
    /// placeholders makes it a NAMED template.
    pub fn add_template(
        &self,
        name: &str,
        language: &str,
        category: &str,
        status: &str,
        body: &str,
    ) {
        let mut state = self.state();
        let id = 900_000 + state.templates.len();
        state
            .templates
            .push(meta_template(id, name, language, category, status, body));
    }

    /// Templates per page, whatever `limit` the client asks for (to make it follow pages).
    pub fn set_template_page_size(&self, size: usize) {
        self.state().template_page_size = Some(size.max(1));
    }

    /// The next `times` template listings answer 503 with Meta's "service unavailable".
    pub fn fail_template_listings(&self, times: u32) {
        self.state().template_failures_left = times;
    }

    /// The template listings received, with their query strings.
    pub fn template_listings(&self) -> Vec<Option<String>> {
        self.requests()
            .into_iter()
            .filter(|request| {
                request.method == "GET" && request.path.ends_with("/message_templates")
            })
            .map(|request| request.query)
            .collect()
    }
}

fn meta_template(
    id: usize,
    name: &str,
    language: &str,
    category: &str,
    status: &str,
    body: &str,
) -> Value {
    let placeholders: Vec<&str> = body
        .split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}").map(|(inside, _)| inside.trim()))
        .collect();
    let named = placeholders
        .iter()
        .any(|inside| !inside.chars().all(|c| c.is_ascii_digit()));
    let example = if named {
        let params: Vec<Value> = placeholders
            .iter()
            .map(|name| json!({ "param_name": name, "example": format!("contoh {name}") }))
            .collect();
        json!({ "body_text_named_params": params })
    } else {
        let values: Vec<Value> = placeholders
            .iter()
            .map(|position| json!(format!("contoh {position}")))
            .collect();
        json!({ "body_text": [values] })
    };
    let mut body_component = json!({ "type": "BODY", "text": body });
    if !placeholders.is_empty() {
        body_component["example"] = example;
    }
    json!({
        "name": name,
        "parameter_format": if named { "NAMED" } else { "POSITIONAL" },
        "components": [
            { "type": "HEADER", "format": "TEXT", "text": "Polda Sumsel" },
            body_component,
            { "type": "FOOTER", "text": "Balas pesan ini untuk menambah keterangan" },
        ],
        "language": language,
        "status": status,
        "category": category,
        "id": id.to_string(),
    })
}

pub(super) fn plan(
    shared: &Shared,
    waba_id: &str,
    query: Option<&str>,
    authorization: Option<&str>,
) -> PlannedResponse {
    if let Some(refusal) = refuse_without_bearer(authorization) {
        return refusal;
    }
    let mut state = lock(shared);
    if state.template_failures_left > 0 {
        state.template_failures_left -= 1;
        return PlannedResponse::json(503, graph_error(2, "Service temporarily unavailable"));
    }
    let parameter = |key: &str| {
        query
            .into_iter()
            .flat_map(|query| query.split('&'))
            .find_map(|pair| {
                pair.split_once('=')
                    .filter(|(name, _)| *name == key)
                    .map(|(_, value)| value.to_string())
            })
    };
    let limit = parameter("limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .unwrap_or(25);
    let page_size = state.template_page_size.unwrap_or(limit).max(1);
    let start = parameter("after")
        .and_then(|cursor| cursor.strip_prefix("cursor-").map(str::to_string))
        .and_then(|index| index.parse::<usize>().ok())
        .unwrap_or(0);
    let end = (start + page_size).min(state.templates.len());
    let data: Vec<Value> = state.templates.get(start..end).unwrap_or_default().to_vec();
    let mut paging = json!({
        "cursors": { "before": format!("cursor-{start}"), "after": format!("cursor-{end}") }
    });
    if end < state.templates.len() {
        paging["next"] = json!(format!(
            "{}/v25.0/{waba_id}/message_templates?limit={page_size}&after=cursor-{end}",
            shared.url
        ));
    }
    PlannedResponse::json(200, json!({ "data": data, "paging": paging }))
}
