//! [`Engine`]: the state buffer, the current library, and the frame boundary
//! where new libraries are swapped in.
//!
//! Windowed and headless runs, tests and tools all drive this one type: step it
//! one fixed update at a time; reloads happen only between two steps.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotloop_abi::{Frame, Input, Message, StateLayout};
use serde::{Deserialize, Serialize};

use crate::assets::{AssetStore, AssetWatcher};
pub use crate::checksum::checksum;
use crate::clock::DEFAULT_RATE;
use crate::error::{ReloadError, StartError};
use crate::fields::{self, Entry, FieldInfo, Value};
use crate::frame_times::{FrameTimeSummary, FrameTimes};
use crate::library::GameLibrary;
use crate::looping::{LoopStep, Looper};
use crate::profile::{SystemProfile, SystemTiming};
use crate::session::Session;
use crate::session::control;
use crate::shadow::{ShadowDir, ShadowFile};
use crate::snapshot;
use crate::source::{ReloadSource, SourceEvent};
use crate::state::StateBuffer;
use crate::watcher::LibraryWatcher;

mod resume;
mod saves;

/// How an [`Engine`] is set up.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The built game library (the build output, not a copy).
    pub library: PathBuf,
    /// Watch the library's directory and reload new builds automatically.
    pub watch: bool,
    /// Framebuffer size handed to game code, in pixels.
    pub size: (u32, u32),
    /// Fixed update steps per second.
    pub rate: u32,
    /// Where a state that a reload cannot carry over is saved, and quick saves.
    pub snapshot_dir: PathBuf,
    /// Where loop recordings are saved.
    pub recording_dir: PathBuf,
    /// The assets directory (images and `tunables.toml`), watched for changes.
    pub assets: Option<PathBuf>,
    /// Include the state's fields and values in the [`Summary`].
    pub dump_state: bool,
    /// Time every system from the start, and put the means in the [`Summary`].
    pub profile_systems: bool,
}

impl EngineConfig {
    /// Defaults for `library`: watched, 320x240, 60 Hz, snapshots in `.hotloop/snapshots`.
    pub fn new(library: impl Into<PathBuf>) -> Self {
        Self {
            library: library.into(),
            watch: true,
            size: (320, 240),
            rate: DEFAULT_RATE,
            snapshot_dir: PathBuf::from(".hotloop/snapshots"),
            recording_dir: PathBuf::from(".hotloop/recordings"),
            assets: None,
            dump_state: false,
            profile_systems: false,
        }
    }
}

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
    /// The most recent failure, never cleared (see [`Engine::current_error`]).
    pub last_error: Option<String>,
    /// Builds of the game code that failed (dev loop only).
    pub failed_builds: u64,
    /// Builds of the game code the dev loop started.
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
    /// The state's fields and values (with `--dump-state`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<serde_json::Value>,
    /// Each system's mean time per step, slowest first (`--profile-systems`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub systems: Option<Vec<SystemTiming>>,
}

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
    fields: Vec<FieldInfo>,
    state: StateBuffer,
    /// The state as it was before the current step, restored if the step panics.
    before_step: StateBuffer,
    fallback: Option<Fallback>,
    steps: u64,
    /// The frame number game code sees next (reset when a loop restarts).
    clock: u64,
    stats: ReloadStats,
    newest_generation: u64,
    current_error: Option<String>,
    asset_error: Option<String>,
    notice: Option<String>,
    paused: bool,
    /// A build of the game code is running (dev loop).
    building: bool,
    history: Vec<ReloadRecord>,
    scratch: Message,
    frame_times: FrameTimes,
    /// The inspector's view of the running library's field table.
    entries: Vec<Entry>,
    looper: Looper,
    /// Per-system timings, while someone looks at them.
    profile: Option<SystemProfile>,
    assets: AssetStore,
    asset_watcher: Option<AssetWatcher>,
    /// The supervised session the state lives in, if any.
    session: Option<Session>,
    /// Names the session's files for the state's current layout.
    state_serial: u64,
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

    fn start(config: EngineConfig, session: Option<Session>) -> Result<Self, StartError> {
        let shadows = Arc::new(shadow_dir(session.as_ref())?);
        let library = GameLibrary::load(&config.library, &shadows)?;
        let (mut state, before_step) =
            allocate(session.as_ref(), 1, &library).map_err(|source| StartError::Setup {
                what: "the session's state files".into(),
                source,
            })?;
        library.init(&mut state)?;
        let greeting = library.greeting().to_owned();
        log::info!("generation 1: {greeting}");
        let history = vec![ReloadRecord {
            generation: 1,
            first_step: 0,
            source: config.library.clone(),
            greeting,
            kind: SwapKind::Build,
            switch_time: Duration::ZERO,
        }];
        let mut engine =
            Self::assemble(config, Some(library), state, before_step, session, shadows)?;
        engine.set_profiling(engine.config.profile_systems);
        engine.history = history;
        engine.stats.generation = 1;
        engine.newest_generation = 1;
        engine.before_step.copy_from(&engine.state);
        engine.persist();
        if let Some(session) = &engine.session {
            session.control().set_phase(control::Phase::Running);
        }
        Ok(engine)
    }

    /// An engine around a state and library, with its watchers and assets set up.
    fn assemble(
        config: EngineConfig,
        library: Option<GameLibrary>,
        state: StateBuffer,
        before_step: StateBuffer,
        session: Option<Session>,
        shadows: Arc<ShadowDir>,
    ) -> Result<Self, StartError> {
        let source: Option<Box<dyn ReloadSource>> =
            if config.watch {
                let loaded = library.as_ref().map(GameLibrary::id);
                let watcher = LibraryWatcher::spawn(&config.library, loaded, shadows.clone())
                    .map_err(|e| StartError::Setup {
                        what: format!("a watcher on {}", config.library.display()),
                        source: std::io::Error::other(e),
                    })?;
                Some(Box::new(watcher))
            } else {
                None
            };
        let fields = library
            .as_ref()
            .map(|library| library.fields().to_vec())
            .unwrap_or_default();
        let entries = fields::entries(&fields);
        let (assets, asset_watcher, asset_error) = match &config.assets {
            Some(dir) => {
                let (store, errors) = AssetStore::load(dir);
                let watcher = AssetWatcher::spawn(dir).map_err(|e| StartError::Setup {
                    what: format!("a watcher on {}", dir.display()),
                    source: std::io::Error::other(e),
                })?;
                for error in &errors {
                    log::error!("{error}");
                }
                (store, Some(watcher), errors.into_iter().next())
            }
            None => (AssetStore::default(), None, None),
        };
        Ok(Self {
            before_step,
            config,
            library,
            fields,
            state,
            fallback: None,
            steps: 0,
            clock: 0,
            stats: ReloadStats::default(),
            newest_generation: 0,
            current_error: None,
            asset_error,
            notice: None,
            paused: false,
            building: false,
            history: Vec::new(),
            scratch: Message::new(),
            frame_times: FrameTimes::default(),
            entries,
            looper: Looper::default(),
            profile: None,
            assets,
            asset_watcher,
            session,
            state_serial: 1,
            crashed: Vec::new(),
            restarted_after: None,
            last_build_time: std::time::UNIX_EPOCH,
            source,
            shadows,
        })
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
            self.building = matches!(event, SourceEvent::Building { .. });
            match event {
                SourceEvent::Building { direct } => {
                    self.stats.builds += 1;
                    self.stats.direct_builds += u64::from(direct);
                }
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
                    self.current_error = Some(text);
                    self.persist();
                }
            }
        }
        while let Some(update) = self.asset_watcher.as_ref().and_then(AssetWatcher::try_next) {
            match self.assets.apply(update) {
                Ok(what) => {
                    log::info!("reloaded asset {what}");
                    self.asset_error = None;
                    self.looper.restart();
                }
                Err(error) => {
                    log::error!("{error}");
                    self.stats.failed_assets += 1;
                    self.asset_error = Some(error);
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
            self.asset_error = Some(error);
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
            self.commit();
            return;
        }
        let input = match self.looper.next_step(live) {
            LoopStep::Live => *live,
            LoopStep::Replay { input, restart } => {
                if let Some((start, first_step)) = restart {
                    self.state.copy_from(start);
                    self.clock = first_step;
                }
                input
            }
        };
        let number = self.clock;
        self.clock += 1;
        self.before_step.copy_from(&self.state);
        // From here a crash restores `before_step`: this step runs again.
        control::begin_step(self.steps);
        while let Some(library) = &self.library {
            let frame = frame(&self.config, number, &input, &self.assets);
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
                break;
            };
            self.state.copy_from(&self.before_step);
            self.fail(&error);
            if !self.recover() {
                break;
            }
        }
        self.commit();
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

    /// Takes the build at `path` if it is new: neither running, nor the
    /// fallback, nor one that crashed. After a crash, the library file may
    /// hold a build that arrived while the old engine process was dying.
    pub fn take_if_new(&mut self, path: &Path) {
        let Some(id) = crate::library::identity(path) else {
            return;
        };
        let known = self.is_running(id)
            || self.crashed.contains(&id)
            || self.fallback.as_ref().is_some_and(|f| f.id == id);
        if !known {
            let _ = self.reload_from(path);
        }
    }

    fn is_running(&self, id: u64) -> bool {
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

    /// Draws the current state into an RGBA8 framebuffer of the configured
    /// size. While game logic is paused the framebuffer is left as it was.
    pub fn render(&mut self, pixels: &mut [u8]) {
        while !self.paused
            && let Some(library) = &self.library
        {
            let frame = frame(&self.config, self.clock, &Input::default(), &self.assets);
            let result = library.render(
                &self.state,
                &frame,
                pixels,
                self.config.size,
                &mut self.scratch,
            );
            let Err(error) = result else { return };
            self.fail(&error);
            if !self.recover() {
                return;
            }
        }
    }

    /// The game's one-line summary of its state, if `describe` succeeds.
    pub fn describe(&self) -> Option<String> {
        self.library
            .as_ref()?
            .describe(&self.state)
            .ok()
            .filter(|text| !text.is_empty())
    }

    /// The state's fields as the inspector lists them, with the running
    /// library's field table.
    pub fn state_entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Changes the `index`th entry of [`Engine::state_entries`] by `steps`
    /// (see [`fields::nudge`]); call it between frames.
    pub fn nudge(&mut self, index: usize, steps: i32) -> Option<Value> {
        let entry = self.entries.get(index)?;
        let value = fields::nudge(entry, self.state.bytes_mut(), steps)?;
        log::info!("{} = {value}", entry.path);
        Some(value)
    }

    /// The state's fields and values as JSON.
    pub fn state_json(&self) -> serde_json::Value {
        fields::to_json(&self.fields, self.state.bytes())
    }

    /// The assets game code sees.
    pub fn assets(&self) -> &AssetStore {
        &self.assets
    }

    /// The state's bytes.
    pub fn state_bytes(&self) -> &[u8] {
        self.state.bytes()
    }

    /// The state's layout.
    pub fn layout(&self) -> StateLayout {
        self.state.layout()
    }

    /// Steps run so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Counters of reloads and failures.
    pub fn stats(&self) -> &ReloadStats {
        &self.stats
    }

    /// The library generation running now.
    pub fn generation(&self) -> u64 {
        self.stats.generation
    }

    /// Every library swapped in, oldest first.
    pub fn history(&self) -> &[ReloadRecord] {
        &self.history
    }

    /// The last failure, until a good library is swapped in.
    pub fn current_error(&self) -> Option<&str> {
        self.current_error
            .as_deref()
            .or(self.asset_error.as_deref())
    }

    /// Something the developer should know that is not a failure (the state
    /// was migrated, or saved to a snapshot), until the next reload.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Whether game logic is paused after a panic.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Starts or stops timing each system (see [`Engine::profile`]).
    pub fn set_profiling(&mut self, on: bool) {
        self.profile = on.then(|| self.new_profile());
    }

    /// Per-system timings, while they are on.
    pub fn profile(&mut self) -> Option<&mut SystemProfile> {
        self.profile.as_mut()
    }

    fn new_profile(&self) -> SystemProfile {
        let systems = self.library.as_ref().map_or(&[][..], GameLibrary::systems);
        SystemProfile::new(systems, self.config.rate)
    }

    /// A new library may have other systems: time those from now on.
    fn restart_profile(&mut self) {
        if self.profile.is_some() {
            self.profile = Some(self.new_profile());
        }
    }

    /// Whether the dev loop is building the game code now.
    pub fn is_building(&self) -> bool {
        self.building
    }

    /// The configuration the engine was started with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The directory of shadow copies (removed when the engine is dropped).
    pub fn shadow_dir(&self) -> &Path {
        self.shadows.path()
    }

    /// The shadow directory, for a [`ReloadSource`] that loads libraries.
    pub fn shadows(&self) -> Arc<ShadowDir> {
        self.shadows.clone()
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
            stats: self.stats.clone(),
            fingerprint: format!("{:016x}", self.state.layout().fingerprint),
            state_checksum: format!("{:016x}", checksum(self.state.bytes())),
            game: self.describe(),
            frame_times: self.frame_times.summary(),
            state: self.config.dump_state.then(|| self.state_json()),
            systems: self.profile.as_ref().map(SystemProfile::summary),
        }
    }

    /// Records how long a displayed frame's work took; `reloaded` when its
    /// frame boundary swapped a library in (see [`Engine::generation`]).
    pub fn record_frame_time(&mut self, took: Duration, reloaded: bool) {
        self.frame_times.record(took, reloaded);
    }

    /// After a panic: go back to the previous library if it fits the state
    /// (true), else pause game logic until the next build (false).
    fn recover(&mut self) -> bool {
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
                if let Some(failed) = self.library.replace(library) {
                    self.shadows.retire(failed);
                }
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
                true
            }
            Err(error) => {
                self.fail(&error);
                self.pause();
                false
            }
        }
    }

    fn pause(&mut self) {
        self.paused = true;
        self.persist();
        let text =
            "game logic paused on the state from before the failing step; save a fix to resume";
        log::warn!("{text}");
        if let Some(error) = &mut self.current_error {
            error.push_str(" | ");
            error.push_str(text);
        }
    }

    fn check_same_layout(&self, library: &GameLibrary) -> Result<(), ReloadError> {
        if library.layout() == self.state.layout() {
            return Ok(());
        }
        Err(ReloadError::LayoutMismatch {
            path: library.source().to_path_buf(),
            running: self.state.layout(),
            new: library.layout(),
        })
    }

    fn switch_to(&mut self, library: GameLibrary) -> Result<(), ReloadError> {
        let started = Instant::now();
        let greeting = library.greeting().to_owned();
        let notice = match self.check_same_layout(&library) {
            Ok(()) => None,
            Err(mismatch) => Some(self.carry_state_over(&library, mismatch)?),
        };
        let source = library.source().to_path_buf();
        self.fields = library.fields().to_vec();
        self.entries = fields::entries(&self.fields);
        let previous = self.library.replace(library);
        // The fallback must run on this state: only keep one of the same layout.
        let fallback = previous
            .as_ref()
            .filter(|_| notice.is_none())
            .map(|previous| Fallback {
                source: previous.source().to_path_buf(),
                shadow: previous.shadow_file(),
                generation: self.stats.generation,
                id: previous.id(),
            });
        // Unloading and deleting files are slow: not on the frame thread.
        if let Some(previous) = previous {
            self.shadows.retire(previous);
        }
        if let Some(replaced) = std::mem::replace(&mut self.fallback, fallback) {
            self.shadows.retire(replaced);
        }
        self.newest_generation += 1;
        self.stats.generation = self.newest_generation;
        self.restart_profile();
        self.stats.reloads += 1;
        self.current_error = None;
        self.paused = false;
        match self.looper.start_layout() {
            Some(layout) if layout != self.state.layout() => {
                self.looper.stop();
                self.notice = Some(format!(
                    "{}; the loop stopped: its recording is of the old state layout",
                    notice.as_deref().unwrap_or("state layout changed")
                ));
            }
            _ => {
                self.looper.restart();
                self.notice = notice;
            }
        }
        log::info!(
            "generation {} at step {}: {greeting}",
            self.stats.generation,
            self.steps
        );
        if let Some(notice) = &self.notice {
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
        Ok(())
    }

    /// A new library with another state layout: build its state with `init`,
    /// then its `migrate` if it has one; otherwise carry every field over
    /// whose name and type match (by the field tables) and save the old state
    /// to a snapshot too. Any failure refuses the library and leaves the
    /// running state untouched.
    fn carry_state_over(
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
                &self.fields,
                self.state.bytes(),
                library.fields(),
                fresh.bytes_mut(),
            );
            let saved = snapshot::save_in(&self.config.snapshot_dir, &self.state).map_err(|error| {
                ReloadError::Invalid {
                    path: library.source().to_path_buf(),
                    reason: format!("{mismatch}; and saving the old state failed ({error}), so the library was refused"),
                }
            })?;
            format!("{change}; {report}; old state saved to {}", saved.display())
        };
        // The old layout's buffers and files go once the record names the new ones.
        let old_state = std::mem::replace(&mut self.state, fresh);
        let old_before = std::mem::replace(&mut self.before_step, before_step);
        self.before_step.copy_from(&self.state);
        let old_serial = std::mem::replace(&mut self.state_serial, serial);
        self.shadows.retire((old_state, old_before));
        if let Some(session) = &self.session {
            self.shadows
                .retire(resume::StaleFiles(session.state_files(old_serial).to_vec()));
        }
        Ok(notice)
    }

    fn fail(&mut self, error: &ReloadError) {
        let text = error.to_string();
        log::error!("{text}");
        self.stats.failed_reloads += 1;
        self.stats.last_error = Some(text.clone());
        self.current_error = Some(text);
        self.persist();
    }
}

/// A shadow directory: the session's when supervised, else a temporary one.
fn shadow_dir(session: Option<&Session>) -> Result<ShadowDir, StartError> {
    session
        .map_or_else(ShadowDir::create, Session::shadow_dir)
        .map_err(|source| StartError::Setup {
            what: "the shadow directory".into(),
            source,
        })
}

/// Zeroed buffers for `library`'s state and its per-step copy: in the
/// session's shared memory (as layout `serial`) when supervised.
fn allocate(
    session: Option<&Session>,
    serial: u64,
    library: &GameLibrary,
) -> std::io::Result<(StateBuffer, StateBuffer)> {
    let layout = library.layout();
    match session {
        Some(session) => {
            let (now, before) =
                session.create_state(serial, layout.size as usize, library.field_table())?;
            let shared = |bytes| {
                StateBuffer::shared(bytes, layout)
                    .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidData, reason))
            };
            Ok((shared(now)?, shared(before)?))
        }
        None => {
            let state = StateBuffer::zeroed(layout).expect("GameLibrary::load checked the layout");
            Ok((state.clone(), state))
        }
    }
}

/// The context game code gets for one step or displayed frame.
fn frame<'a>(
    config: &EngineConfig,
    number: u64,
    input: &Input,
    assets: &'a AssetStore,
) -> Frame<'a> {
    Frame {
        number,
        time: number as f64 / config.rate as f64,
        dt: 1.0 / config.rate as f32,
        width: config.size.0,
        height: config.size.1,
        reserved: 0,
        input: *input,
        assets: assets.view(),
    }
}
