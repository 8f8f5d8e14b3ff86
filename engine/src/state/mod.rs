//! The game's state as the engine holds it: the bytes ([`StateBuffer`]),
//! the copy a failed step is rolled back to ([`StepCopy`]), and their
//! description ([`fields`]), which checks, migrates, shows and
//! canonicalises them.

#[allow(unsafe_code)] // Raw copies and lazy padding zeroing; argued in `buffer.rs`.
mod buffer;
pub mod fields;
mod step_copy;

pub use buffer::{MAX_STATE_ALIGN, MAX_STATE_SIZE, StateBuffer, check_layout};
pub use step_copy::{CopyMode, StepCopy, TRACK_FROM};
