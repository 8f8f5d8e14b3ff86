//! A game library running headless under a test, step by step.

use std::collections::BTreeMap;
use std::path::Path;

use engine::state::fields::{PathError, Value};
use engine::{Engine, EngineConfig, ReloadError, StartError};
use hotloop_abi::{Input, Key};

/// Why a game could not be run, swapped or inspected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The engine did not start on the library.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The engine refused the new build, or game code failed.
    #[error(transparent)]
    Reload(#[from] ReloadError),
    /// A field path named no value, or a value did not fit.
    #[error(transparent)]
    Path(#[from] PathError),
}

/// A key event scripted for one step.
#[derive(Clone, Copy, Debug)]
enum Event {
    Down(Key),
    Up(Key),
}

/// A game library running headless: no window, no file watching, fixed
/// update steps driven by the test, input scripted per step.
pub struct Game {
    engine: Engine,
    /// Step number (counted from 0) → what happens to the keys at that step.
    script: BTreeMap<u64, Vec<Event>>,
    /// Keys down going into the next step.
    held: Input,
    _dirs: tempfile::TempDir,
}

impl std::fmt::Debug for Game {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Game")
            .field("steps", &self.steps())
            .field("generation", &self.engine.generation())
            .finish_non_exhaustive()
    }
}

impl Game {
    /// Loads `library` and builds its state with `init`.
    ///
    /// # Errors
    /// When the library is refused or `init` fails.
    pub fn load(library: impl AsRef<Path>) -> Result<Self, HarnessError> {
        let dirs = tempfile::tempdir().map_err(|source| StartError::Setup {
            what: "a directory for snapshots".into(),
            source,
        })?;
        let mut config = EngineConfig::new(library.as_ref());
        config.watch = false;
        config.snapshot_dir = dirs.path().join("snapshots");
        config.recording_dir = dirs.path().join("recordings");
        Ok(Self {
            engine: Engine::new(config)?,
            script: BTreeMap::new(),
            held: Input::default(),
            _dirs: dirs,
        })
    }

    /// Holds `key` down from step `step` on (counted from 0) until released.
    pub fn press(&mut self, key: Key, step: u64) -> &mut Self {
        self.script.entry(step).or_default().push(Event::Down(key));
        self
    }

    /// Lets `key` go at step `step`.
    pub fn release(&mut self, key: Key, step: u64) -> &mut Self {
        self.script.entry(step).or_default().push(Event::Up(key));
        self
    }

    /// Presses `key` for the one step `step`.
    pub fn tap(&mut self, key: Key, step: u64) -> &mut Self {
        self.press(key, step).release(key, step + 1)
    }

    /// Runs one update step with the scripted input (the frame boundary
    /// first, as the engine's own loop does).
    pub fn step(&mut self) {
        let step = self.engine.steps();
        let mut input = Input {
            pressed: Default::default(),
            released: Default::default(),
            ..self.held
        };
        for event in self.script.get(&step).into_iter().flatten() {
            match *event {
                Event::Down(key) if !input.down.contains(key) => {
                    input.down.insert(key);
                    input.pressed.insert(key);
                }
                Event::Up(key) if input.down.contains(key) => {
                    input.down.remove(key);
                    input.released.insert(key);
                }
                _ => {}
            }
        }
        self.held = input;
        self.engine.step(&input);
    }

    /// Runs steps until `step` of them have run in all.
    pub fn run_to(&mut self, step: u64) {
        while self.engine.steps() < step {
            self.step();
        }
    }

    /// How many steps have run.
    pub fn steps(&self) -> u64 {
        self.engine.steps()
    }

    /// Swaps in `library` now, between the last step and the next, as the
    /// engine does at a frame boundary: the state is carried over (by the
    /// game's `migrate`, or field by field by name when its layout changed),
    /// and the next step runs the new build's `on_reload` systems first.
    ///
    /// # Errors
    /// When the engine refuses the build; the old one then keeps running.
    pub fn swap(&mut self, library: impl AsRef<Path>) -> Result<(), HarnessError> {
        self.engine.reload_from(library.as_ref())?;
        Ok(())
    }

    /// The value at `path` (`player.pos.x`, `enemies[3].hp`).
    ///
    /// # Errors
    /// When the path names no single value.
    pub fn get(&self, path: &str) -> Result<Value, HarnessError> {
        Ok(self.engine.field(path)?)
    }

    /// Writes `value` at `path`; it must fit the field's type.
    ///
    /// # Errors
    /// When the path names no single value or the value does not fit.
    pub fn set(&mut self, path: &str, value: impl Into<Value>) -> Result<(), HarnessError> {
        Ok(self.engine.set_field(path, value.into())?)
    }

    /// The integer at `path`.
    ///
    /// # Panics
    /// When there is none: a test's assertion failing with the reason.
    pub fn int(&self, path: &str) -> i128 {
        match self.get(path) {
            Ok(Value::Int(n)) => n,
            other => panic!("`{path}` is not an integer: {other:?}"),
        }
    }

    /// The float at `path` (an `f32` widened).
    ///
    /// # Panics
    /// When there is none.
    pub fn float(&self, path: &str) -> f64 {
        match self.get(path) {
            Ok(Value::Float(x)) => x,
            other => panic!("`{path}` is not a float: {other:?}"),
        }
    }

    /// The `bool` at `path`.
    ///
    /// # Panics
    /// When there is none.
    pub fn flag(&self, path: &str) -> bool {
        match self.get(path) {
            Ok(Value::Bool(b)) => b,
            other => panic!("`{path}` is not a bool: {other:?}"),
        }
    }

    /// The engine underneath, for everything else (the summary, the
    /// generation, the last error, rendering a frame).
    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }
}
