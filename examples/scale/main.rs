//! Issue #16's scale run: builds a realistic store of N reports (the benches' corpus told as
//! webhook deliveries, applied through intake's batch path, then the desk's outcome through
//! the ledger; see `build.rs`), starts the release `siaga serve` on it as a process of its
//! own, and measures what operators feel: every list, count, search and stats query of the
//! issue (p50, p99 over 100 runs), the subscription fan-out with 1,000 subscribers held by a
//! second process, RSS at rest, under 200 subscribers and under 500 msg/s of signed webhooks
//! from the load generator's process, bytes per report, restart time to `/readyz` 200, and
//! the load generator's rate against this store beside an empty one, in alternating runs.
//! Prints a Markdown table (measure | value | target) and writes it to `target/scale.md`.
//!
//!     cargo run --release --example scale -- --reports 1000000
//!     cargo run --release --example scale -- --reports 100000 --data /var/tmp/scale-100k
//!
//! `--data DIR` keeps the built store there and reuses it on the next run (the build resumes
//! where it stopped); without it the store is built in a temporary folder, kept with `--keep`.
//! It builds `siaga` and the `loadgen` example in release first (through `cargo`).

/// jemalloc, counted for `siaga_heap_live_bytes` (see `siaga::allocator` for why jemalloc).
#[global_allocator]
static ALLOCATOR: siaga::allocator::CountingAllocator = siaga::allocator::CountingAllocator;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;

#[allow(dead_code)]
#[path = "../../benches/support/corpus.rs"]
mod corpus;
// The subscription bench's clients; the bench's in-process side (`Webhooks::new`) is unused.
#[allow(dead_code)]
#[path = "../../benches/support/subscription_clients.rs"]
mod clients;

mod build;
mod phases;
mod queries;
mod server;
mod stories;
mod table;

#[derive(Parser, Debug)]
pub struct Args {
    /// Reports in the store.
    #[arg(long, default_value_t = 1_000_000)]
    reports: u64,
    /// A folder for the store (`DIR/data`), kept and reused by later runs.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Keep the temporary folder of a run without `--data`.
    #[arg(long)]
    keep: bool,
    /// Stories per build transaction.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Calls of each query.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Subscribers of the fan-out measure.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Subscribers held while RSS is read under subscribers and under intake.
    #[arg(long, default_value_t = 200)]
    rss_subscribers: usize,
    /// Reports each fan-out subscriber waits for.
    #[arg(long, default_value_t = 100)]
    fanout_messages: usize,
    /// Webhooks per second offered while RSS is read under intake.
    #[arg(long, default_value_t = 500)]
    intake_rate: u64,
    /// Seconds of that intake.
    #[arg(long, default_value_t = 30)]
    intake_seconds: u64,
    /// Webhooks per load generator run, for the rate at N reports beside an empty store.
    #[arg(long, default_value_t = 5000)]
    loadgen_messages: usize,
    /// Load generator runs on each store (alternating); 0 skips the comparison.
    #[arg(long, default_value_t = 2)]
    loadgen_rounds: usize,
    /// Only build the store.
    #[arg(long)]
    build_only: bool,
    /// Leave out the fan-out measure with `--subscribers` (RSS under `--rss-subscribers` is
    /// still measured).
    #[arg(long)]
    skip_fanout: bool,
    /// The `siaga` binary to measure (with `--loadgen`, nothing is built): for runs that
    /// alternate two builds copied to folders of their own.
    #[arg(long, requires = "loadgen")]
    siaga: Option<PathBuf>,
    /// The load generator binary (`--siaga` says when it is used).
    #[arg(long, requires = "siaga")]
    loadgen: Option<PathBuf>,
}

/// The binaries a run starts.
pub struct Binaries {
    pub siaga: PathBuf,
    pub loadgen: PathBuf,
}

/// Set for the subscription client process: the WebSocket URL it connects to (its token in
/// `CLIENT_TOKEN`); read by `clients`.
const CLIENT_OF: &str = "SUBSCRIPTION_CLIENT_OF";
const CLIENT_TOKEN: &str = "SUBSCRIPTION_CLIENT_TOKEN";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    if let Ok(url) = std::env::var(CLIENT_OF) {
        return tokio::runtime::Runtime::new()?.block_on(clients::run(url));
    }
    let args = Args::parse();
    let target =
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()));
    let bins = match (&args.siaga, &args.loadgen) {
        (Some(siaga), Some(loadgen)) => Binaries {
            siaga: siaga.clone(),
            loadgen: loadgen.clone(),
        },
        _ => {
            build_binaries()?;
            Binaries {
                siaga: binary(&target, "siaga"),
                loadgen: binary(&target, "loadgen"),
            }
        }
    };
    siaga::data_dir::restrict_new_file_permissions();
    let (work, _temporary) = match &args.data {
        Some(folder) => {
            std::fs::create_dir_all(folder)?;
            (folder.clone(), None)
        }
        None => {
            let folder = tempfile::Builder::new().prefix("siaga-scale-").tempdir()?;
            let path = folder.path().to_path_buf();
            if args.keep {
                eprintln!("the store is kept in {}", path.display());
                (folder.keep(), None)
            } else {
                (path, Some(folder))
            }
        }
    };
    let built = build::build(&work, args.reports, args.batch)?;
    eprintln!(
        "build: {} reports ({} applied by this run in {:.1} s)",
        built.reports,
        built.applied_now,
        built.elapsed.as_secs_f64()
    );
    if args.build_only {
        return Ok(());
    }
    let rows =
        tokio::runtime::Runtime::new()?.block_on(phases::run(&args, &bins, &work, &built))?;
    let heading = heading(&args, &built);
    let out = table::render(&heading, &rows);
    println!("{out}");
    std::fs::write(target.join("scale.md"), &out)?;
    Ok(())
}

fn heading(args: &Args, built: &build::Built) -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let build = if built.applied_now > 0 {
        format!(
            "built by this run in {:.0} s ({:.0} reports/s, intake's batch path, {} stories a transaction)",
            built.elapsed.as_secs_f64(),
            built.applied_now as f64 / built.elapsed.as_secs_f64().max(1e-9),
            args.batch
        )
    } else {
        "built by an earlier run (`--data`)".to_string()
    };
    format!(
        "Scale run: {} reports, {build}; release `siaga serve` as its own process on loopback, \
         clients and load generator in other processes; {cores} cores. Command: `cargo run \
         --release --example scale -- {}`.",
        built.reports,
        std::env::args().skip(1).collect::<Vec<_>>().join(" ")
    )
}

/// `siaga` and the load generator, in release, through the cargo that runs this example.
fn build_binaries() -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args([
            "build",
            "--release",
            "--bin",
            "siaga",
            "--example",
            "loadgen",
        ])
        .status()?;
    anyhow::ensure!(status.success(), "cargo build of siaga and loadgen failed");
    Ok(())
}

/// The release binaries under `target`.
pub fn binary(target: &Path, name: &str) -> PathBuf {
    if name == "siaga" {
        target.join("release").join(name)
    } else {
        target.join("release").join("examples").join(name)
    }
}

/// How long a phase may wait for the server to settle.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(1800);
