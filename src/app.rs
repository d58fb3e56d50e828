//! Building the application from a `Config` and running it: open the store, start the workers,
//! serve HTTP; on shutdown, stop taking requests, stop the workers one by one (each finishes its
//! current item), flush the store.

mod channels;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use tokio::sync::Notify;

use crate::api::client_address::ClientAddressRule;
use crate::api::graphql::{Services, build_schema};
use crate::api::limits::{HttpLimits, WebhookBuffers};
use crate::api::{AppState, router};
use crate::auth::Auth;
use crate::bus::Bus;
use crate::config::Config;
use crate::intake::batcher::IngestBatcher;
use crate::intake::{Intake, IntakeSettings};
use crate::ledger::{Commit, Queued};
use crate::metrics::Metrics;
use crate::profile::Profile;
use crate::search::IndexMemory;
use crate::search::from_store::open_or_rebuild;
use crate::search::indexer::{DocSource, Indexer};
use crate::store::Store;
use crate::whatsapp::WorkerContext;
use crate::whatsapp::health::ChannelHealth;
use crate::whatsapp::media::MediaFetcher;
use crate::whatsapp::numbers::NumberClients;
use crate::whatsapp::outbox::OutboxSender;
use crate::whatsapp::templates::TemplateSync;
use crate::worker::{ThreadReading, WorkerBoard, WorkerRunner};
use crate::workflow::{ClockSettings, ClockWorker, UnitDirectory, Workflow};

/// The folders inside the data dir.
pub struct DataLayout {
    pub store: PathBuf,
    pub media: PathBuf,
    /// The search index: rebuildable from the store at any time.
    pub index: PathBuf,
}

impl DataLayout {
    pub fn new(data_dir: &std::path::Path) -> DataLayout {
        DataLayout {
            store: data_dir.join("store"),
            media: data_dir.join("media"),
            index: data_dir.join("index"),
        }
    }
}

pub struct App {
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    outbox: OutboxSender,
    /// What intake made durable, on its way to the sender.
    outbox_feed: tokio::sync::mpsc::Receiver<Vec<Queued>>,
    media: MediaFetcher,
    profile: Arc<Profile>,
    sla_check_interval: std::time::Duration,
    retention: crate::retention::Retention,
    indexer: Indexer,
}

/// Everything but the listener: the parts command-line tools need as well.
pub struct Core {
    pub store: Store,
    pub intake: Intake,
    pub profile: Arc<Profile>,
    pub units: UnitDirectory,
}

/// The memory budget's split for this configuration (`crate::memory`).
pub fn memory_split(config: &Config) -> crate::memory::MemorySplit {
    config.memory.split(config.body_limit_bytes as u64)
}

/// The search index's share of the memory budget.
pub fn index_memory(config: &Config) -> IndexMemory {
    let split = memory_split(config);
    let writer_bytes = usize::try_from(split.index_writer_bytes).unwrap_or(usize::MAX);
    IndexMemory {
        writer_bytes,
        rebuild_writer_bytes: writer_bytes,
        doc_store_cache_blocks: split.doc_store_cache_blocks,
    }
}

pub fn open_core(config: &Config) -> anyhow::Result<Core> {
    let profile = Profile::load(&config.profile)
        .with_context(|| format!("loading profile {}", config.profile))?;
    channels::check_default_units(config, &profile)?;
    crate::data_dir::prepare(&config.data_dir, config.allow_shared_data_dir)?;
    let layout = DataLayout::new(&config.data_dir);
    let store = Store::open_with_cache(&layout.store, memory_split(config).sled_cache_capacity)?;
    if let Some(trigger) = &config.faults.fsync_trigger {
        tracing::warn!(trigger = %trigger.display(), "fault injection: fsync fails once the trigger file exists");
        store.fail_fsync_when(trigger.clone());
    }
    let intake = Intake::new(
        store.clone(),
        IntakeSettings {
            thread_window: config.thread_window,
            ticket_prefix: config.ticket_prefix.clone(),
            follow_up_ack_interval: config.ack_interval,
            mark_read: config.whatsapp.mark_read,
            replies: profile.replies.clone().with_overrides(&config.replies),
            router: Some(crate::routing::Router::new(
                &profile,
                crate::text::Analyzer::sumsel(),
            )),
            access: profile.access_rules(),
            category_titles: std::sync::Arc::new(profile.category_titles()),
            pace_limit: config.pace_limit,
            channels: channels::channel_settings(config, &profile),
            panic_on_text: config.faults.panic_on_text.clone(),
        },
    );
    let units = UnitDirectory::load_or_seed(&store, &profile)?;
    crate::workflow::seed_canned_replies(&store, &profile)?;
    Ok(Core {
        store,
        intake,
        profile: Arc::new(profile),
        units,
    })
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let core = open_core(&config)?;
        let clients = NumberClients::from_config(&config.whatsapp)?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let metrics = Arc::new(Metrics::default());
        let flushes = metrics.latency.flush.clone();
        core.store
            .observe_flushes(Box::new(move |took| flushes.observe(took.as_secs_f64())));
        let bus = Bus::new(4096);
        let channel_health = Arc::new(ChannelHealth::for_numbers(
            config
                .whatsapp
                .numbers
                .iter()
                .map(|number| number.phone_number_id.as_str()),
        ));
        let outbox_wake = Arc::new(Notify::new());
        let (outbox_feed_tx, outbox_feed) = crate::ledger::outbox_feed();
        let media_wake = Arc::new(Notify::new());
        let auth = Auth::open(
            core.store.clone(),
            config.jwt_secret.clone(),
            config.token_lifetime,
        )?
        .with_session_policy(config.session_policy)
        .with_sign_in_limits(&config.sign_in_limits);
        let commit = Commit::new(
            core.store.clone(),
            bus.clone(),
            outbox_feed_tx,
            Arc::clone(&outbox_wake),
            Arc::clone(&media_wake),
        );
        // Building the report catalogue reads every report: off the runtime's workers.
        let workflow = {
            let (settings, units, rules, commit) = (
                core.intake.settings().clone(),
                core.units.clone(),
                core.profile.access_rules(),
                commit.clone(),
            );
            tokio::task::spawn_blocking(move || Workflow::new(settings, units, rules, commit))
                .await
                .context("building the report catalogue")?
        }
        .with_clock(ClockSettings {
            sla: core.profile.sla.clone(),
            silent_reporter_after: config.silent_reporter_after,
            auto_forward_min_confidence: config.auto_forward_min_confidence,
            claim_idle_after: config.claim_idle_after,
        });
        let source = DocSource::new(core.store.clone(), core.units.clone(), &core.profile)
            .with_default_channel(config.whatsapp.default_number_id());
        let index_dir = DataLayout::new(&config.data_dir).index;
        let index = {
            let store = core.store.clone();
            let source = source.clone();
            let memory = index_memory(&config);
            tokio::task::spawn_blocking(move || {
                open_or_rebuild(&index_dir, &source, &store, memory)
            })
            .await
            .context("opening the search index")??
        };
        let split = memory_split(&config);
        tracing::info!(
            budget_mb = config.memory.mb(),
            store_cache_mb = split.store_cache_bytes / (1024 * 1024),
            sled_cache_capacity_mb = split.sled_cache_capacity / (1024 * 1024),
            index_writer_mb = split.index_writer_bytes / (1024 * 1024),
            doc_store_cache_blocks = split.doc_store_cache_blocks,
            index_batch_reports = split.index_batch_reports,
            webhook_buffer_mb = config.webhook_buffer_budget_bytes / (1024 * 1024),
            "memory budget"
        );
        let indexer = Indexer::new(Arc::new(index), source, core.store.clone())
            .with_batch_limit(split.index_batch_reports);
        let repaired = {
            let indexer = indexer.clone();
            tokio::task::spawn_blocking(move || indexer.repair_duplicates())
                .await
                .context("repairing the search index")?
        };
        match repaired {
            Ok(repaired) => {
                metrics
                    .search_duplicates_repaired
                    .fetch_add(repaired as u64, Ordering::Relaxed);
            }
            // The index still answers; the check and `siaga reindex` can repair it offline.
            Err(error) => tracing::error!(%error, "could not repair the search index's duplicates"),
        }
        let template_sync = TemplateSync::new(
            TemplateSync::sources_of(clients.as_deref(), &config.whatsapp.numbers),
            commit.clone(),
        );
        let media_link_key = auth.media_link_key();
        let services = Services {
            workflow,
            auth,
            profile: Arc::clone(&core.profile),
            bus: bus.clone(),
            search: Arc::clone(indexer.index()),
            media_urls: crate::api::media_url::MediaUrlSigner::with_key(media_link_key),
            fanout: Arc::default(),
            templates: Arc::clone(&template_sync),
        };
        let schema = build_schema(Some(services.clone()));
        let ingest = IngestBatcher::start(core.intake.clone(), commit.clone());
        let workers = WorkerBoard::default();
        watch_threads(&workers, &ingest, &core.store);
        let state = Arc::new(AppState {
            store: core.store.clone(),
            ingest,
            bus: bus.clone(),
            metrics: Arc::clone(&metrics),
            channel_health: Arc::clone(&channel_health),
            whatsapp: config.whatsapp.clone(),
            body_limit_bytes: config.body_limit_bytes,
            commit: commit.clone(),
            ready: Arc::new(AtomicBool::new(false)),
            workers,
            services,
            schema,
            media_dir: DataLayout::new(&config.data_dir).media,
            limits: Arc::new(HttpLimits {
                graphql_body_limit_bytes: config.graphql_body_limit_bytes,
                request_timeout: config.request_timeout,
                webhook_buffers: WebhookBuffers::new(
                    config.webhook_buffer_budget_bytes,
                    config.body_limit_bytes,
                ),
                client_addresses: ClientAddressRule {
                    trusted_proxy_header: config.trusted_proxy_header.clone(),
                },
            }),
        });
        let context = WorkerContext {
            store: core.store.clone(),
            whatsapp: config.whatsapp.clone(),
            clients,
            metrics,
            writer: commit,
        };
        let outbox = OutboxSender::new(
            context.clone(),
            core.intake.settings().clone(),
            channel_health,
            outbox_wake,
        )
        .with_media_dir(DataLayout::new(&config.data_dir).media);
        let media = MediaFetcher {
            store: context.store,
            whatsapp: context.whatsapp,
            clients: context.clients,
            media_dir: DataLayout::new(&config.data_dir).media,
            metrics: context.metrics,
            writer: context.writer,
            wake: media_wake,
            local_failures: Default::default(),
        };
        if state.accepts_unsigned_webhooks() {
            tracing::warn!(
                "sandbox without an app secret: unsigned webhooks are accepted; never expose this server"
            );
        } else if config.whatsapp.sandbox() {
            tracing::info!("whatsapp sandbox mode: replies are stored and shown, never sent");
        }
        Ok(App {
            listener,
            state,
            outbox,
            outbox_feed,
            media,
            profile: core.profile,
            sla_check_interval: config.sla_check_interval,
            retention: config.retention,
            indexer,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// The shared state, for tests and the demo (store, bus, metrics).
    pub fn state(&self) -> Arc<AppState> {
        Arc::clone(&self.state)
    }

    pub fn profile(&self) -> Arc<Profile> {
        Arc::clone(&self.profile)
    }

    /// Serves until `shutdown` completes, then drains in order: HTTP requests, workers, store.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let App {
            listener,
            state,
            outbox,
            outbox_feed,
            media,
            sla_check_interval,
            retention,
            indexer,
            ..
        } = self;
        // Started, and stopped, in this order: each worker stops before the ones it feeds. The
        // clock queues replies and changes reports; the sender must not have finished its
        // shutdown bookkeeping (clearing the marks of unsent replies) before the clock's last
        // pass. The sender and the media fetcher change reports, which the indexer indexes;
        // what it has not indexed stays queued for the next start.
        let mut runner = WorkerRunner::new(state.workers.clone());
        // It feeds no other worker; only with a token and a business account id to ask.
        if state.services.templates.configured() {
            runner.start(state.services.templates.worker());
        }
        runner.start(ClockWorker::new(
            state.services.workflow.clone(),
            sla_check_interval,
        ));
        runner.start(outbox.into_worker(outbox_feed));
        runner.start(media.into_worker());
        // Its first step catches up with the store, then sets `ready` (the webhook is served
        // meanwhile).
        runner.start(indexer.into_worker(&state.bus, Arc::clone(&state.ready)));
        // Prunes what is past its retention, an hour apart; feeds no other worker.
        runner.start(crate::retention::RetentionWorker::new(
            state.commit.clone(),
            retention,
        ));
        tracing::info!(address = %listener.local_addr()?, "siaga is serving");

        // With the peer address, which the sign-in limits key on.
        let served = axum::serve(
            listener,
            router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        state.ready.store(false, Ordering::SeqCst);
        tracing::info!("http stopped, intake drained; stopping workers in order");
        runner.stop_in_order().await;
        state
            .store
            .flush_blocking()
            .context("final flush of the store")?;
        tracing::info!("store flushed; bye");
        served.context("http server failed")
    }
}

/// Shows the ingest thread and the store's flush thread on the worker board, beside the
/// workers: a dead one, or a poisoned store, makes `/readyz` answer 503.
fn watch_threads(board: &WorkerBoard, ingest: &IngestBatcher, store: &Store) {
    board.watch_thread("ingest", ingest.health_reader());
    let store = store.clone();
    board.watch_thread("flush", move || {
        let health = store.flush_health();
        ThreadReading {
            running: health.running,
            busy: health.busy,
            errors: u64::from(health.poisoned.is_some()),
            failure: health
                .poisoned
                .map(|cause| format!("store poisoned: {cause}")),
            last_progress_ms: health.last_flush_ms,
            items_done: health.flushes,
            last_error: None,
        }
    });
}

/// How long a poisoned server may take to shut down in order before it exits anyway.
const POISONED_EXIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Completes with `shutdown` (SIGTERM or Ctrl-C), or once the store is poisoned (a durable flush failed):
/// then siaga stops, and exits non-zero (the final flush fails), so that the supervisor
/// restarts it and sled recovers from the log on disk. An open connection cannot hold it up
/// beyond `POISONED_EXIT_LIMIT`.
pub async fn shutdown_or_poison(store: Store, shutdown: impl Future<Output = ()>) {
    tokio::select! {
        _ = shutdown => {}
        cause = store.wait_until_poisoned() => {
            tracing::error!(%cause, "the store is poisoned; stopping so that siaga restarts and recovers from its log");
            std::thread::spawn(|| {
                std::thread::sleep(POISONED_EXIT_LIMIT);
                eprintln!("siaga: the store is poisoned and shutdown did not finish; exiting");
                std::process::exit(70);
            });
        }
    }
}

/// Panics go to the log like every other error, with phone numbers masked: a panic on citizen
/// input (which the ingest thread catches and survives) may quote the citizen's text.
pub fn log_panics_masked() {
    std::panic::set_hook(Box::new(|info| {
        let message = crate::worker::panic_message(info.payload());
        let location = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::capture();
        let backtrace = if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            backtrace.to_string()
        } else {
            String::new()
        };
        let message = crate::domain::redact::mask_phone_numbers(&message);
        if !tracing::dispatcher::has_been_set() {
            // A command without logging set up.
            eprintln!("siaga panicked at {location}: {message}\n{backtrace}");
            return;
        }
        tracing::error!(
            panic = %message,
            %location,
            thread = std::thread::current().name().unwrap_or("unnamed"),
            %backtrace,
            "panicked"
        );
    }));
}
