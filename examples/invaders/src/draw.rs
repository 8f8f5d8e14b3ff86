//! How the game looks: the engine calls `render` once per displayed frame,
//! with the state as it is; drawing never changes it.

use glam::Vec2;
use hotloop_abi::{Canvas, Frame, Rgba};

use crate::sprites::{
    Art, BULLET_COLOR, BULLET_SIZE, LASER_COLOR, LASER_SIZE, LASER_ZIGZAG, PLAYER_ART,
    PLAYER_COLOR, SHIELD_COLOR, invader_art,
};
use crate::state::{HEIGHT, Phase, Point, SHIELD_ROWS, State, WIDTH};

/// Space is black.
pub const BACKGROUND: Rgba = [0, 0, 0, 255];
/// The score and the messages.
const TEXT: Rgba = [230, 230, 230, 255];
/// Darkens the playfield under a message.
const SHADE: Rgba = [0, 0, 0, 150];

/// Draws the playfield, the score and, when the game is over or paused, why.
pub fn render(state: &State, _frame: &Frame, canvas: &mut Canvas<'_>) {
    canvas.clear(BACKGROUND);
    // Below the engine's status line (F1), above the fleet.
    canvas.text(8, 20, format_args!("SCORE {:05}", state.score), 1, TEXT);
    for cell in state.invaders.cells.iter().filter(|cell| cell.alive) {
        let (frames, color) = invader_art(cell.kind);
        blit(canvas, frames[cell.frame as usize % 2], cell.pos, color);
    }
    for shield in &state.shields {
        for y in 0..SHIELD_ROWS as i32 {
            for x in 0..32 {
                if crate::shield::solid(shield, x, y) {
                    canvas.set(shield.pos.x + x, shield.pos.y + y, SHIELD_COLOR);
                }
            }
        }
    }
    let player = &state.player;
    blit(
        canvas,
        PLAYER_ART[player.frame as usize % 2],
        player.pos,
        PLAYER_COLOR,
    );
    for bullet in state.bullet.iter() {
        // A bright band runs down the bullet as it flies (5 frames, ~32 ms each).
        let band = (bullet.age / 2 % 5) as i32;
        for y in 0..BULLET_SIZE.y {
            let color = if y == band { TEXT } else { BULLET_COLOR };
            for x in 0..BULLET_SIZE.x {
                canvas.set(bullet.pos.x + x, bullet.pos.y + y, color);
            }
        }
    }
    for laser in state.lasers.iter() {
        // The zigzag crawls one row per step (8 frames of 16 ms in the original).
        for y in 0..LASER_SIZE.y {
            let x = LASER_ZIGZAG[(y + laser.age as i32) as usize % LASER_ZIGZAG.len()];
            canvas.set(laser.pos.x + x, laser.pos.y + y, LASER_COLOR);
        }
    }
    match state.phase.get() {
        Phase::Playing => {}
        Phase::Paused => message(canvas, "PAUSED", "PRESS P"),
        Phase::Won => message(canvas, "YOU WIN", "PRESS R"),
        Phase::Shot | Phase::Landed => message(canvas, "GAME OVER", "PRESS R"),
    }
}

/// Shades the playfield and centres `title` (large) over `hint` on a band
/// of space, so they read over the fleet.
fn message(canvas: &mut Canvas<'_>, title: &str, hint: &str) {
    canvas.fill_rect(Vec2::ZERO, Vec2::new(WIDTH as f32, HEIGHT as f32), SHADE);
    let band = (Vec2::new(0.0, 96.0), Vec2::new(WIDTH as f32, 138.0));
    canvas.fill_rect(band.0, band.1, BACKGROUND);
    let centre = |text: &str, scale: u32| (WIDTH - Canvas::text_width(text, scale)) / 2;
    canvas.text(centre(title, 2), 102, title, 2, TEXT);
    canvas.text(centre(hint, 1), 124, hint, 1, TEXT);
}

/// Draws `art`'s '#' pixels in `color` with its top-left corner at `at`.
fn blit(canvas: &mut Canvas<'_>, art: Art, at: Point, color: Rgba) {
    for (y, row) in art.iter().enumerate() {
        for (x, byte) in row.bytes().enumerate() {
            if byte == b'#' {
                canvas.set(at.x + x as i32, at.y + y as i32, color);
            }
        }
    }
}
