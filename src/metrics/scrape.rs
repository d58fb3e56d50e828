//! What is read at each scrape (counters, queue depths, the flush, the channel, the workers,
//! the process, the build), as `prometheus-client` collectors, and the encoding of it all.

use std::borrow::Cow;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::Metrics;
use crate::ledger::Ledger;
use crate::store::Store;
use crate::worker::{WorkerLiveness, WorkerReport};

#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Counter,
    Gauge,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Value {
    Int(u64),
    Float(f64),
}

/// One series: its labels (none, one or more) and its value.
#[derive(Debug)]
pub(super) struct Sample {
    labels: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    value: Value,
}

impl Sample {
    /// A series with one label, or none when `label.0` is empty.
    pub(super) fn new(label: (&'static str, &'static str), value: Value) -> Sample {
        let labels = if label.0.is_empty() {
            Vec::new()
        } else {
            vec![(Cow::Borrowed(label.0), Cow::Borrowed(label.1))]
        };
        Sample { labels, value }
    }

    /// One series per `(kind, value)`, labelled `kind`.
    pub(super) fn by_kind<const N: usize>(values: [(&'static str, u64); N]) -> Vec<Sample> {
        values
            .into_iter()
            .map(|(kind, value)| Sample::new(("kind", kind), Value::Int(value)))
            .collect()
    }

    pub(super) fn labelled(
        labels: Vec<(Cow<'static, str>, Cow<'static, str>)>,
        value: Value,
    ) -> Sample {
        Sample { labels, value }
    }
}

/// A family read at scrape time. Counter names are given without `_total`: the encoder adds it.
#[derive(Debug)]
pub(super) struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

/// Families read at this scrape, encoded as they are.
#[derive(Debug)]
pub(super) struct Snapshot(pub Vec<Family>);

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for family in &self.0 {
            let metric_type = match family.kind {
                Kind::Counter => MetricType::Counter,
                Kind::Gauge => MetricType::Gauge,
            };
            let mut metric =
                encoder.encode_descriptor(family.name, family.help, None, metric_type)?;
            for sample in &family.samples {
                if sample.labels.is_empty() {
                    encode_value(&mut metric, family.kind, sample.value)?;
                } else {
                    let mut series = metric.encode_family(&sample.labels)?;
                    encode_value(&mut series, family.kind, sample.value)?;
                }
            }
        }
        Ok(())
    }
}

fn encode_value(metric: &mut MetricEncoder<'_>, kind: Kind, value: Value) -> std::fmt::Result {
    match (kind, value) {
        (Kind::Counter, Value::Int(value)) => {
            metric.encode_counter::<NoLabelSet, _, u64>(&value, None)
        }
        (Kind::Counter, Value::Float(value)) => {
            metric.encode_counter::<NoLabelSet, _, f64>(&value, None)
        }
        (Kind::Gauge, Value::Int(value)) => metric.encode_gauge(&value),
        (Kind::Gauge, Value::Float(value)) => metric.encode_gauge(&value),
    }
}

fn gauge(name: &'static str, help: &'static str, samples: Vec<Sample>) -> Family {
    Family {
        name,
        help,
        kind: Kind::Gauge,
        samples,
    }
}

fn one(value: Value) -> Vec<Sample> {
    vec![Sample::new(("", ""), value)]
}

/// Everything in one exposition: `siaga_*` families, then the process's.
pub(super) fn render(
    metrics: &Metrics,
    mut families: Vec<Family>,
    store: &Store,
    numbers: &[super::NumberSample],
    workers: &[WorkerReport],
) -> String {
    let channel_healthy = numbers.iter().all(|number| number.healthy);
    families.push(gauge(
        "queue_depth",
        "Items waiting in a durable queue.",
        vec![
            Sample::new(("queue", "outbox"), Value::Int(store.outbox().len() as u64)),
            Sample::new(
                ("queue", "media"),
                Value::Int(store.media_queue().len() as u64),
            ),
            Sample::new(
                ("queue", "index"),
                Value::Int(store.index_queue().len() as u64),
            ),
        ],
    ));
    let writes = store.write_counts();
    families.push(Family {
        name: "store_transactions",
        help: "Committed store transactions since start.",
        kind: Kind::Counter,
        samples: one(Value::Int(writes.transactions)),
    });
    families.push(Family {
        name: "store_key_writes",
        help: "Keys written (or removed) by committed writes since start, by table; a key written twice in one transaction counts once.",
        kind: Kind::Counter,
        samples: writes
            .per_table
            .iter()
            .map(|(table, count)| Sample::new(("table", table.tree_name()), Value::Int(*count)))
            .collect(),
    });
    let log = crate::store::log_write_stats();
    families.push(Family {
        name: "store_log_bytes",
        help: "Bytes sled's log took since start, by kind: a key's delta, a whole page (of which consolidation), a page moved by the segment cleaner, other messages, segment padding, and all buffers written.",
        kind: Kind::Counter,
        samples: Sample::by_kind([
            ("delta", log.link_bytes),
            ("page", log.node_bytes),
            ("consolidation", log.consolidation_bytes),
            ("cleaner", log.rewrite_bytes),
            ("other", log.other_bytes),
            ("padding", log.pad_bytes),
            ("written", log.buffer_bytes),
        ]),
    });
    families.push(Family {
        name: "store_log_messages",
        help: "Messages and events of sled's log since start, by kind (as store_log_bytes; segments freed, appended to the file, reused).",
        kind: Kind::Counter,
        samples: Sample::by_kind([
            ("delta", log.link_count),
            ("page", log.node_count),
            ("consolidation", log.consolidation_count),
            ("cleaner", log.rewrite_count),
            ("other", log.other_count),
            ("aborted", log.aborted_count),
            ("written", log.buffer_writes),
            ("segment_freed", log.segments_freed),
            ("segment_appended", log.segments_appended),
            ("segment_reused", log.segments_reused),
        ]),
    });
    let held = store.residency();
    families.push(gauge(
        "store_memory",
        "What sled holds in memory, by kind: pages in its page table (each costs memory whether its node is cached or not), free pages, cached nodes, their entries, their bytes (node structs, keys, values), the log bytes its cache is charged for them, its cache's charge as its LRU counts it, the fragment locations kept for all pages (and the capacity of their vectors), and the capacity of the LRU's per-page tables, and the log's IO buffers alive (sealed buffers wait for an epoch to pass before they are freed).",
        Sample::by_kind([
            ("pages", held.pages),
            ("free_pages", held.free_pages),
            ("cached_pages", held.resident_pages),
            ("cached_entries", held.resident_entries),
            ("cached_node_bytes", held.resident_node_bytes),
            ("cached_log_bytes", held.resident_log_bytes),
            ("lru_charged_bytes", held.lru_charged_bytes),
            ("cache_infos", held.cache_infos),
            ("cache_info_capacity", held.cache_info_capacity),
            ("lru_entry_capacity", held.lru_entry_capacity),
            ("io_buffers", held.io_buffers),
            ("io_buffer_bytes", held.io_buffer_bytes),
        ]),
    ));
    let flush = store.flush_stats();
    families.push(gauge(
        "store_flush_last_seconds",
        "Latency of the latest durable flush.",
        one(Value::Float(flush.last_seconds)),
    ));
    families.push(gauge(
        "store_poisoned",
        "1 once a durable flush failed: nothing is acknowledged until siaga restarts.",
        one(Value::Int(u64::from(store.poisoned().is_some()))),
    ));
    families.push(gauge(
        "whatsapp_channel_healthy",
        "1 when the Graph API accepts our token.",
        one(Value::Int(u64::from(channel_healthy))),
    ));
    families.extend(number_families(numbers));
    families.extend(worker_families(workers));
    families.push(gauge(
        "build_info",
        "The running build: its version, and the commit when the build was given one (SIAGA_GIT_COMMIT).",
        vec![Sample::labelled(super::process::build_labels(), Value::Int(1))],
    ));

    let mut registry = Registry::default();
    let siaga = registry.sub_registry_with_prefix("siaga");
    siaga.register_collector(Box::new(Snapshot(families)));
    metrics.latency.register(siaga);
    registry.register_collector(Box::new(Snapshot(super::process::families())));
    let mut text = String::with_capacity(16 * 1024);
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry);
    text
}

/// Each business number's health and sends, labelled by its phone number id.
fn number_families(numbers: &[super::NumberSample]) -> Vec<Family> {
    let family = |name, kind, help, value: &dyn Fn(&super::NumberSample) -> Value| Family {
        name,
        help,
        kind,
        samples: numbers
            .iter()
            .map(|number| {
                Sample::labelled(
                    vec![(
                        Cow::Borrowed("phone_number_id"),
                        Cow::Owned(number.phone_number_id.clone()),
                    )],
                    value(number),
                )
            })
            .collect(),
    };
    vec![
        family(
            "whatsapp_number_healthy",
            Kind::Gauge,
            "1 when the Graph API accepts the number's token; 0 while its sends are paused.",
            &|number| Value::Int(u64::from(number.healthy)),
        ),
        family(
            "whatsapp_number_sent",
            Kind::Counter,
            "Sends from the number that Meta accepted, since the start.",
            &|number| Value::Int(number.sent),
        ),
        family(
            "whatsapp_number_failed",
            Kind::Counter,
            "Sends from the number that failed for good, since the start.",
            &|number| Value::Int(number.failed),
        ),
    ]
}

/// Each worker's liveness: up (not failed), busy, the age of its latest progress, items and
/// failed steps.
fn worker_families(workers: &[WorkerReport]) -> Vec<Family> {
    let family = |name, kind, help, value: &dyn Fn(&WorkerReport) -> Value| Family {
        name,
        help,
        kind,
        samples: workers
            .iter()
            .map(|worker| {
                Sample::labelled(
                    vec![(Cow::Borrowed("worker"), Cow::Borrowed(worker.name))],
                    value(worker),
                )
            })
            .collect(),
    };
    vec![
        family(
            "worker_up",
            Kind::Gauge,
            "1 while a background worker runs; 0 once it failed (panicked) or stopped.",
            &|worker| {
                Value::Int(u64::from(matches!(
                    worker.state,
                    WorkerLiveness::Busy | WorkerLiveness::Idle
                )))
            },
        ),
        family(
            "worker_busy",
            Kind::Gauge,
            "1 while a background worker is in a step of work, 0 while it waits for work.",
            &|worker| Value::Int(u64::from(worker.state == WorkerLiveness::Busy)),
        ),
        family(
            "worker_last_progress_seconds",
            Kind::Gauge,
            "Seconds since a background worker last finished a step without error.",
            &|worker| Value::Float(worker.seconds_since_progress),
        ),
        family(
            "worker_items",
            Kind::Counter,
            "Items a background worker handled (sends, downloads, reports indexed, reports checked).",
            &|worker| Value::Int(worker.items_done),
        ),
        family(
            "worker_errors",
            Kind::Counter,
            "Steps of a background worker that failed.",
            &|worker| Value::Int(worker.errors),
        ),
    ]
}
