//! Opening sled's database, waiting briefly for a previous holder of its lock to let go.

use std::path::Path;
use std::time::Duration;

use super::StoreError;

/// How long `Store::open` waits for a previous holder of the directory lock to let go: a store
/// dropped a moment ago may still have sled's I/O threads finishing, and a restarted server
/// should not fail for that.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// sled's cache when the store is opened without a memory budget (tools, tests).
pub const DEFAULT_CACHE_CAPACITY: u64 = 256 * 1024 * 1024;

/// An inactive log segment whose live pages fill this percentage of it or less is cleaned
/// (sled 0.34 fixed it at 50; `vendor/sled/PATCHED.md`). See README, "Bytes per report".
pub const SEGMENT_CLEANUP_PERCENT: u8 = 50;
/// A page made of this many fragments is rewritten whole by its next update (sled's was 10).
pub const PAGE_CONSOLIDATION_FRAGMENTS: u8 = 10;

/// A leaf is split once it holds more entries than this (sled's was 16)...
pub const LEAF_SPLIT_ENTRIES: u16 = 32;
/// ... or more than eight whose keys and values take more bytes than this. Large records (a
/// report, a timeline) stay in small leaves, so that an update does not rewrite a big page.
/// 64 entries and 16 KB saved a little more memory but wrote more of the log: README, "Memory".
pub const LEAF_SPLIT_BYTES: u32 = 8 * 1024;

/// `SIAGA_SLED_CLEANUP_PERCENT`, `SIAGA_SLED_CONSOLIDATION`, `SIAGA_SLED_LEAF_ENTRIES` and
/// `SIAGA_SLED_LEAF_BYTES` override the constants above (measurement only; see
/// `scripts/store-bytes.sh`).
fn tuning<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|raw| raw.parse().ok())
        .unwrap_or(default)
}

/// sled as siaga configures it. `cache_capacity` is what sled is told, in its own accounting
/// (serialized page sizes).
pub(super) fn config(path: &Path, cache_capacity: u64) -> sled::Config {
    // Durability comes from our own group flush after each write batch; sled's periodic
    // background flush stays on as a second line.
    sled::Config::new()
        .path(path)
        .cache_capacity(cache_capacity)
        .flush_every_ms(Some(1000))
        .segment_cleanup_threshold(tuning(
            "SIAGA_SLED_CLEANUP_PERCENT",
            SEGMENT_CLEANUP_PERCENT,
        ))
        .page_consolidation_threshold(tuning(
            "SIAGA_SLED_CONSOLIDATION",
            PAGE_CONSOLIDATION_FRAGMENTS,
        ))
        .leaf_split(
            tuning("SIAGA_SLED_LEAF_ENTRIES", LEAF_SPLIT_ENTRIES),
            tuning("SIAGA_SLED_LEAF_BYTES", LEAF_SPLIT_BYTES),
        )
}

/// `cache_capacity` is what sled is told, in its own accounting (serialized page sizes).
pub(super) fn open_with_retry(path: &Path, cache_capacity: u64) -> Result<sled::Db, StoreError> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        let opened = config(path, cache_capacity).open();
        match opened {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(io))
                if is_lock_held(&io) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(sled::Error::Io(io)) => {
                return Err(StoreError::Locked {
                    path: path.to_path_buf(),
                    reason: io.to_string(),
                });
            }
            Err(other) => return Err(StoreError::Engine(other.to_string())),
        }
    }
}

/// Whether sled could not open the store because another handle holds its file lock. sled
/// 0.34 reports that as an `Other` error that carries the `WouldBlock` only in its message.
fn is_lock_held(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::WouldBlock
        || error.to_string().starts_with("could not acquire lock")
}
