//! Live edits swapped into a running game at a given step, as `cargo dev`
//! would between two frames: the state, bricks included, carries on.

use breakout::Brick;
use breakout::arena::*;
use breakout::state::MAX_BRICKS;
use glam::Vec2;
use hotloop_abi::Handle;
use hotloop_test::{Game, GameCrate, Key};

/// An editable copy of this crate, named for one test.
fn copy(name: &str) -> GameCrate {
    GameCrate::copy(env!("CARGO_MANIFEST_DIR"), name).expect("copy breakout")
}

/// Every brick's handle and centre, in slot order, read through the
/// game's own `State` (the layout is this build's until the edit).
fn bricks(game: &Game) -> Vec<(Handle<Brick>, Vec2)> {
    let state = game.state::<breakout::State>();
    state
        .bricks
        .iter()
        .map(|(handle, brick)| (handle, brick.pos))
        .collect()
}

#[test]
fn adding_a_field_to_the_brick_struct_keeps_every_brick() {
    const K: u64 = 240;
    let breakout = copy("brick-hits");
    let mut game = Game::load(breakout.build().unwrap()).unwrap();
    game.press(Key::Left, 20).release(Key::Left, 70);
    game.run_to(100);
    // Break a brick from the middle of the grid, so it is not the one `init` makes.
    let (_, at) = bricks(&game)[20];
    let (x, y) = (at.x, at.y);
    let below = y + BRICK_SIZE.y / 2.0 + BALL_DIAMETER / 2.0 + 1.0;
    game.set("ball.pos.x", x).unwrap();
    game.set("ball.pos.y", below).unwrap();
    game.set("ball.vel.x", 0.0f32).unwrap();
    game.set("ball.vel.y", -BALL_SPEED).unwrap();
    game.run_to(K);
    let before = bricks(&game);
    let score = game.int("score");
    assert!(
        score >= 1 && before.len() < 56,
        "{score} broken, {} left",
        before.len()
    );
    let ball = (game.float("ball.pos.x"), game.float("ball.pos.y"));

    breakout.edit(
        "src/state.rs",
        "pub struct Brick {",
        "pub struct Brick {\n        /// Times the ball hit this brick.\n        pub hits: u8,",
    );
    game.swap(breakout.build().unwrap()).unwrap();
    assert_eq!(game.engine().generation(), 2, "the edited build runs");
    let note = game.engine().notice().unwrap_or_default().to_owned();
    assert!(note.contains("bricks") && note.contains("hits"), "{note}");

    // The new build's `Brick` is not this crate's: read by path now.
    for (handle, pos) in &before {
        let slot = format!("bricks.items[{}]", handle.index());
        assert_eq!(game.float(&format!("{slot}.pos.x")), f64::from(pos.x));
        assert_eq!(game.float(&format!("{slot}.pos.y")), f64::from(pos.y));
        assert_eq!(game.int(&format!("{slot}.hits")), 0);
        let generation = game.int(&format!("bricks.generations[{}]", handle.index()));
        assert_eq!(generation, i128::from(handle.generation()), "same handles");
    }
    assert_eq!(game.int("score"), score);
    assert_eq!(game.int("ticks"), K as i128);
    assert_eq!((game.float("ball.pos.x"), game.float("ball.pos.y")), ball);

    game.step();
    assert_eq!(
        game.int("ticks"),
        K as i128 + 1,
        "step K+1 runs the new build"
    );
    game.run_to(K + 300);
    assert_eq!(game.engine().current_error(), None);
    let live = (0..MAX_BRICKS)
        .filter(|slot| game.int(&format!("bricks.generations[{slot}]")) % 2 == 1)
        .count();
    assert_eq!(game.int("score") + live as i128, 56);
}

#[test]
fn an_edited_paddle_speed_applies_from_the_step_after_the_swap() {
    const K: u64 = 30;
    let breakout = copy("paddle-speed");
    let mut game = Game::load(breakout.build().unwrap()).unwrap();
    game.press(Key::Left, 0).release(Key::Left, K + 1);
    game.run_to(K);
    let x = game.float("paddle.pos.x");

    breakout.edit(
        "src/arena.rs",
        "PADDLE_SPEED: f32 = 200.0;",
        "PADDLE_SPEED: f32 = 60.0;",
    );
    game.swap(breakout.build().unwrap()).unwrap();
    assert_eq!(game.float("paddle.pos.x"), x, "a swap does not step");
    game.step();
    let moved = x - game.float("paddle.pos.x");
    assert!((moved - 1.0).abs() < 1e-4, "60 px/s for one step: {moved}");
}

#[test]
fn a_brick_broken_in_the_step_before_a_layout_change_stays_broken_and_scores_once() {
    let breakout = copy("break-then-swap");
    let mut game = Game::load(breakout.build().unwrap()).unwrap();
    game.run_to(10);
    // A brick of the bottom row: nothing else is under it.
    let (target, at) = bricks(&game)[5];
    let below = at.y + BRICK_SIZE.y / 2.0 + BALL_DIAMETER / 2.0 + 1.0;
    game.set("ball.pos.x", at.x).unwrap();
    game.set("ball.pos.y", below).unwrap();
    game.set("ball.vel.x", 0.0f32).unwrap();
    game.set("ball.vel.y", -BALL_SPEED).unwrap();
    game.step();
    let state = game.state::<breakout::State>();
    assert!(!state.bricks.contains(target), "broken at step 11");
    assert_eq!(state.score, 1);
    assert!(
        state.collisions.read().any(|hit| hit.brick == target),
        "its collision is still readable next step"
    );

    // The swap lands while that collision is in the queue: the handle and
    // the reader's cursor carry over field by field with the new `Brick`.
    breakout.edit(
        "src/state.rs",
        "pub struct Brick {",
        "pub struct Brick {\n        /// Times the ball hit this brick.\n        pub hits: u8,",
    );
    game.swap(breakout.build().unwrap()).unwrap();
    let generation = format!("bricks.generations[{}]", target.index());
    assert_eq!(game.int(&generation) % 2, 0, "still a free slot");
    game.run_to(20);
    assert_eq!(game.int("score"), 1, "the collision was not read twice");
    assert_eq!(game.engine().current_error(), None);
}
