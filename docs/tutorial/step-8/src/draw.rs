//! How the state looks: the engine calls `render` once per displayed frame.

use glam::{Vec2, Vec3};
use hotloop_abi::{Canvas, Frame, Rgba};

use crate::{Screen, State};
use crate::systems::PLAYER_RADIUS;

/// Background colour. Change it and save to see a reload.
pub const BACKGROUND: Rgba = [48, 24, 64, 255];
const PLAYER: Rgba = [255, 236, 160, 255];
const PLAYER_GLOW: Rgba = [255, 200, 90, 70];

/// Draws the particles, the player and the score.
pub fn render(state: &State, frame: &Frame, canvas: &mut Canvas<'_>) {
    canvas.clear(BACKGROUND);
    for particle in &state.particles {
        let [r, g, b] = hue_to_rgb(particle.hue);
        canvas.fill_circle(particle.pos, particle.radius + 2.5, [r, g, b, 80]);
        canvas.fill_circle(particle.pos, particle.radius, [r, g, b, 255]);
    }
    let pulse = 1.0 + 0.15 * (frame.time as f32 * 4.0).sin();
    canvas.fill_circle(state.player.pos, PLAYER_RADIUS * 1.8 * pulse, PLAYER_GLOW);
    // The sprite from assets/player.png (hot-reloaded), or a plain disc.
    match frame.assets.image("player.png") {
        Some(sprite) => canvas.draw_image(&sprite, state.player.pos - sprite.size() / 2.0),
        None => canvas.fill_circle(state.player.pos, PLAYER_RADIUS, PLAYER),
    }
    for point in 0..state.score.min(60) {
        let at = Vec2::new(6.0 + point as f32 * 5.0, canvas.height() as f32 - 8.0);
        canvas.fill_rect(at, at + Vec2::splat(3.0), PLAYER);
    }
    match state.screen.get() {
        Screen::Title => banner(canvas, "ORBS", format_args!("PRESS SPACE")),
        Screen::Playing => {
            let left = state.round.remaining().ceil();
            canvas.text(canvas.width() as i32 - 24, 4, left, 1, PLAYER);
        }
        Screen::GameOver => {
            let (score, best) = (state.score, state.best);
            banner(canvas, "TIME UP", format_args!("SCORE {score}  BEST {best}"));
        }
    }
}

/// A big title and a line under it, centred on a dark band.
fn banner(canvas: &mut Canvas<'_>, title: &str, line: std::fmt::Arguments<'_>) {
    let (width, middle) = (canvas.width() as i32, canvas.height() as f32 / 2.0);
    let band = Vec2::new(0.0, middle - 28.0);
    canvas.fill_rect(band, band + Vec2::new(width as f32, 56.0), [0, 0, 0, 255]);
    let x = (width - Canvas::text_width(title, 3)) / 2;
    canvas.text(x, middle as i32 - 22, title, 3, PLAYER);
    let x = (width - Canvas::text_width(line, 1)) / 2;
    canvas.text(x, middle as i32 + 10, line, 1, PLAYER);
}

/// A saturated colour for `hue` in 0..1.
fn hue_to_rgb(hue: f32) -> [u8; 3] {
    let channel = |offset: f32| {
        let x = ((hue + offset).fract() * 6.0 - 3.0).abs() - 1.0;
        x.clamp(0.0, 1.0)
    };
    let rgb = Vec3::new(channel(0.0), channel(2.0 / 3.0), channel(1.0 / 3.0));
    let rgb = (rgb * 0.8 + 0.2) * 255.0;
    [rgb.x as u8, rgb.y as u8, rgb.z as u8]
}
