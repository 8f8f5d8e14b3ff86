//! Memory that outlives an engine process: the state and its per-step copy
//! as mapped files, and the control block of atomics that the supervisor
//! reads to tell a crash or a hang from a clean exit. Below everything that
//! uses it: the state buffer, the loader (which marks each game call) and
//! the session.

pub mod control;
#[allow(unsafe_code)] // Mapping files; each block argued in `mapping.rs`.
mod mapping;

pub use mapping::{ControlMap, SharedBytes};
