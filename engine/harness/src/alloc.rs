//! Counting the heap allocations a piece of a test makes, to check that
//! steady-state steps and frames allocate nothing. A test binary installs
//! the counter as its global allocator:
//!
//! ```no_run
//! #[global_allocator]
//! static ALLOCATOR: hotloop_test::CountingAllocator = hotloop_test::CountingAllocator;
//!
//! let count = hotloop_test::allocations_in(|| drop(vec![1u8]));
//! assert_eq!(count, 1);
//! ```
//!
//! Only the calling thread counts: the engine's own helper threads (the one
//! that retires old buffers) are not the frame loop.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting allocations (and reallocations) made on
/// a thread while it runs [`allocations_in`].
#[derive(Debug)]
pub struct CountingAllocator;

fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds `GlobalAlloc`'s contract; the thread-local bookkeeping (two
// `Cell`s with const initialisers and no destructor) neither allocates nor
// touches the memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's arguments.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The allocations `body` makes on this thread (0 unless the test binary
/// installed [`CountingAllocator`] as its global allocator).
pub fn allocations_in(body: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    body();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}
