//! Carrying a supervised session over a crash: what the engine writes to the
//! session as it runs ([`Engine::persist`]), and how a new engine process
//! picks the game up where the old one died ([`Engine::resume`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hotloop_abi::StateLayout;
use serde::{Deserialize, Serialize};

use super::{Engine, EngineConfig, Fallback, ReloadRecord, ReloadStats, SwapKind, shadow_dir};
use crate::error::StartError;
use crate::loader::library::{GameDisplay, GameLibrary};
use crate::loader::shadow::ShadowDir;
use crate::session::Session;
use crate::state::StateBuffer;
use crate::state::fields::FieldTable;

/// A library that ran in this session, as a restarted engine finds it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryRecord {
    /// Its shadow copy (kept on disk while it is the current or fallback library).
    pub shadow: PathBuf,
    /// The build output it came from.
    pub source: PathBuf,
    /// Its generation.
    pub generation: u64,
    /// Its identity ([`crate::loader::library::GameLibrary::id`]).
    pub id: u64,
}

/// Where the state's bytes are: the files of one state layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRecord {
    /// Names the files (`state-<serial>.now`, `.before`, `.fields`).
    pub serial: u64,
    /// Size of the state in bytes.
    pub size: u64,
    /// Alignment of the state.
    pub align: u64,
    /// Layout fingerprint.
    pub fingerprint: u64,
}

/// Everything a restarted engine process restores, besides the state bytes
/// and the step counters of the control block.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Record {
    /// Counters and the last error.
    pub stats: ReloadStats,
    /// The highest generation handed out.
    pub newest_generation: u64,
    /// The state's files.
    pub state: Option<StateRecord>,
    /// The library running now, if any.
    pub library: Option<LibraryRecord>,
    /// The library to go back to if the current one fails.
    pub fallback: Option<LibraryRecord>,
    /// Libraries that crashed: never loaded again automatically.
    pub crashed: Vec<u64>,
    /// How the game was shown, for a restart with no library to ask.
    #[serde(default)]
    pub display: Option<GameDisplay>,
    /// The step count when the current library was swapped in, while its
    /// first step had not run: if that step did not commit, the resumed
    /// engine runs it again as the first after a reload.
    #[serde(default)]
    pub reloaded_at: Option<u64>,
}

/// Files removed when dropped (on the retiring thread): a replaced layout's
/// state files.
pub(super) struct StaleFiles(pub(super) Vec<PathBuf>);

impl Drop for StaleFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Milliseconds from `unix_nanos` to now.
pub(super) fn millis_since(unix_nanos: u64) -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let then = Duration::from_nanos(unix_nanos);
    now.saturating_sub(then).as_secs_f64() * 1000.0
}

fn setup_error(what: &str, error: impl std::fmt::Display) -> StartError {
    StartError::Setup {
        what: what.into(),
        source: std::io::Error::other(error.to_string()),
    }
}

impl Engine {
    /// Writes what a new engine process needs to carry on into the session
    /// record. Called when it changes (reloads, failures), never per step.
    pub(super) fn persist(&mut self) {
        let Some(session) = &mut self.session else {
            return;
        };
        let layout = self.state.layout();
        let record = Record {
            stats: self.stats.clone(),
            newest_generation: self.newest_generation,
            state: Some(StateRecord {
                serial: self.state_serial,
                size: layout.size,
                align: layout.align,
                fingerprint: layout.fingerprint,
            }),
            library: self.library.as_ref().and_then(|library| {
                Some(LibraryRecord {
                    shadow: library.shadow_file()?.path().to_path_buf(),
                    source: library.source().to_path_buf(),
                    generation: self.stats.generation,
                    id: library.id(),
                })
            }),
            fallback: self.fallback.as_ref().map(|fallback| LibraryRecord {
                shadow: fallback.shadow.path().to_path_buf(),
                source: fallback.source.clone(),
                generation: fallback.generation,
                id: fallback.id,
            }),
            crashed: self.crashed.clone(),
            display: Some(self.display.clone()),
            reloaded_at: self.reloaded_at,
        };
        let written = serde_json::to_vec(&record)
            .map_err(std::io::Error::other)
            .and_then(|json| session.write_record(&json));
        match written {
            // The record no longer names a replaced layout's files.
            Ok(()) => {
                for files in self.superseded.drain(..) {
                    self.shadows.retire(files);
                }
            }
            Err(error) => log::error!(
                "could not update the session record: {error}; a crash now resumes from what the last record named, whose files are kept"
            ),
        }
    }

    /// Carries on from the session an earlier engine process left: its state
    /// as it was before the step that failed, its counters, and the newest
    /// library that did not crash (or none: game logic then pauses until the
    /// next build).
    pub(super) fn resume(config: EngineConfig, session: Session) -> Result<Self, StartError> {
        let record: Record = session
            .record()
            .ok_or_else(|| setup_error("the session record", "it is missing"))
            .and_then(|json| {
                serde_json::from_slice(&json).map_err(|e| setup_error("the session record", e))
            })?;
        let crash = session.take_crash();
        let state_record = record
            .state
            .ok_or_else(|| setup_error("the session record", "it names no state"))?;
        let layout = StateLayout {
            size: state_record.size,
            align: state_record.align,
            fingerprint: state_record.fingerprint,
        };
        let (now, before, table) = session
            .open_state(state_record.serial, layout.size as usize)
            .map_err(|source| StartError::Setup {
                what: "the session's state files".into(),
                source,
            })?;
        let shared = |bytes| {
            StateBuffer::shared(bytes, layout).map_err(|e| setup_error("the session's state", e))
        };
        let (mut state, before_step) = (shared(now)?, shared(before)?);
        let control = session.control();
        let (committed, begun, clock) = control.steps();
        if begun > committed {
            // The failing step's update had begun: its copy is the state before it.
            state.copy_from(&before_step);
        }
        let table = FieldTable::decode(table, layout)
            .map_err(|error| setup_error("the session's field table", error))?;
        table
            .admit(state.bytes_mut())
            .map_err(|error| setup_error("the session's state", error))?;
        let mut crashed = record.crashed.clone();
        crashed.extend(crash.as_ref().and_then(|crash| crash.library));
        let shadows = Arc::new(shadow_dir(Some(&session))?);
        let candidates = [
            (record.library.clone(), true),
            (record.fallback.clone(), false),
        ];
        let mut running = None;
        for (candidate, current) in candidates {
            let Some(candidate) = candidate.filter(|c| !crashed.contains(&c.id)) else {
                continue;
            };
            match reload(&candidate, &shadows, layout) {
                Ok(library) => {
                    running = Some((library, candidate, current));
                    break;
                }
                Err(error) => log::error!(
                    "could not run generation {} again: {error}",
                    candidate.generation
                ),
            }
        }
        // The fallback stays one only while the current library runs.
        let fallback = record
            .fallback
            .as_ref()
            .filter(|_| running.as_ref().is_some_and(|(_, _, current)| *current))
            .filter(|fallback| !crashed.contains(&fallback.id))
            .and_then(|fallback| {
                let shadow = shadows.copy_in(&fallback.shadow).ok()?;
                Some(Fallback {
                    shadow,
                    source: fallback.source.clone(),
                    generation: fallback.generation,
                    id: fallback.id,
                })
            });
        let (library, generation, kind) = match running {
            Some((library, candidate, current)) => {
                let kind = if current {
                    SwapKind::Resumed
                } else {
                    SwapKind::Fallback
                };
                (Some(library), candidate.generation, kind)
            }
            None => (None, record.stats.generation, SwapKind::Fallback),
        };
        let greeting = library
            .as_ref()
            .map(|l| l.greeting().to_owned())
            .unwrap_or_default();
        let source = library
            .as_ref()
            .map_or_else(|| config.library.clone(), |l| l.source().to_path_buf());
        let mut engine =
            Self::assemble(config, library, state, before_step, Some(session), shadows)?;
        engine.table = Arc::new(table);
        engine.steps = committed;
        engine.clock = clock;
        engine.stats = record.stats;
        engine.stats.generation = generation;
        engine.newest_generation = record.newest_generation;
        engine.state_serial = state_record.serial;
        engine.crashed = crashed;
        if engine.library.is_none()
            && let Some(display) = record.display
        {
            engine.display = display;
        }
        engine.fallback = fallback;
        // The first step of a new build that did not commit runs again as
        // such, on the same build; on the previous build it is no reload.
        engine.reloaded_at = record
            .reloaded_at
            .filter(|&at| at == committed && kind == SwapKind::Resumed && engine.library.is_some());
        engine.restarted_after = control.crashed_at();
        engine.last_build_time = record
            .library
            .as_ref()
            .and_then(|library| std::fs::metadata(&library.source).ok())
            .and_then(|meta| meta.modified().ok())
            .unwrap_or(UNIX_EPOCH);
        engine.set_profiling(engine.config.profile_systems);
        engine.history.push(ReloadRecord {
            generation,
            first_step: committed,
            source,
            greeting: greeting.clone(),
            kind,
            switch_time: Duration::ZERO,
        });
        let what = match (&engine.library, kind) {
            (None, _) => {
                engine.paused = true;
                "no earlier build to go back to: game logic is paused until the next build"
                    .to_owned()
            }
            (Some(_), SwapKind::Fallback) => format!("went back to generation {generation}"),
            (Some(_), _) => format!("carrying on with generation {generation}"),
        };
        if let Some(crash) = &crash {
            engine.stats.crashes += 1;
            let text = format!(
                "crashed: {}; the state is as before that step; {what}",
                crash.cause
            );
            log::error!("{text}");
            engine.stats.last_error = Some(crash.cause.clone());
            engine.messages.code_failed(text);
        }
        if !greeting.is_empty() {
            log::info!("generation {generation}: {greeting}");
        }
        if let Some(session) = &engine.session {
            session.forget_dead_shadows(engine.shadows.path());
        }
        engine.persist();
        Ok(engine)
    }

    /// When the build running before the crash was written (the epoch when
    /// unknown): the dev loop rebuilds after a restart only for newer saves.
    pub fn last_build_time(&self) -> SystemTime {
        self.last_build_time
    }

    /// Whether this engine carries on from a crashed engine process.
    pub fn resumed(&self) -> bool {
        self.history
            .first()
            .is_some_and(|first| first.kind != SwapKind::Build)
    }

    /// Libraries whose code crashed the session (see [`GameLibrary::id`]).
    pub fn crashed_libraries(&self) -> &[u64] {
        &self.crashed
    }
}

/// Loads a library of an earlier engine process again, from a fresh copy of
/// its shadow file, if it still fits the state's layout.
fn reload(
    library: &LibraryRecord,
    shadows: &ShadowDir,
    layout: StateLayout,
) -> Result<GameLibrary, String> {
    let shadow = shadows
        .copy_in(&library.shadow)
        .map_err(|e| format!("copying {}: {e}", library.shadow.display()))?;
    let loaded =
        GameLibrary::from_shadow(shadow, &library.source, library.id).map_err(|e| e.to_string())?;
    if loaded.layout() != layout {
        return Err("its state layout is not the state's".into());
    }
    Ok(loaded)
}
