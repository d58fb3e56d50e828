//! The memory budget (`--memory-budget-mb`, `memory_budget_mb`, `SIAGA_MEMORY_BUDGET_MB`):
//! applied to sled's cache, the search index's writer and reader cache and the webhook
//! buffers of a running server; a budget too small to run with refused by the binary before
//! anything is opened; and the indexer's batches bounded by it, the rest left in the durable
//! queue.

mod common;

use std::sync::Arc;

use common::*;
use siaga::app::open_core;
use siaga::config::{Config, Settings};
use siaga::memory::MemoryBudget;
use siaga::search::indexer::{DocSource, Indexer};
use siaga::search::{IndexMemory, SearchIndex};
use siaga::whatsapp::payload;
use siaga::whatsapp::webhook::parse_notification;

const BODY_LIMIT: u64 = 4 * 1024 * 1024;

#[tokio::test]
async fn the_budget_sizes_sleds_cache_the_index_and_the_webhook_buffers() {
    let app = spawn_app_with(|settings| settings.memory_budget_mb = Some(128)).await;
    let split = MemoryBudget::new(Some(128)).unwrap().split(BODY_LIMIT);
    assert_eq!(app.state.store.cache_capacity(), split.sled_cache_capacity);
    let index = app.state.services.search.memory();
    assert_eq!(index.writer_bytes as u64, split.index_writer_bytes);
    assert_eq!(index.doc_store_cache_blocks, split.doc_store_cache_blocks);
    assert_eq!(
        app.state.limits.webhook_buffers.available_bytes() as u64,
        split.webhook_buffer_bytes
    );
    // Smaller than the default budget's parts, and the server still takes a citizen's report.
    let default = MemoryBudget::new(None).unwrap().split(BODY_LIMIT);
    assert!(split.sled_cache_capacity < default.sled_cache_capacity);
    assert!(split.index_writer_bytes < default.index_writer_bytes);
    let (_, ticket) = app
        .citizen_reports("081234500001", "motor saya dicuri")
        .await;
    assert!(ticket.starts_with("WA-"), "{ticket}");
}

#[tokio::test]
async fn without_a_setting_the_budget_is_256_mb() {
    let app = spawn_app().await;
    let split = MemoryBudget::new(Some(256)).unwrap().split(BODY_LIMIT);
    assert_eq!(app.state.store.cache_capacity(), split.sled_cache_capacity);
    assert_eq!(
        app.state.services.search.memory().writer_bytes as u64,
        split.index_writer_bytes
    );
}

#[test]
fn the_setting_is_read_from_the_file_and_the_environment_name_is_documented() {
    let settings: Settings = toml::from_str("memory_budget_mb = 512").unwrap();
    let config = Config::validate(settings).unwrap();
    assert_eq!(config.memory.mb(), 512);
    // The webhook buffers follow the budget unless set themselves.
    assert_eq!(config.webhook_buffer_budget_bytes, 32 * 1024 * 1024);
    let settings: Settings =
        toml::from_str("memory_budget_mb = 512\nwebhook_buffer_budget_bytes = 8388608").unwrap();
    assert_eq!(
        Config::validate(settings)
            .unwrap()
            .webhook_buffer_budget_bytes,
        8 * 1024 * 1024
    );
    let readme = include_str!("../README.md");
    assert!(readme.contains("`SIAGA_MEMORY_BUDGET_MB`"));
}

#[test]
fn the_binary_refuses_a_budget_too_small_to_run_with_and_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    for args in [
        vec!["serve", "--memory-budget-mb", "32"],
        vec!["serve", "--memory-budget-mb", "0"],
    ] {
        let output = run_siaga(&data_dir, &args, "");
        assert!(!output.status.success(), "{args:?} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("memory-budget-mb"), "{stderr}");
        assert!(stderr.contains("too small to run with"), "{stderr}");
        assert!(stderr.contains("at least 96 MB"), "{stderr}");
    }
    let file = dir.path().join("siaga.toml");
    std::fs::write(&file, "memory_budget_mb = 64\n").unwrap();
    let output = run_siaga(
        &data_dir,
        &["--config", file.to_str().unwrap(), "serve"],
        "",
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("too small to run with"));
    assert!(!data_dir.exists(), "a refused budget created the data dir");
}

/// The indexer holds one batch of documents in memory at a time: with a batch of 2, five new
/// reports take three batches, and what a batch did not take stays in the durable queue.
#[test]
fn the_indexer_takes_at_most_its_batch_and_leaves_the_rest_in_the_queue() {
    siaga::data_dir::restrict_new_file_permissions();
    let dir = tempfile::tempdir().unwrap();
    let config = Config::validate(Settings {
        data_dir: Some(dir.path().join("data")),
        ..Settings::default()
    })
    .unwrap();
    let core = open_core(&config).unwrap();
    let now = chrono::Utc::now();
    for n in 0..5 {
        let citizen = payload::Citizen {
            phone: siaga::domain::phone::PhoneNumber::parse(&format!("0812345600{n:02}")).unwrap(),
            name: format!("Warga {n}"),
        };
        let body = payload::to_wire_bytes(&payload::text_message(
            &citizen,
            &format!("wamid.batch.{n}"),
            now.timestamp(),
            "ada pencurian motor di pasar",
        ));
        let items = parse_notification(&body, now).unwrap();
        core.intake.ingest(&body, &items, now).unwrap();
    }
    let store = core.store.clone();
    assert_eq!(siaga::ledger::Ledger::index_queue(&store).len(), 5);
    let index = SearchIndex::open_sized(
        &dir.path().join("index"),
        siaga::text::Analyzer::sumsel(),
        IndexMemory::default(),
    )
    .unwrap();
    let source = DocSource::new(store.clone(), core.units.clone(), &core.profile);
    let indexer = Indexer::new(Arc::new(index), source, store.clone()).with_batch_limit(2);
    assert_eq!(indexer.drain_batch().unwrap(), 2);
    assert_eq!(indexer.index().num_docs(), 2);
    assert_eq!(siaga::ledger::Ledger::index_queue(&store).len(), 3);
    assert_eq!(indexer.drain_batch().unwrap(), 2);
    assert_eq!(indexer.catch_up().unwrap(), 1);
    assert_eq!(indexer.index().num_docs(), 5);
    assert!(siaga::ledger::Ledger::index_queue(&store).is_empty());
}
