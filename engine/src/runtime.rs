//! [`Engine`]: the state buffer, the current library, and the frame boundary
//! where new libraries are swapped in.
//!
//! Windowed and headless runs, tests and tools all drive this one type: step it
//! one fixed update at a time; reloads happen only between two steps.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hotloop_abi::{Frame, Input, Message, StateLayout};
use serde::Serialize;

use crate::clock::DEFAULT_RATE;
use crate::error::{ReloadError, StartError};
use crate::library::GameLibrary;
use crate::shadow::ShadowDir;
use crate::state::StateBuffer;
use crate::watcher::LibraryWatcher;

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
}

impl EngineConfig {
    /// Defaults for `library`: watched, 320x240, 60 Hz.
    pub fn new(library: impl Into<PathBuf>) -> Self {
        Self {
            library: library.into(),
            watch: true,
            size: (320, 240),
            rate: DEFAULT_RATE,
        }
    }
}

/// Counters over the engine's lifetime.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReloadStats {
    /// Libraries swapped in after the first one.
    pub reloads: u64,
    /// Libraries refused, and calls into game code that failed.
    pub failed_reloads: u64,
    /// 1 for the first library, +1 per successful reload.
    pub generation: u64,
    /// The most recent failure, never cleared (see [`Engine::current_error`]).
    pub last_error: Option<String>,
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
    /// Time spent on the frame thread for the switch (including `greet` and
    /// unloading the previous library).
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
}

/// The running game: state buffer, current library, reload bookkeeping.
pub struct Engine {
    config: EngineConfig,
    library: GameLibrary,
    state: StateBuffer,
    /// The state as it was before the current step, restored if the step panics.
    before_step: StateBuffer,
    steps: u64,
    stats: ReloadStats,
    current_error: Option<String>,
    paused: bool,
    history: Vec<ReloadRecord>,
    scratch: Message,
    // Declared after `library`: the watcher thread may hold a library loading.
    watcher: Option<LibraryWatcher>,
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
        let shadows = Arc::new(ShadowDir::create().map_err(|source| StartError::Setup {
            what: "the shadow directory".into(),
            source,
        })?);
        let library = GameLibrary::load(&config.library, &shadows)?;
        let layout = library.layout();
        let mut state = StateBuffer::zeroed(layout).expect("GameLibrary::load checked the layout");
        library.init(&mut state)?;
        let greeting = library.greet()?;
        log::info!("generation 1: {greeting}");
        let watcher = if config.watch {
            let watcher = LibraryWatcher::spawn(&config.library, shadows.clone()).map_err(|e| {
                StartError::Setup {
                    what: format!("a watcher on {}", config.library.display()),
                    source: std::io::Error::other(e),
                }
            })?;
            Some(watcher)
        } else {
            None
        };
        let history = vec![ReloadRecord {
            generation: 1,
            first_step: 0,
            source: config.library.clone(),
            greeting,
            switch_time: Duration::ZERO,
        }];
        Ok(Self {
            before_step: state.clone(),
            config,
            library,
            state,
            steps: 0,
            stats: ReloadStats {
                generation: 1,
                ..ReloadStats::default()
            },
            current_error: None,
            paused: false,
            history,
            scratch: Message::new(),
            watcher,
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
        while let Some(prepared) = self.watcher.as_ref().and_then(LibraryWatcher::try_next) {
            if let Err(error) = prepared.and_then(|library| self.switch_to(library)) {
                self.fail(&error);
            }
        }
    }

    /// Runs one fixed update step with `input`.
    ///
    /// A panic in game code restores the state to what it was before this step
    /// and pauses game logic until the next good library arrives.
    pub fn update(&mut self, input: &Input) {
        let frame = self.frame(input);
        self.steps += 1;
        if self.paused {
            return;
        }
        self.before_step.copy_from(&self.state);
        if let Err(error) = self
            .library
            .update(&mut self.state, &frame, &mut self.scratch)
        {
            self.state.copy_from(&self.before_step);
            self.paused = true;
            self.fail(&error);
            log::warn!(
                "game logic paused on the state from before step {}; save a fix to resume",
                frame.number
            );
        }
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

    /// Draws the current state into an RGBA8 framebuffer of the configured size.
    /// A panic in `render` is reported and leaves the framebuffer as drawn so far.
    pub fn render(&mut self, pixels: &mut [u8]) {
        let frame = self.frame(&Input::default());
        if let Err(error) = self.library.render(
            &self.state,
            &frame,
            pixels,
            self.config.size,
            &mut self.scratch,
        ) {
            self.fail(&error);
        }
    }

    /// The game's one-line summary of its state, if `describe` succeeds.
    pub fn describe(&self) -> Option<String> {
        self.library
            .describe(&self.state)
            .ok()
            .filter(|text| !text.is_empty())
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
        self.current_error.as_deref()
    }

    /// Whether game logic is paused after a panic.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The configuration the engine was started with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The summary the headless runner prints.
    pub fn summary(&self) -> Summary {
        Summary {
            frames: self.steps,
            stats: self.stats.clone(),
            fingerprint: format!("{:016x}", self.state.layout().fingerprint),
            state_checksum: format!("{:016x}", checksum(self.state.bytes())),
            game: self.describe(),
        }
    }

    fn frame(&self, input: &Input) -> Frame {
        let dt = 1.0 / self.config.rate as f32;
        Frame {
            number: self.steps,
            time: self.steps as f64 / self.config.rate as f64,
            dt,
            width: self.config.size.0,
            height: self.config.size.1,
            reserved: 0,
            input: *input,
        }
    }

    fn switch_to(&mut self, library: GameLibrary) -> Result<(), ReloadError> {
        let started = Instant::now();
        if library.layout() != self.state.layout() {
            return Err(ReloadError::LayoutMismatch {
                path: library.source().to_path_buf(),
                running: self.state.layout(),
                new: library.layout(),
            });
        }
        let greeting = library.greet()?;
        let source = library.source().to_path_buf();
        drop(std::mem::replace(&mut self.library, library));
        self.stats.generation += 1;
        self.stats.reloads += 1;
        self.current_error = None;
        self.paused = false;
        log::info!(
            "generation {} at step {}: {greeting}",
            self.stats.generation,
            self.steps
        );
        self.history.push(ReloadRecord {
            generation: self.stats.generation,
            first_step: self.steps,
            source,
            greeting,
            switch_time: started.elapsed(),
        });
        Ok(())
    }

    fn fail(&mut self, error: &ReloadError) {
        let text = error.to_string();
        log::error!("{text}");
        self.stats.failed_reloads += 1;
        self.stats.last_error = Some(text.clone());
        self.current_error = Some(text);
    }
}

/// FNV-1a over `bytes`: cheap, stable across runs and platforms.
pub fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ *byte as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
