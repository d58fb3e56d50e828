//! `siaga reindex` on a stopped server: the whole search index built again from the store,
//! with a progress bar on stderr.

use anyhow::Context as _;

use crate::app::{Core, DataLayout, index_memory};
use crate::config::Config;
use crate::ledger::Ledger;
use crate::search::from_store::rebuild_from_store;
use crate::search::indexer::DocSource;

/// Rebuilds the index of `config`'s data dir from `core`'s store and says how fast it went.
pub fn reindex(config: &Config, core: &Core) -> anyhow::Result<()> {
    let source = DocSource::new(core.store.clone(), core.units.clone(), &core.profile)
        .with_default_channel(config.whatsapp.default_number_id());
    let index_dir = DataLayout::new(&config.data_dir).index;
    let total = core.store.reports().count() as u64;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} indexing [{bar:40}] {pos}/{len} reports, {per_sec}, {eta} left",
        )?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let memory = index_memory(config);
    let indexed = rebuild_from_store(&index_dir, &source, &core.store, memory, |done, _| {
        bar.set_position(done)
    })
    .context("rebuilding the search index")?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "indexed {indexed} reports in {seconds:.1} s ({:.0} reports/s) into {}",
        indexed as f64 / seconds.max(1e-9),
        index_dir.display()
    );
    Ok(())
}
