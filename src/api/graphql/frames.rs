//! Subscription items written straight to the socket. async-graphql's WebSocket runs the
//! protocol (init, subscribe, complete, ping, errors), but a `reportEvents` subscription on our
//! socket does not hand each event back through it: the dispatcher (`hub.rs`) serialises the
//! event's response once per (visibility class, document), and each subscriber's frame is its
//! own head (`{"type":"next","id":<id>,"payload":`) spliced before those shared bytes. The
//! frames go through a bounded queue per connection that the socket's writer task drains
//! (`frame_queue.rs`, `socket.rs`).
//!
//! The socket learns a subscription's id from the client's own `subscribe` message and hands
//! it to the resolver as request data (`SubscriptionId`), through the request's extensions
//! (always overwritten with the message's own id, so a client cannot name another one).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use async_graphql::http::WebSocketProtocols;
use async_graphql::parser::types::Field;
use async_graphql::{
    Data, Executor, Name, OutputType, Positioned, QueryEnv, QueryPathNode, QueryPathSegment,
    Request, Response, SchemaEnv, Value,
};
use axum::body::Bytes;
use futures_util::stream::BoxStream;

use super::SiagaSchema;
use super::frame_queue::FrameSender;

/// The request extension the socket puts a subscription's id in.
const SUBSCRIPTION_ID_EXTENSION: &str = "siaga.subscriptionId";

/// Items queued per connection, at most; a subscription whose socket does not keep up loses
/// its frames and gets RESYNC once there is room (`frame_queue.rs`) instead of growing the
/// queue.
pub(crate) const FRAMES_QUEUED: usize = 256;

/// The id the client gave the subscription being resolved, and the protocol of its socket.
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionId(pub String);

/// One subscription item, ready to write: the subscriber's head, then the shared response.
pub(crate) struct Frame {
    head: Arc<str>,
    body: Arc<str>,
    /// When the bus event was published, for the fan-out histogram.
    pub published_at: Option<Instant>,
    /// Cleared when the subscription ends (the client completed it, or reused its id): a frame
    /// still queued then is not written.
    alive: Arc<AtomicBool>,
}

impl Frame {
    /// The frame's text, or `None` once its subscription has ended.
    pub fn text(&self) -> Option<String> {
        if !self.alive.load(Ordering::Acquire) {
            return None;
        }
        let mut text = String::with_capacity(self.head.len() + self.body.len() + 1);
        text.push_str(&self.head);
        text.push_str(&self.body);
        text.push('}');
        Some(text)
    }
}

/// `{"type":"next","id":<id>,"payload":` (graphql-transport-ws) or with `"data"` (the legacy
/// graphql-ws): what async-graphql writes before a response, byte for byte.
fn head_of(protocol: WebSocketProtocols, id: &str) -> Arc<str> {
    let kind = match protocol {
        WebSocketProtocols::GraphQLWS => "next",
        WebSocketProtocols::SubscriptionsTransportWS => "data",
    };
    let id = serde_json::to_string(id).unwrap_or_else(|_| "\"\"".to_string());
    format!("{{\"type\":\"{kind}\",\"id\":{id},\"payload\":").into()
}

/// A client message with its subscription's id put in the request's extensions, when it is a
/// `subscribe` (`start` in graphql-ws); any other message, or one that does not parse, as it
/// came (async-graphql answers those).
pub(crate) fn tag_subscription(message: Bytes) -> Bytes {
    let Ok(mut parsed) = serde_json::from_slice::<serde_json::Value>(&message) else {
        return message;
    };
    let kind = parsed.get("type").and_then(serde_json::Value::as_str);
    if !matches!(kind, Some("subscribe" | "start")) {
        return message;
    }
    let Some(id) = parsed.get("id").and_then(serde_json::Value::as_str) else {
        return message;
    };
    let id = serde_json::Value::String(id.to_string());
    let Some(payload) = parsed
        .get_mut("payload")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return message;
    };
    let extensions = payload
        .entry("extensions")
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    if extensions.is_null() {
        *extensions = serde_json::Value::Object(serde_json::Map::new());
    }
    let Some(extensions) = extensions.as_object_mut() else {
        return message;
    };
    extensions.insert(SUBSCRIPTION_ID_EXTENSION.to_string(), id);
    serde_json::to_vec(&parsed).map_or(message, Bytes::from)
}

/// The schema as the socket's executor: a subscription's id moves from the request's
/// extensions into its data.
#[derive(Clone)]
pub(crate) struct ConnectionExecutor(pub SiagaSchema);

impl Executor for ConnectionExecutor {
    fn execute(&self, request: Request) -> impl Future<Output = Response> + Send {
        Executor::execute(&self.0, request)
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Some(Value::String(id)) = request.extensions.remove(SUBSCRIPTION_ID_EXTENSION) {
            request = request.data(SubscriptionId(id));
        }
        Executor::execute_stream(&self.0, request, session_data)
    }
}

/// What a subscription's frames need: where they go, its head, and what its items are resolved
/// with when it is the first of its class and document.
pub(crate) struct DirectDelivery {
    frames: FrameSender,
    head: Arc<str>,
    alive: Arc<AtomicBool>,
    schema_env: SchemaEnv,
    query_env: QueryEnv,
    field: Positioned<Field>,
    response_key: Name,
}

impl Drop for DirectDelivery {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::Release);
    }
}

impl DirectDelivery {
    pub fn new(
        ctx: &async_graphql::Context<'_>,
        id: &SubscriptionId,
        protocol: WebSocketProtocols,
        frames: FrameSender,
    ) -> DirectDelivery {
        DirectDelivery {
            frames,
            head: head_of(protocol, &id.0),
            alive: Arc::new(AtomicBool::new(true)),
            schema_env: ctx.schema_env.clone(),
            query_env: ctx.query_env.clone(),
            field: ctx.item.clone(),
            response_key: ctx.item.node.response_key().node.clone(),
        }
    }

    /// Where this subscription's frames go.
    pub fn frames(&self) -> &FrameSender {
        &self.frames
    }

    /// The subscription has ended: its frames still queued are not written.
    pub fn end(&self) {
        self.alive.store(false, Ordering::Release);
    }

    /// This subscriber's frame of a response serialised by `resolve`.
    pub fn frame(&self, body: Arc<str>, published_at: Option<Instant>) -> Frame {
        Frame {
            head: Arc::clone(&self.head),
            body,
            published_at,
            alive: Arc::clone(&self.alive),
        }
    }

    /// The response to `item` as async-graphql would write it (`{"data":{key: value}}`, with
    /// the field errors), and whether it had no error (only then is it shared).
    pub async fn resolve<T: OutputType>(&self, item: &T) -> (Arc<str>, bool) {
        let ctx = self.query_env.create_context(
            &self.schema_env,
            Some(QueryPathNode {
                parent: None,
                segment: QueryPathSegment::Name(&self.response_key),
            }),
            &self.field.node.selection_set,
            None,
        );
        let resolved = OutputType::resolve(item, &ctx, &self.field).await;
        let errors = std::mem::take(
            &mut *self
                .query_env
                .errors
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let clean = resolved.is_ok() && errors.is_empty();
        let mut response = match resolved {
            Ok(value) => {
                let mut data = async_graphql::indexmap::IndexMap::new();
                data.insert(self.response_key.clone(), value);
                Response::new(Value::Object(data))
            }
            Err(error) => Response::from_errors(vec![error]),
        };
        response.errors.extend(errors);
        let body: Arc<str> = serde_json::to_string(&response)
            .unwrap_or_else(|_| "{\"data\":null}".to_string())
            .into();
        (body, clean)
    }
}

/// A frame whose text is `text` then `}`, for the queue's tests.
#[cfg(test)]
pub(crate) fn test_frame(text: &str, alive: Arc<AtomicBool>) -> Frame {
    Frame {
        head: "".into(),
        body: text.into(),
        published_at: None,
        alive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(message: &str) -> serde_json::Value {
        serde_json::from_slice(&tag_subscription(Bytes::from(message.to_string()))).unwrap()
    }

    #[test]
    fn a_subscribe_carries_its_own_id_whatever_the_client_put_there() {
        let message = r#"{"id":"7","type":"subscribe","payload":{"query":"subscription { reportEvents { kind } }","extensions":{"siaga.subscriptionId":"other"}}}"#;
        assert_eq!(
            tagged(message)["payload"]["extensions"][SUBSCRIPTION_ID_EXTENSION],
            "7"
        );
        let legacy = r#"{"id":"a\"b","type":"start","payload":{"query":"subscription { reportEvents { kind } }","extensions":null}}"#;
        assert_eq!(
            tagged(legacy)["payload"]["extensions"][SUBSCRIPTION_ID_EXTENSION],
            "a\"b"
        );
    }

    #[test]
    fn other_messages_pass_as_they_came() {
        for message in [
            r#"{"type":"ping"}"#,
            r#"{"id":"1","type":"complete"}"#,
            r#"{"type":"connection_init","payload":{"authorization":"Bearer x"}}"#,
            "not json",
            r#"{"id":1,"type":"subscribe","payload":{"query":"subscription { reportEvents { kind } }"}}"#,
            r#"{"id":"1","type":"subscribe","payload":{"query":"{ me { username } }","extensions":[]}}"#,
        ] {
            assert_eq!(
                tag_subscription(Bytes::from(message.to_string())),
                Bytes::from(message.to_string())
            );
        }
    }

    #[test]
    fn a_frame_is_what_async_graphql_writes_and_nothing_once_ended() {
        let body: Arc<str> = r#"{"data":{"reportEvents":{"kind":"REPORT_CREATED"}}}"#.into();
        let alive = Arc::new(AtomicBool::new(true));
        let frame = Frame {
            head: head_of(WebSocketProtocols::GraphQLWS, "1"),
            body: Arc::clone(&body),
            published_at: None,
            alive: Arc::clone(&alive),
        };
        let payload: Response = serde_json::from_str(&body).unwrap();
        let reference =
            serde_json::json!({ "type": "next", "id": "1", "payload": payload }).to_string();
        let written: serde_json::Value = serde_json::from_str(&frame.text().unwrap()).unwrap();
        assert_eq!(
            written,
            serde_json::from_str::<serde_json::Value>(&reference).unwrap()
        );
        assert!(
            frame
                .text()
                .unwrap()
                .starts_with(r#"{"type":"next","id":"1","payload":"#)
        );
        assert!(
            head_of(WebSocketProtocols::SubscriptionsTransportWS, "x")
                .starts_with(r#"{"type":"data","id":"x""#)
        );
        alive.store(false, Ordering::Release);
        assert_eq!(frame.text(), None);
    }
}
