//! The memory budget (`--memory-budget-mb`): one number that sizes every cache and in-memory
//! buffer whose size siaga chooses. The split is written here once, and `app.rs` hands each
//! part to its owner; README's settings and ARCHITECTURE's memory section describe it.
//!
//! What the budget does not cut: the report catalogue (`workflow/catalogue/`, 21 bytes per
//! report and a sixteenth spare, about 22 MB at a million reports) must stay whole, since every
//! list is answered from it, nor does the SLA clock's memo (12 bytes per quiet open report);
//! and the fixed costs of the process (the routing models, the profile, the runtime's threads:
//! 19 MB anonymous at rest, and about 25 MB of connection buffers under load) do not change with
//! the budget. Both come out of the part called `rest`. Mapped index
//! files (tantivy's segments) count in RSS as `RssFile`: the kernel can drop them at any time,
//! so they are not in the budget either.

/// The budget when none is given, in MiB.
pub const DEFAULT_MB: u64 = 256;
/// The smallest budget siaga runs with: tantivy's writer needs 15 MB at the least, sled's cache
/// a few MB to hold the trees' upper levels, and the fixed costs about 45 MB under load.
pub const MIN_MB: u64 = 96;
/// Larger budgets are typos (1 TiB).
pub const MAX_MB: u64 = 1024 * 1024;

const MIB: u64 = 1024 * 1024;

/// sled charges its cache for a page its log bytes plus what its node costs in memory beyond
/// them (the patched sled's `Page::cache_charge`, `vendor/sled/PATCHED.md`), rounded up to a
/// power of two: about 1.3 bytes of charge per byte of live heap. The allocator keeps some
/// more in partly used pages, so sled is told 4/5 of its share. (Upstream charged log bytes
/// alone; the cache then held ever more memory for the same charge as the store grew:
/// README, "The soak a sixth time".)
const SLED_CACHE_FIFTHS_OF_SHARE: u64 = 4;

/// tantivy refuses a writer heap below 15 MB (`MEMORY_BUDGET_NUM_BYTES_MIN`).
const INDEX_WRITER_MIN_BYTES: u64 = 15_000_000;
/// Above this a bigger writer heap buys nothing for siaga's small documents.
const INDEX_WRITER_MAX_BYTES: u64 = 200_000_000;
/// The doc store's compressed blocks are 16 KiB (tantivy's default block size).
const DOC_STORE_BLOCK_BYTES: u64 = 16 * 1024;
/// The reader keeps its block cache per segment; the log merge policy keeps about this many.
const SEGMENTS_CACHED: u64 = 16;
/// What one report's index document takes while a batch is built, before the writer has it.
const INDEX_DOC_BYTES: u64 = 4 * 1024;

/// A validated budget, in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget {
    mb: u64,
}

/// What the budget gives each part, in bytes (a count where said).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySplit {
    /// sled's page cache as it will take memory: 3/8 of the budget.
    pub store_cache_bytes: u64,
    /// What sled is told (`cache_capacity`): `store_cache_bytes` in sled's own accounting.
    pub sled_cache_capacity: u64,
    /// The serving index writer's heap: 1/8 of the budget, 15 to 200 MB. A rebuild's writer
    /// takes the same, on each of its two threads, before the server serves.
    pub index_writer_bytes: u64,
    /// The index reader's doc store cache, in blocks per segment: 1/64 of the budget.
    pub doc_store_cache_blocks: usize,
    /// Reports the indexer takes from its queue in one batch: 1/64 of the budget at 4 KiB a
    /// document, 256 to 20,000.
    pub index_batch_reports: usize,
    /// Webhook bodies held before their signature is checked: 1/16 of the budget (unless
    /// `--webhook-buffer-budget-bytes` says otherwise), at least the body limit.
    pub webhook_buffer_bytes: u64,
    /// Everything else: the catalogue (33 B per report), the bus, the subscriptions' sockets,
    /// the intake queue, the outbox sender, the fixed costs.
    pub rest_bytes: u64,
}

impl MemoryBudget {
    /// `None` for the default. Refuses a budget below `MIN_MB` or above `MAX_MB`.
    pub fn new(mb: Option<u64>) -> Result<MemoryBudget, String> {
        let mb = mb.unwrap_or(DEFAULT_MB);
        if mb < MIN_MB {
            return Err(format!(
                "{mb} MB is too small to run with: at least {MIN_MB} MB (tantivy's writer alone needs 15 MB, the process about 45 MB under load whatever the budget)"
            ));
        }
        if mb > MAX_MB {
            return Err(format!("{mb} MB: at most {MAX_MB} MB (1 TiB)"));
        }
        Ok(MemoryBudget { mb })
    }

    pub fn mb(self) -> u64 {
        self.mb
    }

    /// The split; `webhook_body_limit` is the largest webhook body, which the webhook buffers
    /// must always hold.
    pub fn split(self, webhook_body_limit: u64) -> MemorySplit {
        let total = self.mb * MIB;
        let store_cache_bytes = total / 8 * 3;
        let index_writer_bytes = (total / 8).clamp(INDEX_WRITER_MIN_BYTES, INDEX_WRITER_MAX_BYTES);
        let doc_store_cache = total / 64;
        let index_batch = total / 64;
        // Counted in u32 permits of one byte each (`api/limits.rs`): below 4 GiB.
        let webhook_buffer_bytes = (total / 16)
            .max(webhook_body_limit)
            .min(u64::from(u32::MAX));
        let rest_bytes = total.saturating_sub(
            store_cache_bytes
                + index_writer_bytes
                + doc_store_cache
                + index_batch
                + webhook_buffer_bytes,
        );
        MemorySplit {
            store_cache_bytes,
            sled_cache_capacity: store_cache_bytes * SLED_CACHE_FIFTHS_OF_SHARE / 5,
            index_writer_bytes,
            doc_store_cache_blocks: usize::try_from(
                (doc_store_cache / (DOC_STORE_BLOCK_BYTES * SEGMENTS_CACHED)).max(1),
            )
            .unwrap_or(usize::MAX),
            index_batch_reports: usize::try_from(
                (index_batch / INDEX_DOC_BYTES).clamp(256, 20_000),
            )
            .unwrap_or(20_000),
            webhook_buffer_bytes,
            rest_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY_LIMIT: u64 = 4 * MIB;

    #[test]
    fn the_default_split_adds_up_and_leaves_room_for_the_rest() {
        let split = MemoryBudget::new(None).unwrap().split(BODY_LIMIT);
        assert_eq!(split.store_cache_bytes, 96 * MIB);
        assert_eq!(split.sled_cache_capacity, 96 * MIB * 4 / 5);
        assert_eq!(split.index_writer_bytes, 32 * MIB);
        assert_eq!(split.doc_store_cache_blocks, 16);
        assert_eq!(split.index_batch_reports, 1024);
        assert_eq!(split.webhook_buffer_bytes, 16 * MIB);
        // 256 - 96 - 32 - 4 - 4 - 16: the catalogue of a million reports (33 MB) and the fixed
        // costs (about 45 MB under load) fit in it.
        assert_eq!(split.rest_bytes, 104 * MIB);
    }

    #[test]
    fn the_smallest_budget_still_gives_tantivy_its_minimum_and_the_body_limit_its_room() {
        let split = MemoryBudget::new(Some(MIN_MB)).unwrap().split(BODY_LIMIT);
        assert_eq!(split.index_writer_bytes, INDEX_WRITER_MIN_BYTES);
        assert_eq!(split.webhook_buffer_bytes, 6 * MIB);
        assert!(split.doc_store_cache_blocks >= 1);
        assert_eq!(split.index_batch_reports, 384);
        assert!(split.rest_bytes >= 30 * MIB, "{split:?}");
    }

    #[test]
    fn a_budget_too_small_or_absurd_is_refused_with_the_reason() {
        let error = MemoryBudget::new(Some(MIN_MB - 1)).unwrap_err();
        assert!(error.contains("too small to run with"), "{error}");
        assert!(error.contains("at least 96 MB"), "{error}");
        assert!(MemoryBudget::new(Some(0)).is_err());
        assert!(MemoryBudget::new(Some(MAX_MB + 1)).is_err());
        assert_eq!(MemoryBudget::new(Some(MAX_MB)).unwrap().mb(), MAX_MB);
    }

    #[test]
    fn a_big_budget_caps_the_writer_and_the_batch() {
        let split = MemoryBudget::new(Some(64 * 1024))
            .unwrap()
            .split(BODY_LIMIT);
        assert_eq!(split.index_writer_bytes, INDEX_WRITER_MAX_BYTES);
        assert_eq!(split.index_batch_reports, 20_000);
        let largest = MemoryBudget::new(Some(MAX_MB)).unwrap().split(BODY_LIMIT);
        assert_eq!(largest.webhook_buffer_bytes, u64::from(u32::MAX));
    }
}
