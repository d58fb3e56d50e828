//! siaga's patch: where the log's bytes go.
//!
//! `log_write_stats` counts, for the whole process since it started, the bytes reserved in
//! the log by kind of message (a page's delta fragment, a whole page written by an update
//! or a split, a whole page consolidated from its fragments, a whole page relocated by the
//! segment cleaner, and the rest), the padding that closes a segment, and the buffers
//! written. Relaxed atomic additions, one or two per log reservation.
//!
//! `Db::space_report` describes a store as it is: its log segments (free, in use) and the
//! bytes of their live fragments, and its pages (how many fragments each is made of, how
//! big its base and its deltas are).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Bytes and counts of the log's messages since the process started (every open database
/// of the process adds to the same counters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogWriteStats {
    /// Delta fragments (`Link`s: one key set or removed in a page).
    pub link_count: u64,
    /// Their bytes in the log, headers included.
    pub link_bytes: u64,
    /// Whole pages written by a tree update (consolidation, split, merge, root).
    pub node_count: u64,
    /// Their bytes.
    pub node_bytes: u64,
    /// Of the whole pages above: those written because the page had reached
    /// `page_consolidation_threshold` fragments.
    pub consolidation_count: u64,
    /// Their bytes (the page's serialized size).
    pub consolidation_bytes: u64,
    /// Whole pages relocated by the segment cleaner (not counted in `node_*`).
    pub rewrite_count: u64,
    /// Their bytes.
    pub rewrite_bytes: u64,
    /// Other messages (batch manifests, the id counter, the meta page, frees).
    pub other_count: u64,
    /// Their bytes.
    pub other_bytes: u64,
    /// Reservations aborted (their space is written as a cancelled message).
    pub aborted_count: u64,
    /// The padding written at the end of a full segment.
    pub pad_bytes: u64,
    /// I/O buffers written to the file.
    pub buffer_writes: u64,
    /// Their bytes (padding included).
    pub buffer_bytes: u64,
    /// Segments that became free for reuse.
    pub segments_freed: u64,
    /// Segments taken at the end of the file (the file grew).
    pub segments_appended: u64,
    /// Segments reused from the free list.
    pub segments_reused: u64,
}

#[derive(Default)]
struct Counters {
    link_count: AtomicU64,
    link_bytes: AtomicU64,
    node_count: AtomicU64,
    node_bytes: AtomicU64,
    consolidation_count: AtomicU64,
    consolidation_bytes: AtomicU64,
    rewrite_count: AtomicU64,
    rewrite_bytes: AtomicU64,
    other_count: AtomicU64,
    other_bytes: AtomicU64,
    aborted_count: AtomicU64,
    pad_bytes: AtomicU64,
    buffer_writes: AtomicU64,
    buffer_bytes: AtomicU64,
    segments_freed: AtomicU64,
    segments_appended: AtomicU64,
    segments_reused: AtomicU64,
}

static COUNTERS: Counters = Counters {
    link_count: AtomicU64::new(0),
    link_bytes: AtomicU64::new(0),
    node_count: AtomicU64::new(0),
    node_bytes: AtomicU64::new(0),
    consolidation_count: AtomicU64::new(0),
    consolidation_bytes: AtomicU64::new(0),
    rewrite_count: AtomicU64::new(0),
    rewrite_bytes: AtomicU64::new(0),
    other_count: AtomicU64::new(0),
    other_bytes: AtomicU64::new(0),
    aborted_count: AtomicU64::new(0),
    pad_bytes: AtomicU64::new(0),
    buffer_writes: AtomicU64::new(0),
    buffer_bytes: AtomicU64::new(0),
    segments_freed: AtomicU64::new(0),
    segments_appended: AtomicU64::new(0),
    segments_reused: AtomicU64::new(0),
};

/// The log's IO buffers alive in the process, and their bytes (siaga's patch: what the
/// buffers sealed but not yet freed hold; see `maybe_seal_and_write_iobuf`).
static IO_BUFFERS: AtomicU64 = AtomicU64::new(0);
static IO_BUFFER_BYTES: AtomicU64 = AtomicU64::new(0);

pub(crate) fn io_buffer_allocated(len: usize) {
    IO_BUFFERS.fetch_add(1, Relaxed);
    IO_BUFFER_BYTES.fetch_add(len as u64, Relaxed);
}

pub(crate) fn io_buffer_freed(len: usize) {
    IO_BUFFERS.fetch_sub(1, Relaxed);
    IO_BUFFER_BYTES.fetch_sub(len as u64, Relaxed);
}

/// The log's IO buffers alive in the process: how many, and their bytes.
pub(crate) fn io_buffers() -> (u64, u64) {
    (IO_BUFFERS.load(Relaxed), IO_BUFFER_BYTES.load(Relaxed))
}

/// The process's log counters (see `LogWriteStats`).
pub fn log_write_stats() -> LogWriteStats {
    let c = &COUNTERS;
    LogWriteStats {
        link_count: c.link_count.load(Relaxed),
        link_bytes: c.link_bytes.load(Relaxed),
        node_count: c.node_count.load(Relaxed),
        node_bytes: c.node_bytes.load(Relaxed),
        consolidation_count: c.consolidation_count.load(Relaxed),
        consolidation_bytes: c.consolidation_bytes.load(Relaxed),
        rewrite_count: c.rewrite_count.load(Relaxed),
        rewrite_bytes: c.rewrite_bytes.load(Relaxed),
        other_count: c.other_count.load(Relaxed),
        other_bytes: c.other_bytes.load(Relaxed),
        aborted_count: c.aborted_count.load(Relaxed),
        pad_bytes: c.pad_bytes.load(Relaxed),
        buffer_writes: c.buffer_writes.load(Relaxed),
        buffer_bytes: c.buffer_bytes.load(Relaxed),
        segments_freed: c.segments_freed.load(Relaxed),
        segments_appended: c.segments_appended.load(Relaxed),
        segments_reused: c.segments_reused.load(Relaxed),
    }
}

/// What a reservation in the log is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Link,
    Node,
    Other,
}

pub(crate) fn reserved(kind: Written, bytes: usize) {
    let bytes = bytes as u64;
    let c = &COUNTERS;
    match kind {
        Written::Link => {
            c.link_count.fetch_add(1, Relaxed);
            c.link_bytes.fetch_add(bytes, Relaxed);
        }
        Written::Node => {
            c.node_count.fetch_add(1, Relaxed);
            c.node_bytes.fetch_add(bytes, Relaxed);
        }
        Written::Other => {
            c.other_count.fetch_add(1, Relaxed);
            c.other_bytes.fetch_add(bytes, Relaxed);
        }
    }
}

/// A whole page written by the segment cleaner: moved out of `node_*` into `rewrite_*`.
pub(crate) fn rewritten(bytes: usize) {
    let bytes = bytes as u64;
    let c = &COUNTERS;
    c.node_count.fetch_sub(1, Relaxed);
    c.node_bytes.fetch_sub(bytes, Relaxed);
    c.rewrite_count.fetch_add(1, Relaxed);
    c.rewrite_bytes.fetch_add(bytes, Relaxed);
}

pub(crate) fn consolidated(bytes: u64) {
    COUNTERS.consolidation_count.fetch_add(1, Relaxed);
    COUNTERS.consolidation_bytes.fetch_add(bytes, Relaxed);
}

pub(crate) fn aborted() {
    COUNTERS.aborted_count.fetch_add(1, Relaxed);
}

pub(crate) fn buffer_written(bytes: usize, pad: usize) {
    COUNTERS.buffer_writes.fetch_add(1, Relaxed);
    COUNTERS.buffer_bytes.fetch_add(bytes as u64, Relaxed);
    COUNTERS.pad_bytes.fetch_add(pad as u64, Relaxed);
}

pub(crate) fn segment_freed() {
    COUNTERS.segments_freed.fetch_add(1, Relaxed);
}

pub(crate) fn segment_taken(reused: bool) {
    if reused {
        COUNTERS.segments_reused.fetch_add(1, Relaxed);
    } else {
        COUNTERS.segments_appended.fetch_add(1, Relaxed);
    }
}

/// A store's space as it is (`Db::space_report`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpaceReport {
    /// The log's segment size (fixed when the store was created).
    pub segment_size: u64,
    /// The log file's length.
    pub file_bytes: u64,
    /// Segments in the file that are free for reuse.
    pub free_segments: u64,
    /// Segments that hold live fragments (or are being written).
    pub used_segments: u64,
    /// Of the used segments: those being cleaned (their pages are being moved; their live
    /// bytes are not counted).
    pub draining_segments: u64,
    /// Segments queued for cleaning whose pages have not all been moved yet.
    pub cleaning_queue_segments: u64,
    /// Pages queued for cleaning, not yet moved.
    pub cleaning_queue_pages: u64,
    /// The bytes of live fragments in the used segments, as the segment accountant counts
    /// them (every fragment of every page since its last whole write).
    pub live_bytes: u64,
    /// Used segments by their live share: 0–10%, 10–20%, ... 90–100%.
    pub live_share_histogram: [u64; 10],
    /// Pages (tree nodes, the meta page and the id counter; free pages not counted).
    pub pages: u64,
    /// Leaf pages among them.
    pub leaves: u64,
    /// Entries in the leaves.
    pub leaf_entries: u64,
    /// Fragments of all pages: one base each, plus its deltas.
    pub fragments: u64,
    /// Pages by their number of fragments (index 0: one fragment, ... the last: 16 or more).
    pub fragment_histogram: [u64; 16],
    /// Bytes in the log of the pages' bases.
    pub base_bytes: u64,
    /// Bytes in the log of the pages' deltas.
    pub delta_bytes: u64,
    /// What writing every page whole once would take (each node's serialized size).
    pub consolidated_bytes: u64,
}

impl SpaceReport {
    pub(crate) fn add_page(
        &mut self,
        fragment_sizes: &[u64],
        node: Option<(bool, usize, u64)>,
    ) {
        self.pages += 1;
        self.fragments += fragment_sizes.len() as u64;
        let bucket = (fragment_sizes.len().max(1) - 1).min(15);
        self.fragment_histogram[bucket] += 1;
        if let Some((&base, deltas)) = fragment_sizes.split_first() {
            self.base_bytes += base;
            self.delta_bytes += deltas.iter().sum::<u64>();
        }
        if let Some((is_leaf, entries, serialized)) = node {
            if is_leaf {
                self.leaves += 1;
                self.leaf_entries += entries as u64;
            }
            self.consolidated_bytes += serialized;
        }
    }
}

/// What a store holds in memory (`Db::residency`): the page table's pages, the nodes resident in
/// the cache, and what the cache's LRU charges for them. Counted without paging anything in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Residency {
    /// Allocated pages that are not free.
    pub pages: u64,
    /// Free pages (kept in the page table until reused).
    pub free_pages: u64,
    /// Pages whose node is in memory.
    pub resident_pages: u64,
    /// Entries in the resident nodes (keys of leaves, children of index nodes).
    pub resident_entries: u64,
    /// `Node::rss` of the resident nodes: the node struct and its key and value bytes.
    pub resident_node_bytes: u64,
    /// The log sizes of the resident pages' fragments: what the LRU is told.
    pub resident_log_bytes: u64,
    /// Resident pages whose base lives in a blob file (the LRU is told the pointer's size).
    pub resident_blob_pages: u64,
    /// Cache infos (one per fragment) of all pages.
    pub cache_infos: u64,
    /// The capacity of the pages' cache info vectors.
    pub cache_info_capacity: u64,
    /// The LRU's charged size (its shards' sums of power-of-two sizes).
    pub lru_charged_bytes: u64,
    /// The pages on the LRU's lists.
    pub lru_listed: u64,
    /// The capacity of the LRU's per-shard entry tables.
    pub lru_entry_capacity: u64,
    /// Entries in the cached nodes on the LRU's lists (the others are cached by accesses the
    /// LRU has queued but not applied yet: up to 64 per shard).
    pub listed_entries: u64,
    /// `Node::rss` of the cached nodes on the LRU's lists.
    pub listed_node_bytes: u64,
    /// The log's IO buffers alive in the process (every open store's, and those sealed and
    /// not yet freed).
    pub io_buffers: u64,
    /// Their bytes.
    pub io_buffer_bytes: u64,
}
