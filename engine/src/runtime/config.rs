//! How an [`Engine`](super::Engine) is set up.

use std::path::PathBuf;

use crate::audio::AudioConfig;
use crate::runtime::clock::DEFAULT_RATE;
use crate::state::CopyMode;

/// How an [`Engine`](super::Engine) is set up.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The built game library (the build output, not a copy).
    pub library: PathBuf,
    /// Watch the library's directory and reload new builds automatically.
    pub watch: bool,
    /// Framebuffer size handed to game code, in pixels, for a library that
    /// does not declare one (`game!` always does: its `size`, or 320x240).
    pub size: (u32, u32),
    /// Fixed update steps per second, for a library that does not declare a rate.
    pub rate: u32,
    /// Where a state that a reload cannot carry over is saved, and quick saves.
    pub snapshot_dir: PathBuf,
    /// Where loop recordings are saved.
    pub recording_dir: PathBuf,
    /// The assets directory (images and `tunables.toml`), watched for changes.
    pub assets: Option<PathBuf>,
    /// Include the state's fields and values in the [`Summary`](super::Summary).
    pub dump_state: bool,
    /// Time every system from the start, and put the means in the [`Summary`](super::Summary).
    pub profile_systems: bool,
    /// How the state is copied before each step (see [`CopyMode`]).
    pub step_copy: CopyMode,
    /// Watch the assets directory and reload changed files (off in a
    /// shipped game, whose assets do not change under it).
    pub watch_assets: bool,
    /// Write a crash report when game code fails (a shipped game).
    pub crash_reports: Option<CrashReports>,
    /// Where sound goes: nowhere by default (headless runs and tests are silent).
    pub audio: AudioConfig,
}

/// Where a shipped game writes its crash reports, and what it calls itself.
#[derive(Clone, Debug)]
pub struct CrashReports {
    /// The directory the reports go to.
    pub dir: PathBuf,
    /// The game and its build ("invaders 0.1.0").
    pub game: String,
}

impl EngineConfig {
    /// Defaults for `library`: watched, 320x240, 60 Hz, snapshots in `.hotloop/snapshots`.
    pub fn new(library: impl Into<PathBuf>) -> Self {
        Self {
            library: library.into(),
            watch: true,
            size: hotloop_abi::DEFAULT_SIZE,
            rate: DEFAULT_RATE,
            snapshot_dir: PathBuf::from(".hotloop/snapshots"),
            recording_dir: PathBuf::from(".hotloop/recordings"),
            assets: None,
            dump_state: false,
            profile_systems: false,
            step_copy: CopyMode::Auto,
            watch_assets: true,
            crash_reports: None,
            audio: AudioConfig::default(),
        }
    }
}
