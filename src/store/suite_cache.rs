//! sled's cache as patched (`vendor/sled/PATCHED.md`, the seventh change): the LRU charges a
//! page what its node costs in memory, not only its bytes in the log. Upstream's charge let a
//! tree of many small entries (a queue, a secondary index) hold two to three times the cache's
//! capacity in memory, and ever more entries for the same charge as the tree grew.
//!
//! The test fills a tree with small entries in scattered order through a small cache, reads
//! them all back in scattered order, and checks that the LRU's charge covers what the cached
//! nodes on its lists hold in memory, and that `Db::residency` sees the pages without paging
//! any in.

use super::suite_cleaning::mix;

/// What the cached nodes on the LRU's lists hold in memory at least: their key and value bytes
/// (`Node::rss`) and the two 24-byte `IVec`s of each entry.
fn listed_memory(residency: &sled::Residency) -> u64 {
    residency.listed_node_bytes + residency.listed_entries * 48
}

#[test]
fn a_cache_of_small_entries_holds_about_its_capacity_in_memory() {
    const CAPACITY: u64 = 2 * 1024 * 1024;
    const KEYS: u64 = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let db = super::open::config(dir.path(), CAPACITY)
        .flush_every_ms(None)
        .open()
        .unwrap();
    // Keys of 8 bytes and values of 4: an index entry, about 20 bytes in the log.
    for i in 0..KEYS {
        let key = mix(i).to_be_bytes();
        db.insert(key, &(i as u32).to_be_bytes()[..]).unwrap();
    }
    for i in 0..KEYS {
        let key = mix(mix(i) % KEYS).to_be_bytes();
        assert!(db.get(key).unwrap().is_some());
    }
    let residency = db.residency();
    assert!(
        residency.pages >= KEYS / 64,
        "the page table has every page: {residency:?}"
    );
    assert!(
        residency.resident_pages < residency.pages,
        "pages were evicted: {residency:?}"
    );
    // The LRU's charge must cover what the nodes it lists hold. With upstream's charge (log
    // bytes alone) they held about three times as much.
    assert!(residency.listed_entries > 0, "{residency:?}");
    assert!(
        listed_memory(&residency) <= residency.lru_charged_bytes,
        "the listed nodes hold {} bytes for a charge of {}: {residency:?}",
        listed_memory(&residency),
        residency.lru_charged_bytes
    );
    // The LRU keeps entries for the pages on its lists only (the patched sled's eighth change),
    // not for every page it ever listed: a table as large as the page table would mean memory
    // that grows with the store.
    assert!(
        residency.lru_entry_capacity < residency.pages / 2,
        "the LRU's entries follow the cache, not the store: {residency:?}"
    );
    // A shard may go over its share by the page it just listed.
    assert!(
        residency.lru_charged_bytes <= CAPACITY * 5 / 4,
        "the charge stays near the capacity: {residency:?}"
    );
    assert_eq!(
        db.residency().pages,
        residency.pages,
        "counting the pages pages none in or out"
    );
}
