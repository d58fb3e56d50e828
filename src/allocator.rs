//! The global allocator of siaga's programs (declared in `main.rs`, the load generator, the
//! scale example and the subscription bench): jemalloc, counting the bytes the program holds.
//!
//! **Why jemalloc.** sled allocates on every write (copy-on-write nodes, deferred frees) and
//! keeps long-lived nodes in its cache beside them, so what matters for a server that runs for
//! months is how much memory the allocator keeps around its live heap. Measured in the soak
//! (`scripts/soak.sh 12 200`, the same code; README, "The soak a seventh time"): with
//! mimalloc 3 the live heap stayed at 111-138 MB from minute 2 on while RSS went from 227 to
//! 267 MB, the allocator's share from about 80 to 110 MB; with jemalloc (background threads
//! purging pages unused for 10 s, its defaults) RSS held at 153-182 MB over the same minutes,
//! 45-50 MB above the live heap with the mapped index files (26 MB) and the stacks in it.
//! glibc's malloc held more than either.
//!
//! Transparent huge pages are turned off for the process: a 2 MiB huge page counts whole in
//! RSS however little of it is in use, and the kernel's khugepaged fills the holes of partly
//! used ranges to make more. A release `siaga serve` measured with `scripts/memory.sh` held
//! 69 MB of anonymous memory at rest with them and 19 MB without (with mimalloc, which asks
//! for them on its arenas; jemalloc does not, but a kernel set to `always` would give them).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicIsize, AtomicUsize};

use tikv_jemallocator::Jemalloc;

/// jemalloc's options, compiled in: jemalloc reads this symbol (`malloc_conf`, prefixed as
/// tikv-jemalloc-sys builds it) before its first allocation; the `_RJEM_MALLOC_CONF`
/// environment variable, read after it, can still override them.
///
/// `dirty_decay_ms:1000`: freed pages go back to the kernel about a second after they fall
/// idle instead of ten (jemalloc's default). Measured in the soak (README, "The soak an eighth
/// time"): the freed-but-kept pages fell from 13-35 MB to 1-12 MB, RSS from 147-155 to
/// 139-141 MB at two minutes, for 4-10% more CPU at 200 msg/s (the pages freed and touched
/// again are faulted in anew).
///
/// `narenas:1`: one arena for every thread instead of four per CPU. Each arena keeps its own
/// partly used pages of every size class, and in siaga one thread allocates what another frees
/// (sled's nodes are read in by whichever thread needs them and evicted by whichever thread
/// fills the cache), so eight arenas on two cores kept eight sets of half-empty pages. Measured
/// in two soaks run side by side (`scripts/soak.sh 12 200`, follow-ups 4, a profile whose
/// NORMAL first action is due in 10 minutes; README, "The soak a ninth time"): jemalloc's
/// active pages 113-121 MB against 120-137 MB for the same live heap, RSS 118-132 against
/// 130-154 MB, the same CPU; intake in-process 4,218-4,243 msg/s against 4,203-4,376. The
/// threads' own caches (tcache) still take most allocations without the arena's lock.
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: &[u8; 30] = b"narenas:1,dirty_decay_ms:1000\0";

/// The arenas threads are spread over (`opt.narenas`; jemalloc keeps one more of its own for
/// allocations of 8 MiB and above).
pub fn arena_count() -> Option<u32> {
    mallctl_read::<libc::c_uint>(c"opt.narenas")
}

/// The decay of freed pages in force, in milliseconds (`arenas.dirty_decay_ms`).
pub fn dirty_decay_ms() -> Option<i64> {
    mallctl_read::<libc::ssize_t>(c"arenas.dirty_decay_ms").map(|ms| ms as i64)
}

/// What jemalloc holds, in bytes (its `stats.*` counters, read after an `epoch` refresh):
/// `siaga_allocator_bytes{kind}` in `/metrics`. `allocated` is what the program asked for,
/// `active` the pages of the size classes holding it (the difference is fragmentation inside
/// runs), `dirty` pages freed but not yet given back (purged after `dirty_decay_ms`), `resident`
/// all of jemalloc's pages in RAM, metadata included, `metadata` its own bookkeeping.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocatorStats {
    pub allocated: u64,
    pub active: u64,
    pub dirty: u64,
    pub muzzy: u64,
    pub metadata: u64,
    pub resident: u64,
    pub mapped: u64,
    pub retained: u64,
}

/// Reads one `size_t` statistic of jemalloc by its name.
fn mallctl_size(name: &std::ffi::CStr) -> Option<u64> {
    mallctl_read::<libc::size_t>(name).map(|value| value as u64)
}

/// Reads one value of jemalloc by its name; `T` must be the C type jemalloc documents for it
/// (`size_t`, `ssize_t`, `unsigned`).
fn mallctl_read<T: Copy + Default>(name: &std::ffi::CStr) -> Option<T> {
    let mut value = T::default();
    let mut len = std::mem::size_of::<T>();
    // SAFETY: `name` is a C string, `value` is of the type jemalloc writes for it and `len`
    // says its size; jemalloc writes at most `len` bytes into it.
    let failed = unsafe {
        tikv_jemalloc_sys::mallctl(
            name.as_ptr(),
            (&mut value as *mut T).cast(),
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (failed == 0).then_some(value)
}

/// jemalloc's statistics now (`None` if they cannot be read).
pub fn allocator_stats() -> Option<AllocatorStats> {
    let mut epoch: u64 = 1;
    let mut len = std::mem::size_of::<u64>();
    // SAFETY: writing `epoch` refreshes jemalloc's cached statistics; it reads a u64 from us
    // and writes one back into the same variable.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c"epoch".as_ptr(),
            (&mut epoch as *mut u64).cast(),
            &mut len,
            (&mut epoch as *mut u64).cast(),
            std::mem::size_of::<u64>(),
        );
    }
    // SAFETY: sysconf only reads a configuration value.
    let page = match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        size if size > 0 => size as u64,
        _ => 4096,
    };
    Some(AllocatorStats {
        allocated: mallctl_size(c"stats.allocated")?,
        active: mallctl_size(c"stats.active")?,
        // 4096 is MALLCTL_ARENAS_ALL: the sum over every arena.
        dirty: mallctl_size(c"stats.arenas.4096.pdirty")? * page,
        muzzy: mallctl_size(c"stats.arenas.4096.pmuzzy")? * page,
        metadata: mallctl_size(c"stats.metadata")?,
        resident: mallctl_size(c"stats.resident")?,
        mapped: mallctl_size(c"stats.mapped")?,
        retained: mallctl_size(c"stats.retained")?,
    })
}

/// Applies the tuning. Call it first thing in `main`, before any thread starts.
pub fn tune() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    let refused = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0;
    if refused {
        // Not fatal: memory is then only larger. Logging is not set up yet.
        eprintln!(
            "siaga: transparent huge pages could not be turned off: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Gives back to the kernel now what jemalloc holds free in all its arenas (`arena.<all>.purge`),
/// instead of when its background threads would (pages unused for a second, `MALLOC_CONF`). Called after a large
/// one-off piece of work (the search index's rebuild at a first start, a large catch-up).
/// Without jemalloc as the global allocator (tests, tools) it releases only what jemalloc
/// itself holds, which is nothing.
pub fn release_free_memory() {
    // MALLCTL_ARENAS_ALL (4096) names every arena; the call takes and returns nothing.
    const PURGE_ALL: &[u8] = b"arena.4096.purge\0";
    // SAFETY: a void mallctl with null in and out pointers, as jemalloc documents it; it frees
    // nothing live.
    unsafe {
        tikv_jemalloc_sys::mallctl(
            PURGE_ALL.as_ptr().cast(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
    }
}

/// Tunes the process, then runs `main` on a multi-threaded tokio runtime: the `main` of
/// every program that declares [`CountingAllocator`] as its global allocator.
pub fn run_tuned<F>(main: F) -> anyhow::Result<()>
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    tune();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuning_turns_transparent_huge_pages_off() {
        tune();
        // SAFETY: reads a per-process flag.
        let thp_disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(
            thp_disabled, 1,
            "transparent huge pages are off after tune()"
        );
        // Purging with nothing of jemalloc's in use is harmless.
        release_free_memory();
    }
}

/// The global allocator of siaga's programs: jemalloc, counting the bytes the program holds.
///
/// The count is what the program asked for and has not freed: RSS minus it is the allocator's
/// own share (freed pages not yet given back, partly used pages) plus the mapped files and
/// stacks. It is kept in a few counters, each on its own cache line; a thread adds to the one
/// it was given at its first allocation, so the cost is one uncontended atomic add per
/// allocation and per free. `/metrics` shows the sum as `siaga_heap_live_bytes`.
pub struct CountingAllocator;

const SHARDS: usize = 16;

#[repr(align(128))]
struct Shard(AtomicIsize);

static LIVE: [Shard; SHARDS] = [const { Shard(AtomicIsize::new(0)) }; SHARDS];
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // A plain value with a constant initializer and no destructor: readable from inside the
    // allocator, even while the thread is being torn down, without allocating.
    static MY_SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

fn count(delta: isize) {
    let shard = MY_SHARD.with(|shard| {
        if shard.get() == usize::MAX {
            shard.set(NEXT_SHARD.fetch_add(1, Relaxed) % SHARDS);
        }
        shard.get()
    });
    LIVE[shard].0.fetch_add(delta, Relaxed);
}

/// The bytes held on the heap now, when the program's global allocator is
/// [`CountingAllocator`] (`None` otherwise: tests, tools on the system allocator). A sum of
/// counters read one after another, so a few allocations in flight may be missing from it.
pub fn live_heap_bytes() -> Option<u64> {
    let sum: isize = LIVE.iter().map(|shard| shard.0.load(Relaxed)).sum();
    (sum > 0).then_some(sum as u64)
}

// SAFETY: every call is forwarded to jemalloc unchanged; the counting touches no memory of
// the caller's and never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let block = unsafe { Jemalloc.alloc(layout) };
        if !block.is_null() {
            count(layout.size() as isize);
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let block = unsafe { Jemalloc.alloc_zeroed(layout) };
        if !block.is_null() {
            count(layout.size() as isize);
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { Jemalloc.dealloc(block, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let moved = unsafe { Jemalloc.realloc(block, layout, new_size) };
        if !moved.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        moved
    }
}
