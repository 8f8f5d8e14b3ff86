//! The persistent half of hotloop: it owns the window, the frame loop, the
//! game state buffer, and swaps the hot-reloaded game library between frames.
//!
//! [`Engine`] is the core that every front end drives: the window, the
//! headless runner, the tests and the tools.
//!
//! The modules, top down (each uses only those below it):
//!
//! | module | what |
//! |---|---|
//! | [`player`] | the player's executable that `cargo ship` links a game into |
//! | [`frontend`] | the window (overlay, inspector, keys), the headless runner |
//! | [`runtime`] | the [`Engine`]: frame boundary, steps, swaps and recovery, saves, loops, timings |
//! | [`session`] | the supervisor and what survives a crashed engine process |
//! | [`source`] | where new builds come from: the library watcher, the dev loop and cargo |
//! | [`loader`] | ELF check, shadow copies, the loaded library, unloading |
//! | [`assets`] | images and tunables: store, decoding, lookups, watching |
//! | [`files`] | snapshots, recordings, their checksum |
//! | [`state`] | the state buffer, its per-step copy, and its field table (checks, migration, values, padding) |
//! | [`shared`] | memory that outlives an engine process: mapped files, the control block; which pages were written |
//! | [`codec`], [`error`], [`repeat_limit`], [`display`] | the byte reader and writer, errors, logging an error that repeats, the display's name |
//!
//! `unsafe` lives in a few places only, each block argued with a `SAFETY`
//! comment: the loader ([`loader::library`]: loading a library and calling
//! its entry points; [`loader::code_dir`]: one probe mapping), the callbacks
//! game code calls (`assets/lookup.rs`: an image or a tunable; `audio`: a
//! sound), the state buffer (`state/buffer.rs`: raw copies of the state,
//! zeroing its padding without reading it, and reading a field without
//! padding in place), and [`shared`] (mapping the
//! state and control block that outlive a crashed engine process, and a
//! shipped game's crash journal; asking the kernel which pages of the state
//! a step wrote). Everything else is safe Rust: the crate denies
//! `unsafe_code`, and only those modules allow it.
#![deny(unsafe_code)]

pub mod assets;
pub mod audio;
pub mod codec;
pub mod display;
pub mod error;
pub mod files;
pub mod frontend;
pub mod loader;
pub mod player;
pub mod repeat_limit;
pub mod runtime;
pub mod session;
pub mod shared;
pub mod source;
pub mod state;

pub use error::{ReloadError, StartError};
pub use runtime::{Engine, EngineConfig, ReloadRecord, ReloadStats, Summary, SwapKind};
