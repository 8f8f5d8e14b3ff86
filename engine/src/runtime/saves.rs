//! The engine's save-and-replay tools: looped recording (F3), replays of
//! saved recordings, and state snapshots (F5 / F9).

use std::path::{Path, PathBuf};

use super::Engine;
use crate::error::ReloadError;
use crate::files::recording::{Header, Recording};
use crate::files::snapshot::{self, Snapshot, SnapshotError};
use crate::runtime::looping::{LoopMode, Played};
use crate::state::StateBuffer;
use crate::state::fields::{self, InvalidValue};

/// Why a snapshot or a recording was not loaded. The running state is
/// untouched in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read or is not a snapshot.
    #[error(transparent)]
    File(#[from] SnapshotError),
    /// A field holds bytes that are no value of its type.
    #[error("{what} holds an invalid state: {invalid}")]
    Invalid {
        /// The file, or "the recording".
        what: String,
        /// The first invalid field.
        invalid: InvalidValue,
    },
    /// Another layout, and nothing to carry it over with.
    #[error(
        "{what} has state fingerprint {found:016x}, the running state {running:016x}, and {why}"
    )]
    OtherLayout {
        /// The file, or "the recording".
        what: String,
        /// The file's state fingerprint.
        found: u64,
        /// The running state's fingerprint.
        running: u64,
        /// Why it cannot be carried over.
        why: &'static str,
    },
    /// The recording ran at another update rate.
    #[error("the recording ran at {recorded} Hz, the engine at {running} Hz")]
    OtherRate {
        /// The recording's rate.
        recorded: u32,
        /// The engine's.
        running: u32,
    },
    /// Game code failed while building the state.
    #[error(transparent)]
    Game(#[from] ReloadError),
    /// A recording could not be read to its end (it was checked whole
    /// before it started).
    #[error("the recording could not be read to its end: {0}")]
    Unreadable(String),
}

impl Engine {
    /// Starts recording, or (when recording) starts looping the recording
    /// and saves it, or (when looping) goes back to live play. Returns the new mode.
    pub fn toggle_loop(&mut self) -> LoopMode {
        match self.looper.mode() {
            LoopMode::Off => {
                let table = self.table.described();
                let dir = &self.config.recording_dir;
                self.looper
                    .record(&self.state, table, self.clock, self.display.rate, dir);
                self.messages.note(Some(
                    "recording input: press the loop key again to loop it".into(),
                ));
            }
            LoopMode::Recording { .. } => {
                let note = match self.looper.play() {
                    Played::Nothing => "nothing was recorded".into(),
                    Played::Saved(path) => {
                        format!("looping; recording saved to {}", path.display())
                    }
                    Played::Unsaved(error) => {
                        format!("looping; the recording could not be saved: {error}")
                    }
                    Played::Failed(error) => error,
                };
                self.messages.note(Some(note));
            }
            LoopMode::Playing { .. } => {
                self.looper.stop();
                self.messages
                    .note(Some("loop stopped: live play goes on from here".into()));
            }
        }
        if let Some(notice) = self.messages.notice() {
            log::info!("{notice}");
        }
        self.looper.mode()
    }

    /// What the looper is doing.
    pub fn loop_mode(&self) -> LoopMode {
        self.looper.mode()
    }

    /// Puts the engine at the start of a recording, `recording`: its state
    /// (which must have the running layout, and valid values) and frame
    /// number. Step it with the recording's inputs to replay it.
    ///
    /// # Errors
    /// When the recording's state has another layout than the library's, an
    /// invalid value, or the recording another rate.
    pub fn start_replay(&mut self, recording: &Header) -> Result<(), LoadError> {
        let what = || "the recording".to_owned();
        let (recorded, running) = (recording.start.state.layout(), self.state.layout());
        if recorded != running {
            return Err(LoadError::OtherLayout {
                what: what(),
                found: recorded.fingerprint,
                running: running.fingerprint,
                why: "a replay needs the state it was recorded with",
            });
        }
        if recording.rate != self.display.rate {
            return Err(LoadError::OtherRate {
                recorded: recording.rate,
                running: self.display.rate,
            });
        }
        fields::check_values(self.table.fields(), recording.start.state.bytes()).map_err(
            |invalid| LoadError::Invalid {
                what: what(),
                invalid,
            },
        )?;
        self.looper.stop();
        self.state.copy_from(&recording.start.state);
        self.table.zero_unused(self.state.bytes_mut());
        self.clock = recording.first_step;
        // Only the steps the recording marks run as after a reload.
        self.reloaded_at = None;
        Ok(())
    }

    /// Loops `recording` (a crash report's, say) on the running code: its
    /// start state becomes the state, carried over by field name (or the
    /// game's `migrate`) when it was recorded with another layout, and its
    /// inputs play again and again, from the start after every reload, as
    /// a loop recorded with F3 does. Returns how the start was carried over.
    ///
    /// # Errors
    /// When the start state cannot be taken (invalid values, no field table
    /// to carry it over by) or the recording is of another update rate; the
    /// running state is then untouched.
    pub fn loop_recording(&mut self, recording: Recording) -> Result<String, LoadError> {
        if recording.rate != self.display.rate {
            return Err(LoadError::OtherRate {
                recorded: recording.rate,
                running: self.display.rate,
            });
        }
        let how = self.take_state(recording.start, "the recording's start state")?;
        self.clock = recording.first_step;
        self.reloaded_at = None;
        self.looper.play_from(Recording {
            start: Snapshot {
                state: self.state.clone(),
                table: self.table.described().cloned(),
            },
            first_step: recording.first_step,
            rate: recording.rate,
            inputs: recording.inputs,
            reloaded: recording.reloaded,
        });
        let steps = self.looper.mode();
        log::info!("looping the recording{how} ({steps:?})");
        Ok(how)
    }

    /// Saves the state to `<snapshot_dir>/quicksave.hlstate` and returns the path.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save_snapshot(&mut self) -> Result<PathBuf, SnapshotError> {
        let path = self.config.snapshot_dir.join("quicksave.hlstate");
        let result = snapshot::save_as(&path, &self.state, self.table.described()).map(|()| path);
        let notice = match &result {
            Ok(path) => format!("state saved to {}", path.display()),
            Err(error) => format!("could not save the state: {error}"),
        };
        log::info!("{notice}");
        self.messages.note(Some(notice));
        result
    }

    /// Loads the state [`Engine::save_snapshot`] saved (F9).
    ///
    /// # Errors
    /// As [`Engine::load_snapshot`].
    pub fn load_quicksave(&mut self) -> Result<(), LoadError> {
        let path = self.config.snapshot_dir.join("quicksave.hlstate");
        self.load_snapshot(&path)
    }

    /// Saves the state to `path`, whole or not at all (a shipped game's
    /// save between runs).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save_state_to(&self, path: &Path) -> Result<(), SnapshotError> {
        snapshot::save_as(path, &self.state, self.table.described())
    }

    /// Saves the state to a new snapshot beside the others (never over the
    /// quick save), for a session that must end: it can be loaded with F9
    /// once copied to the quick save's place.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save_state_aside(&self) -> Result<PathBuf, SnapshotError> {
        snapshot::save_in(
            &self.config.snapshot_dir,
            &self.state,
            self.table.described(),
        )
    }

    /// Records why the session ends early (its display went away, say) as
    /// the summary's `last_error`.
    pub fn record_last_error(&mut self, error: impl Into<String>) {
        self.stats.last_error = Some(error.into());
    }

    /// Loads a state snapshot. Its values are checked against the running
    /// library's field table first. One of another layout is carried over as
    /// a reload would: by the library's `migrate`, else field by field by name.
    ///
    /// # Errors
    /// Why the snapshot was not loaded; the running state is untouched.
    pub fn load_snapshot(&mut self, path: &Path) -> Result<(), LoadError> {
        let result = self.try_load_snapshot(path);
        match &result {
            Ok(how) => {
                let notice = format!("state loaded from {}{how}", path.display());
                log::info!("{notice}");
                self.messages.note(Some(notice));
                self.looper.stop();
            }
            Err(error) => {
                log::error!("{error}");
                self.messages.code_failed(error.to_string());
            }
        }
        result.map(drop)
    }

    /// Loads the snapshot at `path`; returns how it was carried over, if it was.
    fn try_load_snapshot(&mut self, path: &Path) -> Result<String, LoadError> {
        let loaded = snapshot::load(path)?;
        self.take_state(loaded, &format!("snapshot {}", path.display()))
    }

    /// Makes `loaded` (named `what` in errors) the running state, checked,
    /// and carried over to the running layout when it has another one;
    /// returns how it was carried over, if it was.
    fn take_state(&mut self, mut loaded: Snapshot, what: &str) -> Result<String, LoadError> {
        let what = || what.to_owned();
        let running = self.state.layout();
        if loaded.state.layout() == running {
            // The running library's table is the authority on its own type.
            self.table
                .admit(loaded.state.bytes_mut())
                .map_err(|invalid| LoadError::Invalid {
                    what: what(),
                    invalid,
                })?;
            self.state.copy_from(&loaded.state);
            return Ok(String::new());
        }
        let other_layout = |why| LoadError::OtherLayout {
            what: what(),
            found: loaded.state.layout().fingerprint,
            running: running.fingerprint,
            why,
        };
        let Some(library) = self.library.as_ref() else {
            return Err(other_layout("no game library is running to carry it over"));
        };
        let mut fresh = StateBuffer::zeroed(running).expect("the running layout was checked");
        library.init(&mut fresh)?;
        let how = if library.migrate(&loaded.state, &mut fresh)? {
            " (`migrate` carried it over)".to_owned()
        } else {
            let Some(old_table) = &loaded.table else {
                return Err(other_layout(
                    "the file has no field table to carry it over by (saved by an older hotloop)",
                ));
            };
            if library.can_migrate() {
                // It declined: start again from `init`'s values.
                library.init(&mut fresh)?;
            }
            let report = fields::migrate(
                old_table.fields(),
                loaded.state.bytes(),
                self.table.fields(),
                fresh.bytes_mut(),
            );
            format!(" ({report})")
        };
        self.table
            .admit(fresh.bytes_mut())
            .map_err(|invalid| LoadError::Invalid {
                what: what(),
                invalid,
            })?;
        self.state.copy_from(&fresh);
        Ok(how)
    }
}
