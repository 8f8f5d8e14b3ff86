//! Steady-state steps and frames of the game allocate nothing, its code
//! included: the game is linked into this test (as `cargo ship` links it),
//! so its allocations go through the counting allocator below.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hotloop_test::{Game, Key};

struct Counting;

thread_local! {
    // Only the test's thread counts: the engine's own helper threads
    // (retiring old buffers) are not the frame loop.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Counts an allocation if this thread is counting.
fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// thread-local bookkeeping neither allocates nor touches the memory.
unsafe impl GlobalAlloc for Counting {
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

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn steps_and_frames_allocate_nothing() {
    let mut game = Game::linked(&invaders::__HOTLOOP_GAME).expect("the linked game");
    // Play: move, fire, pause and go on, so every system and phase runs.
    for step in (0..1200).step_by(40) {
        game.press(Key::Left, step).release(Key::Left, step + 15);
        game.press(Key::Right, step + 20)
            .release(Key::Right, step + 35);
        game.tap(Key::Space, step + 5);
    }
    game.tap(Key::P, 400).tap(Key::P, 460);
    let (width, height) = (invaders::state::WIDTH, invaders::state::HEIGHT);
    let mut pixels = vec![0u8; width as usize * height as usize * 4];
    // Warm up: first calls size buffers and thread-locals.
    game.run_to(120);
    game.engine().render(&mut pixels);
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    for _ in 0..900 {
        game.step();
        game.engine().render(&mut pixels);
    }
    COUNTING.with(|c| c.set(false));
    let count = ALLOCATIONS.with(Cell::get);
    assert_eq!(game.engine().current_error(), None);
    assert_eq!(count, 0, "{count} allocations in 900 steps and frames");
    // And the counter does count.
    COUNTING.with(|c| c.set(true));
    drop(std::hint::black_box(vec![1u8]));
    COUNTING.with(|c| c.set(false));
    assert_eq!(ALLOCATIONS.with(Cell::get), 1);
}
