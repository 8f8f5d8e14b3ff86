//! The engine's save-and-replay tools: looped recording (F3), replays of
//! saved recordings, and state snapshots (F5 / F9).

use std::path::{Path, PathBuf};

use super::Engine;
use crate::looping::LoopMode;
use crate::recording::Recording;
use crate::snapshot;
use crate::state::StateBuffer;

impl Engine {
    /// Starts recording, or (when recording) starts looping the recording
    /// and saves it, or (when looping) goes back to live play. Returns the new mode.
    pub fn toggle_loop(&mut self) -> LoopMode {
        match self.looper.mode() {
            LoopMode::Off => {
                self.looper
                    .record(&self.state, self.clock, self.config.rate);
                self.notice = Some("recording input: press the loop key again to loop it".into());
            }
            LoopMode::Recording { .. } => {
                let saved = self
                    .looper
                    .play()
                    .map(|recording| recording.save_in(&self.config.recording_dir));
                self.notice = match saved {
                    None => Some("nothing was recorded".into()),
                    Some(Ok(path)) => {
                        Some(format!("looping; recording saved to {}", path.display()))
                    }
                    Some(Err(error)) => Some(format!(
                        "looping; the recording could not be saved: {error}"
                    )),
                };
            }
            LoopMode::Playing { .. } => {
                self.looper.stop();
                self.notice = Some("loop stopped: live play goes on from here".into());
            }
        }
        if let Some(notice) = &self.notice {
            log::info!("{notice}");
        }
        self.looper.mode()
    }

    /// What the looper is doing.
    pub fn loop_mode(&self) -> LoopMode {
        self.looper.mode()
    }

    /// Puts the engine at the start of `recording`: its state (which must
    /// have the running layout) and frame number. Step it with the
    /// recording's inputs to replay it.
    ///
    /// # Errors
    /// When the recording's state has another layout than the library's.
    pub fn start_replay(&mut self, recording: &Recording) -> Result<(), String> {
        let (recorded, running) = (recording.start.layout(), self.state.layout());
        if recorded != running {
            return Err(format!(
                "the recording starts from a state with fingerprint {:016x}, but the library's state has fingerprint {:016x}",
                recorded.fingerprint, running.fingerprint
            ));
        }
        if recording.rate != self.config.rate {
            return Err(format!(
                "the recording ran at {} Hz, the engine at {} Hz",
                recording.rate, self.config.rate
            ));
        }
        self.looper.stop();
        self.state.copy_from(&recording.start);
        self.clock = recording.first_step;
        Ok(())
    }

    /// Saves the state to `<snapshot_dir>/quicksave.hlstate` and returns the path.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save_snapshot(&mut self) -> Result<PathBuf, String> {
        let path = self.config.snapshot_dir.join("quicksave.hlstate");
        let result = snapshot::save_as(&path, &self.state)
            .map(|()| path)
            .map_err(|e| e.to_string());
        self.notice = Some(match &result {
            Ok(path) => format!("state saved to {}", path.display()),
            Err(error) => format!("could not save the state: {error}"),
        });
        result
    }

    /// Saves the state to a new snapshot beside the others (never over the
    /// quick save), for a session that must end: it can be loaded with F9
    /// once copied to the quick save's place.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save_state_aside(&self) -> Result<PathBuf, snapshot::SnapshotError> {
        snapshot::save_in(&self.config.snapshot_dir, &self.state)
    }

    /// Records why the session ends early (its display went away, say) as
    /// the summary's `last_error`.
    pub fn record_last_error(&mut self, error: impl Into<String>) {
        self.stats.last_error = Some(error.into());
    }

    /// Loads a state snapshot. One of another layout is migrated if the
    /// library exports `migrate`, and refused otherwise.
    ///
    /// # Errors
    /// Why the snapshot was not loaded; the running state is untouched.
    pub fn load_snapshot(&mut self, path: &Path) -> Result<(), String> {
        let result = self.try_load_snapshot(path);
        match &result {
            Ok(()) => {
                self.notice = Some(format!("state loaded from {}", path.display()));
                self.looper.stop();
            }
            Err(error) => {
                log::error!("{error}");
                self.current_error = Some(error.clone());
            }
        }
        result
    }

    fn try_load_snapshot(&mut self, path: &Path) -> Result<(), String> {
        let loaded = snapshot::load(path).map_err(|e| e.to_string())?;
        if loaded.layout() == self.state.layout() {
            self.state.copy_from(&loaded);
            return Ok(());
        }
        let refused = || {
            format!(
                "snapshot {} has state fingerprint {:016x}, the running state {:016x}, and the library has no `migrate` for it",
                path.display(),
                loaded.layout().fingerprint,
                self.state.layout().fingerprint
            )
        };
        let library = self
            .library
            .as_ref()
            .ok_or("no game library is running to migrate the snapshot")?;
        let mut fresh = StateBuffer::zeroed(self.state.layout()).expect("running layout");
        library.init(&mut fresh).map_err(|e| e.to_string())?;
        match library.migrate(&loaded, &mut fresh) {
            Ok(true) => {
                self.state.copy_from(&fresh);
                Ok(())
            }
            Ok(false) => Err(refused()),
            Err(error) => Err(error.to_string()),
        }
    }
}
