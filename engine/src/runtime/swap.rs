//! Swapping libraries at the frame boundary: taking a new build (and
//! carrying the state over a layout change), going back to the previous
//! library after a failure, or pausing game logic when there is none.

use std::path::Path;
use std::time::Instant;

use super::{Engine, Fallback, ReloadRecord, SwapKind, allocate};
use crate::error::ReloadError;
use crate::files::snapshot;
use crate::loader::library::GameLibrary;
use crate::runtime::looping::LoopMode;
use crate::state::{StepCopy, fields};

impl Engine {
    /// Takes the build at `path` if it is new: neither running, nor the
    /// fallback, nor one that crashed. After a crash, the library file may
    /// hold a build that arrived while the old engine process was dying.
    pub fn take_if_new(&mut self, path: &Path) {
        let Some(id) = crate::loader::file_check::identity(path) else {
            return;
        };
        let known = self.is_running(id)
            || self.crashed.contains(&id)
            || self.fallback.as_ref().is_some_and(|f| f.id == id);
        if !known {
            let _ = self.reload_from(path);
        }
    }

    pub(super) fn is_running(&self, id: u64) -> bool {
        self.library
            .as_ref()
            .is_some_and(|library| library.id() == id)
    }

    /// Loads the configured library now and swaps it in before the next step.
    ///
    /// # Errors
    /// Why the library was refused; the engine keeps the one it had.
    pub fn reload_now(&mut self) -> Result<(), ReloadError> {
        let library = self.config.library.clone();
        self.reload_from(&library)
    }

    /// Loads the library at `path` now and swaps it in before the next step.
    ///
    /// # Errors
    /// Why the library was refused; the engine keeps the one it had.
    pub fn reload_from(&mut self, path: &Path) -> Result<(), ReloadError> {
        let result =
            GameLibrary::load(path, &self.shadows).and_then(|library| self.switch_to(library));
        if let Err(error) = &result {
            self.fail(error);
        }
        result
    }

    /// After a panic: go back to the previous library if it fits the state
    /// (true), else pause game logic until the next build (false).
    pub(super) fn recover(&mut self) -> bool {
        // Whatever runs next is no new build.
        self.reloaded_at = None;
        let Some(fallback) = self.fallback.take() else {
            self.pause();
            return false;
        };
        let started = Instant::now();
        // A fresh shadow name: the loader must not hand back a cached mapping.
        let restored = self
            .shadows
            .copy_in(fallback.shadow.path())
            .map_err(|source| ReloadError::Copy {
                path: fallback.shadow.path().to_path_buf(),
                source,
            })
            .and_then(|shadow| GameLibrary::from_shadow(shadow, &fallback.source, fallback.id))
            .and_then(|library| {
                self.check_same_layout(&library)?;
                let greeting = library.greeting().to_owned();
                Ok((library, greeting))
            });
        self.shadows.retire(fallback.shadow);
        match restored {
            Ok((library, greeting)) => {
                self.show_as(&library);
                let failed = self.library.replace(library);
                self.stats.generation = fallback.generation;
                self.restart_profile();
                log::warn!(
                    "went back to generation {}: {greeting}",
                    fallback.generation
                );
                self.history.push(ReloadRecord {
                    generation: fallback.generation,
                    first_step: self.steps.saturating_sub(1),
                    source: fallback.source,
                    greeting,
                    kind: SwapKind::Fallback,
                    switch_time: started.elapsed(),
                });
                self.persist();
                if let Some(failed) = failed {
                    // As in `switch_to`: once the way back is on record.
                    failed.end_thread_locals_here();
                    self.shadows.retire(failed);
                }
                true
            }
            Err(error) => {
                self.fail(&error);
                self.pause();
                false
            }
        }
    }

    pub(super) fn pause(&mut self) {
        self.paused = true;
        self.persist();
        let text =
            "game logic paused on the state from before the failing step; save a fix to resume";
        log::warn!("{text}");
        self.messages.add_to_code_problem(&format!(" | {text}"));
    }

    /// Whether `library` takes the running state's bytes as they are: the
    /// same layout, and (both being described) the same field table, which
    /// a colliding fingerprint cannot fake.
    pub(super) fn check_same_layout(&self, library: &GameLibrary) -> Result<(), ReloadError> {
        let same_table = match (self.table.described(), library.table().described()) {
            (Some(running), Some(new)) => running.same_places_as(new),
            _ => true,
        };
        if library.layout() == self.state.layout() && same_table {
            return Ok(());
        }
        Err(ReloadError::LayoutMismatch {
            path: library.source().to_path_buf(),
            running: self.state.layout(),
            new: library.layout(),
        })
    }

    pub(super) fn switch_to(&mut self, library: GameLibrary) -> Result<(), ReloadError> {
        let started = Instant::now();
        let greeting = library.greeting().to_owned();
        let notice = match self.check_same_layout(&library) {
            Ok(()) => None,
            Err(mismatch) => Some(self.carry_state_over(&library, mismatch)?),
        };
        let source = library.source().to_path_buf();
        self.show_as(&library);
        self.table = library.table().clone();
        let previous = self.library.replace(library);
        // The fallback must run on this state: only keep one of the same layout.
        let fallback = previous
            .as_ref()
            .filter(|_| notice.is_none())
            .and_then(|previous| {
                Some(Fallback {
                    source: previous.source().to_path_buf(),
                    shadow: previous.shadow_file()?,
                    generation: self.stats.generation,
                    id: previous.id(),
                })
            });
        if let Some(replaced) = std::mem::replace(&mut self.fallback, fallback) {
            self.shadows.retire(replaced);
        }
        self.newest_generation += 1;
        self.stats.generation = self.newest_generation;
        self.restart_profile();
        self.stats.reloads += 1;
        self.messages.code_ok();
        self.paused = false;
        self.reloaded_at = Some(self.steps);
        match self.looper.start_layout() {
            Some(layout) if layout != self.state.layout() => {
                self.looper.stop();
                self.messages.note(Some(format!(
                    "{}; the loop stopped: its recording is of the old state layout",
                    notice.as_deref().unwrap_or("state layout changed")
                )));
            }
            _ => {
                let looping = matches!(self.looper.mode(), LoopMode::Playing { .. });
                self.looper.restart_with_new_code();
                let restarted = looping.then(|| {
                    format!(
                        "the loop starts over with generation {}",
                        self.newest_generation
                    )
                });
                self.messages.note(notice.or(restarted));
            }
        }
        log::info!(
            "generation {} at step {}: {greeting}",
            self.stats.generation,
            self.steps
        );
        if let Some(notice) = self.messages.notice() {
            log::warn!("{notice}");
        }
        self.history.push(ReloadRecord {
            generation: self.stats.generation,
            first_step: self.steps,
            source,
            greeting,
            kind: SwapKind::Build,
            switch_time: started.elapsed(),
        });
        self.persist();
        if let Some(previous) = previous {
            // Its thread-locals end here, on the thread that ran it, once
            // the switch is on record: a destructor that aborts restarts
            // the engine on the new build.
            previous.end_thread_locals_here();
            // Unloading and deleting files are slow: not on the frame thread.
            self.shadows.retire(previous);
        }
        Ok(())
    }

    /// A new library with another state layout: build its state with `init`,
    /// then its `migrate` if it has one; otherwise carry every field over
    /// whose name and type match (by the field tables) and save the old state
    /// to a snapshot too. Any failure refuses the library and leaves the
    /// running state untouched.
    pub(super) fn carry_state_over(
        &mut self,
        library: &GameLibrary,
        mismatch: ReloadError,
    ) -> Result<String, ReloadError> {
        let serial = self.state_serial + 1;
        let (mut fresh, before_step) =
            allocate(self.session.as_ref(), serial, library).map_err(|error| {
                ReloadError::Invalid {
                    path: library.source().to_path_buf(),
                    reason: format!("{mismatch}; and the session could not hold the new state ({error}), so the library was refused"),
                }
            })?;
        library.init(&mut fresh)?;
        let change = format!(
            "state layout changed ({:016x} -> {:016x})",
            self.state.layout().fingerprint,
            fresh.layout().fingerprint
        );
        let notice = if library.migrate(&self.state, &mut fresh)? {
            format!("{change}; `migrate` carried the state over")
        } else {
            if library.can_migrate() {
                // It declined: start again from `init`'s values.
                library.init(&mut fresh)?;
            }
            let report = fields::migrate(
                self.table.fields(),
                self.state.bytes(),
                library.fields(),
                fresh.bytes_mut(),
            );
            // Only whole values of equal types were copied, so this holds;
            // checked anyway, as for every state that game code did not write.
            library
                .table()
                .admit(fresh.bytes_mut())
                .map_err(|invalid| ReloadError::Invalid {
                    path: library.source().to_path_buf(),
                    reason: format!("{mismatch}; and the carried-over state is not valid ({invalid}), so the library was refused"),
                })?;
            let saved = snapshot::save_in(&self.config.snapshot_dir, &self.state, self.table.described()).map_err(|error| {
                ReloadError::Invalid {
                    path: library.source().to_path_buf(),
                    reason: format!("{mismatch}; and saving the old state failed ({error}), so the library was refused"),
                }
            })?;
            format!("{change}; {report}; old state saved to {}", saved.display())
        };
        // The old layout's mappings go now; its files once a persisted
        // record names the new ones (see `persist`).
        let old_state = std::mem::replace(&mut self.state, fresh);
        let before_step = StepCopy::new(before_step, &self.state, self.config.step_copy);
        let old_before = std::mem::replace(&mut self.before_step, before_step);
        let old_serial = std::mem::replace(&mut self.state_serial, serial);
        self.shadows.retire((old_state, old_before));
        if let Some(session) = &self.session {
            self.superseded.push(super::resume::StaleFiles(
                session.state_files(old_serial).to_vec(),
            ));
        }
        Ok(notice)
    }

    /// Takes `library`'s display (at the frame boundary, like the library):
    /// the front ends rebuild the framebuffer and window when it changed.
    fn show_as(&mut self, library: &GameLibrary) {
        let display = super::display_of(&self.config, Some(library));
        if display != self.display {
            let (width, height) = display.size;
            log::info!(
                "the game is now {width}x{height} at {} Hz, titled {:?}",
                display.rate,
                display.title
            );
            self.display = display;
        }
    }

    pub(super) fn fail(&mut self, error: &ReloadError) {
        let text = error.to_string();
        log::error!("{text}");
        self.stats.failed_reloads += 1;
        self.stats.last_error = Some(text.clone());
        self.messages.code_failed(text);
        self.persist();
    }
}
