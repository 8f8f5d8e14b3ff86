//! Frame-exact reload tests for hotloop games, written by game authors in
//! their own crates.
//!
//! A [`Game`] runs a game library headless, one fixed update step at a time,
//! with input scripted per step. Between two steps it can swap in another
//! build, exactly as the engine does between two frames, and the state can
//! be read and written by its field path (`player.pos.x`, `enemies[3].hp`).
//! A [`GameCrate`] is an editable copy of a game crate, built into a target
//! directory that every copy shares, so a test can make the edit a developer
//! would and check what survives it.
//!
//! ```no_run
//! use hotloop_test::{Game, GameCrate, Key};
//!
//! // An editable copy of the crate this test is in, named for this test.
//! let game = GameCrate::copy(env!("CARGO_MANIFEST_DIR"), "scoring").unwrap();
//! let mut run = Game::load(game.build().unwrap()).unwrap();
//! run.tap(Key::Space, 30);          // press Space at step 30
//! run.run_to(60);                    // steps 0..60
//! let score = run.int("score");
//!
//! game.edit("src/systems.rs", "state.score += 1;", "state.score += 10;");
//! run.swap(game.build().unwrap()).unwrap(); // between step 60 and 61
//! run.step();
//! assert!(run.int("score") >= score);
//! ```
#![warn(missing_docs)]

mod alloc;
mod build;
mod game;

pub use alloc::{CountingAllocator, allocations_in};
pub use build::{BuildError, GameCrate};
pub use engine::state::fields::Value;
pub use game::{Game, HarnessError};
pub use hotloop_abi::{GamepadButton, Input, Key, MouseButton};
