//! One Graph client per business number, each with its number id and token: replies,
//! notices, templates, uploads and read receipts go out from the number of their report.

use std::collections::HashMap;
use std::sync::Arc;

use super::graph::{GraphClient, GraphError, GraphSettings};
use crate::config::WhatsAppConfig;

/// The Graph clients of every configured number, the first being the default.
#[derive(Debug)]
pub struct NumberClients {
    default_number: String,
    clients: HashMap<String, GraphClient>,
    order: Vec<String>,
}

impl NumberClients {
    /// `None` in sandbox mode (no token at all).
    pub fn from_config(
        whatsapp: &WhatsAppConfig,
    ) -> Result<Option<Arc<NumberClients>>, GraphError> {
        let Some(first) = whatsapp.numbers.first() else {
            return Ok(None);
        };
        let Some(first_token) = first.access_token.clone() else {
            return Ok(None);
        };
        let base = GraphClient::new(GraphSettings {
            base_url: whatsapp.graph_url.clone(),
            api_version: whatsapp.api_version.clone(),
            phone_number_id: first.phone_number_id.clone(),
            access_token: first_token,
            request_timeout: whatsapp.request_timeout,
        })?;
        let mut clients = HashMap::with_capacity(whatsapp.numbers.len());
        let mut order = Vec::with_capacity(whatsapp.numbers.len());
        for number in &whatsapp.numbers {
            let Some(token) = &number.access_token else {
                return Err(GraphError::InvalidSettings(format!(
                    "number {} has no access token",
                    number.phone_number_id
                )));
            };
            clients.insert(
                number.phone_number_id.clone(),
                base.for_number(&number.phone_number_id, token)?,
            );
            order.push(number.phone_number_id.clone());
        }
        Ok(Some(Arc::new(NumberClients {
            default_number: first.phone_number_id.clone(),
            clients,
            order,
        })))
    }

    /// The client of `channel`; the default number's for a record without one, or for a
    /// number no longer configured (its replies still reach the citizen).
    pub fn client(&self, channel: Option<&str>) -> &GraphClient {
        if let Some(channel) = channel
            && let Some(client) = self.clients.get(channel)
        {
            return client;
        }
        if let Some(channel) = channel {
            tracing::warn!(
                channel,
                "a send's number is no longer configured: it goes out from the default number"
            );
        }
        &self.clients[&self.default_number]
    }

    pub fn default_client(&self) -> &GraphClient {
        &self.clients[&self.default_number]
    }

    /// Every number's client, in the configured order.
    pub fn all(&self) -> impl Iterator<Item = &GraphClient> {
        self.order.iter().filter_map(|id| self.clients.get(id))
    }
}
