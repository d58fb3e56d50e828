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
    drop(store);
    let files = folder_bytes(&layout.store);
    println!(
        "sled size_on_disk: {on_disk} bytes ({:.0} per report); store folder: {files} bytes ({:.0} per report)",
        on_disk as f64 / reports as f64,
        files as f64 / reports as f64
    );
    Ok(())
}
