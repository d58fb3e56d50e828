//! `siaga serve` with the system allocator, for a heap profiler (the `siaga` binary uses
//! jemalloc, which heap profilers do not see; or preload another allocator into it). Takes the same settings (flags and `SIAGA_*`);
//! stops on SIGINT or SIGTERM.
//!
//!     cargo build --release --example heap_serve
//!     SIAGA_DATA_DIR=/tmp/d heaptrack target/release/examples/heap_serve --listen 127.0.0.1:8080
//!     heaptrack_print -f heaptrack.heap_serve.*.zst | less   # "PEAK MEMORY CONSUMERS"

use clap::Parser;
use siaga::app::App;
use siaga::config::{Config, Settings};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    settings: Settings,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    siaga::data_dir::restrict_new_file_permissions();
    let config = Config::validate(Args::parse().settings)?;
    let app = App::build(config).await?;
    let store = app.state().store.clone();
    let stop = async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { if let Some(term) = term.as_mut() { term.recv().await; } } => {}
        }
    };
    app.run_until_stopped(siaga::app::shutdown_or_poison(store, stop))
        .await
}
