//! The `siaga` command: parses the command line, sets up logging, and hands off to the library.

/// jemalloc, counted for `siaga_heap_live_bytes` (see `siaga::allocator` for why jemalloc).
#[global_allocator]
static ALLOCATOR: siaga::allocator::CountingAllocator = siaga::allocator::CountingAllocator;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use siaga::app::{App, open_core};
use siaga::auth::add_user_offline;
use siaga::config::{Config, Settings};
use siaga::domain::audit::{AuditAction, AuditEntry};
use siaga::domain::ids::UnitCode;
use siaga::domain::user::Role;
use siaga::export::{DateRange, ExportFormat, Reader, Selection, export};

#[derive(Parser)]
#[command(
    name = "siaga",
    version,
    about = "WhatsApp help line server for a police command center"
)]
struct Cli {
    /// A TOML file with settings (flags and SIAGA_* environment variables win over it).
    #[arg(long, global = true, env = "SIAGA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        settings: Settings,
    },
    /// Run a sandbox help desk on a throw-away data dir and play sample citizen messages.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// How many sample messages to play.
        #[arg(long, default_value_t = 60)]
        messages: usize,
        /// Pause between messages, in milliseconds.
        #[arg(long, default_value_t = 700)]
        interval_ms: u64,
    },
    /// Manage operator accounts on a stopped server's data dir.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Print the GraphQL schema (SDL), the same text as schema/schema.graphql.
    Schema,
    /// List the poison deliveries kept in quarantine, or replay one once the bug that made it
    /// fail is fixed. The server must be stopped.
    Quarantine {
        /// Apply this quarantined delivery again (by its id) and take it out of the quarantine.
        #[arg(long)]
        replay: Option<u64>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Rebuild the search index from the store, with a progress bar. The server must be stopped.
    Reindex {
        #[command(flatten)]
        settings: Settings,
    },
    /// Copy the data dir (store and media) into a new folder. The server must be stopped.
    Backup {
        /// A new or empty folder.
        target: PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
    /// Copy a backup into a new or empty data dir.
    Restore {
        /// A folder written by `siaga backup`.
        source: PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
    /// Check a stopped server's data dir for inconsistencies (messages and reports, tickets,
    /// queues, timelines, the search index); exits non-zero when it finds any.
    Check {
        /// Rebuild what can be derived (the search index, lookups and queue entries), then
        /// check again. Never deletes evidence.
        #[arg(long)]
        repair: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Give back the disk space of deleted and pruned records: the store is copied into a
    /// fresh one, verified, and swapped in. The server must be stopped.
    Compact {
        #[command(flatten)]
        settings: Settings,
    },
    /// Export reports (one per line) for analysts. The server must be stopped.
    Export {
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// First day (YYYY-MM-DD, UTC) of report creation to include.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day (YYYY-MM-DD, UTC) to include.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Hide phone numbers, WhatsApp user ids and message ids, also inside texts (as
        /// analysts see them).
        #[arg(long)]
        mask_phones: bool,
        #[command(flatten)]
        filter: ExportFilterArgs,
        #[command(flatten)]
        settings: Settings,
    },
}

/// The API's `ReportFilter`, as flags of `siaga export`.
#[derive(clap::Args)]
struct ExportFilterArgs {
    /// Only reports in these statuses (NEW, FORWARDED, …; repeat or separate by commas).
    #[arg(long, value_delimiter = ',')]
    status: Vec<String>,
    /// Only reports of these category codes (repeat or separate by commas).
    #[arg(long, value_delimiter = ',')]
    category: Vec<String>,
    /// Only reports assigned to this unit or a unit below it.
    #[arg(long)]
    unit: Option<String>,
    /// Only reports of these priorities (URGENT, HIGH, NORMAL, LOW).
    #[arg(long, value_delimiter = ',')]
    priority: Vec<String>,
    /// Only reports with (true) or without (false) media.
    #[arg(long)]
    has_media: Option<bool>,
    /// Only reports past (true) or within (false) their SLA due time.
    #[arg(long)]
    overdue: Option<bool>,
    /// Only reports whose citizen answered the satisfaction question so (PUAS, CUKUP,
    /// TIDAK_PUAS).
    #[arg(long, value_delimiter = ',')]
    satisfaction: Vec<String>,
    /// Only reports that came in on this business number (its phone number id).
    #[arg(long)]
    channel: Option<String>,
}

impl ExportFilterArgs {
    fn into_filter(
        self,
        channels: &siaga::domain::channel::ChannelDirectory,
    ) -> anyhow::Result<siaga::workflow::ReportFilter> {
        let list = |items: Vec<String>| (!items.is_empty()).then(|| items.join(","));
        siaga::export::FilterText {
            status: list(self.status),
            category: list(self.category),
            unit: self.unit,
            priority: list(self.priority),
            has_media: self.has_media,
            overdue: self.overdue,
            satisfaction: list(self.satisfaction),
            channel: self.channel,
        }
        .to_filter(channels)
        .map_err(|error| anyhow::anyhow!("{}", error.message))
    }
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// admin, supervisor, operator, officer or analyst.
        #[arg(long)]
        role: String,
        /// The unit code (required for officers), e.g. POLSEK_IB_I.
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        settings: Settings,
    },
}

fn load_config(file: Option<&PathBuf>, flags: Settings) -> anyhow::Result<Config> {
    let file_settings = match file {
        Some(path) => Settings::from_toml_file(path)?,
        None => Settings::default(),
    };
    Ok(Config::validate(flags.over(file_settings))?)
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested");
}

fn main() -> anyhow::Result<()> {
    siaga::data_dir::restrict_new_file_permissions();
    siaga::app::log_panics_masked();
    siaga::allocator::run_tuned(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { settings } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            init_logging(config.log_json);
            let app = App::build(config).await?;
            // Not in `App::build`: the demo creates its accounts right after building.
            if app.state().services.auth.user_count() == 0 {
                tracing::warn!(
                    "no users yet: create the first admin with `siaga user add --username admin --role admin --password-stdin` (server stopped, same data dir)"
                );
            }
            let store = app.state().store.clone();
            app.run_until_stopped(siaga::app::shutdown_or_poison(store, shutdown_signal()))
                .await
        }
        Command::Demo {
            listen,
            messages,
            interval_ms,
        } => run_demo(listen, messages, interval_ms).await,
        Command::Backup { target, settings } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let manifest = siaga::backup::backup(&config.data_dir, &target)?;
            eprintln!(
                "backed up {} reports, {} messages, {} media files ({} bytes) to {}",
                manifest.reports,
                manifest.messages,
                manifest.media_files,
                manifest.bytes,
                target.display()
            );
            Ok(())
        }
        Command::Restore { source, settings } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let manifest = siaga::backup::restore(&source, &config.data_dir)?;
            eprintln!(
                "restored {} reports from the backup of {} into {}",
                manifest.reports,
                manifest.created_at,
                config.data_dir.display()
            );
            Ok(())
        }
        Command::Reindex { settings } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let core = open_core(&config)
                .context("opening the data dir (is the server still running?)")?;
            siaga::reindex::reindex(&config, &core)
        }
        Command::Quarantine { replay, settings } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let core = open_core(&config)
                .context("opening the data dir (is the server still running?)")?;
            match replay {
                Some(id) => {
                    let outcome = siaga::quarantine::replay(&core, id)?;
                    eprintln!(
                        "replayed quarantined delivery {id}: {} new messages, {} duplicates, {} reports opened",
                        outcome.messages_new, outcome.duplicates, outcome.reports_opened
                    );
                }
                None => {
                    use siaga::ledger::Ledger as _;
                    let entries = core.store.quarantine().all()?;
                    print!("{}", siaga::quarantine::listing(&entries));
                    eprintln!("{} quarantined deliveries", entries.len());
                }
            }
            Ok(())
        }
        Command::Check { repair, settings } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let clean = siaga::check::run_offline(&config, repair, &mut std::io::stdout())?;
            if !clean {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Compact { settings } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let done = siaga::compact::compact(&config.data_dir)?;
            let mb = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
            eprintln!(
                "compacted {} entries: the store took {:.1} MB, now {:.1} MB",
                done.entries,
                mb(done.bytes_before),
                mb(done.bytes_after)
            );
            Ok(())
        }
        Command::Schema => {
            print!("{}", siaga::api::graphql::schema_sdl());
            Ok(())
        }
        Command::User {
            action:
                UserAction::Add {
                    username,
                    role,
                    unit,
                    password_stdin: _,
                    settings,
                },
        } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let role = Role::parse(&role).with_context(|| {
                format!(
                    "unknown role {role:?}: use admin, supervisor, operator, officer or analyst"
                )
            })?;
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let unit = unit
                .map(|code| UnitCode::parse(&code))
                .transpose()
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            let core = open_core(&config)
                .context("opening the data dir (is the server still running?)")?;
            if let Some(code) = &unit {
                anyhow::ensure!(core.units.tree().get(code).is_some(), "unknown unit {code}");
            }
            let user = add_user_offline(&core.store, username.trim(), password, role, unit)
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            core.store.flush_blocking()?;
            eprintln!("created {} ({})", user.username, user.role.as_str());
            Ok(())
        }
        Command::Export {
            format,
            from,
            to,
            output,
            mask_phones,
            filter,
            settings,
        } => {
            let config = load_config(cli.config.as_ref(), settings)?;
            let core = open_core(&config)
                .context("opening the data dir (is the server still running?)")?;
            let mut out: Box<dyn std::io::Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let tree = core.units.tree();
            let filter = filter.into_filter(&config.whatsapp.channels())?;
            filter
                .validate(&tree)
                .map_err(|error| anyhow::anyhow!("{}", error.message))?;
            let selection = Selection {
                range: DateRange { from, to },
                filter: &filter,
                tree: &tree,
                sla: &core.profile.sla,
                reader: Reader {
                    mask_phones,
                    ..Reader::EVERYTHING
                },
            };
            let count = export(&core.store, format, &selection, &mut out)?;
            // Poison deliveries are raw webhook bodies, not reports: evidence kept apart, with
            // numbers and ids no mask can be trusted to catch.
            let quarantined = siaga::ledger::Ledger::quarantine(&core.store).len();
            if quarantined > 0 {
                eprintln!(
                    "{quarantined} quarantined deliveries are not in the export; `siaga quarantine` lists them"
                );
            }
            let detail = format!(
                "siaga export (command line): {count} reports{}",
                if mask_phones { ", phones masked" } else { "" }
            );
            let entry = AuditEntry::new(AuditAction::Export, None)
                .subject(format!("{format:?}").to_lowercase())
                .detail(detail);
            siaga::audit::append(&core.store, entry)?;
            core.store.flush_blocking()?;
            eprintln!("exported {count} reports");
            Ok(())
        }
    }
}

async fn run_demo(listen: String, messages: usize, interval_ms: u64) -> anyhow::Result<()> {
    init_logging(false);
    let data_dir = tempfile::Builder::new().prefix("siaga-demo-").tempdir()?;
    let settings = Settings {
        data_dir: Some(data_dir.path().to_path_buf()),
        listen: Some(listen),
        wa_app_secret: Some(siaga::demo::DEMO_APP_SECRET.to_string()),
        wa_verify_token: Some("siaga-demo".to_string()),
        ..Settings::default()
    };
    let config = Config::validate(settings)?;
    let app = App::build(config).await?;
    let base_url = format!("http://{}", app.local_addr());
    let state = app.state();
    siaga::demo::create_demo_users(&state.services.auth)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let samples = app.profile().samples.clone();
    println!("siaga demo: a sandbox help desk (nothing is sent to WhatsApp)");
    println!("  console:  {base_url}/  <- open it in a browser and sign in (username / password):");
    for (username, password, role, unit) in siaga::demo::DEMO_USERS {
        println!(
            "    {username:<11} {password:<22} {}{}",
            role.as_str(),
            unit.map(|unit| format!(" of {unit}")).unwrap_or_default()
        );
    }
    println!("  webhook:  {base_url}/webhooks/whatsapp  (signed with the demo app secret)");
    println!("  health:   {base_url}/readyz   metrics: {base_url}/metrics");
    println!(
        "  data dir: {} (deleted on exit)",
        data_dir.path().display()
    );
    println!(
        "  graphql:  {base_url}/graphql  (GraphiQL in a browser; subscriptions on {base_url}/graphql/ws)"
    );
    println!("playing {messages} sample citizen messages; Ctrl-C to stop\n");
    let server = tokio::spawn(app.run_until_stopped(shutdown_signal()));
    tokio::spawn(siaga::demo::print_feed(state.clone()));
    tokio::spawn({
        let base_url = base_url.clone();
        async move {
            let worked = siaga::demo::work_some_reports(base_url, Duration::from_secs(8)).await;
            if let Err(error) = worked {
                eprintln!("the demo's supervisor stopped: {error}");
            }
        }
    });
    let player = tokio::spawn(siaga::demo::play_samples(
        base_url,
        samples,
        messages,
        Duration::from_millis(interval_ms),
    ));
    let played = player.await?;
    if let Err(error) = played {
        eprintln!("demo player stopped: {error}");
    } else {
        println!("\nall sample messages played; the help desk keeps running (Ctrl-C to stop)");
    }
    server.await??;
    Ok(())
}
