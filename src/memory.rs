//! The process's heap, as glibc's allocator sees it.
//!
//! glibc keeps freed memory in per-thread arenas and gives back to the
//! kernel only what lies at the top of an arena; a server whose threads
//! allocate and free pages of metadata all day keeps the rest as free
//! lists, and its resident memory creeps although its heap does not (see
//! `docs/decisions.md#memory`). [`give_back`], called every
//! [`GIVE_BACK_EVERY`] by a thread the upkeep starts, returns those free
//! pages.

use std::time::Duration;

/// How often the serving process returns its allocator's free pages.
pub const GIVE_BACK_EVERY: Duration = Duration::from_secs(30);

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
