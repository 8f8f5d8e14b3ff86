//! The persistent half of hotloop: it owns the window, the frame loop, the
//! game state buffer, and swaps the hot-reloaded game library between frames.
//!
//! [`Engine`] is the core that every front end drives: the window, the
//! headless runner, the tests and the tools.
//!
//! `unsafe` lives in three places only, each block argued with a `SAFETY`
//! comment: [`library`] (loading a library and calling its entry points),
//! the two lookup callbacks in `assets/lookup.rs` (game code calling the
//! engine for an image or a tunable), and [`session::shared`] (mapping the
//! state and control block that outlive a crashed engine process).
//! Everything else is safe Rust: the crate denies `unsafe_code`, and only
//! those three modules allow it.
#![deny(unsafe_code)]

pub mod assets;
pub mod checksum;
pub mod clock;
pub mod dev;
pub mod display;
pub mod error;
pub mod fields;
pub mod file_check;
pub mod frame_times;
pub mod headless;
pub mod input;
pub mod inspector;
#[allow(unsafe_code)] // The loader and the ABI boundary.
pub mod library;
pub mod looping;
pub mod overlay;
pub mod profile;
pub mod recording;
pub mod repeat_limit;
pub mod retire;
pub mod runtime;
pub mod session;
pub mod shadow;
pub mod snapshot;
pub mod source;
pub mod state;
pub mod text;
pub mod watcher;
pub mod window;

pub use error::{ReloadError, StartError};
pub use runtime::{Engine, EngineConfig, ReloadRecord, ReloadStats, Summary, SwapKind};
