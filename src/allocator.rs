//! Tuning of mimalloc, the global allocator of the `siaga` binary (declared in `main.rs`).
//!
//! mimalloc hands memory a thread no longer uses back to the kernel a short while after it is
//! freed (its "purge delay", 1 s by default), and takes fresh pages again when it needs them.
//! Under steady load the same memory goes back and forth: a run of 30,000 webhooks took
//! about 300,000 page faults, each one the kernel zeroing a page (8% of the CPU in a
//! profile). With a delay of 10 s, memory freed under load is reused before it would be
//! returned, and an idle server still gives it back.
//!
//! Transparent huge pages are turned off for the process. mimalloc asks for them on its arenas
//! (`madvise(MADV_HUGEPAGE)`), and a 2 MiB huge page counts whole in RSS however little of it
//! is in use, while the kernel's khugepaged fills the holes of partly used ranges to make
//! more. A release `siaga serve` measured with `scripts/memory.sh` held 69 MB of anonymous
//! memory at rest with them (112 MB of `AnonHugePages` after 100,000 reports) and 19 MB without.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicIsize, AtomicUsize};

/// mimalloc's `mi_option_purge_delay` (position 15 of `mi_option_e` in mimalloc 3's
/// `mimalloc.h`); the crate does not export it as a constant.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const PURGE_DELAY_MS: std::ffi::c_long = 10_000;

/// Applies the tuning. Call it first thing in `main`, before any thread starts: mimalloc's
/// option setters are not thread safe.
pub fn tune() {
    // SAFETY: sets a plain integer option; called before other threads exist.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) }
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

/// Gives back to the kernel now what mimalloc holds free: the pages of the calling thread that
/// no longer hold a live block, and every range of its arenas that waits for the purge delay,
/// whichever thread freed it. Called after a large one-off piece of work (the search index's
/// rebuild at a first start, a large catch-up), whose memory would otherwise stay resident
/// until the threads that freed it allocate again. Costs a walk of the calling thread's pages
/// and of the arenas' bitmaps. Without mimalloc as the global allocator (tests, tools) it
/// releases only what mimalloc itself holds, which is nothing.
pub fn release_free_memory() {
    // SAFETY: a plain call into mimalloc, which is thread safe; it frees nothing live.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Tunes the allocator, then runs `main` on a multi-threaded tokio runtime: the `main` of
/// every program that declares mimalloc as its global allocator.
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
    fn the_option_set_is_the_purge_delay() {
        // SAFETY: reads and sets a plain integer option; no other test touches options.
        let (default, tuned) = unsafe {
            let default = libmimalloc_sys::mi_option_get(PURGE_DELAY);
            tune();
            (default, libmimalloc_sys::mi_option_get(PURGE_DELAY))
        };
        // 1000 ms is mimalloc 3's documented default for the purge delay, and no other option
        // near it defaults to that value: the position is the right one.
        assert_eq!(default, 1000);
        assert_eq!(tuned, PURGE_DELAY_MS);
        // SAFETY: reads a per-process flag.
        let thp_disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(
            thp_disabled, 1,
            "transparent huge pages are off after tune()"
        );
    }
}

/// The global allocator of siaga's programs: mimalloc, counting the bytes the program holds.
///
/// The count is what the program asked for and has not freed: RSS minus it is the allocator's
/// own share (freed pages not yet given back, partly used pages) plus the mapped files and
/// stacks. It is kept in a few counters, each on its own cache line; a thread adds to the one
/// it was given at its first allocation, so the cost is one uncontended atomic add per
/// allocation and per free. `/metrics` shows the sum as `siaga_heap_live_bytes`.
pub struct CountingMiMalloc;

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
/// [`CountingMiMalloc`] (`None` otherwise: tests, tools on the system allocator). A sum of
/// counters read one after another, so a few allocations in flight may be missing from it.
pub fn live_heap_bytes() -> Option<u64> {
    let sum: isize = LIVE.iter().map(|shard| shard.0.load(Relaxed)).sum();
    (sum > 0).then_some(sum as u64)
}

// SAFETY: every call is forwarded to mimalloc unchanged; the counting touches no memory of
// the caller's and never allocates.
unsafe impl GlobalAlloc for CountingMiMalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let block = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !block.is_null() {
            count(layout.size() as isize);
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let block = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if !block.is_null() {
            count(layout.size() as isize);
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { mimalloc::MiMalloc.dealloc(block, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let moved = unsafe { mimalloc::MiMalloc.realloc(block, layout, new_size) };
        if !moved.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        moved
    }
}
