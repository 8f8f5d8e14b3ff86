//! The game's state as the engine holds it: the bytes ([`StateBuffer`]) and
//! their description ([`fields`]), which checks, migrates, shows and
//! canonicalises them.

mod buffer;
pub mod fields;

pub use buffer::{MAX_STATE_ALIGN, MAX_STATE_SIZE, StateBuffer, check_layout};
