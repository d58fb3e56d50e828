//! Group commit: many writers wait for one fsync. A writer takes a ticket after its write; the
//! flusher loop reads the newest ticket, flushes, and releases every ticket up to it.
//!
//! sled's own flush writes its log buffers with `sync_file_range`, which neither flushes the
//! disk's volatile write cache nor commits the file's new length (sled issue #1452). A power
//! cut could then lose writes we acknowledged. So every flush ends with `fdatasync` of sled's
//! log file, and of any blob file sled wrote since (sled keeps very large nodes in files of
//! their own, which it never syncs): only then is a write durable.
//!
//! The first failed flush poisons the store for good (fail-stop). After an `EIO` the kernel
//! may have dropped the dirty pages it could not write, so a later `fdatasync` that succeeds
//! proves nothing about them: retrying would acknowledge writes behind a hole. Every waiting
//! and later flush fails instead, transactions are refused, and the server exits so that its
//! supervisor restarts it and sled recovers from the log on disk. A panic inside a flush
//! leaves durability just as unknown and poisons the store the same way.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use super::StoreError;

/// How long a writer waits for its flush before the request is failed (and retried by Meta).
const FLUSH_WAIT_LIMIT: Duration = Duration::from_secs(10);

pub(super) struct GroupFlush {
    shared: Arc<Shared>,
    device: Arc<DeviceSync>,
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
    stopped: AtomicBool,
    /// The highest ticket known durable, and whether the store is poisoned.
    done: watch::Sender<FlushProgress>,
    /// The flush thread runs (set by the thread itself; false once it has ended).
    running: AtomicBool,
    /// The thread is flushing now.
    busy: AtomicBool,
    /// Unix milliseconds of the end of the latest flush that succeeded (at start: the start).
    last_flush_ms: AtomicI64,
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
    poisoned: bool,
}

/// The flush thread as `/readyz` and `/metrics` show it.
#[derive(Debug, Clone, Default)]
pub struct FlushHealth {
    /// The thread runs.
    pub running: bool,
    /// A flush is under way.
    pub busy: bool,
    /// Why the store is poisoned, once a flush has failed.
    pub poisoned: Option<String>,
    pub flushes: u64,
    /// Unix milliseconds of the latest flush that succeeded.
    pub last_flush_ms: i64,
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
            stopped: AtomicBool::new(false),
            done,
            running: AtomicBool::new(true),
            busy: AtomicBool::new(false),
            last_flush_ms: AtomicI64::new(chrono::Utc::now().timestamp_millis()),
            flush_count: AtomicU64::new(0),
            flush_micros_total: AtomicU64::new(0),
            flush_micros_last: AtomicU64::new(0),
            observer: std::sync::OnceLock::new(),
        });
        // A plain thread, not a tokio task: the store is also used from command-line tools
        // without a runtime, and fsync blocks.
        let loop_shared = Arc::clone(&shared);
        let loop_device = Arc::clone(&device);
        let thread = std::thread::Builder::new()
            .name("siaga-flush".into())
            .spawn(move || {
                let _running = Running(&loop_shared);
                flush_loop(&loop_shared, db, loop_device);
            })
            .map_err(|error| {
                shared.running.store(false, Ordering::SeqCst);
                tracing::error!(%error, "cannot start the flush thread");
            })
            .ok();
        GroupFlush {
            shared,
            device,
            thread,
        }
    }

    pub(super) async fn flush(&self) -> Result<(), StoreError> {
        let ticket = self.shared.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut progress = self.shared.done.subscribe();
        self.shared.wake.notify_one();
        let waited = tokio::time::timeout(
            FLUSH_WAIT_LIMIT,
            progress.wait_for(|state| state.durable_ticket >= ticket || state.poisoned),
        )
        .await;
        if let Some(cause) = self.device.poisoned() {
            return Err(StoreError::Poisoned(cause));
        }
        match waited {
            Err(_) if !self.shared.running.load(Ordering::SeqCst) => {
                Err(StoreError::Flush("the flush thread has stopped".into()))
            }
            Err(_) => Err(StoreError::FlushTimeout(FLUSH_WAIT_LIMIT)),
            Ok(Err(_)) => Err(StoreError::Flush("the flush thread has stopped".into())),
            Ok(Ok(_)) => Ok(()),
        }
    }

    pub(super) fn health(&self) -> FlushHealth {
        FlushHealth {
            running: self.shared.running.load(Ordering::SeqCst),
            busy: self.shared.busy.load(Ordering::Relaxed),
            poisoned: self.device.poisoned(),
            flushes: self.shared.flush_count.load(Ordering::Relaxed),
            last_flush_ms: self.shared.last_flush_ms.load(Ordering::Relaxed),
        }
    }

    /// Resolves once the store is poisoned, with the cause.
    pub(super) async fn poisoned(&self) -> String {
        let mut progress = self.shared.done.subscribe();
        let _ = progress.wait_for(|state| state.poisoned).await;
        self.device.poisoned().unwrap_or_default()
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

/// Marks the flush thread ended when it returns or unwinds.
struct Running<'a>(&'a Shared);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::SeqCst);
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
    /// The cause of the first failed flush: set once, never cleared (see the module docs).
    poison: OnceLock<String>,
    /// Test hook: every sync fails with `EIO` once this file exists.
    fault_trigger: OnceLock<std::path::PathBuf>,
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
            poison: OnceLock::new(),
            fault_trigger: OnceLock::new(),
        })
    }

    /// Why the store is poisoned, if it is.
    pub(super) fn poisoned(&self) -> Option<String> {
        self.poison.get().cloned()
    }

    /// Poisons the store with `cause`; the first cause stays.
    fn poison(&self, cause: String) {
        if self.poison.set(cause.clone()).is_ok() {
            tracing::error!(%cause, "the store is poisoned: nothing more is acknowledged; restart siaga to recover from the log on disk");
        }
    }

    /// Test hook (`Store::fail_fsync_when`).
    pub(super) fn fail_when(&self, trigger: std::path::PathBuf) {
        let _ = self.fault_trigger.set(trigger);
    }

    fn sync(&self) -> std::io::Result<()> {
        if let Some(trigger) = self.fault_trigger.get()
            && trigger.exists()
        {
            // EIO, as a failing disk reports it.
            return Err(std::io::Error::from_raw_os_error(5));
        }
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

/// sled's flush, then the device-level sync (see the module documentation). The first failure
/// (or panic) poisons the store: this and every later call fail.
pub(super) fn flush_durably(db: &sled::Db, device: &DeviceSync) -> Result<(), StoreError> {
    if let Some(cause) = device.poisoned() {
        return Err(StoreError::Poisoned(cause));
    }
    let attempt = std::panic::catch_unwind(AssertUnwindSafe(|| {
        db.flush()
            .map_err(|error| format!("sled's flush of the store log: {error}"))?;
        device
            .sync()
            .map_err(|error| format!("fdatasync of the store files: {error}"))
    }));
    let cause = match attempt {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(cause)) => cause,
        Err(panic) => {
            let message = (panic.downcast_ref::<&str>().copied())
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str));
            format!("the flush panicked: {}", message.unwrap_or("unknown panic"))
        }
    };
    device.poison(cause);
    Err(StoreError::Poisoned(device.poisoned().unwrap_or_default()))
}

fn flush_loop(shared: &Shared, db: sled::Db, device: Arc<DeviceSync>) {
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
            shared.busy.store(true, Ordering::Relaxed);
            let flushed = flush_durably(&db, &device);
            shared.busy.store(false, Ordering::Relaxed);
            match flushed {
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
                        .last_flush_ms
                        .store(chrono::Utc::now().timestamp_millis(), Ordering::Relaxed);
                    shared
                        .done
                        .send_modify(|state| state.durable_ticket = target);
                }
                Err(error) => {
                    // Fail-stop: every waiting and later flush fails; the thread stays to say
                    // so, and never flushes again.
                    tracing::error!(%error, "durable flush failed; the store is poisoned");
                    shared.done.send_modify(|state| state.poisoned = true);
                    while !shared.stopped.load(Ordering::SeqCst) {
                        shared.wake.notified().await;
                    }
                    return;
                }
            }
        }
    });
}
