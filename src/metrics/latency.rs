//! The latency histograms, with buckets for our ranges: a webhook, a flush, a GraphQL operation
//! or a subscription event takes from under a millisecond to seconds; a reply, whose Graph API
//! call takes hundreds of milliseconds and whose retries back off for seconds, up to minutes.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Seconds, from half a millisecond to ten seconds.
const FAST_BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Seconds, from 5 ms to two minutes: a reply from its queueing to Meta's answer.
const SLOW_BUCKETS: [f64; 15] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
/// Distinct GraphQL operation labels kept; later names are counted as `other`.
pub const GRAPHQL_OPERATION_LABELS: usize = 64;

fn fast() -> Histogram {
    Histogram::new(FAST_BUCKETS)
}

fn slow() -> Histogram {
    Histogram::new(SLOW_BUCKETS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabel {
    pub operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: &'static str,
}

/// The histograms. Each is a cheap handle: observe from anywhere.
pub struct Latency {
    /// A webhook POST, from its arrival to the 200 (the group flush included).
    pub webhook: Histogram,
    /// A reply, from its queueing to Meta's accepting answer (retries included).
    pub reply: Histogram,
    /// One Graph API send, the HTTP call alone, by outcome (`accepted`, `error`).
    pub graph_send: Family<OutcomeLabel, Histogram, fn() -> Histogram>,
    /// One group flush of the store (sled's flush and the fdatasync).
    pub flush: Histogram,
    /// A GraphQL query or mutation over HTTP, by operation (see `GraphqlOperation`).
    pub graphql: Family<OperationLabel, Histogram, fn() -> Histogram>,
    /// A report event, from its publication on the bus to its write on a subscriber's socket.
    pub fanout: Histogram,
    /// GraphQL operation labels seen so far (at most `GRAPHQL_OPERATION_LABELS`).
    graphql_operations: Mutex<HashSet<String>>,
}

impl Default for Latency {
    fn default() -> Latency {
        let latency = Latency {
            webhook: fast(),
            reply: slow(),
            graph_send: Family::new_with_constructor(fast),
            flush: fast(),
            graphql: Family::new_with_constructor(fast),
            fanout: fast(),
            graphql_operations: Mutex::default(),
        };
        // Both outcomes exposed from the start (an empty family is left out of the text).
        for outcome in ["accepted", "error"] {
            drop(latency.graph_send.get_or_create(&OutcomeLabel { outcome }));
        }
        latency
    }
}

/// How a GraphQL request is labelled: by its operation's name; an anonymous operation by its
/// first root field (`reports`, `search`, `login`, …). A label is kept only once an operation
/// of that name has run without error, and at most `GRAPHQL_OPERATION_LABELS` of them, so a
/// client cannot grow the series without bound: anything else is `other`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphqlOperation {
    Named(String),
    /// The document did not parse, or names no operation or field.
    Unreadable,
}

impl GraphqlOperation {
    /// Reads the label from the query text and the request's `operationName`.
    pub fn of(query: &str, operation_name: Option<&str>) -> GraphqlOperation {
        use async_graphql::parser::types::{DocumentOperations, Selection};
        let Ok(document) = async_graphql::parser::parse_query(query) else {
            return GraphqlOperation::Unreadable;
        };
        let (name, operation) = match &document.operations {
            DocumentOperations::Single(operation) => (None, operation),
            // Named operations, even a lone one: the one asked for, or the only one.
            DocumentOperations::Multiple(operations) => {
                let chosen = match operation_name {
                    Some(wanted) => operations.iter().find(|(name, _)| name.as_str() == wanted),
                    None if operations.len() == 1 => operations.iter().next(),
                    None => None,
                };
                match chosen {
                    Some((name, operation)) => (Some(name.to_string()), operation),
                    None => return GraphqlOperation::Unreadable,
                }
            }
        };
        if let Some(name) = name.or_else(|| operation_name.map(str::to_string)) {
            return GraphqlOperation::Named(name);
        }
        let first_field = operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .find_map(|selection| match &selection.node {
                Selection::Field(field) => Some(field.node.name.node.to_string()),
                _ => None,
            });
        match first_field {
            Some(field) => GraphqlOperation::Named(field),
            None => GraphqlOperation::Unreadable,
        }
    }
}

impl Latency {
    /// Counts one GraphQL request of `operation` that took `took`; `succeeded` when it ran
    /// without errors (only then may a new label be kept).
    pub fn observe_graphql(&self, operation: &GraphqlOperation, succeeded: bool, took: Duration) {
        let label = match operation {
            GraphqlOperation::Unreadable => "other".to_string(),
            GraphqlOperation::Named(name) => {
                let valid = name.len() <= 64
                    && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                let mut seen = self
                    .graphql_operations
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if seen.contains(name) {
                    name.clone()
                } else if valid && succeeded && seen.len() < GRAPHQL_OPERATION_LABELS {
                    seen.insert(name.clone());
                    name.clone()
                } else {
                    "other".to_string()
                }
            }
        };
        self.graphql
            .get_or_create(&OperationLabel { operation: label })
            .observe(took.as_secs_f64());
    }

    /// One Graph API send: `accepted` or not.
    pub fn observe_graph_send(&self, accepted: bool, took: Duration) {
        let outcome = if accepted { "accepted" } else { "error" };
        self.graph_send
            .get_or_create(&OutcomeLabel { outcome })
            .observe(took.as_secs_f64());
    }

    /// Registers a handle to each histogram (they share their counts with these).
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register(
            "webhook_seconds",
            "Webhook POSTs answered 200: from arrival to the answer, the group flush included.",
            self.webhook.clone(),
        );
        registry.register(
            "reply_seconds",
            "Replies accepted by the Graph API: from queueing to Meta's answer, retries included.",
            self.reply.clone(),
        );
        registry.register(
            "graph_send_seconds",
            "One Graph API send, the HTTP call alone, by outcome (accepted, error).",
            self.graph_send.clone(),
        );
        registry.register(
            "store_flush_seconds",
            "Group flushes of the store: sled's flush and the fdatasync.",
            self.flush.clone(),
        );
        registry.register(
            "graphql_seconds",
            "GraphQL queries and mutations over HTTP, by operation name (an anonymous one by its first root field; at most 64 names, then other).",
            self.graphql.clone(),
        );
        registry.register(
            "subscription_fanout_seconds",
            "Report events: from publication on the bus to the write on a subscriber's socket.",
            self.fanout.clone(),
        );
    }
}
