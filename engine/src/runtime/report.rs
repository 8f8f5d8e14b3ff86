//! What the engine reports about itself: counters, the libraries it ran,
//! and the summary printed at exit.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::runtime::frame_times::FrameTimeSummary;
use crate::runtime::profile::SystemTiming;

/// Counters over the engine's lifetime.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadStats {
    /// Libraries swapped in after the first one.
    pub reloads: u64,
    /// Libraries refused, and calls into game code that failed.
    pub failed_reloads: u64,
    /// The generation of the library running now: 1 for the first library,
    /// a new number for each build swapped in. Going back to an earlier
    /// library after a panic runs that library's generation again.
    pub generation: u64,
    /// The most recent failure, never cleared (see [`Engine::current_error`](super::Engine::current_error)).
    pub last_error: Option<String>,
    /// Builds of the game code that failed (dev loop only).
    pub failed_builds: u64,
    /// Builds of the game code the dev loop ran to their end after a save
    /// (a library, errors, or a direct build handed over to cargo); the
    /// build `cargo dev` makes before the game starts is not one, nor is a
    /// build stopped by a newer save.
    pub builds: u64,
    /// Of those, builds that ran rustc directly, without cargo.
    pub direct_builds: u64,
    /// Asset files that could not be read (the previous version stayed).
    pub failed_assets: u64,
    /// Crashes and hangs of game code that the session survived (a new
    /// engine process carried on; supervised runs only).
    pub crashes: u64,
}

/// How a library came to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwapKind {
    /// A new build.
    Build,
    /// The previous library again, after its successor panicked or crashed.
    Fallback,
    /// The same library again, in a new engine process after a crash that
    /// was not its code's doing.
    Resumed,
}

/// One library that was swapped in.
#[derive(Clone, Debug)]
pub struct ReloadRecord {
    /// Its generation.
    pub generation: u64,
    /// The first step that ran its code.
    pub first_step: u64,
    /// The build output it was loaded from.
    pub source: PathBuf,
    /// What its `greet` said.
    pub greeting: String,
    /// Why it was swapped in.
    pub kind: SwapKind,
    /// Time spent on the frame thread for the switch (the previous library
    /// is unloaded on another thread).
    pub switch_time: Duration,
}

/// What the headless runner prints at exit, as one JSON line.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Steps run.
    pub frames: u64,
    /// The framebuffer size the game declares (width, height), as it is now.
    pub size: (u32, u32),
    /// The fixed update rate the game declares, in steps per second.
    pub rate: u32,
    /// The window title the game declares.
    pub title: String,
    /// Counters.
    #[serde(flatten)]
    pub stats: ReloadStats,
    /// The state's layout fingerprint, in hex.
    pub fingerprint: String,
    /// FNV-1a hash of the state's bytes, in hex: equal runs give equal checksums.
    pub state_checksum: String,
    /// The game's own one-line summary of its state (`describe`).
    pub game: Option<String>,
    /// Work time per displayed frame (headless: per step), reload frames apart.
    pub frame_times: FrameTimeSummary,
    /// This engine process's peak resident memory so far, in KiB (VmHWM;
    /// Linux only): what a long session cost at most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_memory_kib: Option<u64>,
    /// Sound effects the game asked for and that played (steps that
    /// committed), over the whole run.
    pub sounds_played: u64,
    /// The audio device's latency as last measured, in milliseconds: what
    /// was queued for it plus its own buffer (`null`: no device plays, as
    /// headless).
    pub audio_latency_ms: Option<f64>,
    /// The state's fields and values (with `--dump-state`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<serde_json::Value>,
    /// Each system's mean time per step, slowest first (`--profile-systems`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub systems: Option<Vec<SystemTiming>>,
}

/// This process's peak resident memory so far, in KiB, from
/// `/proc/self/status` (`None` where there is none).
pub(super) fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
