//! Where intake's memory goes, for a heap profiler: this program uses the system allocator
//! (the `siaga` binary uses jemalloc, which heap profilers do not see), opens a store as
//! `siaga serve` does for a memory budget, and applies REPORTS new citizens' messages through
//! the real intake (one transaction each, a group flush every 64), printing RSS as it goes.
//!
//!     cargo build --release --example heap_intake
//!     heaptrack target/release/examples/heap_intake --reports 100000 --memory-budget-mb 256
//!     heaptrack_print -f heaptrack.heap_intake.*.zst | less   # "PEAK MEMORY CONSUMERS"

use clap::Parser;
use siaga::app::open_core;
use siaga::config::{Config, Settings};
use siaga::domain::phone::PhoneNumber;
use siaga::store::folder_bytes;
use siaga::whatsapp::payload;
use siaga::whatsapp::webhook::parse_notification;

#[derive(Parser)]
struct Args {
    /// New citizens' messages to apply, each opening a report.
    #[arg(long, default_value_t = 100_000)]
    reports: u64,
    /// The memory budget the store is opened with, as `siaga serve --memory-budget-mb`.
    #[arg(long, default_value_t = 256)]
    memory_budget_mb: u64,
    /// RSS is printed every this many reports.
    #[arg(long, default_value_t = 10_000)]
    every: u64,
}

fn status_mb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| {
            line.strip_prefix(key)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .map_or(0, |kb: u64| kb / 1024)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    siaga::data_dir::restrict_new_file_permissions();
    let dir = tempfile::tempdir()?;
    let config = Config::validate(Settings {
        data_dir: Some(dir.path().join("data")),
        memory_budget_mb: Some(args.memory_budget_mb),
        ..Settings::default()
    })?;
    let core = open_core(&config)?;
    println!(
        "reports,rss_mb,rss_anon_mb,store_mb,pages,free_pages,resident,resident_entries,\
         resident_node_kb,resident_log_kb,resident_blobs,cache_infos,cache_info_cap,lru_charged_kb,\
         lru_listed,lru_entry_cap"
    );
    let texts = [
        "tolong pak motor saya dicuri di depan pasar 16 ilir tadi pagi",
        "ada tawuran pelajar di jalan sudirman dekat simpang lima, ramai sekali",
        "rumah tetangga kemalingan semalam, pintunya dicongkel, mohon dibantu",
        "saya kena tipu online sudah transfer 2 juta barang tidak dikirim",
    ];
    for n in 0..args.reports {
        let now = chrono::Utc::now();
        let citizen = payload::Citizen {
            phone: PhoneNumber::parse(&format!("0813{n:08}"))
                .map_err(|error| anyhow::anyhow!("{error:?}"))?,
            name: format!("Warga {n}"),
        };
        let text = texts[(n % texts.len() as u64) as usize];
        let body = payload::to_wire_bytes(&payload::text_message(
            &citizen,
            &format!("wamid.heap.{n}"),
            now.timestamp(),
            text,
        ));
        let items = parse_notification(&body, now)?;
        core.intake.ingest(&body, &items, now)?;
        if n % 64 == 63 {
            core.store.flush_blocking()?;
        }
        if (n + 1) % args.every == 0 {
            let r = core.store.residency();
            println!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                n + 1,
                status_mb("VmRSS:"),
                status_mb("RssAnon:"),
                folder_bytes(&dir.path().join("data/store")) / (1024 * 1024),
                r.pages,
                r.free_pages,
                r.resident_pages,
                r.resident_entries,
                r.resident_node_bytes / 1024,
                r.resident_log_bytes / 1024,
                r.resident_blob_pages,
                r.cache_infos,
                r.cache_info_capacity,
                r.lru_charged_bytes / 1024,
                r.lru_listed,
                r.lru_entry_capacity
            );
        }
    }
    core.store.flush_blocking()?;
    Ok(())
}
