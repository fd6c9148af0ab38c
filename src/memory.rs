//! The process's heap, as glibc's allocator sees it.
//!
//! glibc keeps freed memory in per-thread arenas (up to eight per core)
//! and gives back to the kernel only what lies at the top of an arena; and
//! it raises its threshold for serving a large block by `mmap` each time
//! such a block is freed, so that after a while the megabyte buffers of
//! requests and chunks are carved out of the arenas too. A server whose
//! threads allocate and free such blocks all day keeps the holes they
//! leave, and its resident memory creeps although its heap does not (see
//! `docs/decisions.md#memory`). So [`tune`] fixes the threshold and
//! bounds the arenas, and [`give_back`], called every [`GIVE_BACK_EVERY`]
//! by a thread the upkeep starts, returns the free pages that remain.

use std::time::Duration;

/// How often the serving process returns its allocator's free pages.
pub const GIVE_BACK_EVERY: Duration = Duration::from_secs(30);

/// Blocks of this size or more are mapped on their own and unmapped when
/// freed (glibc's dynamic threshold starts at 128 KiB and climbs to
/// 32 MiB): a chunk (at most 256 KiB) and anything larger, such as a
/// request's buffers.
const MMAP_THRESHOLD: i32 = 256 << 10;

/// Free memory at the top of an arena that glibc keeps for the next
/// allocations instead of giving it back at once (its default is 128 KiB
/// once the threshold above is fixed). Chunks and read buffers of 64-256
/// KiB are allocated and freed by the thousand a second while a file is
/// read or written; with the default, an arena's top was given back and
/// faulted in again around every one of them, which cost the mount half
/// of its CPU in a sequential read (`docs/decisions.md#memory`).
/// [`give_back`] still returns what stays free.
const TRIM_THRESHOLD: i32 = 32 << 20;

/// Arenas glibc may make, whatever the number of cores.
const ARENA_MAX: i32 = 2;

/// Sets glibc's allocator for a long-running process ([`MMAP_THRESHOLD`],
/// [`TRIM_THRESHOLD`], [`ARENA_MAX`]), unless the environment set them
/// (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`,
/// `MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`): an operator's choice stands. Called first thing in `main`, before any thread starts.
#[allow(unsafe_code)]
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set = |name: &str| std::env::var_os(name).is_some();
        if set("GLIBC_TUNABLES") {
            return;
        }
        if !set("MALLOC_MMAP_THRESHOLD_") {
            // SAFETY: mallopt changes a setting of the allocator; it has no
            // preconditions and no thread allocates yet.
            unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
        }
        if !set("MALLOC_TRIM_THRESHOLD_") {
            // SAFETY: as above.
            unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) };
        }
        if !set("MALLOC_ARENA_MAX") {
            // SAFETY: as above.
            unsafe { libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX) };
        }
    }
}

/// Bytes the allocator has handed out and not had back (small and large
/// allocations alike); `None` where the allocator cannot say.
#[allow(unsafe_code)] // two calls into glibc, each with no precondition
pub fn heap_in_use() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 reads the allocator's statistics; it has no
        // preconditions.
        let info = unsafe { libc::mallinfo2() };
        Some((info.uordblks + info.hblkhd) as u64)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// Returns the allocator's free pages to the kernel (glibc's
/// `malloc_trim`, which since glibc 2.8 releases whole free pages inside
/// every arena, not only at its top). Costs a walk of the arenas' free
/// lists under their locks: a few milliseconds for a heap of hundreds of
/// MiB.
#[allow(unsafe_code)]
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory no allocation holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (Other tests of this binary allocate and free meanwhile, so only
    /// what this one holds is certain.)
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn the_heap_counts_what_is_allocated() {
        let block = std::hint::black_box(vec![1u8; 64 << 20]);
        let during = heap_in_use().expect("glibc counts its heap");
        assert!(during >= 64 << 20, "{during}");
        drop(block);
        give_back();
    }
}
