//! `/metrics` as Prometheus reads it: every line parses, every histogram is whole (cumulative
//! buckets ending in `+Inf` equal to its count), and the latency histograms move after a
//! webhook, a reply, a GraphQL query and a subscription event. Process metrics and the build
//! are there, and the live heap counted by siaga's allocator.

/// The allocator of the `siaga` binary, so that `siaga_heap_live_bytes` is there.
#[global_allocator]
static ALLOCATOR: siaga::allocator::CountingAllocator = siaga::allocator::CountingAllocator;

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::spawn_app;
use futures_util::SinkExt;
use serde_json::json;
use siaga::domain::user::Role;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// One sample: its name, its labels in order, its value.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The text format 0.0.4, strictly: `# HELP`/`# TYPE` lines for each family before its
/// samples, metric and label names of the allowed characters, quoted label values with their
/// escapes, and a float value. Panics with the line on anything else.
fn parse_exposition(text: &str) -> (BTreeMap<String, String>, Vec<Sample>) {
    let valid_name = |name: &str| {
        !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut types = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let (keyword, name, rest) = (parts.next(), parts.next(), parts.next());
            let name = name.unwrap_or_else(|| panic!("a comment without a name: {line}"));
            assert!(valid_name(name), "bad family name: {line}");
            match keyword {
                Some("HELP") => assert!(rest.is_some_and(|help| !help.is_empty()), "{line}"),
                Some("TYPE") => {
                    let kind = rest.unwrap_or_default();
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "{line}"
                    );
                    assert!(
                        types.insert(name.to_string(), kind.to_string()).is_none(),
                        "a family typed twice: {line}"
                    );
                }
                _ => panic!("an unknown comment: {line}"),
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            other => other
                .parse()
                .unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line}"));
                (name, parse_labels(body, line))
            }
        };
        assert!(valid_name(name), "bad metric name: {line}");
        let family = ["_bucket", "_sum", "_count", "_total"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix)
                    .filter(|family| types.contains_key(*family))
            })
            .unwrap_or(name);
        assert!(
            types.contains_key(family) || types.contains_key(name),
            "a sample before its # TYPE: {line}"
        );
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    (types, samples)
}

fn parse_labels(body: &str, line: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad label: {line}"));
        assert!(
            key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad label name: {line}"
        );
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, escaped @ ('\\' | '"'))) => value.push(escaped),
                    _ => panic!("bad escape: {line}"),
                },
                Some((index, '"')) => break index,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value: {line}"),
            }
        };
        labels.insert(key.to_string(), value);
        rest = after[end + 1..].trim_start_matches(',');
    }
    labels
}

/// A series' labels but `le`, in order.
type Labels = Vec<(String, String)>;

/// Checks every histogram: cumulative buckets, `+Inf` equal to `_count`, a `_sum`.
fn check_histograms(types: &BTreeMap<String, String>, samples: &[Sample]) {
    for (family, _) in types.iter().filter(|(_, kind)| *kind == "histogram") {
        let mut series: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
        for sample in samples
            .iter()
            .filter(|s| s.name == format!("{family}_bucket"))
        {
            let mut labels = sample.labels.clone();
            let le = labels.remove("le").expect("a bucket has le");
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            series
                .entry(labels.into_iter().collect())
                .or_default()
                .push((bound, sample.value));
        }
        for (labels, buckets) in series {
            assert!(
                buckets
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                "{family}{labels:?}: buckets not cumulative: {buckets:?}"
            );
            assert_eq!(
                buckets.last().unwrap().0,
                f64::INFINITY,
                "{family}: no +Inf"
            );
            let count = value_of(samples, &format!("{family}_count"), &labels);
            assert_eq!(
                Some(buckets.last().unwrap().1),
                count,
                "{family}{labels:?}: +Inf != count"
            );
            assert!(value_of(samples, &format!("{family}_sum"), &labels).is_some());
        }
    }
}

fn value_of(samples: &[Sample], name: &str, labels: &[(String, String)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels.iter().cloned().collect();
    samples
        .iter()
        .find(|sample| sample.name == name && sample.labels == wanted)
        .map(|sample| sample.value)
}

fn count(samples: &[Sample], family: &str, labels: &[(&str, &str)]) -> f64 {
    let labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    value_of(samples, &format!("{family}_count"), &labels).unwrap_or(0.0)
}

async fn scrape(app: &common::TestApp) -> (BTreeMap<String, String>, Vec<Sample>) {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    let (types, samples) = parse_exposition(&text);
    check_histograms(&types, &samples);
    (types, samples)
}

#[tokio::test]
async fn every_latency_histogram_moves_and_the_exposition_parses() {
    let app = spawn_app().await;
    let token = app
        .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let (types, before) = scrape(&app).await;
    // Every histogram is there from the start, but the GraphQL one (by operation: the sign-in
    // above made its first series).
    for family in [
        "siaga_webhook_seconds",
        "siaga_reply_seconds",
        "siaga_graph_send_seconds",
        "siaga_store_flush_seconds",
        "siaga_graphql_seconds",
        "siaga_subscription_fanout_seconds",
    ] {
        assert_eq!(
            types.get(family).map(String::as_str),
            Some("histogram"),
            "{family}"
        );
    }
    assert_eq!(count(&before, "siaga_webhook_seconds", &[]), 0.0);

    // A subscriber, then a citizen's message: a webhook, a reply, events on the socket.
    let mut socket = common::ws::connect(&app, "graphql-transport-ws").await;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket
        .send(WsMessage::Text(init.to_string().into()))
        .await
        .unwrap();
    assert_eq!(
        common::ws::next_json(&mut socket).await["type"],
        "connection_ack"
    );
    let opened = app.subscriptions_opened();
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { reportEvents { kind } }" } });
    socket
        .send(WsMessage::Text(subscribe.to_string().into()))
        .await
        .unwrap();
    app.wait_for_subscription(opened).await;
    app.citizen_reports("081377101900", "ada tawuran di jembatan")
        .await;
    let event = common::ws::next_json(&mut socket).await;
    assert_eq!(event["type"], "next", "{event}");
    app.graph
        .wait_for_sent_messages(1, Duration::from_secs(10))
        .await;
    // An anonymous query (labelled by its root field) and a named one.
    let listed = app
        .graphql(
            Some(&token),
            "{ reports(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(listed["errors"].is_null(), "{listed}");
    let named = app
        .graphql(
            Some(&token),
            "query QueueCount { reports(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(named["errors"].is_null(), "{named}");

    // The reply is recorded after Meta's answer: wait for the histogram rather than guess.
    let mut after = Vec::new();
    for _ in 0..100 {
        (_, after) = scrape(&app).await;
        if count(&after, "siaga_reply_seconds", &[]) >= 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(count(&after, "siaga_webhook_seconds", &[]), 1.0);
    assert!(count(&after, "siaga_reply_seconds", &[]) >= 1.0);
    assert!(
        count(
            &after,
            "siaga_graph_send_seconds",
            &[("outcome", "accepted")]
        ) >= 1.0
    );
    assert!(
        count(&after, "siaga_store_flush_seconds", &[])
            > count(&before, "siaga_store_flush_seconds", &[])
    );
    assert_eq!(
        count(&after, "siaga_graphql_seconds", &[("operation", "reports")]),
        1.0
    );
    assert_eq!(
        count(
            &after,
            "siaga_graphql_seconds",
            &[("operation", "QueueCount")]
        ),
        1.0
    );
    assert!(count(&after, "siaga_subscription_fanout_seconds", &[]) >= 1.0);
    // A subscription event reaches its socket in well under a second here.
    let fanout_sum = value_of(&after, "siaga_subscription_fanout_seconds_sum", &[]).unwrap();
    assert!(fanout_sum < 1.0, "{fanout_sum}");

    let value = |name: &str| value_of(&after, name, &[]).unwrap_or_else(|| panic!("{name}"));
    assert!(value("process_resident_memory_bytes") > 1e6);
    assert!(value("process_open_fds") >= 3.0);
    assert!(value("process_cpu_seconds_total") > 0.0);
    assert!(value("process_start_time_seconds") > 1.6e9);
    let live = value("siaga_heap_live_bytes");
    assert!(
        live > 1e6 && live < value("process_resident_memory_bytes"),
        "{live}"
    );
    // jemalloc's view: what it holds covers what was asked of it.
    let allocator = |kind: &str| {
        value_of(
            &after,
            "siaga_allocator_bytes",
            &[("kind".to_owned(), kind.to_owned())],
        )
        .unwrap_or_else(|| panic!("siaga_allocator_bytes{{kind={kind}}}"))
    };
    assert!(allocator("allocated") > 1e6);
    assert!(allocator("active") >= allocator("allocated"));
    assert!(allocator("resident") >= allocator("active"));
    // sled's page table and cache: the store has pages, and its cache holds some of them.
    let store_memory = |kind: &str| {
        value_of(
            &after,
            "siaga_store_memory",
            &[("kind".to_owned(), kind.to_owned())],
        )
        .unwrap_or_else(|| panic!("siaga_store_memory{{kind={kind}}}"))
    };
    assert!(store_memory("pages") >= 1.0);
    assert!(store_memory("cached_pages") >= 1.0);
    // Every page has at least one fragment's location.
    assert!(store_memory("cache_infos") >= store_memory("pages"));
    assert!(store_memory("cached_pages") <= store_memory("pages"));
    assert!(store_memory("lru_charged_bytes") > 0.0);
    let build = after
        .iter()
        .find(|sample| sample.name == "siaga_build_info")
        .expect("siaga_build_info");
    assert_eq!(build.labels["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(build.value, 1.0);
}

#[tokio::test]
async fn graphql_operation_labels_stay_bounded_and_refusals_add_none() {
    let app = spawn_app().await;
    let token = app
        .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    // Refused (unauthenticated) and unparsable requests never add a label of their own.
    app.graphql(
        None,
        "query Sneaky { reports(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    app.graphql(Some(&token), "{ not valid", json!({})).await;
    // Seventy distinct names: up to 64 labels kept in all, then `other`.
    for index in 0..70 {
        let query = format!("query Op{index} {{ reports(first: 1) {{ totalCount }} }}");
        let answer = app.graphql(Some(&token), &query, json!({})).await;
        assert!(answer["errors"].is_null(), "{answer}");
    }
    let (_, samples) = scrape(&app).await;
    let operations: Vec<&str> = samples
        .iter()
        .filter(|sample| sample.name == "siaga_graphql_seconds_count")
        .map(|sample| sample.labels["operation"].as_str())
        .collect();
    // The sign-in (an anonymous `login` mutation) took the first label, Op0 to Op62 the rest.
    assert_eq!(operations.len(), 65, "64 names and other: {operations:?}");
    assert!(operations.contains(&"login"), "{operations:?}");
    assert!(operations.contains(&"Op62"), "{operations:?}");
    assert!(!operations.contains(&"Op63"), "{operations:?}");
    assert!(!operations.contains(&"Sneaky"), "{operations:?}");
    // Sneaky, the unparsable request, and Op63 to Op69.
    assert_eq!(
        count(&samples, "siaga_graphql_seconds", &[("operation", "other")]),
        9.0
    );
}

#[test]
fn the_live_heap_counts_what_is_allocated_and_freed() {
    // A gigabyte reserved and never written takes no memory, but counts in full. The other
    // test of this file runs a whole server beside this one: far less than the slack.
    const BLOCK: u64 = 1 << 30;
    const SLACK: u64 = 64 << 20;
    let live = || siaga::allocator::live_heap_bytes().expect("the counting allocator is installed");
    let before = live();
    let mut block = Vec::<u8>::with_capacity(BLOCK as usize);
    block.push(1);
    let held = live();
    assert!(held + SLACK >= before + BLOCK, "{before} -> {held}");
    // Shrunk by realloc: half of it is given back.
    block.shrink_to(BLOCK as usize / 2);
    let shrunk = live();
    assert!(shrunk + BLOCK / 2 <= held + SLACK, "{held} -> {shrunk}");
    assert!(shrunk + SLACK >= before + BLOCK / 2, "{before} -> {shrunk}");
    drop(block);
    let after = live();
    assert!(after + BLOCK / 2 <= shrunk + SLACK, "{shrunk} -> {after}");
}

#[test]
fn jemalloc_gives_freed_pages_back_after_a_second_and_reports_what_it_holds() {
    // The compiled-in option, unless the environment overrides it for a measurement.
    if std::env::var_os("_RJEM_MALLOC_CONF").is_none() {
        assert_eq!(siaga::allocator::dirty_decay_ms(), Some(1000));
        assert_eq!(siaga::allocator::arena_count(), Some(1));
    }
    // The other tests of this file allocate and free beside this one, so only the relations
    // between the figures of one reading are checked, not their changes.
    let block = vec![7u8; 64 << 20];
    let held = siaga::allocator::allocator_stats().expect("jemalloc's statistics are built in");
    assert!(held.allocated >= 64 << 20, "{held:?}");
    assert!(held.active >= held.allocated, "{held:?}");
    assert!(held.resident >= held.active, "{held:?}");
    assert!(held.mapped >= held.active, "{held:?}");
    assert!(held.metadata > 0, "{held:?}");
    drop(block);
}
