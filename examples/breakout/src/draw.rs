//! How the game looks: Bevy breakout's colours and shapes, drawn once per
//! displayed frame. Change a colour and save to see a reload.

use glam::Vec2;
use hotloop_abi::{Canvas, Frame, Rgba};

use crate::State;
use crate::arena::*;

/// An sRGB colour from Bevy's 0..1 channels, so the source's numbers stay readable.
const fn srgb(r: f32, g: f32, b: f32) -> Rgba {
    [byte(r), byte(g), byte(b), 255]
}

/// A 0..1 channel as a byte, rounded.
const fn byte(channel: f32) -> u8 {
    (channel * 255.0 + 0.5) as u8
}

/// The clear colour: Bevy's light grey.
pub const BACKGROUND: Rgba = srgb(0.9, 0.9, 0.9);
const PADDLE: Rgba = srgb(0.3, 0.3, 0.7);
const BALL: Rgba = srgb(1.0, 0.5, 0.5);
const BRICK: Rgba = srgb(0.5, 0.5, 1.0);
const WALL: Rgba = srgb(0.8, 0.8, 0.8);
const TEXT: Rgba = srgb(0.5, 0.5, 1.0);
const SCORE: Rgba = srgb(1.0, 0.5, 0.5);

/// Scoreboard font pixel size: 8 rows × 2 ≈ Bevy's 40 px font × 0.4.
const TEXT_SCALE: u32 = 2;
/// Scoreboard distance from the top-left corner (Bevy: 5 px).
const TEXT_PADDING: i32 = 2;

/// Draws walls, bricks, paddle, ball and the scoreboard, back to front.
pub fn render(state: &State, frame: &Frame, canvas: &mut Canvas<'_>) {
    canvas.clear(BACKGROUND);
    for wall in &WALLS {
        canvas.fill_rect(wall.center - wall.half, wall.center + wall.half, WALL);
    }
    for (_, brick) in state.bricks.iter() {
        fill_centred(canvas, brick.pos, BRICK_SIZE, BRICK);
    }
    fill_centred(canvas, state.paddle.pos, PADDLE_SIZE, PADDLE);
    // Where the ball is between this step and the next: smooth on a display
    // faster than the 60 steps per second.
    let ball = state.ball.pos + state.ball.vel * frame.dt * frame.overstep;
    canvas.fill_circle(ball, BALL_DIAMETER / 2.0, BALL);
    let (x, y) = (TEXT_PADDING, TEXT_PADDING);
    let x = canvas.text(x, y, "Score: ", TEXT_SCALE, TEXT);
    canvas.text(x, y, state.score, TEXT_SCALE, SCORE);
}

/// A rectangle of `size` around `center`, like a Bevy sprite.
fn fill_centred(canvas: &mut Canvas<'_>, center: Vec2, size: Vec2, color: Rgba) {
    canvas.fill_rect(center - size / 2.0, center + size / 2.0, color);
}
