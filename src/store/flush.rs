//! Group commit: many writers wait for one fsync. A writer takes a ticket after its write; the
//! flusher loop reads the newest ticket, flushes, and releases every ticket up to it.
//!
//! sled's own flush writes its log buffers with `sync_file_range`, which neither flushes the
//! disk's volatile write cache nor commits the file's new length (sled issue #1452). A power
//! cut could then lose writes we acknowledged. So every flush ends with `fdatasync` of sled's
//! log file, and of any blob file sled wrote since (sled keeps very large nodes in files of
//! their own, which it never syncs): only then is a write durable.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use super::StoreError;

/// How long a writer waits for its flush before the request is failed (and retried by Meta).
const FLUSH_WAIT_LIMIT: Duration = Duration::from_secs(10);

pub(super) struct GroupFlush {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Counts the store's writes, so that a flush with nothing new to make durable is skipped.
/// A writer calls `begin` before it writes and `end` after; `end` counts the write.
#[derive(Default)]
pub(super) struct WriteCount {
    in_progress: AtomicU64,
    completed: AtomicU64,
}

impl WriteCount {
    pub(super) fn begin(&self) -> WriteGuard<'_> {
        self.in_progress.fetch_add(1, Ordering::SeqCst);
        WriteGuard(self)
    }

    /// The count of completed writes, if no write is under way; `None` otherwise. A write that
    /// anyone could have seen began before they asked for the flush, so before this call: it
    /// is either still under way here or already counted.
    fn settled(&self) -> Option<u64> {
        if self.in_progress.load(Ordering::SeqCst) != 0 {
            return None;
        }
        Some(self.completed.load(Ordering::SeqCst))
    }
}

pub(super) struct WriteGuard<'a>(&'a WriteCount);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.completed.fetch_add(1, Ordering::SeqCst);
        self.0.in_progress.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Shared {
    writes: Arc<WriteCount>,
    requested: AtomicU64,
    wake: Notify,
    stopped: std::sync::atomic::AtomicBool,
    /// The highest ticket known durable, and the count of failed flush attempts.
    done: watch::Sender<FlushProgress>,
    flush_count: AtomicU64,
    flush_micros_total: AtomicU64,
    flush_micros_last: AtomicU64,
    /// Told the time of every successful flush (the metrics' histogram), once set.
    observer: std::sync::OnceLock<FlushObserver>,
}

/// Told the duration of each successful flush.
pub type FlushObserver = Box<dyn Fn(Duration) + Send + Sync>;

#[derive(Debug, Clone, Copy, Default)]
struct FlushProgress {
    durable_ticket: u64,
    failures: u64,
}

/// Counters for `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlushStats {
    pub flushes: u64,
    pub total_seconds: f64,
    pub last_seconds: f64,
}

impl GroupFlush {
    pub(super) fn start(
        db: sled::Db,
        device: Arc<DeviceSync>,
        writes: Arc<WriteCount>,
    ) -> GroupFlush {
        let (done, _) = watch::channel(FlushProgress::default());
        let shared = Arc::new(Shared {
            writes,
            requested: AtomicU64::new(0),
            wake: Notify::new(),
            stopped: std::sync::atomic::AtomicBool::new(false),
            done,
            flush_count: AtomicU64::new(0),
            flush_micros_total: AtomicU64::new(0),
            flush_micros_last: AtomicU64::new(0),
            observer: std::sync::OnceLock::new(),
        });
        // A plain thread, not a tokio task: the store is also used from command-line tools
        // without a runtime, and fsync blocks.
        let loop_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("siaga-flush".into())
            .spawn(move || flush_loop(loop_shared, db, device))
            .map_err(|error| tracing::error!(%error, "cannot start the flush thread"))
            .ok();
        GroupFlush { shared, thread }
    }

    pub(super) async fn flush(&self) -> Result<(), StoreError> {
        let ticket = self.shared.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut progress = self.shared.done.subscribe();
        let failures_before = progress.borrow().failures;
        self.shared.wake.notify_one();
        let waited = tokio::time::timeout(
            FLUSH_WAIT_LIMIT,
            progress.wait_for(|state| {
                state.durable_ticket >= ticket || state.failures > failures_before
            }),
        )
        .await;
        match waited {
            Err(_) => Err(StoreError::FlushTimeout(FLUSH_WAIT_LIMIT)),
            Ok(Err(_)) => Err(StoreError::Flush("the flush thread has stopped".into())),
            Ok(Ok(state)) if state.durable_ticket >= ticket => Ok(()),
            Ok(Ok(_)) => Err(StoreError::Flush("fsync failed; see the log".into())),
        }
    }

    /// Sets the observer of flush times; a second one is ignored (one per store).
    pub(super) fn observe(&self, observer: FlushObserver) {
        let _ = self.shared.observer.set(observer);
    }

    pub(super) fn stats(&self) -> FlushStats {
        FlushStats {
            flushes: self.shared.flush_count.load(Ordering::Relaxed),
            total_seconds: self.shared.flush_micros_total.load(Ordering::Relaxed) as f64 / 1e6,
            last_seconds: self.shared.flush_micros_last.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

impl Drop for GroupFlush {
    fn drop(&mut self) {
        // Wakes the loop so that it sees the handle gone and exits.
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
        // Joining releases the loop's handle on the database, so that the directory can be
        // opened again as soon as the store is dropped.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The files behind sled that its flush leaves in the page cache (see the module docs).
pub(super) struct DeviceSync {
    log: std::fs::File,
    blobs: std::path::PathBuf,
    /// Blob files synced, with the length they had when their sync began. A blob is written
    /// once, but a flush may find one still being written (for a later transaction): it is
    /// synced again when it has grown.
    pub(super) synced_blobs: std::sync::Mutex<HashMap<std::ffi::OsString, u64>>,
}

impl DeviceSync {
    /// Opens sled 0.34's log file (`db`) beside its `blobs` directory. A sled that kept its
    /// log elsewhere fails here instead of silently going without the sync.
    pub(super) fn open(store_path: &Path) -> Result<DeviceSync, StoreError> {
        let file = store_path.join("db");
        let log = std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .map_err(|error| {
                StoreError::Engine(format!(
                    "cannot open the store log {} for syncing: {error}",
                    file.display()
                ))
            })?;
        Ok(DeviceSync {
            log,
            blobs: store_path.join("blobs"),
            synced_blobs: Default::default(),
        })
    }

    fn sync(&self) -> std::io::Result<()> {
        self.sync_new_blobs()?;
        self.log.sync_data()
    }

    fn sync_new_blobs(&self) -> std::io::Result<()> {
        let entries = match std::fs::read_dir(&self.blobs) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error),
        };
        let mut synced = self
            .synced_blobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut present = HashMap::new();
        let mut any_new = false;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            // The length is read before the sync, so everything up to it is made durable.
            let len = match entry.metadata() {
                Ok(metadata) => metadata.len(),
                // Collected by sled meanwhile: nothing left to make durable.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(error),
            };
            if synced.get(&name) != Some(&len) {
                match std::fs::File::open(entry.path()) {
                    Ok(file) => file.sync_data()?,
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(error) => return Err(error),
                }
                any_new = true;
            }
            present.insert(name, len);
        }
        if any_new {
            // The new names in the directory must survive too.
            std::fs::File::open(&self.blobs)?.sync_all()?;
        }
        *synced = present;
        Ok(())
    }
}

/// sled's flush, then the device-level sync (see the module documentation).
pub(super) fn flush_durably(db: &sled::Db, device: &DeviceSync) -> Result<(), StoreError> {
    db.flush()?;
    device
        .sync()
        .map_err(|error| StoreError::Flush(format!("fdatasync of the store files: {error}")))
}

fn flush_loop(shared: Arc<Shared>, db: sled::Db, device: Arc<DeviceSync>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the flush loop");
            return;
        }
    };
    runtime.block_on(async move {
        // The completed-write count when the last successful flush began: everything counted
        // up to it is durable.
        let mut flushed_writes = None;
        loop {
            if shared.stopped.load(Ordering::SeqCst) {
                return;
            }
            let target = shared.requested.load(Ordering::SeqCst);
            let durable = shared.done.borrow().durable_ticket;
            if target <= durable {
                shared.wake.notified().await;
                continue;
            }
            // Nothing written since the last flush began (and nothing being written): every
            // write a caller can have seen is durable already.
            let writes = shared.writes.settled();
            if writes.is_some() && writes == flushed_writes {
                shared
                    .done
                    .send_modify(|state| state.durable_ticket = target);
                continue;
            }
            let started = Instant::now();
            match flush_durably(&db, &device) {
                Ok(_) => {
                    flushed_writes = writes;
                    let took = started.elapsed();
                    if let Some(observer) = shared.observer.get() {
                        observer(took);
                    }
                    let micros = took.as_micros() as u64;
                    shared.flush_count.fetch_add(1, Ordering::Relaxed);
                    shared
                        .flush_micros_total
                        .fetch_add(micros, Ordering::Relaxed);
                    shared.flush_micros_last.store(micros, Ordering::Relaxed);
                    shared
                        .done
                        .send_modify(|state| state.durable_ticket = target);
                }
                Err(error) => {
                    tracing::error!(%error, "durable flush failed");
                    shared.done.send_modify(|state| state.failures += 1);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
}
