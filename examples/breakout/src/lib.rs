//! Breakout, ported to hotloop from Bevy's `examples/games/breakout.rs`
//! (<https://github.com/bevyengine/bevy>, by the Bevy contributors, licensed
//! MIT OR Apache-2.0).
//!
//! Same game and look: a light arena inside grey walls, a blue-ish paddle
//! moved with the left and right arrows at a fixed speed and stopped short of
//! the walls, a red-ish ball launched at a fixed speed down and to the right
//! that bounces off walls, paddle and bricks by mirroring its velocity on the
//! side it hit, a grid of blue bricks that break when hit, and a scoreboard of
//! bricks broken. As in Bevy, there is no end: the floor is a wall the ball
//! bounces off, and once every brick is gone it keeps bouncing.
//!
//! What changed: rewritten from scratch for hotloop's state-and-systems model
//! (the ECS entities became plain data in [`State`], bricks a `Pool` named
//! by handles, Bevy's `CollisionEvent` an `Events` queue); sizes
//! scaled by 0.4 to a 512x288 framebuffer with y growing downwards; a fixed
//! 60 Hz step (Bevy's fixed schedule runs at 64 Hz); the scoreboard drawn with
//! the canvas's 8x8 bitmap font (`Canvas::text`); the collision sound is
//! two of this project's own (`assets/sounds/bounce.wav` off walls and the
//! paddle, `brick.wav` off bricks, panned to the ball), made by `cargo run
//! -p tools -- sounds`; no Bevy stepping overlay.
#![forbid(unsafe_code)] // Game code stays safe Rust; `hotloop_abi` owns the C boundary.

pub mod arena;
pub mod collision;
mod draw;
pub mod state;
pub mod systems;

pub use state::{Ball, Brick, Paddle, State};

use hotloop_abi::Message;

/// One line for the headless summary: score, bricks left, ball position.
fn describe(state: &State, out: &mut Message) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "score {} bricks {} ball ({:.1}, {:.1})",
        state.score,
        state.bricks.len(),
        state.ball.pos.x,
        state.ball.pos.y
    );
}

hotloop_abi::game! {
    state: State,
    init: state::init,
    systems: [
        systems::count_ticks,
        systems::apply_velocity,
        systems::move_paddle,
        systems::check_for_collisions,
        systems::break_bricks,
    ],
    size: (arena::WIDTH, arena::HEIGHT),
    rate: 60,
    title: "Breakout",
    render: draw::render,
    describe: describe,
}
