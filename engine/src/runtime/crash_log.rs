//! A shipped game's crash reports: the last few seconds of play kept as a
//! recording (a copy of the state taken every few seconds, and every input
//! since), written out with the failure when game code fails, so that
//! `cargo dev --replay-crash FILE` plays them again on the current code.
//! The record is a [`Journal`] file: when the process dies without
//! unwinding (an abort, a kill), the next start writes the report from it.

use std::io;
use std::path::{Path, PathBuf};

use hotloop_abi::Input;
use serde::{Deserialize, Serialize};

use crate::files::atomic;
use crate::files::journal::{self, Journal};
use crate::files::recording::{Recording, Step};
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

/// The rolling record a crash report is made from: a [`Journal`] in the
/// crash reports' directory, which outlives a process that dies without
/// unwinding. Allocates nothing per step.
pub(super) struct CrashLog {
    dir: PathBuf,
    game: String,
    journal: Option<Journal>,
    /// Whether the state was copied yet: at the first step, so a state
    /// restored after the engine started (a save) is the one recorded.
    started: bool,
    written: bool,
}

impl CrashLog {
    /// Starts keeping the record in `dir`, from `state` at frame number
    /// `clock`.
    pub(super) fn new(
        dir: PathBuf,
        game: String,
        state: &StateBuffer,
        table: Option<&FieldTable>,
        clock: u64,
        rate: u32,
    ) -> Self {
        let every = (rate * CHECKPOINT_SECONDS) as usize;
        let path = journal::new_path(&dir);
        let journal = Journal::create(Some(&path), &game, (state, table), clock, rate, every);
        Self {
            dir,
            game,
            journal: Some(journal),
            started: false,
            written: false,
        }
    }

    fn journal(&mut self) -> &mut Journal {
        self.journal.as_mut().expect("closed only when dropped")
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
        let first = !std::mem::replace(&mut self.started, true);
        let journal = self.journal();
        if first || journal.is_full() {
            journal.checkpoint(state, clock);
        }
        journal.push(&Step {
            input: *input,
            reloaded,
        });
    }

    /// The step noted last is done (committed or rolled back).
    pub(super) fn after_step(&mut self) {
        self.journal().stepped();
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
        let contents = self.journal().contents().map_err(io::Error::other)?;
        let path = write_report(&self.dir, &self.game, message, step, &contents.recording)?;
        // Reported: a death after this is not this failure again.
        self.journal().set_open(false);
        Ok(Some(path))
    }
}

impl Drop for CrashLog {
    /// A normal end removes the journal. An engine that unwinds from a
    /// panic of its own leaves it, for the next start to report.
    fn drop(&mut self) {
        if let Some(journal) = self.journal.take()
            && !std::thread::panicking()
        {
            journal.close();
        }
    }
}

/// Writes a crash report of `recording` into `dir`: the recording and the
/// JSON that names it. Returns the JSON's path.
fn write_report(
    dir: &Path,
    game: &str,
    message: &str,
    step: u64,
    recording: &Recording,
) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    // Two reports in one millisecond (journals found at start) keep apart.
    let mut name = format!("crash-{stamp}");
    for n in 1.. {
        if !dir.join(format!("{name}.json")).exists() {
            break;
        }
        name = format!("crash-{stamp}-{n}");
    }
    let recording_name = format!("{name}.hlrec");
    atomic::write(&dir.join(&recording_name), &recording.encode())?;
    let report = CrashReport {
        game: game.to_owned(),
        message: message.to_owned(),
        step,
        recording: recording_name,
    };
    let path = dir.join(format!("{name}.json"));
    let json = serde_json::to_vec_pretty(&report).map_err(io::Error::other)?;
    atomic::write(&path, &json)?;
    Ok(path)
}

/// Turns the journals in `dir` that ended without closing (their game
/// died without unwinding, or was killed) into crash reports, and removes
/// them. Returns what to tell the player, one line per report. A journal
/// that is damaged is kept and logged; one of a running game is left alone.
pub fn report_leftovers(dir: &Path) -> Vec<String> {
    let mut told = Vec::new();
    for path in journal::found_in(dir) {
        let contents = match journal::load_left(&path) {
            Ok(Some(contents)) => contents,
            Ok(None) => continue,
            Err(error) => {
                log::warn!("{error}; it is left where it is");
                continue;
            }
        };
        if contents.open {
            let recording = &contents.recording;
            // Counted from 1, as a report of a panic counts it: the frame
            // number of the last step recorded, plus one.
            let last = recording.first_step + recording.inputs.len() as u64;
            let message = if contents.stepping {
                format!(
                    "the game ended without a word during update step {last}: it aborted (a stack overflow, a panic while panicking, no memory left) or was killed"
                )
            } else {
                format!(
                    "the game ended without a word after update step {last}: it aborted or was killed outside game logic"
                )
            };
            match write_report(dir, &contents.game, &message, last, recording) {
                Ok(report) => told.push(format!(
                    "the last run ended unexpectedly; a crash report is saved to {}",
                    report.display()
                )),
                Err(error) => {
                    log::warn!(
                        "could not write a crash report from {}: {error}",
                        path.display()
                    );
                    continue;
                }
            }
        }
        if let Err(error) = std::fs::remove_file(&path) {
            log::warn!("could not remove {}: {error}", path.display());
        }
    }
    told
}
