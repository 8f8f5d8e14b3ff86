//! The player's cannon and every shot in the air: the bullet going up, the
//! lasers coming down, and what each of them hits.

use hotloop_abi::{Frame, GamepadButton, Key, Play};

use crate::shield;
use crate::sprites::{BULLET_SIZE, LASER_SIZE, PLAYER_ART, invader_art, size};
use crate::state::{Hit, INVADERS, POINTS, Phase, Point, Shot, State, WIDTH, overlaps};

/// The original moves its bullet 1 px per 240 Hz tick: 4 px per step here,
/// in 1 px moves, each checked for hits, so it never skips a thin pixel.
const BULLET_SPEED: i32 = 4;
/// Lasers move 2 px per step, 1 px at a time for the same reason.
const LASER_SPEED: i32 = 2;
/// Where the bullet starts, from the cannon's top-left (centred on it).
const BULLET_OFFSET: Point = Point::new(7, 0);
/// Steps of movement per frame of the cannon's treads (100 ms at 60 Hz).
const TREAD_STEPS: u8 = 6;

/// R starts a new game (keeping the random sequence going), P pauses and
/// goes on.
pub fn controls(state: &mut State, frame: &Frame) {
    if frame.input.just_pressed(Key::R) {
        *state = crate::new_game(state.rng, state.ticks, state.best);
    }
    if frame.input.just_pressed(Key::P) {
        match state.phase.get() {
            Phase::Playing => state.phase.set(Phase::Paused),
            Phase::Paused => state.phase.set(Phase::Playing),
            _ => {}
        }
    }
}

/// Left/Right (or A/D) move the cannon 1 px per step between the edges,
/// Left winning when both are held; Space (or the pad's South button) fires
/// when no bullet is in the air.
pub fn move_player(state: &mut State, frame: &Frame) {
    let input = &frame.input;
    let width = size(PLAYER_ART[0]).x;
    let player = &mut state.player;
    // The arrows, A/D, or the first gamepad's d-pad or stick.
    let pad = input.gamepad(0).direction().x;
    let left = input.is_down(Key::Left) || input.is_down(Key::A) || pad < 0.0;
    let right = input.is_down(Key::Right) || input.is_down(Key::D) || pad > 0.0;
    let moved = if left && player.pos.x > width {
        player.pos.x -= 1;
        true
    } else if !left && right && player.pos.x < WIDTH - width * 2 {
        player.pos.x += 1;
        true
    } else {
        false
    };
    if moved {
        player.anim += 1;
        if player.anim >= TREAD_STEPS {
            player.anim = 0;
            player.frame ^= 1;
        }
    }
    let fire =
        input.just_pressed(Key::Space) || input.gamepad(0).just_pressed(GamepadButton::South);
    if fire && state.bullet.is_empty() {
        let bullet = Shot {
            pos: state.player.pos + BULLET_OFFSET,
            age: 0,
        };
        let _ = state.bullet.push(bullet);
        frame
            .audio
            .play_with("sounds/shoot.wav", pan(state.player.pos));
    }
}

/// A sound's pan for something at `pos`: -1 at the left edge, 1 at the right.
pub fn pan(pos: Point) -> Play {
    Play::default().pan(pos.x as f32 / WIDTH as f32 * 2.0 - 1.0)
}

/// The bullet flies up until it hits an invader (a [`Hit`]), a shield
/// (which loses a bite) or the top of the screen.
pub fn move_bullet(state: &mut State, _frame: &Frame) {
    for _ in 0..BULLET_SPEED {
        let Some(bullet) = state.bullet.first_mut() else {
            return;
        };
        if bullet.pos.y <= 1 {
            state.bullet.clear();
            return;
        }
        bullet.pos.y -= 1;
        let pos = bullet.pos;
        if let Some(index) = invader_at(state, pos, BULLET_SIZE) {
            state.hits.send(Hit {
                invader: index as u8,
            });
            state.bullet.clear();
            return;
        }
        if shield::hit(&mut state.shields, pos, BULLET_SIZE, false) {
            state.bullet.clear();
            return;
        }
    }
    if let Some(bullet) = state.bullet.first_mut() {
        bullet.age = bullet.age.wrapping_add(1);
    }
}

/// Scores each hit once: the invader goes, 10 points; the last one wins.
pub fn score_hits(state: &mut State, frame: &Frame) {
    for hit in state.hits.read_new(&mut state.scored) {
        let Some(invader) = state.invaders.cells.get_mut(usize::from(hit.invader)) else {
            continue;
        };
        if invader.alive {
            invader.alive = false;
            frame
                .audio
                .play_with("sounds/invader.wav", pan(invader.pos));
            state.score = state.score.saturating_add(POINTS);
        }
    }
    let alive = state.invaders.cells.iter().any(|cell| cell.alive);
    if !alive && state.phase.is(Phase::Playing) {
        state.phase.set(Phase::Won);
    }
}

/// Each laser falls until it hits the player (game over), the bullet (both
/// go), a shield (which loses a bite) or the player's row.
pub fn move_lasers(state: &mut State, _frame: &Frame) {
    let mut index = 0;
    while index < state.lasers.len() {
        if laser_ends(state, index) {
            state.lasers.remove(index);
        } else {
            state.lasers[index].age = state.lasers[index].age.wrapping_add(1);
            index += 1;
        }
    }
}

/// Moves laser `index` one step; whether it is gone.
fn laser_ends(state: &mut State, index: usize) -> bool {
    let player = state.player.pos;
    let player_size = size(PLAYER_ART[0]);
    for _ in 0..LASER_SPEED {
        let laser = &mut state.lasers[index];
        if laser.pos.y >= player.y {
            return true;
        }
        laser.pos.y += 1;
        let pos = laser.pos;
        if overlaps(pos, LASER_SIZE, player, player_size) {
            state.phase.set(Phase::Shot);
            return true;
        }
        if let Some(bullet) = state.bullet.first()
            && overlaps(pos, LASER_SIZE, bullet.pos, BULLET_SIZE)
        {
            state.bullet.clear();
            return true;
        }
        if shield::hit(&mut state.shields, pos, LASER_SIZE, true) {
            return true;
        }
    }
    false
}

/// The first live invader whose sprite overlaps the rectangle at `pos`.
fn invader_at(state: &State, pos: Point, shot: Point) -> Option<usize> {
    (0..INVADERS).find(|&index| {
        let cell = state.invaders.cells[index];
        let art = invader_art(cell.kind).0[0];
        cell.alive && overlaps(pos, shot, cell.pos, size(art))
    })
}
