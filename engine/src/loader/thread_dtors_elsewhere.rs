//! Thread-local destructors of game libraries: only glibc's registration
//! is interposed (`thread_dtors.rs`, on Linux with the `hot-reload`
//! feature). Elsewhere nothing is held: the dev loop, the only thing that
//! unloads game libraries, runs on Linux, and a shipped game (built
//! without the feature) loads none.

/// Marks the calling thread as one that calls game code: nothing to mark.
pub fn calls_game_code() {}

/// Nothing is held here.
pub fn track(_library: usize) {}

/// Nothing is held here.
pub fn run_here(_library: usize) {}

/// Why a library that is to be unloaded must stay mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InUse {
    /// A thread still holds one of its destructors.
    Destructors {
        /// That thread.
        thread: i32,
    },
    /// It started a thread, which may still run its code.
    StartedThread,
}

/// Nothing is held here, so nothing keeps a library mapped.
///
/// # Errors
/// Never.
pub fn untrack(_library: usize) -> Result<(), InUse> {
    Ok(())
}

/// The load address of the object that contains `address`: not looked up
/// here, where nothing is tracked by it.
pub fn load_address_of(_address: usize) -> Option<usize> {
    None
}
