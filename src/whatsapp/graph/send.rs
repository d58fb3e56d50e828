//! Message requests: text, template, location and call-permission messages, and read receipts.

use serde_json::{Map, Value, json};

use super::GraphClient;
use super::errors::{GraphError, unexpected_json};
use crate::domain::ids::Wamid;
use crate::domain::phone::PhoneNumber;

/// Who a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// Sent as `"to": "+62…"`; the `+` keeps Meta from prepending our own country code.
    Phone(PhoneNumber),
    /// A business-scoped user id, sent as `"recipient": "<id>"`, for users whose phone number
    /// Meta withholds.
    Bsuid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingMessage {
    Text {
        body: String,
        /// The wamid to quote (`context.message_id`).
        reply_to: Option<String>,
    },
    /// A pre-approved template, the only thing allowed outside the 24-hour window.
    Template {
        name: String,
        /// `id` for Indonesian.
        language: String,
        body_parameters: Vec<String>,
        /// The parameters' names for a template with named parameters (Meta's
        /// `parameter_name`); empty for positional ones.
        parameter_names: Vec<String>,
    },
    /// Asks the citizen to share their position with one tap.
    LocationRequest { body: String },
    /// Asks permission for a business-initiated WhatsApp call.
    CallPermissionRequest { body: String },
    /// A question with up to three reply buttons: (id, title) each.
    Buttons {
        body: String,
        buttons: Vec<(String, String)>,
    },
    /// A question with a list of options behind one button labelled `button`.
    List {
        body: String,
        button: String,
        /// (id, title, description)
        rows: Vec<(String, String, Option<String>)>,
    },
    /// An image, document, audio or video uploaded beforehand (`upload_media`), by its id.
    Media {
        /// `image`, `document`, `audio` or `video`.
        kind: &'static str,
        media_id: String,
        /// Not for audio.
        caption: Option<String>,
        /// Documents only.
        file_name: Option<String>,
    },
}

/// Meta accepted the message; delivery is reported later through status webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    pub wamid: Wamid,
    /// `accepted` for paced templates; usually absent.
    pub message_status: Option<String>,
}

impl GraphClient {
    pub async fn send_message(
        &self,
        to: &Recipient,
        message: &OutgoingMessage,
        callback_data: Option<&str>,
    ) -> Result<SendReceipt, GraphError> {
        let body = message_request_body(to, message, callback_data);
        let url = self.graph_url(&[&self.phone_number_id, "messages"]);
        let (http_status, response) = self.post_json(url, &body).await?;
        let first_message = response
            .get("messages")
            .and_then(|messages| messages.get(0))
            .cloned()
            .unwrap_or(Value::Null);
        let wamid = first_message
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| Wamid::parse(id).ok());
        let Some(wamid) = wamid else {
            return Err(unexpected_json(http_status, &response, &self.access_token));
        };
        Ok(SendReceipt {
            wamid,
            message_status: first_message
                .get("message_status")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// Marks the inbound message (and, on the citizen's phone, every earlier one) as read.
    pub async fn mark_read(&self, wamid: &Wamid) -> Result<(), GraphError> {
        let body = mark_read_request_body(wamid);
        let url = self.graph_url(&[&self.phone_number_id, "messages"]);
        let (http_status, response) = self.post_json(url, &body).await?;
        if response.get("success").and_then(Value::as_bool) == Some(false) {
            return Err(unexpected_json(http_status, &response, &self.access_token));
        }
        Ok(())
    }
}

/// The JSON body of `POST /{phone-number-id}/messages` for one message.
pub(super) fn message_request_body(
    to: &Recipient,
    message: &OutgoingMessage,
    callback_data: Option<&str>,
) -> Value {
    let mut body = Map::new();
    body.insert("messaging_product".into(), json!("whatsapp"));
    body.insert("recipient_type".into(), json!("individual"));
    match to {
        Recipient::Phone(phone) => body.insert("to".into(), json!(phone.as_e164())),
        Recipient::Bsuid(bsuid) => body.insert("recipient".into(), json!(bsuid)),
    };
    match message {
        OutgoingMessage::Text {
            body: text,
            reply_to,
        } => {
            body.insert("type".into(), json!("text"));
            // Previews would fetch and render whatever link a reply happens to contain.
            body.insert("text".into(), json!({ "preview_url": false, "body": text }));
            if let Some(quoted_wamid) = reply_to {
                body.insert("context".into(), json!({ "message_id": quoted_wamid }));
            }
        }
        OutgoingMessage::Template {
            name,
            language,
            body_parameters,
            parameter_names,
        } => {
            let mut template = Map::new();
            template.insert("name".into(), json!(name));
            template.insert("language".into(), json!({ "code": language }));
            // Meta rejects an empty parameter list, and templates without variables need none.
            if !body_parameters.is_empty() {
                let parameters: Vec<Value> = body_parameters
                    .iter()
                    .enumerate()
                    .map(|(position, text)| match parameter_names.get(position) {
                        Some(name) => {
                            json!({ "type": "text", "parameter_name": name, "text": text })
                        }
                        None => json!({ "type": "text", "text": text }),
                    })
                    .collect();
                template.insert(
                    "components".into(),
                    json!([{ "type": "body", "parameters": parameters }]),
                );
            }
            body.insert("type".into(), json!("template"));
            body.insert("template".into(), Value::Object(template));
        }
        OutgoingMessage::LocationRequest { body: text } => {
            body.insert("type".into(), json!("interactive"));
            body.insert(
                "interactive".into(),
                json!({
                    "type": "location_request_message",
                    "body": { "text": text },
                    "action": { "name": "send_location" },
                }),
            );
        }
        OutgoingMessage::Buttons {
            body: text,
            buttons,
        } => {
            let buttons: Vec<Value> = buttons
                .iter()
                .map(
                    |(id, title)| json!({ "type": "reply", "reply": { "id": id, "title": title } }),
                )
                .collect();
            body.insert("type".into(), json!("interactive"));
            body.insert(
                "interactive".into(),
                json!({
                    "type": "button",
                    "body": { "text": text },
                    "action": { "buttons": buttons },
                }),
            );
        }
        OutgoingMessage::List {
            body: text,
            button,
            rows,
        } => {
            let rows: Vec<Value> = rows
                .iter()
                .map(|(id, title, description)| match description {
                    Some(description) => {
                        json!({ "id": id, "title": title, "description": description })
                    }
                    None => json!({ "id": id, "title": title }),
                })
                .collect();
            body.insert("type".into(), json!("interactive"));
            body.insert(
                "interactive".into(),
                json!({
                    "type": "list",
                    "body": { "text": text },
                    "action": { "button": button, "sections": [{ "title": button, "rows": rows }] },
                }),
            );
        }
        OutgoingMessage::CallPermissionRequest { body: text } => {
            body.insert("type".into(), json!("interactive"));
            body.insert(
                "interactive".into(),
                json!({
                    "type": "call_permission_request",
                    "body": { "text": text },
                    "action": { "name": "call_permission_request" },
                }),
            );
        }
        OutgoingMessage::Media {
            kind,
            media_id,
            caption,
            file_name,
        } => {
            let mut object = Map::new();
            object.insert("id".into(), json!(media_id));
            if let Some(caption) = caption {
                object.insert("caption".into(), json!(caption));
            }
            if let (Some(file_name), "document") = (file_name, *kind) {
                object.insert("filename".into(), json!(file_name));
            }
            body.insert("type".into(), json!(kind));
            body.insert((*kind).into(), Value::Object(object));
        }
    }
    if let Some(callback_data) = callback_data {
        body.insert("biz_opaque_callback_data".into(), json!(callback_data));
    }
    Value::Object(body)
}

pub(super) fn mark_read_request_body(wamid: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": wamid,
    })
}
