//! Live edits swapped into a running game at a given step, as `cargo dev`
//! would between two frames: the state, bricks included, carries on.

use breakout::arena::*;
use hotloop_test::{Game, GameCrate, Key};

/// An editable copy of this crate, named for one test.
fn copy(name: &str) -> GameCrate {
    GameCrate::copy(env!("CARGO_MANIFEST_DIR"), name).expect("copy breakout")
}

/// Every brick's centre, in list order.
fn bricks(game: &Game) -> Vec<(f64, f64)> {
    (0..game.int("bricks.len"))
        .map(|i| {
            (
                game.float(&format!("bricks[{i}].pos.x")),
                game.float(&format!("bricks[{i}].pos.y")),
            )
        })
        .collect()
}

#[test]
fn adding_a_field_to_the_brick_struct_keeps_every_brick() {
    const K: u64 = 240;
    let breakout = copy("brick-hits");
    let mut game = Game::load(breakout.build().unwrap()).unwrap();
    game.press(Key::Left, 20).release(Key::Left, 70);
    game.run_to(100);
    // Break a brick from the middle of the list, so it is not the grid `init` makes.
    let (x, y) = (
        game.float("bricks[20].pos.x"),
        game.float("bricks[20].pos.y"),
    );
    let below = y as f32 + BRICK_SIZE.y / 2.0 + BALL_DIAMETER / 2.0 + 1.0;
    game.set("ball.pos.x", x as f32).unwrap();
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

    assert_eq!(
        bricks(&game),
        before,
        "same bricks, same places, same order"
    );
    for index in 0..before.len() {
        assert_eq!(game.int(&format!("bricks[{index}].hits")), 0);
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
    assert_eq!(game.int("score") + game.int("bricks.len"), 56);
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
