//! What the engine writes to disk and reads back: state snapshots and
//! recordings, the checksum both carry, and writing files atomically. Every reader checks lengths,
//! the checksum and the state's values before trusting anything.

pub mod atomic;
pub mod checksum;
pub mod journal;
pub mod recording;
pub mod snapshot;
