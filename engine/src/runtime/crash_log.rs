//! A shipped game's crash reports: the last few seconds of play kept as a
//! recording (a copy of the state taken every few seconds, and every input
//! since), written out with the failure when game code fails, so that
//! `cargo dev --replay-crash FILE` plays them again on the current code.

use std::io;
use std::path::{Path, PathBuf};

use hotloop_abi::Input;
use serde::{Deserialize, Serialize};

use crate::files::atomic;
use crate::files::recording::Recording;
use crate::files::snapshot::Snapshot;
use crate::state::StateBuffer;
use crate::state::fields::FieldTable;

/// How often the state is copied for the report, in seconds of play: the
/// report starts at most this long before the failing step.
pub const CHECKPOINT_SECONDS: u32 = 5;

/// What a crash report says besides its recording (`crash-….json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrashReport {
    /// The game and its build ("invaders 0.1.0").
    pub game: String,
    /// What failed, as the engine said it.
    pub message: String,
    /// The step that failed (counted from the start of the run).
    pub step: u64,
    /// The recording's file name, beside this one: from the last copy of
    /// the state up to and including the failing step's input.
    pub recording: String,
}

impl CrashReport {
    /// The recording of the report at `path` (its `.json`, or the
    /// recording itself).
    ///
    /// # Errors
    /// When a file cannot be read or is not what it should be.
    pub fn recording_of(path: &Path) -> Result<Recording, String> {
        if path.extension().is_some_and(|e| e == "json") {
            let text =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let report: Self = serde_json::from_slice(&text)
                .map_err(|e| format!("{} is not a hotloop crash report: {e}", path.display()))?;
            let dir = path.parent().unwrap_or(Path::new("."));
            // Only a file beside the report: its name comes from the file.
            let name = Path::new(&report.recording)
                .file_name()
                .ok_or_else(|| format!("{} names no recording", path.display()))?;
            return Recording::load(&dir.join(name));
        }
        Recording::load(path)
    }
}

/// The rolling record a crash report is made from. Allocates nothing per
/// step: the state copy and the inputs' room are made once.
pub(super) struct CrashLog {
    dir: PathBuf,
    game: String,
    every: usize,
    recording: Recording,
    /// Whether the state was copied yet: at the first step, so a state
    /// restored after the engine started (a save) is the one recorded.
    started: bool,
    written: bool,
}

impl CrashLog {
    /// Starts keeping the record, from `state` at frame number `clock`.
    pub(super) fn new(
        dir: PathBuf,
        game: String,
        state: &StateBuffer,
        table: Option<&FieldTable>,
        clock: u64,
        rate: u32,
    ) -> Self {
        let every = (rate * CHECKPOINT_SECONDS) as usize;
        Self {
            dir,
            game,
            every,
            recording: Recording {
                start: Snapshot {
                    state: state.clone(),
                    table: table.cloned(),
                },
                first_step: clock,
                rate,
                inputs: Vec::with_capacity(every),
                reloaded: Vec::new(),
            },
            started: false,
            written: false,
        }
    }

    /// Notes the input of the step that runs now on `state`, at frame
    /// number `clock` (`reloaded`: the first after a reload): every few
    /// seconds the state is copied and the inputs start again.
    pub(super) fn before_step(
        &mut self,
        state: &StateBuffer,
        clock: u64,
        input: &Input,
        reloaded: bool,
    ) {
        if !self.started || self.recording.inputs.len() >= self.every {
            self.started = true;
            self.recording.start.state.copy_from(state);
            self.recording.first_step = clock;
            self.recording.inputs.clear();
            self.recording.reloaded.clear();
        }
        if reloaded {
            self.recording.mark_next_reloaded();
        }
        self.recording.inputs.push(*input);
    }

    /// Writes the report of a failure at `step` (once per run: game logic
    /// stops after it). Returns the report's path.
    ///
    /// # Errors
    /// When the files cannot be written.
    pub(super) fn write(&mut self, message: &str, step: u64) -> io::Result<Option<PathBuf>> {
        if self.written {
            return Ok(None);
        }
        self.written = true;
        std::fs::create_dir_all(&self.dir)?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let name = format!("crash-{stamp}");
        let recording = format!("{name}.hlrec");
        atomic::write(&self.dir.join(&recording), &self.recording.encode())?;
        let report = CrashReport {
            game: self.game.clone(),
            message: message.to_owned(),
            step,
            recording,
        };
        let path = self.dir.join(format!("{name}.json"));
        let json = serde_json::to_vec_pretty(&report).map_err(io::Error::other)?;
        atomic::write(&path, &json)?;
        Ok(Some(path))
    }
}
