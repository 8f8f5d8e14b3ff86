//! Breakout's rules, checked step by step on a headless build: the paddle,
//! the bounces, bricks breaking and scoring, and long runs that must not fail.

use std::path::PathBuf;
use std::sync::OnceLock;

use breakout::arena::*;
use hotloop_test::{Game, GameCrate, Key};

/// One build of this crate, shared by every test here (none of them edits it).
fn game() -> Game {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    let library = LIBRARY.get_or_init(|| {
        let copy = GameCrate::copy(env!("CARGO_MANIFEST_DIR"), "rules").expect("copy breakout");
        copy.build().expect("build breakout")
    });
    Game::load(library).expect("load breakout")
}

/// Puts the ball at `pos` flying at `vel`; the next step moves it from there.
fn put_ball(game: &mut Game, pos: (f32, f32), vel: (f32, f32)) {
    game.set("ball.pos.x", pos.0).unwrap();
    game.set("ball.pos.y", pos.1).unwrap();
    game.set("ball.vel.x", vel.0).unwrap();
    game.set("ball.vel.y", vel.1).unwrap();
}

fn ball_vel(game: &Game) -> (f64, f64) {
    (game.float("ball.vel.x"), game.float("ball.vel.y"))
}

/// The centre of the `index`th brick still there, in slot order.
fn brick(game: &Game, index: usize) -> (f32, f32) {
    let (_, brick) = state(game).bricks.iter().nth(index).expect("a brick");
    (brick.pos.x, brick.pos.y)
}

/// The state, as the game's own type.
fn state(game: &Game) -> &breakout::State {
    game.state::<breakout::State>()
}

/// How many bricks are left.
fn bricks_left(game: &Game) -> i128 {
    state(game).bricks.len() as i128
}

/// Puts the ball just under brick `index`, flying straight up into it.
fn aim_at_brick(game: &mut Game, index: usize) -> (f32, f32) {
    let (x, y) = brick(game, index);
    let below = y + BRICK_SIZE.y / 2.0 + BALL_DIAMETER / 2.0 + 1.0;
    put_ball(game, (x, below), (0.0, -120.0));
    (x, y)
}

/// No step failed: no panic was caught, nothing was rolled back.
fn assert_clean(game: &mut Game) {
    let engine = game.engine();
    assert_eq!(engine.current_error(), None);
    assert_eq!(engine.stats().failed_reloads, 0);
    assert!(!engine.is_paused());
}

#[test]
fn the_paddle_moves_with_the_arrow_keys_and_stops_at_the_walls() {
    let mut game = game();
    let start = game.float("paddle.pos.x");
    assert_eq!(start, f64::from(CENTER.x));
    game.press(Key::Right, 10).release(Key::Right, 40);
    game.press(Key::Right, 60).release(Key::Right, 200);
    game.press(Key::Left, 200).release(Key::Left, 400);

    game.run_to(10);
    assert_eq!(game.float("paddle.pos.x"), start, "nothing pressed yet");
    game.run_to(40);
    let moved = game.float("paddle.pos.x") - start;
    let expected = 30.0 * f64::from(PADDLE_SPEED) / 60.0;
    assert!(
        (moved - expected).abs() < 0.01,
        "moved {moved}, not {expected}"
    );
    game.run_to(60);
    assert_eq!(
        game.float("paddle.pos.x"),
        start + moved,
        "released: it stops"
    );

    game.run_to(200);
    let right = game.float("paddle.pos.x");
    assert_eq!(right, f64::from(PADDLE_MAX_X), "stopped at the right wall");
    let gap = f64::from(RIGHT_WALL - WALL_THICKNESS / 2.0 - PADDLE_SIZE.x / 2.0) - right;
    assert_eq!(
        gap,
        f64::from(PADDLE_PADDING),
        "short of the wall's inner face"
    );
    game.run_to(400);
    let left = game.float("paddle.pos.x");
    assert_eq!(left, f64::from(PADDLE_MIN_X), "stopped at the left wall");
    let gap = left - f64::from(LEFT_WALL + WALL_THICKNESS / 2.0 + PADDLE_SIZE.x / 2.0);
    assert_eq!(gap, f64::from(PADDLE_PADDING));
    assert_eq!(
        game.float("paddle.pos.y"),
        f64::from(PADDLE_Y),
        "it never leaves its line"
    );
}

#[test]
fn the_ball_bounces_off_a_side_wall_with_its_velocity_mirrored() {
    let mut game = game();
    let inside = RIGHT_WALL - WALL_THICKNESS / 2.0 - BALL_DIAMETER / 2.0;
    put_ball(&mut game, (inside - 1.0, 200.0), (120.0, -50.0));
    game.step();
    assert_eq!(ball_vel(&game), (-120.0, -50.0), "x mirrored, y kept");
    let x = game.float("ball.pos.x");
    game.run_to(10);
    assert!(game.float("ball.pos.x") < x, "it flies back into the arena");
    assert_eq!(ball_vel(&game), (-120.0, -50.0), "one bounce, not a rattle");

    // Touching the wall but already heading away: not turned back into it.
    put_ball(&mut game, (inside + 2.0, 200.0), (-120.0, -50.0));
    game.step();
    assert_eq!(ball_vel(&game), (-120.0, -50.0));
}

#[test]
fn the_ball_bounces_off_the_floor_so_there_is_no_game_over() {
    let mut game = game();
    let inside = BOTTOM_WALL - WALL_THICKNESS / 2.0 - BALL_DIAMETER / 2.0;
    put_ball(&mut game, (150.0, inside - 1.0), (50.0, 120.0));
    game.step();
    assert_eq!(ball_vel(&game), (50.0, -120.0));
    game.run_to(30);
    assert!(
        game.float("ball.pos.y") < f64::from(inside - 30.0),
        "back up"
    );
}

#[test]
fn the_ball_bounces_off_the_paddle() {
    let mut game = game();
    let above = PADDLE_Y - PADDLE_SIZE.y / 2.0 - BALL_DIAMETER / 2.0;
    put_ball(&mut game, (CENTER.x + 10.0, above - 1.0), (-80.0, 120.0));
    game.step();
    assert_eq!(ball_vel(&game), (-80.0, -120.0));
}

#[test]
fn a_brick_hit_by_the_ball_breaks_and_the_score_counts_it() {
    let mut game = game();
    let count = bricks_left(&game);
    assert_eq!(game.int("score"), 0);
    let hit = aim_at_brick(&mut game, 0);
    game.step();
    assert_eq!(game.int("score"), 1);
    assert_eq!(bricks_left(&game), count - 1);
    assert_eq!(ball_vel(&game), (0.0, 120.0), "it bounced back down");
    let left = (0..count as usize - 1).map(|index| brick(&game, index));
    assert!(left.clone().all(|pos| pos != hit), "the brick hit is gone");
    game.run_to(40);
    assert_eq!(game.int("score"), 1, "one brick, one point");
    assert!(
        game.engine()
            .describe()
            .unwrap()
            .starts_with("score 1 bricks 55 ball (")
    );
}

#[test]
fn bricks_come_and_go_through_the_pool() {
    let mut game = game();
    assert_eq!(bricks_left(&game), 8 * 7, "Bevy's grid: 8 columns, 7 rows");
    let handles: Vec<_> = state(&game).bricks.handles().collect();
    let second = brick(&game, 1);
    aim_at_brick(&mut game, 0);
    game.step();
    assert_eq!(bricks_left(&game), 55);
    assert_eq!(brick(&game, 0), second, "the others stay, in order");
    let pool = &state(&game).bricks;
    assert_eq!(
        pool.get(handles[0]),
        None,
        "the broken brick's handle is stale"
    );
    assert!(handles[1..].iter().all(|handle| pool.contains(*handle)));

    aim_at_brick(&mut game, 0);
    game.step();
    assert_eq!(bricks_left(&game), 54);
    assert_eq!(game.int("score"), 2);
}

#[test]
fn six_hundred_steps_without_input_run_clean() {
    let mut game = game();
    game.run_to(600);
    assert_clean(&mut game);
    assert_eq!(game.int("ticks"), 600);
    assert_eq!(
        game.int("score") + bricks_left(&game),
        56,
        "every brick counted once"
    );
    assert_eq!(
        game.float("paddle.pos.x"),
        f64::from(CENTER.x),
        "no input, no move"
    );
    let (x, y) = (
        game.float("ball.pos.x") as f32,
        game.float("ball.pos.y") as f32,
    );
    assert!(x > LEFT_WALL && x < RIGHT_WALL && y > TOP_WALL && y < BOTTOM_WALL);
    let speed = ball_vel(&game).0.hypot(ball_vel(&game).1);
    assert!(
        (speed - f64::from(BALL_SPEED)).abs() < 0.01,
        "speed {speed}"
    );
}

#[test]
fn six_hundred_steps_with_scripted_input_run_clean() {
    let mut game = game();
    for round in 0..6 {
        let at = round * 100;
        game.press(Key::Left, at).release(Key::Left, at + 40);
        game.press(Key::Right, at + 50).release(Key::Right, at + 95);
        game.tap(Key::Space, at + 97);
    }
    game.press(Key::Left, 590).press(Key::Right, 590);
    game.run_to(600);
    assert_clean(&mut game);
    assert_eq!(game.int("score") + bricks_left(&game), 56);
    let paddle = game.float("paddle.pos.x") as f32;
    assert!((PADDLE_MIN_X..=PADDLE_MAX_X).contains(&paddle));
}

#[test]
fn a_rendered_frame_shows_arena_bricks_paddle_ball_and_score() {
    let mut game = game();
    game.run_to(1);
    let (width, height) = game.engine().display().size;
    assert_eq!((width, height), (WIDTH, HEIGHT));
    assert_eq!(game.engine().display().title, "Breakout");
    let mut pixels = vec![0; width as usize * height as usize * 4];
    game.engine().render(&mut pixels);
    let at = |x: f32, y: f32| {
        let i = (y as usize * width as usize + x as usize) * 4;
        [pixels[i], pixels[i + 1], pixels[i + 2]]
    };
    let (ball_x, ball_y) = (
        game.float("ball.pos.x") as f32,
        game.float("ball.pos.y") as f32,
    );
    let (brick_x, brick_y) = brick(&game, 0);
    assert_eq!(at(CENTER.x, CENTER.y), [230, 230, 230], "light grey floor");
    assert_eq!(at(LEFT_WALL, CENTER.y), [204, 204, 204], "grey wall");
    assert_eq!(at(brick_x, brick_y), [128, 128, 255], "blue-ish brick");
    assert_eq!(at(CENTER.x, PADDLE_Y), [77, 77, 179], "dark blue paddle");
    assert_eq!(at(ball_x, ball_y), [255, 128, 128], "red-ish ball");
    let score_text = (0..20).any(|y| (0..120).any(|x| at(x as f32, y as f32) == [128, 128, 255]));
    assert!(score_text, "the scoreboard's label, top left");
    assert_clean(&mut game);
}
