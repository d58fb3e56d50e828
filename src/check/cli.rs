//! The `siaga check` command on a stopped data dir: open, check, repair if asked, check again.

use std::io::Write;

use anyhow::Context as _;

use super::{check, render, repair};
use crate::app::{DataLayout, open_core};
use crate::config::Config;
use crate::search::indexer::DocSource;

/// Checks the data dir of `config` and writes the findings to `out`; with `repair`, repairs
/// what can be derived and checks again. Returns whether the data dir is (now) clean. Refuses
/// a data dir a running server holds.
pub fn run_offline(config: &Config, repair_it: bool, out: &mut dyn Write) -> anyhow::Result<bool> {
    let layout = DataLayout::new(&config.data_dir);
    anyhow::ensure!(
        layout.store.is_dir(),
        "{} holds no siaga store (no {}): nothing to check",
        config.data_dir.display(),
        layout.store.display()
    );
    let core = open_core(config).with_context(|| {
        format!(
            "opening {} (siaga check needs the server stopped: is it still running?)",
            config.data_dir.display()
        )
    })?;
    let configured: Vec<String> = config
        .whatsapp
        .numbers
        .iter()
        .map(|number| number.phone_number_id.clone())
        .collect();
    let mut findings = check(&core.store, &layout.index)?;
    super::check_channels(&core.store, &configured, &mut findings)?;
    super::check_template_accounts(
        &core.store,
        &other_template_accounts(&config.whatsapp.channels()),
        &mut findings,
    )?;
    writeln!(out, "siaga check of {}", config.data_dir.display())?;
    write!(out, "{}", render(&findings))?;
    if findings.is_clean() || !repair_it {
        return Ok(findings.is_clean());
    }
    if findings.repairable() == 0 {
        writeln!(out, "nothing here can be repaired from the store")?;
        return Ok(false);
    }
    let source = DocSource::new(core.store.clone(), core.units.clone(), &core.profile)
        .with_default_channel(config.whatsapp.default_number_id());
    let repaired = repair(&core.store, &layout.index, &source, &findings)?;
    writeln!(
        out,
        "repaired: {} entries written again or removed{}",
        repaired.entries,
        repaired.reindexed.map_or(String::new(), |docs| format!(
            ", index rebuilt with {docs} reports"
        ))
    )?;
    let again = check(&core.store, &layout.index)?;
    writeln!(out, "after the repair:")?;
    write!(out, "{}", render(&again))?;
    Ok(again.is_clean())
}

/// The business accounts of the configured numbers other than the default number's, once each.
fn other_template_accounts(channels: &crate::domain::channel::ChannelDirectory) -> Vec<String> {
    let mut accounts: Vec<String> = Vec::new();
    for channel in channels.all() {
        if let Some(account) = channels.template_account(Some(&channel.phone_number_id))
            && !accounts.iter().any(|known| known == account)
        {
            accounts.push(account.to_string());
        }
    }
    accounts
}
