//! The global allocator of `h248` and `h248d`: mimalloc, asked for plain
//! (unaligned) blocks whenever the alignment is a machine word or less.
//!
//! `mimalloc::MiMalloc` sends every request through `mi_malloc_aligned`.
//! With mimalloc 3 that path serves a block from a size class whose free
//! list is empty by over-allocating from another class unless the block
//! size is a power of two; the 24-, 40-, 48-byte... classes are then never
//! refilled, and most small allocations of a decoded message took the slow
//! path (callgrind: `mi_theap_malloc_zero_aligned_at_overalloc`,
//! benches/RESULTS.md). Plain `mi_malloc` has no such detour.
//!
//! Soundness: every mimalloc block is a whole number of machine words from
//! the start of its page, and a page's first block is aligned to
//! `MI_MAX_ALIGN_SIZE` (16 bytes; `types.h`, `MI_PAGE_MIN_START_BLOCK_ALIGN`),
//! so `mi_malloc`, `mi_zalloc` and `mi_realloc` return memory aligned to at
//! least a word. Layouts with a larger alignment go to the `_aligned`
//! functions, which honour any power-of-two alignment. `mi_free` frees
//! blocks of either kind.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// What `mi_malloc` always provides.
const WORD: usize = std::mem::size_of::<usize>();

/// The global allocator (see the module documentation).
pub struct Allocator;

// SAFETY: each method meets the `GlobalAlloc` contract through mimalloc:
// blocks are aligned as `layout` asks (module documentation), at least
// `layout.size()` bytes, zeroed by `mi_zalloc*`, and `realloc` keeps the
// contents up to the smaller size; null is returned only on exhaustion.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain FFI calls with a size and a power-of-two alignment.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_malloc(layout.size()) as *mut u8
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_zalloc(layout.size()) as *mut u8
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract),
        // hence from mimalloc.
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout` (the
        // caller's contract); the new block keeps `layout.align()`.
        unsafe {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of every small size come back aligned as asked, zeroed when
    /// asked, and keep their contents through `realloc`.
    #[test]
    fn alignment_zeroing_and_realloc() {
        let a = Allocator;
        for size in 1..=520usize {
            for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero size; each block is freed with its layout.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xA5, size);
                    let q = a.realloc(p, layout, size * 3);
                    assert_eq!(q as usize % align, 0, "realloc size {size} align {align}");
                    assert!((0..size).all(|i| *q.add(i) == 0xA5));
                    a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (`mimalloc.h`):
/// libmimalloc-sys exposes no constant for it. The test below checks that
/// this index reads the option's documented default.
const PURGE_DELAY_OPTION: mi::mi_option_t = 15;

/// How long freed memory stays with the process before it is given back
/// to the system, in milliseconds.
pub const PURGE_DELAY_MS: i64 = 10_000;

/// Tunes mimalloc for a daemon under steady load: memory freed by
/// transactions that ended (replies kept for LONG-TIMER, decoded requests)
/// is given back to the system only after it has gone unused for
/// [`PURGE_DELAY_MS`] instead of mimalloc's 1 s. With 1 s, a steady load
/// gives pages back and faults them in again (zero-filled by the kernel)
/// every second; at 16 transactions in flight that cost about 10 % of the
/// throughput and doubled the 99th-percentile latency (benches/RESULTS.md,
/// session 7). `MIMALLOC_PURGE_DELAY` in the environment still decides.
///
/// It also turns transparent huge pages off for the process, as
/// `MIMALLOC_ALLOW_THP=0` would (that variable in the environment still
/// decides). With them, a page fault in a growing table zeroes 2 MiB at
/// once: under load the slowest transaction took 37–53 ms instead of
/// 9–11 ms, for no throughput gained; and freed memory stays resident
/// inside huge pages that are still partly used (670 rather than 760 bytes
/// of RSS per open context; benches/RESULTS.md, session 10).
///
/// Call it first in `main`, before any other thread starts.
pub fn tune_for_daemon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` writes one slot of mimalloc's option
        // table with a value in the option's documented range (N
        // milliseconds, or -1). It is not thread safe; this runs before
        // `main` starts any thread, and mimalloc reads the slot again at
        // each purge decision.
        unsafe { mi::mi_option_set(PURGE_DELAY_OPTION, PURGE_DELAY_MS as _) };
    }
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: as above; 0 is in the option's range (0, 1 or 2), read
        // when mimalloc next asks the system for memory.
        unsafe { mi::mi_option_set(ALLOW_THP_OPTION, 0) };
        // What mimalloc does at start-up for `MIMALLOC_ALLOW_THP=0`: the
        // kernel then makes no huge page for this process, in memory
        // mapped before or after. Where the call is refused, THP stays as
        // the system has it.
        #[cfg(target_os = "linux")]
        let _ = nix::sys::prctl::set_thp_disable(true);
    }
}

/// `mi_option_allow_thp` in mimalloc 3's `mi_option_e` (`mimalloc.h`).
const ALLOW_THP_OPTION: mi::mi_option_t = 43;

/// How often [`give_back_unused`] should run: well within the purge delay.
pub const GIVE_BACK_EVERY_MS: u64 = 1_000;

/// Gives the system back the memory freed more than [`PURGE_DELAY_MS`]
/// ago. mimalloc purges delayed memory only from inside its own calls, so
/// a daemon that goes quiet after a burst (the replies of a peak expire
/// LONG-TIMER later, with no traffic to trigger a purge) would otherwise
/// keep the burst's memory resident for good. Run it every
/// [`GIVE_BACK_EVERY_MS`]; with nothing to purge it only walks the calling
/// thread's pages.
pub fn give_back_unused() {
    // SAFETY: `mi_collect` takes no pointer; it may be called from any
    // thread at any time (mimalloc.h), and with `force = false` it frees
    // only memory mimalloc itself considers unused.
    unsafe { mi::mi_collect(false) };
}

#[cfg(test)]
mod purge_tests {
    use super::*;

    #[test]
    fn the_purge_delay_index_names_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one option slot (`mi_option_get` is a plain read).
        let default = unsafe { mi::mi_option_get(PURGE_DELAY_OPTION) };
        // mimalloc 3's default purge delay (options.c); no other option has it.
        assert_eq!(default, 1000);
    }

    /// The index taken for `mi_option_allow_thp` is the option after
    /// `page_cross_thread_max_reclaim` (32 by default, options.c) and before
    /// `minimal_purge_size` (0): its neighbours read their defaults, and it
    /// reads 1 (allowed, mimalloc's default) or 0 (`MIMALLOC_ALLOW_THP=0`).
    #[test]
    fn the_thp_index_names_allow_thp() {
        // SAFETY: plain reads of option slots.
        let (before, option, after) = unsafe {
            (
                mi::mi_option_get(ALLOW_THP_OPTION - 1),
                mi::mi_option_get(ALLOW_THP_OPTION),
                mi::mi_option_get(ALLOW_THP_OPTION + 1),
            )
        };
        assert_eq!(before, 32);
        assert!(matches!(option, 0 | 1), "{option}");
        assert_eq!(after, 0);
    }
}
