//! What the engine writes to disk and reads back: state snapshots and
//! recordings, and the checksum both carry. Every reader checks lengths,
//! the checksum and the state's values before trusting anything.

pub mod checksum;
pub mod recording;
pub mod snapshot;
