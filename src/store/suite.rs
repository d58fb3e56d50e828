//! The storage test suite: what any engine behind `Store` must do. Independent of HTTP.

use super::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counter {
    value: u64,
}
impl Record for Counter {
    const NAME: &'static str = "counter";
}

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

#[test]
fn a_committed_transaction_writes_every_table_together() {
    let (_dir, store) = temp_store();
    store
        .transaction(|tx| -> Result<(), TxError<()>> {
            tx.put(Table::Reports, b"r1", b"report")?;
            tx.put_record(Table::Messages, b"m1", &Counter { value: 1 })?;
            Ok(())
        })
        .unwrap();
    assert_eq!(
        store.get(Table::Reports, b"r1").unwrap().as_deref(),
        Some(&b"report"[..])
    );
    assert_eq!(
        store.get_record::<Counter>(Table::Messages, b"m1").unwrap(),
        Some(Counter { value: 1 })
    );
}

#[test]
fn a_refused_transaction_changes_nothing_even_after_writing() {
    let (_dir, store) = temp_store();
    let outcome = store.transaction(|tx| -> Result<(), TxError<&'static str>> {
        tx.put(Table::Reports, b"r1", b"half written")?;
        Err(TxError::Abort("illegal status change"))
    });
    assert!(matches!(
        outcome,
        Err(TxError::Abort("illegal status change"))
    ));
    assert_eq!(store.get(Table::Reports, b"r1").unwrap(), None);
}

#[test]
fn reads_inside_a_transaction_see_its_own_writes() {
    let (_dir, store) = temp_store();
    let seen = store
        .transaction(|tx| -> Result<Option<Vec<u8>>, TxError<()>> {
            tx.put(Table::Meta, b"k", b"v")?;
            Ok(tx.get(Table::Meta, b"k")?)
        })
        .unwrap();
    assert_eq!(seen.as_deref(), Some(&b"v"[..]));
}

/// `Tx::put` and `Tx::remove` no longer read the value they replace (issue 16 part 4): every
/// mix of reads, overwrites and removals in one transaction leaves what it left before, and a
/// key written twice is still counted once.
#[test]
fn writes_that_do_not_read_the_old_value_leave_the_same_records() {
    let (_dir, store) = temp_store();
    store.put(Table::Meta, b"kept", b"old").unwrap();
    store.put(Table::Meta, b"gone", b"old").unwrap();
    store
        .put(Table::Meta, b"read then written", b"old")
        .unwrap();
    let before = store.write_counts();
    let seen = store
        .transaction(|tx| -> Result<Vec<Option<Vec<u8>>>, TxError<()>> {
            let read = tx.get(Table::Meta, b"read then written")?;
            tx.put(Table::Meta, b"read then written", b"new")?;
            tx.put(Table::Meta, b"twice", b"first")?;
            tx.put(Table::Meta, b"twice", b"second")?;
            tx.remove(Table::Meta, b"gone")?;
            tx.remove(Table::Meta, b"never there")?;
            tx.put(Table::Meta, b"removed then written", b"back")?;
            tx.remove(Table::Meta, b"removed then written")?;
            tx.put(Table::Meta, b"removed then written", b"again")?;
            Ok(vec![
                read,
                tx.get(Table::Meta, b"read then written")?,
                tx.get(Table::Meta, b"twice")?,
                tx.get(Table::Meta, b"gone")?,
                tx.get(Table::Meta, b"kept")?,
            ])
        })
        .unwrap();
    let some = |bytes: &[u8]| Some(bytes.to_vec());
    assert_eq!(
        seen,
        vec![
            some(b"old"),
            some(b"new"),
            some(b"second"),
            None,
            some(b"old")
        ]
    );
    let stored: Vec<(Vec<u8>, Vec<u8>)> = store
        .scan_prefix(Table::Meta, b"")
        .map(Result::unwrap)
        .collect();
    let expected: Vec<(Vec<u8>, Vec<u8>)> = [
        (&b"kept"[..], &b"old"[..]),
        (b"read then written", b"new"),
        (b"removed then written", b"again"),
        (b"twice", b"second"),
    ]
    .iter()
    .map(|(key, value)| (key.to_vec(), value.to_vec()))
    .collect();
    assert_eq!(stored, expected);
    let counted = store.write_counts().of(Table::Meta) - before.of(Table::Meta);
    assert_eq!(
        counted, 5,
        "each key written counts once, removals included"
    );
}

#[test]
fn concurrent_transactions_never_lose_a_counter_increment() {
    let (_dir, store) = temp_store();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for _ in 0..200 {
                    let next = store
                        .transaction(|tx| -> Result<u64, TxError<()>> {
                            Ok(tx.next_in_sequence("ticket:2026")?)
                        })
                        .unwrap();
                    seen.push(next);
                }
                seen
            })
        })
        .collect();
    let mut all: Vec<u64> = threads
        .into_iter()
        .flat_map(|thread| thread.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=1600).collect::<Vec<u64>>(),
        "every number handed out exactly once"
    );
}

#[test]
fn scans_return_keys_in_big_endian_order() {
    let (_dir, store) = temp_store();
    for id in [300u64, 2, 70_000, 1] {
        let key = keys::KeyBuilder::new().u64(9).u64(id).build();
        store.put(Table::Timeline, &key, b"").unwrap();
    }
    store
        .put(
            Table::Timeline,
            &keys::KeyBuilder::new().u64(10).u64(0).build(),
            b"",
        )
        .unwrap();
    let ids: Vec<u64> = store
        .scan_prefix(Table::Timeline, &keys::u64_key(9))
        .map(|entry| keys::read_u64(&entry.unwrap().0, 8).unwrap())
        .collect();
    assert_eq!(ids, vec![1, 2, 300, 70_000]);
    let first_two: Vec<u64> = store
        .range(
            Table::Timeline,
            &keys::KeyBuilder::new().u64(9).u64(0).build(),
            Some(&keys::KeyBuilder::new().u64(9).u64(3).build()),
        )
        .map(|entry| keys::read_u64(&entry.unwrap().0, 8).unwrap())
        .collect();
    assert_eq!(first_two, vec![1, 2]);
}

#[test]
fn generated_ids_increase_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let store = Store::open(dir.path()).unwrap();
        let id = store.generate_id().unwrap();
        store.flush_blocking().unwrap();
        id
    };
    let store = Store::open(dir.path()).unwrap();
    assert!(store.generate_id().unwrap() > first);
}

#[test]
fn flushed_writes_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.put(Table::RawPayloads, b"raw", b"body").unwrap();
        runtime.block_on(store.flush()).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.get(Table::RawPayloads, b"raw").unwrap().as_deref(),
        Some(&b"body"[..])
    );
}

#[test]
fn many_concurrent_flushes_share_fsyncs() {
    let (_dir, store) = temp_store();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for index in 0..200u64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .put(Table::RawPayloads, &keys::u64_key(index), b"x")
                    .unwrap();
                store.flush().await.unwrap();
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
    let flushes = store.flush_stats().flushes;
    assert!(
        (1..200).contains(&flushes),
        "200 waiters were served by {flushes} flushes"
    );
}

#[test]
fn a_flush_with_nothing_new_written_skips_the_fsync_and_one_after_a_write_does_not() {
    let (_dir, store) = temp_store();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        store.put(Table::RawPayloads, b"a", b"1").unwrap();
        store.flush().await.unwrap();
        let after_write = store.flush_stats().flushes;
        assert!(after_write >= 1);
        store.flush().await.unwrap();
        store.flush().await.unwrap();
        assert_eq!(
            store.flush_stats().flushes,
            after_write,
            "nothing was written: nothing to make durable"
        );
        store
            .transaction(|tx| -> Result<(), TxError<()>> {
                tx.put(Table::RawPayloads, b"b", b"2")?;
                Ok(())
            })
            .unwrap();
        store.flush().await.unwrap();
        assert_eq!(store.flush_stats().flushes, after_write + 1);
    });
}

#[test]
fn a_second_open_of_the_same_directory_is_refused_clearly() {
    let (dir, _store) = temp_store();
    match Store::open(dir.path()) {
        Err(StoreError::Locked { .. }) => {}
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("a second open must be refused"),
    }
}

#[test]
fn an_open_waits_for_a_holder_that_lets_go_a_moment_later() {
    let (dir, store) = temp_store();
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(store);
    });
    let reopened = Store::open(dir.path());
    holder.join().unwrap();
    assert!(reopened.is_ok(), "{:?}", reopened.err());
}

#[test]
fn a_flush_syncs_the_files_sled_leaves_unsynced_including_blobs() {
    let (dir, store) = temp_store();
    // A value far above sled's inline limit lands in a blob file of its own.
    let big = vec![7u8; 2 * 1024 * 1024];
    store
        .transaction(|tx| -> Result<(), TxError<()>> {
            tx.put(Table::RawPayloads, b"big", &big)?;
            Ok(())
        })
        .unwrap();
    store.flush_blocking().unwrap();
    let blobs: Vec<_> = std::fs::read_dir(dir.path().join("blobs"))
        .map(|entries| entries.map(|entry| entry.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(!blobs.is_empty(), "a 2 MB value is kept in a blob file");
    let synced = store.inner.device.synced_blobs.lock().unwrap().clone();
    for blob in &blobs {
        let len = std::fs::metadata(dir.path().join("blobs").join(blob))
            .unwrap()
            .len();
        assert_eq!(
            synced.get(blob),
            Some(&len),
            "{blob:?} was not synced whole"
        );
    }
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.get(Table::RawPayloads, b"big").unwrap(), Some(big));
}

/// A key told to a watcher, and the value the store showed for it at that moment.
type Told = (Vec<u8>, Option<Vec<u8>>);

/// Remembers what it was told.
#[derive(Default)]
struct Recorder {
    told: std::sync::Mutex<Vec<Told>>,
    retired: std::sync::atomic::AtomicBool,
}

impl TableWatcher for Recorder {
    fn written(&self, store: &Store, table: Table, keys: &[Vec<u8>]) -> bool {
        let mut told = self.told.lock().unwrap();
        for key in keys {
            told.push((key.clone(), store.get(table, key).unwrap()));
        }
        !self.retired.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
fn a_watcher_is_told_the_keys_of_its_table_once_the_write_is_applied() {
    let (_dir, store) = temp_store();
    let recorder = Arc::new(Recorder::default());
    store.watch(
        Table::Reports,
        Arc::clone(&recorder) as Arc<dyn TableWatcher>,
    );
    store
        .transaction(|tx| -> Result<(), TxError<()>> {
            tx.put(Table::Reports, b"r1", b"one")?;
            tx.put(Table::Messages, b"m1", b"not watched")?;
            tx.remove(Table::Reports, b"r0")?;
            Ok(())
        })
        .unwrap();
    let refused = store.transaction(|tx| -> Result<(), TxError<()>> {
        tx.put(Table::Reports, b"r2", b"never applied")?;
        Err(TxError::Abort(()))
    });
    assert!(refused.is_err());
    store.put(Table::Reports, b"r3", b"single").unwrap();
    assert_eq!(
        recorder.told.lock().unwrap().clone(),
        [
            (b"r1".to_vec(), Some(b"one".to_vec())),
            (b"r0".to_vec(), None),
            (b"r3".to_vec(), Some(b"single".to_vec())),
        ],
        "the applied writes of the watched table, each already visible, nothing refused"
    );
    // A watcher that says it is gone is dropped and told nothing more.
    recorder
        .retired
        .store(true, std::sync::atomic::Ordering::SeqCst);
    store.put(Table::Reports, b"r4", b"last told").unwrap();
    store.put(Table::Reports, b"r5", b"not told").unwrap();
    let told = recorder.told.lock().unwrap();
    assert_eq!(told.last().unwrap().0, b"r4".to_vec());
}

#[test]
fn a_transaction_that_panics_commits_nothing_and_the_next_one_goes_through() {
    let (_dir, store) = temp_store();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.transaction(|tx| -> Result<(), TxError<()>> {
            tx.put(Table::Reports, b"half", b"written")?;
            tx.put(Table::Messages, b"half", b"written")?;
            panic!("a bug in the middle of a transaction");
        })
    }));
    assert!(panicked.is_err());
    assert_eq!(store.get(Table::Reports, b"half").unwrap(), None);
    assert_eq!(store.get(Table::Messages, b"half").unwrap(), None);
    // Its locks were released: another transaction (from another thread) runs at once.
    let other = store.clone();
    std::thread::spawn(move || {
        other
            .transaction(|tx| -> Result<(), TxError<()>> {
                tx.put(Table::Reports, b"next", b"stored")?;
                Ok(())
            })
            .unwrap();
    })
    .join()
    .unwrap();
    assert_eq!(
        store.get(Table::Reports, b"next").unwrap().as_deref(),
        Some(&b"stored"[..])
    );
}

#[test]
fn a_failed_fsync_poisons_the_store_for_good() {
    let (dir, store) = temp_store();
    let trigger = dir.path().join("fail-fsync");
    store.fail_fsync_when(trigger.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        store.put(Table::RawPayloads, b"a", b"1").unwrap();
        store.flush().await.unwrap();
        assert_eq!(store.poisoned(), None);

        std::fs::write(&trigger, b"").unwrap();
        store.put(Table::RawPayloads, b"b", b"2").unwrap();
        let failed = store.flush().await;
        assert!(matches!(failed, Err(StoreError::Poisoned(_))), "{failed:?}");
        let cause = store.poisoned().expect("poisoned");
        assert!(cause.contains("fdatasync"), "{cause}");

        // The disk answers again, but nothing is acknowledged any more.
        std::fs::remove_file(&trigger).unwrap();
        assert!(matches!(store.flush().await, Err(StoreError::Poisoned(_))));
        assert!(matches!(
            store.flush_blocking(),
            Err(StoreError::Poisoned(_))
        ));
        let refused = store.transaction(|tx| -> Result<(), TxError<()>> {
            tx.put(Table::RawPayloads, b"c", b"3")?;
            Ok(())
        });
        assert!(matches!(
            refused,
            Err(TxError::Store(StoreError::Poisoned(_)))
        ));
        assert_eq!(store.get(Table::RawPayloads, b"c").unwrap(), None);
        assert_eq!(store.wait_until_poisoned().await, cause);
        let health = store.flush_health();
        assert!(health.poisoned.is_some());
    });
}
