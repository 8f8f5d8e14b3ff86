//! Steady-state steps and frames of the game allocate nothing, its code
//! included: the game is linked into this test (as `cargo ship` links it),
//! so its allocations go through the counting allocator.

use hotloop_test::{CountingAllocator, Game, Key, allocations_in};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn steps_and_frames_allocate_nothing() {
    let mut game = Game::linked(&breakout::__HOTLOOP_GAME).expect("the linked game");
    // Play: move, fire, pause and go on, so every system and phase runs.
    for step in (0..1200).step_by(40) {
        game.press(Key::Left, step).release(Key::Left, step + 15);
        game.press(Key::Right, step + 20)
            .release(Key::Right, step + 35);
        game.tap(Key::Space, step + 5);
    }
    game.tap(Key::P, 400).tap(Key::P, 460);
    let count = game.allocations_in_frames(120, 900);
    assert_eq!(game.engine().current_error(), None);
    assert_eq!(count, 0, "{count} allocations in 900 steps and frames");
    // And the counter does count.
    assert_eq!(allocations_in(|| drop(std::hint::black_box(vec![1u8]))), 1);
}
