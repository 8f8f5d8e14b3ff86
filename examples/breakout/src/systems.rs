//! The systems `update` runs each step, in the order listed in `game!`
//! (Bevy's order: move the ball, move the paddle, then collide).

use hotloop_abi::{Frame, Handle, Play};

use crate::State;
use crate::arena::*;
use crate::collision::{Aabb, bounce};
use crate::state::Collision;

/// Counts steps, so reload tests and the summary can tell time, and starts
/// the step's events (last step's stay readable for one more step).
pub fn count_ticks(state: &mut State, _frame: &Frame) {
    state.ticks += 1;
    state.collisions.update();
}

/// The ball flies in a straight line between bounces.
pub fn apply_velocity(state: &mut State, frame: &Frame) {
    state.ball.pos += state.ball.vel * frame.dt;
}

/// Left and right arrows (or A/D, or a gamepad's d-pad or stick) slide
/// the paddle at a fixed speed, never past the walls.
pub fn move_paddle(state: &mut State, frame: &Frame) {
    let direction = frame.input.arrows().x;
    let x = state.paddle.pos.x + direction * PADDLE_SPEED * frame.dt;
    state.paddle.pos.x = x.clamp(PADDLE_MIN_X, PADDLE_MAX_X);
}

/// Bounces the ball off whatever it touches and says so with a
/// [`Collision`] (Bevy's `CollisionEvent`).
pub fn check_for_collisions(state: &mut State, frame: &Frame) {
    // Bevy's `play_collision_sound`, where the collision is found.
    let sound = Play::default().pan(state.ball.pos.x / WIDTH as f32 * 2.0 - 1.0);
    let radius = BALL_DIAMETER / 2.0;
    let paddle = Aabb::new(state.paddle.pos, PADDLE_SIZE / 2.0);
    for solid in WALLS.iter().chain([&paddle]) {
        if let Some(normal) = solid.touched_side(state.ball.pos, radius) {
            state.ball.vel = bounce(state.ball.vel, normal);
            state.collisions.send(Collision {
                brick: Handle::NONE,
            });
            frame.audio.play_with("sounds/bounce.wav", sound);
        }
    }
    for (brick, at) in state.bricks.iter() {
        let solid = Aabb::new(at.pos, BRICK_SIZE / 2.0);
        if let Some(normal) = solid.touched_side(state.ball.pos, radius) {
            state.ball.vel = bounce(state.ball.vel, normal);
            state.collisions.send(Collision { brick });
            frame.audio.play_with("sounds/brick.wav", sound);
        }
    }
}

/// A brick the ball touched breaks and scores: each collision read once.
pub fn break_bricks(state: &mut State, _frame: &Frame) {
    for collision in state.collisions.read_new(&mut state.broken) {
        if state.bricks.despawn(collision.brick).is_some() {
            state.score += 1;
        }
    }
}
