//! Where a store's bytes go: for each table its keys, the bytes of its keys and values, and
//! the bytes per report; then sled's size on disk and the store folder's files. The data dir
//! must be stopped (the store's lock is taken).
//!
//!     cargo run --release --example store_bytes -- --data-dir /path/to/data
//!     scripts/store-bytes.sh 100000     # builds a store through `siaga serve` first

use clap::Parser;
use siaga::app::DataLayout;
use siaga::store::{Store, Table, folder_bytes};

#[derive(Parser)]
struct Args {
    /// A stopped server's data dir.
    #[arg(long)]
    data_dir: std::path::PathBuf,
    /// Keep the store open this many seconds before measuring sled's log, so that sled's
    /// segment cleaner (its background flusher) finishes the segments it found half empty.
    #[arg(long, default_value_t = 0)]
    settle_seconds: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let layout = DataLayout::new(&args.data_dir);
    anyhow::ensure!(
        layout.store.is_dir(),
        "{} holds no store",
        layout.store.display()
    );
    let store = Store::open(&layout.store)?;
    let tables = store.table_bytes()?;
    let reports = tables
        .iter()
        .find(|counted| counted.table == Table::Reports)
        .map_or(0, |counted| counted.keys)
        .max(1);
    println!("{reports} reports");
    println!("| table | keys | key bytes | value bytes | bytes per report | keys per report |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let (mut keys, mut bytes) = (0, 0);
    for counted in tables.iter().filter(|counted| counted.keys > 0) {
        keys += counted.keys;
        bytes += counted.bytes();
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.2} |",
            counted.table.tree_name(),
            counted.keys,
            counted.key_bytes,
            counted.value_bytes,
            counted.bytes() as f64 / reports as f64,
            counted.keys as f64 / reports as f64,
        );
    }
    println!(
        "| all tables | {keys} | | {bytes} | {:.0} | {:.2} |",
        bytes as f64 / reports as f64,
        keys as f64 / reports as f64
    );
    let on_disk = store.size_on_disk()?;
    let mut space = store.space_report()?;
    if args.settle_seconds > 0 {
        print_space(&space, reports);
        // sled judges its segments after a flush: one id drawn (sled's own counter, no
        // table is touched) and flushed a second keeps it doing so.
        for _ in 0..args.settle_seconds {
            store.generate_id()?;
            store.flush_blocking()?;
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        println!();
        println!("after {} seconds open:", args.settle_seconds);
        space = store.space_report()?;
        println!(
            "sled size_on_disk: {} bytes ({:.0} per report)",
            store.size_on_disk()?,
            store.size_on_disk()? as f64 / reports as f64
        );
    }
    drop(store);
    let files = folder_bytes(&layout.store);
    println!(
        "sled size_on_disk: {on_disk} bytes ({:.0} per report); store folder: {files} bytes ({:.0} per report)",
        on_disk as f64 / reports as f64,
        files as f64 / reports as f64
    );
    print_space(&space, reports);
    Ok(())
}

/// sled's log: live fragments against the file, and the pages they belong to.
fn print_space(space: &sled::SpaceReport, reports: u64) {
    let per_report = |bytes: u64| bytes as f64 / reports as f64;
    let segments = space.free_segments + space.used_segments;
    let used_bytes = space.used_segments * space.segment_size;
    println!();
    println!("| sled's log | bytes | bytes per report |");
    println!("| --- | ---: | ---: |");
    println!(
        "| the file ({segments} segments of {} KiB) | {} | {:.0} |",
        space.segment_size / 1024,
        space.file_bytes,
        per_report(space.file_bytes)
    );
    println!(
        "| live fragments (pages' bases and deltas) | {} | {:.0} |",
        space.live_bytes,
        per_report(space.live_bytes)
    );
    println!(
        "| dead space in {} used segments (old versions, padding) | {} | {:.0} |",
        space.used_segments,
        used_bytes.saturating_sub(space.live_bytes),
        per_report(used_bytes.saturating_sub(space.live_bytes))
    );
    println!(
        "| {} free segments (not given back to the file system) | {} | {:.0} |",
        space.free_segments,
        space.free_segments * space.segment_size,
        per_report(space.free_segments * space.segment_size)
    );
    println!(
        "| the pages' bases | {} | {:.0} |",
        space.base_bytes,
        per_report(space.base_bytes)
    );
    println!(
        "| the pages' deltas | {} | {:.0} |",
        space.delta_bytes,
        per_report(space.delta_bytes)
    );
    println!(
        "| every page written whole once | {} | {:.0} |",
        space.consolidated_bytes,
        per_report(space.consolidated_bytes)
    );
    println!(
        "pages: {} ({} leaves, {:.1} entries a leaf); fragments: {} ({:.2} a page)",
        space.pages,
        space.leaves,
        space.leaf_entries as f64 / space.leaves.max(1) as f64,
        space.fragments,
        space.fragments as f64 / space.pages.max(1) as f64
    );
    println!(
        "pages by fragments (1, 2, ... 16+): {:?}",
        space.fragment_histogram
    );
    println!(
        "used segments by live share (0-10%, ... 90-100%): {:?}; {} of them being cleaned (counted at 0%)",
        space.live_share_histogram, space.draining_segments
    );
}
