//! [`Engine`]: the state buffer, the current library, and the frame boundary
//! where new libraries are swapped in.
//!
//! Windowed and headless runs, tests and tools all drive this one type: step it
//! one fixed update at a time; reloads happen only between two steps.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hotloop_abi::{Frame, Input, Message};

use crate::assets::{AssetStore, AssetWatcher};
use crate::audio::{AudioOut, StepRequests};
use crate::error::{ReloadError, StartError};
pub use crate::files::checksum::checksum;
use crate::loader::library::{GameDisplay, GameLibrary};
use crate::loader::shadow::{ShadowDir, ShadowFile};
use crate::runtime::frame_times::FrameTimes;
use crate::runtime::looping::{LoopStep, Looper};
use crate::runtime::profile::SystemProfile;
use crate::session::Session;
use crate::shared::control;
use crate::source::{ReloadSource, SourceEvent};
use crate::state::fields::FieldTable;
use crate::state::{StateBuffer, StepCopy};
use messages::Messages;

pub mod clock;
mod config;
pub mod crash_log;
pub mod frame_times;
mod inspect;
pub mod looping;
mod messages;
mod observe;
pub mod profile;
mod report;
mod resume;
mod saves;
mod start;
mod swap;

pub use config::{CrashReports, EngineConfig};
pub use report::{ReloadRecord, ReloadStats, Summary, SwapKind};
pub use saves::LoadError;
use start::{allocate, shadow_dir};

/// The library that ran before the current one, unloaded but kept on disk so
/// the engine can go back to it if the current one panics.
struct Fallback {
    shadow: ShadowFile,
    source: PathBuf,
    generation: u64,
    id: u64,
}

/// The running game: state buffer, current library, reload bookkeeping.
pub struct Engine {
    config: EngineConfig,
    /// `None` only after a crash left no library to run: game logic is
    /// paused until the next build.
    library: Option<GameLibrary>,
    /// The field table of the state's layout.
    table: Arc<FieldTable>,
    /// How the running library wants to be shown (size, rate, title).
    display: GameDisplay,
    state: StateBuffer,
    /// The state as it was before the current step, restored if the step panics.
    before_step: StepCopy,
    fallback: Option<Fallback>,
    steps: u64,
    /// The frame number game code sees next (reset when a loop restarts).
    clock: u64,
    /// `steps` when a new build was swapped in, until the next step runs:
    /// that step is the first after a reload ([`Frame::reloaded`]).
    reloaded_at: Option<u64>,
    stats: ReloadStats,
    newest_generation: u64,
    messages: Messages,
    paused: bool,
    /// A build of the game code is running (dev loop): whether it runs
    /// rustc directly.
    building: Option<bool>,
    history: Vec<ReloadRecord>,
    scratch: Message,
    frame_times: FrameTimes,
    looper: Looper,
    /// Per-system timings, while someone looks at them.
    profile: Option<SystemProfile>,
    assets: AssetStore,
    asset_watcher: Option<AssetWatcher>,
    /// The mixer, the audio device and the capture.
    audio: AudioOut,
    /// The supervised session the state lives in, if any.
    session: Option<Session>,
    /// Names the session's files for the state's current layout.
    state_serial: u64,
    /// A replaced layout's state files: removed only once a record that
    /// names the new ones is persisted, so a crash in between, or a record
    /// that could not be written, still finds the state the record names.
    superseded: Vec<resume::StaleFiles>,
    /// The record a crash report is made from (a shipped game).
    crash_log: Option<crash_log::CrashLog>,
    /// Libraries whose code crashed the engine: never loaded again.
    crashed: Vec<u64>,
    /// When a crash ended the previous engine process (Unix ns), until the
    /// first step here reports how long the restart took.
    restarted_after: Option<u64>,
    /// See [`Engine::last_build_time`].
    last_build_time: std::time::SystemTime,
    // Declared after `library`: a source's thread may hold a library loading.
    source: Option<Box<dyn ReloadSource>>,
    shadows: Arc<ShadowDir>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("library", &self.library)
            .field("steps", &self.steps)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Loads the library, allocates a zeroed state with its layout, fills it
    /// with `init`, and starts watching for new builds if configured.
    ///
    /// # Errors
    /// When the first library cannot be loaded or initialised, or the shadow
    /// directory or watcher cannot be set up.
    pub fn new(config: EngineConfig) -> Result<Self, StartError> {
        Self::start(config, None)
    }

    /// An engine around the game linked into this executable (`cargo
    /// ship`): nothing is loaded, copied or watched but the assets, when
    /// [`EngineConfig::watch_assets`] says so.
    ///
    /// # Errors
    /// When the game's entry points describe a state or display the engine
    /// refuses, or `init` fails.
    pub fn linked(
        config: EngineConfig,
        game: &hotloop_abi::symbols::LinkedGame,
    ) -> Result<Self, StartError> {
        Self::start_linked(config, game)
    }

    /// As [`Engine::new`], keeping the state in `session` so that a crash of
    /// this process loses nothing; when an earlier engine process of the
    /// session crashed, carries on from its state instead of starting anew.
    ///
    /// # Errors
    /// As [`Engine::new`]; when resuming, when the session's state is unusable.
    pub fn supervised(config: EngineConfig, session: Session) -> Result<Self, StartError> {
        if session.is_resuming() {
            Self::resume(config, session)
        } else {
            Self::start(config, Some(session))
        }
    }

    /// One headless frame: the frame boundary, then one update step.
    pub fn step(&mut self, input: &Input) {
        self.begin_frame();
        self.update(input);
    }

    /// The frame boundary: swaps in whatever library the watcher has prepared
    /// (the newest last), or records why it was refused. Call it between two
    /// displayed frames, never between a frame's update steps and its render.
    pub fn begin_frame(&mut self) {
        while let Some(event) = self.source.as_mut().and_then(|source| source.poll()) {
            // A build counts once it ended (with a library or errors, or
            // handed over to cargo), unless a newer save stopped it.
            let ended = match event {
                SourceEvent::Building { direct } => self.building.replace(direct),
                SourceEvent::Stopped => {
                    self.building = None;
                    None
                }
                _ => self.building.take(),
            };
            if let Some(direct) = ended {
                self.stats.builds += 1;
                self.stats.direct_builds += u64::from(direct);
            }
            match event {
                SourceEvent::Building { .. } | SourceEvent::Stopped => {}
                SourceEvent::Prepared(Ok(library)) if self.is_running(library.id()) => {
                    log::debug!("{} is the build running now", library.source().display());
                    self.shadows.retire(library);
                }
                SourceEvent::Prepared(Ok(library)) if self.crashed.contains(&library.id()) => {
                    log::warn!(
                        "{} is the build that crashed the engine; waiting for the next build",
                        library.source().display()
                    );
                    self.shadows.retire(library);
                }
                SourceEvent::Prepared(prepared) => {
                    if let Err(error) = prepared.and_then(|library| self.switch_to(library)) {
                        self.fail(&error);
                    }
                }
                SourceEvent::BuildFailed(error) => {
                    let text = format!("build failed: {error}");
                    self.stats.failed_builds += 1;
                    self.stats.last_error = Some(text.clone());
                    self.messages.code_failed(text);
                    self.persist();
                }
            }
        }
        while let Some(update) = self.asset_watcher.as_ref().and_then(AssetWatcher::try_next) {
            match self.assets.apply(update) {
                Ok(what) => {
                    log::info!("reloaded asset {what}");
                    self.messages.assets_ok();
                    self.looper.restart();
                }
                Err(error) => {
                    log::error!("{error}");
                    self.stats.failed_assets += 1;
                    self.messages.asset_failed(error);
                    self.persist();
                }
            }
        }
        if let Some(name) = self.assets.next_missing() {
            let dir = self
                .config
                .assets
                .as_deref()
                .map_or("(no assets directory)".into(), |d| d.display().to_string());
            let error = format!("asset {name} was asked for but is not in {dir}");
            log::error!("{error}");
            self.stats.failed_assets += 1;
            self.messages.asset_failed(error);
        }
    }

    /// Runs one fixed update step with `input`.
    ///
    /// If game code panics, the state goes back to what it was before this
    /// step and the step runs again on the previous library, if there is one
    /// that fits the state; otherwise game logic pauses until the next build.
    pub fn update(&mut self, live: &Input) {
        self.steps += 1;
        if self.paused {
            self.audio.idle(self.clock, self.display.rate);
            self.commit();
            return;
        }
        let reloaded = self.reloaded_at.take().is_some();
        let (input, mut reloaded) = match self.looper.next_step(live, reloaded) {
            LoopStep::Live => (*live, reloaded),
            LoopStep::Replay {
                input,
                reloaded,
                restart,
            } => {
                if let Some((start, first_step)) = restart {
                    self.state.copy_from(start);
                    self.clock = first_step;
                }
                (input, reloaded)
            }
        };
        if let Some(notice) = self.looper.take_notice() {
            // A recording or loop stopped by itself.
            self.messages.note(Some(notice));
        }
        let number = self.clock;
        self.clock += 1;
        if let Some(log) = &mut self.crash_log {
            log.before_step(&self.state, number, &input, reloaded);
        }
        self.before_step.save(&self.state);
        // From here a crash restores `before_step`: this step runs again.
        control::begin_step(self.steps);
        let mut mixed = false;
        while let Some(library) = &self.library {
            // Afresh for each run: a run that fails asked for nothing.
            let requests = StepRequests::new(&self.assets);
            let mut frame = frame(&self.display, number, &input, reloaded, &self.assets);
            frame.audio = requests.view();
            let updated = match &mut self.profile {
                Some(profile) => library.update_timed(
                    &mut self.state,
                    &frame,
                    &mut self.scratch,
                    profile.step_slots(),
                ),
                None => library.update(&mut self.state, &frame, &mut self.scratch),
            };
            let Err(error) = updated else {
                if let Some(profile) = &mut self.profile {
                    profile.record();
                }
                let rate = self.display.rate;
                let table = &self.table;
                self.audio
                    .commit(number, rate, &requests, &self.state, table, &self.assets);
                mixed = true;
                break;
            };
            self.before_step.restore(&mut self.state);
            // The build gone back to ran on this state before: no set-up.
            reloaded = false;
            if !self.fail_and_recover(&error) {
                break;
            }
        }
        if !mixed {
            self.audio.idle(number, self.display.rate);
        }
        if let Some(log) = &mut self.crash_log {
            log.after_step();
        }
        self.commit();
    }

    /// Makes the next update step run as the first after a reload
    /// ([`Frame::reloaded`]: the game's `on_reload` systems run), as a
    /// recording says one did: how a replay repeats it.
    pub fn mark_reloaded(&mut self) {
        self.reloaded_at = Some(self.steps);
    }

    /// After game code failed with `error` (the state already rolled
    /// back): says so, goes back to the previous library if it fits (true)
    /// or pauses game logic (false), and writes a crash report when this
    /// engine keeps them.
    fn fail_and_recover(&mut self, error: &ReloadError) -> bool {
        self.fail(error);
        let recovered = self.recover();
        self.report_crash(error);
        recovered
    }

    /// Writes a crash report of `error`, when this engine keeps them (a
    /// shipped game), and says where it is in place of the developer's
    /// message.
    fn report_crash(&mut self, error: &ReloadError) {
        let Some(log) = &mut self.crash_log else {
            return;
        };
        match log.write(&error.to_string(), self.steps) {
            Ok(Some(path)) => {
                let text = format!(
                    "the game stopped: {error}; a crash report is saved to {}",
                    path.display()
                );
                log::error!("{text}");
                self.messages.code_failed(text);
            }
            Ok(None) => {}
            Err(write_error) => log::error!("could not write a crash report: {write_error}"),
        }
    }

    /// Marks the step done, for a crash from here on.
    fn commit(&mut self) {
        control::commit(self.steps, self.clock);
        if let Some(crashed_at) = self.restarted_after.take() {
            log::info!(
                "running again at step {}, {:.1} ms after the crash",
                self.steps,
                resume::millis_since(crashed_at)
            );
        }
    }

    /// Draws the current state into an RGBA8 framebuffer of the size the
    /// game declares ([`Engine::display`]; it may change at a frame
    /// boundary), as of the last step ([`Frame::overstep`] 0). While game
    /// logic is paused the framebuffer is left as it was.
    ///
    /// # Panics
    /// When `pixels` is not width × height × 4 bytes of that size.
    pub fn render(&mut self, pixels: &mut [u8]) {
        self.render_between(pixels, 0.0);
    }

    /// [`Engine::render`], `overstep` (0 to 1) of the way to the next step:
    /// what the window passes from its fixed-step clock, so game code can
    /// draw motion between steps.
    pub fn render_between(&mut self, pixels: &mut [u8], overstep: f32) {
        while !self.paused
            && let Some(library) = &self.library
        {
            let mut frame = frame(
                &self.display,
                self.clock,
                &Input::default(),
                false,
                &self.assets,
            );
            frame.overstep = overstep.clamp(0.0, 1.0);
            let result = library.render(
                &self.state,
                &frame,
                pixels,
                self.display.size,
                &mut self.scratch,
            );
            let Err(error) = result else { return };
            if !self.fail_and_recover(&error) {
                return;
            }
        }
    }

    /// Replaces where new libraries come from (the library watcher, if any,
    /// stops). The dev loop uses this to deliver its builds directly.
    pub fn set_source(&mut self, source: Box<dyn ReloadSource>) {
        self.source = Some(source);
    }

    /// The summary the headless runner prints.
    pub fn summary(&self) -> Summary {
        Summary {
            frames: self.steps,
            size: self.display.size,
            rate: self.display.rate,
            title: self.display.title.clone(),
            stats: self.stats.clone(),
            fingerprint: format!("{:016x}", self.state.layout().fingerprint),
            state_checksum: format!("{:016x}", checksum(self.state.bytes())),
            game: self.describe(),
            frame_times: self.frame_times.summary(),
            peak_memory_kib: report::peak_memory_kib(),
            sounds_played: self.audio.sounds_played(),
            audio_latency_ms: self
                .audio
                .device_latency()
                .map(|latency| latency.as_secs_f64() * 1e3),
            state: self.config.dump_state.then(|| self.state_json()),
            systems: self.profile.as_ref().map(SystemProfile::summary),
        }
    }

    /// Records how long a displayed frame's work took; `reloaded` when its
    /// frame boundary swapped a library in (see [`Engine::generation`]).
    pub fn record_frame_time(&mut self, took: Duration, reloaded: bool) {
        self.frame_times.record(took, reloaded);
    }
}

/// The context game code gets for one step or displayed frame; `reloaded`
/// for the first step after a new build was swapped in.
fn frame<'a>(
    display: &GameDisplay,
    number: u64,
    input: &Input,
    reloaded: bool,
    assets: &'a AssetStore,
) -> Frame<'a> {
    Frame {
        number,
        time: number as f64 / display.rate as f64,
        dt: 1.0 / display.rate as f32,
        width: display.size.0,
        height: display.size.1,
        overstep: 0.0,
        reloaded,
        reserved: [0; 7],
        input: *input,
        assets: assets.view(),
        audio: Default::default(),
    }
}

/// What `library` declares, or for a library without a declaration (or no
/// library) the configured size and rate.
fn display_of(config: &EngineConfig, library: Option<&GameLibrary>) -> GameDisplay {
    library
        .and_then(GameLibrary::display)
        .cloned()
        .unwrap_or_else(|| GameDisplay {
            size: config.size,
            rate: config.rate,
            title: "hotloop".into(),
        })
}
