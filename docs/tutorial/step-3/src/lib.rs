//! The hotloop demo: steer the bright orb with the arrow keys (or WASD) and
//! collect the particles bouncing around the screen.
//!
//! Edit anything here while `cargo dev` runs and save: the engine swaps the new
//! code in between two frames and the game carries on from where it was.
//! Everything that must survive a reload lives in [`State`].
#![forbid(unsafe_code)] // Game code stays safe Rust; `hotloop_abi` owns the C boundary.

mod draw;
pub mod systems;

use glam::Vec2;
use hotloop_abi::{Frame, Message, Rng, state};

/// How many particles bounce around.
pub const PARTICLES: usize = 48;

state! {
    /// Something that bounces around the screen.
    pub struct Particle {
        /// Centre, in pixels.
        pub pos: Vec2,
        /// Velocity, in pixels per second.
        pub vel: Vec2,
        /// Radius, in pixels.
        pub radius: f32,
        /// Colour, as a position on the colour wheel (0..1).
        pub hue: f32,
    }

    /// The orb the player steers.
    pub struct Player {
        /// Centre, in pixels.
        pub pos: Vec2,
        /// Velocity, in pixels per second.
        pub vel: Vec2,
    }

    /// Everything the game remembers. The engine owns these bytes; reloads keep them.
    pub struct State {
        /// Update steps run since the state was created.
        pub ticks: u64,
        /// Particles the player has collected.
        pub score: u32,
        /// State of the deterministic random number generator.
        pub rng: Rng,
        /// The orb the player steers.
        pub player: Player,
        /// Everything there is to collect.
        pub particles: [Particle; PARTICLES],
        /// Seconds the player has been playing (new in step 3).
        pub time_alive: f32,
    }
}

/// A new system: the clock of this run.
fn count_time(state: &mut State, frame: &Frame) {
    state.time_alive += frame.dt;
}

/// The state a new game starts from.
pub fn init() -> State {
    let mut state = State {
        ticks: 0,
        score: 0,
        rng: Rng::new(0x2545_f491),
        player: Player {
            pos: Vec2::new(160.0, 120.0),
            vel: Vec2::ZERO,
        },
        particles: [Particle {
            pos: Vec2::ZERO,
            vel: Vec2::ZERO,
            radius: 0.0,
            hue: 0.0,
        }; PARTICLES],
        time_alive: 0.0,
    };
    for index in 0..PARTICLES {
        state.particles[index] = systems::spawn_particle(&mut state.rng, Vec2::new(320.0, 240.0));
    }
    state
}

fn greet() -> &'static str {
    "Hello from game-logic! Steer with the arrow keys; edit game-logic/src and save."
}

fn describe(state: &State, out: &mut Message) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "ticks {} score {} player ({:.1}, {:.1})",
        state.ticks, state.score, state.player.pos.x, state.player.pos.y
    );
}

hotloop_abi::game! {
    state: State,
    init: init,
    systems: [
        systems::count_ticks,
        systems::steer_player,
        systems::move_particles,
        systems::collect_particles,
        count_time,
    ],
    render: draw::render,
    describe: describe,
    greet: greet,
}
