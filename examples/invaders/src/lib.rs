//! Invaders: a hotloop port of the `invaders` example of the `pixels`
//! crate (<https://github.com/parasyte/pixels>, `examples/invaders`, its
//! game logic in `simple-invaders`), MIT licence, by Jay Oster.
//!
//! Arrows (or A/D) move the cannon, Space fires, P pauses, R starts a new game.
//!
//! The rules are the original's: a 224x256 playfield; a fleet of 5x11
//! invaders of three kinds in 16x16 cells, one invader stepping per 60 Hz
//! frame, 2 px sideways, the whole fleet turning and dropping 8 px when the
//! first invader of a sweep finds the live columns at an edge; each step
//! has a 1 in 50 chance of a laser (at most 3 in the air) from the lowest
//! invader of a random column; the cannon moves 1 px per frame between its
//! edges and fires one bullet at a time; 4 shields; the game ends when a
//! laser hits the cannon, an invader reaches its row, or the fleet is gone.
//!
//! What changed:
//! - Rewritten for hotloop's model: all the game's data is a plain-data
//!   [`State`] the engine keeps across reloads (a `List` for the bullet and
//!   the lasers, flags for the dead invaders, bit masks for the shields),
//!   and the rules are systems run in order every step.
//! - `rate: 60`: the original runs a 240 Hz loop but advances the invaders,
//!   the cannon and the lasers once per 1/60 s; only its bullet moves every
//!   240 Hz tick (1 px). Here the bullet moves 4 px per step, in four 1 px
//!   moves each checked for hits, so it travels and hits as it did.
//! - The sprites are redrawn by hand as pixel art in `sprites.rs`, at the
//!   sizes the original places them at (10x8, 12x6, 14x10 invaders, a 16x8
//!   cannon, 22x16 shields); their shapes and colours are new.
//! - The PRNG is the ABI's seeded `Rng` in the state (the original uses
//!   PCG32), so a run is the same every time: lasers come at other moments.
//! - The game's phase is an enum in a `GameState`: the systems that move
//!   things run only while `Playing`, an end is entered at the start of the
//!   step after it happened, and entering one records the best score. A
//!   hit is an event the scoring system reads.
//! - Where the original left TODOs: shields are deformed pixel by pixel
//!   (the original stops shots at a shield's bounding box and leaves it
//!   whole); 10 points per invader shown at the top; "GAME OVER" / "YOU WIN"
//!   over the frozen playfield, R to play again (the original's frontend
//!   resets on R and pauses on P). No lives and no explosion animation:
//!   the original has neither.
//! - Sound, which the original lacks: the cannon's shot, a hit invader, the
//!   cannon exploding and the fleet's march, panned to where they happen
//!   (`assets/sounds/`, made by `cargo run -p tools -- sounds`).
//! - A bullet hits an invader when their rectangles overlap (the original
//!   narrows the candidates to the grid cells under the bullet's corners first).
#![forbid(unsafe_code)] // Game code stays safe Rust; `hotloop_abi` owns the C boundary.

pub mod combat;
mod draw;
pub mod fleet;
mod shield;
pub mod sprites;
pub mod state;

use hotloop_abi::{EventCursor, Events, Frame, GameState, List, Message, Rng};

pub use state::State;
use state::{INVADERS, PLAYER_START, Phase, Player, SEED};

/// A new game; `rng`, `ticks` and `best` carry on from the last game.
pub fn new_game(rng: Rng, ticks: u64, best: u32) -> State {
    State {
        ticks,
        rng,
        score: 0,
        best,
        phase: GameState::new(Phase::Playing),
        hits: Events::new(),
        scored: EventCursor::new(),
        invaders: fleet::new_fleet(),
        player: Player {
            pos: PLAYER_START,
            frame: 0,
            anim: 0,
        },
        bullet: List::new(),
        lasers: List::new(),
        shields: shield::new_shields(),
    }
}

/// The state a new session starts from.
pub fn init() -> State {
    new_game(Rng::new(SEED), 0, 0)
}

/// Counts steps (the engine's tests read it to check continuity) and
/// starts the step's events.
pub fn count_ticks(state: &mut State, _frame: &Frame) {
    state.ticks += 1;
    state.hits.update();
}

/// Entering an end of the game: the best score so far is kept.
pub fn game_over(state: &mut State, _frame: &Frame) {
    state.best = state.best.max(state.score);
}

/// Entering `Shot`: the cannon explodes.
pub fn cannon_hit(state: &mut State, frame: &Frame) {
    frame
        .audio
        .play_with("sounds/explosion.wav", combat::pan(state.player.pos));
}

/// One line for the headless summary: score, invaders left, how it stands.
fn describe(state: &State, out: &mut Message) {
    use std::fmt::Write;
    let left = state.invaders.cells.iter().filter(|c| c.alive).count();
    let status = match state.phase.get() {
        Phase::Shot => "game over: the cannon was hit",
        Phase::Landed => "game over: the invaders landed",
        Phase::Won => "game over: every invader destroyed",
        Phase::Paused => "paused",
        Phase::Playing => "playing (one life)",
    };
    let _ = write!(
        out,
        "score {} (best {}), {left} of {INVADERS} invaders left, {status}",
        state.score, state.best
    );
}

fn greet() -> &'static str {
    "Invaders loaded: arrows move, Space fires, P pauses, R restarts."
}

hotloop_abi::game! {
    state: State,
    init: init,
    game_state: phase,
    systems: [
        count_ticks,
        combat::controls,
        fleet::step_fleet.run_if(in_state(Phase::Playing)),
        combat::move_player.run_if(in_state(Phase::Playing)),
        combat::move_bullet.run_if(in_state(Phase::Playing)),
        combat::move_lasers.run_if(in_state(Phase::Playing)),
        combat::score_hits,
    ],
    on_enter: [
        Phase::Shot => game_over,
        Phase::Shot => cannon_hit,
        Phase::Landed => game_over,
        Phase::Won => game_over,
    ],
    size: (224, 256),
    rate: 60,
    title: "Invaders",
    render: draw::render,
    describe: describe,
    greet: greet,
}
