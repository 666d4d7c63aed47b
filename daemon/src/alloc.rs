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
