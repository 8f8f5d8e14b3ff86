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
use hotloop_abi::{EventCursor, Events, Frame, GameState, Message, Music, Rng, Timer, state};

/// How many particles bounce around.
pub const PARTICLES: usize = 48;
/// Seconds a round lasts.
pub const ROUND: f32 = 30.0;

state! {
    /// Which screen the game shows (new in part 8).
    #[repr(u8)]
    pub enum Screen {
        /// Before a round: press Space.
        Title,
        /// A round of `ROUND` seconds.
        Playing,
        /// The round is over: the score, then Space again.
        GameOver,
    }

    /// The orb touched a particle: sent by `collect_particles`.
    pub struct Collected {
        /// The particle's colour.
        pub hue: f32,
    }

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
        /// Seconds the player has been playing, now to the microsecond.
        pub time_alive: f64,
        /// The screen shown (new in part 8).
        pub screen: GameState<Screen>,
        /// What is left of the round.
        pub round: Timer,
        /// Particles collected, this step and the last.
        pub collected: Events<Collected, 16>,
        /// How far `count_score` has read `collected`.
        pub counted: EventCursor,
        /// The best score of the session.
        pub best: u32,
        /// The music playing (new with sound).
        pub music: Music,
    }

    /// The state as step 3 left it, so `migrate` can read it.
    pub struct StateV2 {
        pub ticks: u64,
        pub score: u32,
        pub rng: Rng,
        pub player: Player,
        pub particles: [Particle; PARTICLES],
        pub time_alive: f32,
    }
}

/// Builds this layout from step 3's: every field as it was, and the clock
/// widened to `f64`, which copying by name cannot do (its type changed).
fn migrate(old: &hotloop_abi::OldState<'_>, new: &mut State) -> bool {
    let Some(old) = old.view::<StateV2>() else { return false };
    new.ticks = old.ticks;
    new.score = old.score;
    new.rng = old.rng;
    new.player = old.player;
    new.particles = old.particles;
    new.time_alive = f64::from(old.time_alive);
    true
}

/// A new system: the clock of this run.
fn count_time(state: &mut State, frame: &Frame) {
    state.time_alive += f64::from(frame.dt);
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
        screen: GameState::new(Screen::Title),
        round: Timer::once(ROUND),
        collected: Events::new(),
        counted: EventCursor::new(),
        best: 0,
        music: Music::SILENCE,
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
    game_state: screen,
    systems: [
        systems::count_ticks,
        systems::press_space.run_if(not(in_state(Screen::Playing))),
        systems::steer_player.run_if(in_state(Screen::Playing)),
        systems::move_particles,
        systems::collect_particles.run_if(in_state(Screen::Playing)),
        systems::count_score,
        systems::run_clock.run_if(in_state(Screen::Playing)),
        count_time,
        systems::soundtrack,
    ],
    on_enter: [Screen::Playing => systems::start_round],
    on_exit: [Screen::Playing => systems::keep_best],
    render: draw::render,
    describe: describe,
    migrate: migrate,
    greet: greet,
}
