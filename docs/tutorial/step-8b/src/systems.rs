//! The systems `update` runs, in the order listed in `game!`.

use glam::Vec2;
use hotloop_abi::{Frame, Key, Play, Rng, Timer, math};

use crate::{Collected, Particle, ROUND, Screen, State};

/// Player acceleration, in pixels per second squared (tunable `player.accel`).
const PLAYER_ACCEL: f32 = 1800.0;
/// Fraction of the player's speed kept per second (tunable `player.drag`).
const PLAYER_DRAG: f32 = 0.02;
/// Radius of the player's orb, in pixels.
pub const PLAYER_RADIUS: f32 = 9.0;

/// Counts update steps; the engine's tests read this to check continuity.
pub fn count_ticks(state: &mut State, _frame: &Frame) {
    state.ticks += 1;
    state.collected.update();
}

/// On the title and game-over screens, Space starts a round.
pub fn press_space(state: &mut State, frame: &Frame) {
    if frame.input.just_pressed(Key::Space) {
        state.screen.set(Screen::Playing);
    }
}

/// Entering `Playing`: a fresh round, the orb in the middle.
pub fn start_round(state: &mut State, frame: &Frame) {
    state.score = 0;
    state.round = Timer::once(ROUND);
    state.player.pos = frame.size() / 2.0;
    state.player.vel = Vec2::ZERO;
}

/// The round's clock: when it runs out, the game is over.
pub fn run_clock(state: &mut State, frame: &Frame) {
    if state.round.tick(frame.dt).just_finished() {
        state.screen.set(Screen::GameOver);
    }
}

/// Leaving `Playing`: the best score is kept.
pub fn keep_best(state: &mut State, _frame: &Frame) {
    state.best = state.best.max(state.score);
}

/// The music: a track while a round runs, silence on the other screens.
/// Declared every step; asking for the track that plays changes nothing.
pub fn soundtrack(state: &mut State, frame: &Frame) {
    match state.screen.get() {
        Screen::Playing => state.music.play("sounds/music.ogg", frame),
        Screen::Title | Screen::GameOver => state.music.stop(),
    }
}

/// One point per particle collected, each counted once.
pub fn count_score(state: &mut State, _frame: &Frame) {
    for _ in state.collected.read_new(&mut state.counted) {
        state.score += 1;
    }
}

/// Accelerates the player with the arrow keys and keeps the orb on screen.
pub fn steer_player(state: &mut State, frame: &Frame) {
    let accel = frame.assets.tunable_or("player.accel", PLAYER_ACCEL);
    let drag = frame.assets.tunable_or("player.drag", PLAYER_DRAG);
    let player = &mut state.player;
    player.vel += frame.input.arrows().normalize_or_zero() * accel * frame.dt;
    player.vel *= math::powf(drag, frame.dt);
    player.pos += player.vel * frame.dt;
    let (min, max) = (Vec2::splat(PLAYER_RADIUS), frame.size() - PLAYER_RADIUS);
    if player.pos.x < min.x || player.pos.x > max.x {
        player.vel.x = -player.vel.x * 0.5;
    }
    if player.pos.y < min.y || player.pos.y > max.y {
        player.vel.y = -player.vel.y * 0.5;
    }
    player.pos = player.pos.clamp(min, max.max(min));
}

/// Moves every particle and bounces it off the edges of the screen.
pub fn move_particles(state: &mut State, frame: &Frame) {
    let speed = frame.assets.tunable_or("particles.speed", 1.0);
    for particle in &mut state.particles {
        particle.pos += particle.vel * speed * frame.dt;
        let (min, max) = (Vec2::splat(particle.radius), frame.size() - particle.radius);
        if particle.pos.x < min.x || particle.pos.x > max.x {
            particle.vel.x = -particle.vel.x;
        }
        if particle.pos.y < min.y || particle.pos.y > max.y {
            particle.vel.y = -particle.vel.y;
        }
        particle.pos = particle.pos.clamp(min, max.max(min));
    }
}

/// A particle the player touches scores a point and respawns elsewhere.
pub fn collect_particles(state: &mut State, frame: &Frame) {
    let player = state.player.pos;
    for index in 0..state.particles.len() {
        let particle = state.particles[index];
        if particle.pos.distance(player) < particle.radius + PLAYER_RADIUS {
            state.collected.send(Collected { hue: particle.hue });
            let pan = particle.pos.x / frame.size().x * 2.0 - 1.0;
            frame.audio.play_with("sounds/collect.wav", Play::default().pan(pan));
            state.particles[index] = spawn_particle(&mut state.rng, frame.size());
        }
    }
}

/// A new particle at a random place with a random speed and colour.
/// The generator lives in the state, so replays and tests see the same game.
pub fn spawn_particle(rng: &mut Rng, area: Vec2) -> Particle {
    let mut unit = || rng.f32();
    let angle = unit() * std::f32::consts::TAU;
    Particle {
        pos: Vec2::new(unit(), unit()) * area,
        vel: Vec2::from_angle(angle) * (30.0 + 70.0 * unit()),
        radius: 2.0 + 3.0 * unit(),
        hue: unit(),
    }
}
