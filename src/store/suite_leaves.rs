//! sled's leaves as siaga configures them (`open.rs`: up to 64 entries or 16 KB, the rightmost
//! node of a tree split near its end; `vendor/sled/PATCHED.md`): keys appended in order, keys
//! in random order, a queue that is appended to and emptied, and values large enough to split
//! leaves by bytes, written by concurrent transactions, must all read back exactly, in order,
//! before and after the store is reopened.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// splitmix64: a tiny deterministic generator, so a failure can be replayed.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn value(seed: u64, len: usize) -> Vec<u8> {
    (0..len).map(|i| mix(seed + i as u64 / 8) as u8).collect()
}

fn put(store: &Store, table: Table, key: &[u8], value: &[u8]) {
    store
        .transaction(|tx| -> Result<(), TxError<()>> {
            tx.put(table, key, value)?;
            Ok(())
        })
        .unwrap();
}

fn remove(store: &Store, table: Table, key: &[u8]) {
    store
        .transaction(|tx| -> Result<(), TxError<()>> {
            tx.remove(table, key)?;
            Ok(())
        })
        .unwrap();
}

/// Keys that grow, with values from 16 bytes to 3 KB: leaves split by count and by bytes,
/// and the rightmost one keeps most of its entries.
fn appended(store: &Store, writes: u64) -> Model {
    let mut model = Model::new();
    for i in 0..writes {
        let key = i.to_be_bytes().to_vec();
        let value = value(i, 16 + (mix(i) % 3000) as usize);
        put(store, Table::Reports, &key, &value);
        model.insert(key, value);
    }
    model
}

/// Keys in random order, a fifth of the writes overwriting an earlier key with a new value.
fn scattered(store: &Store, writes: u64) -> Model {
    let mut model = Model::new();
    for i in 0..writes {
        let n = if i % 5 == 4 { mix(i) % i } else { i };
        let key = format!("wamid.{:016x}", mix(n ^ 0xABCD)).into_bytes();
        let value = value(i ^ 0x55, 8 + (mix(i + 1) % 120) as usize);
        put(store, Table::MessageExternalIds, &key, &value);
        model.insert(key, value);
    }
    model
}

/// A queue: appended in order, its oldest entry removed once 40 are waiting, and emptied at
/// the end but for the last few, so that leaves shrink and merge.
fn queue(store: &Store, writes: u64) -> Model {
    let mut model = Model::new();
    for i in 0..writes {
        let key = i.to_be_bytes().to_vec();
        put(store, Table::Outbox, &key, &value(i, 40));
        model.insert(key, value(i, 40));
        if i >= 40 {
            let old = (i - 40).to_be_bytes().to_vec();
            remove(store, Table::Outbox, &old);
            model.remove(&old);
        }
    }
    for i in writes.saturating_sub(40)..writes.saturating_sub(3) {
        let key = i.to_be_bytes().to_vec();
        remove(store, Table::Outbox, &key);
        model.remove(&key);
    }
    model
}

fn read(store: &Store, table: Table) -> Model {
    store.range(table, &[], None).map(Result::unwrap).collect()
}

fn assert_holds(store: &Store, models: &[(Table, Model)]) {
    for (table, model) in models {
        let stored = read(store, *table);
        assert_eq!(stored.len(), model.len(), "{table:?}: entries");
        assert!(stored == *model, "{table:?}: contents differ");
        let backwards: Vec<Vec<u8>> = store
            .range(*table, &[], None)
            .rev()
            .map(|entry| entry.unwrap().0)
            .collect();
        assert!(
            backwards.iter().rev().eq(model.keys()),
            "{table:?}: reverse order"
        );
    }
}

#[test]
fn leaves_split_by_count_and_bytes_hold_every_key_across_concurrent_writers_and_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let writers = [
        (Table::Reports, appended as fn(&Store, u64) -> Model, 2_500),
        (Table::MessageExternalIds, scattered, 4_000),
        (Table::Outbox, queue, 3_000),
    ]
    .map(|(table, write, writes)| {
        let store = Arc::clone(&store);
        (table, std::thread::spawn(move || write(&store, writes)))
    });
    let models: Vec<(Table, Model)> = writers
        .into_iter()
        .map(|(table, writer)| (table, writer.join().unwrap()))
        .collect();
    assert_holds(&store, &models);
    store.flush_blocking().unwrap();
    drop(store);

    let reopened = Store::open(dir.path()).unwrap();
    assert_holds(&reopened, &models);
}
