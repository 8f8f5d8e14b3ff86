//! A game library running headless under a test, step by step.

use std::collections::BTreeMap;
use std::path::Path;

use engine::state::fields::{PathError, Value};
use engine::{Engine, EngineConfig, ReloadError, StartError};
use hotloop_abi::symbols::LinkedGame;
use hotloop_abi::{GamepadButton, Input, Key, MouseButton, OldState, StateData};

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

/// The `assets/` directory a game's tests see: the nearest one in the
/// directory the test runs in (cargo runs a package's tests in the
/// package's directory) or above it, so a game crate in a workspace finds
/// the workspace's. A sound or image the game asks for that is not there is
/// an error the test sees (`current_error`), as a typo in its name should be.
fn workspace_assets() -> Option<std::path::PathBuf> {
    let here = std::env::current_dir().ok()?;
    here.ancestors()
        .map(|dir| dir.join("assets"))
        .find(|assets| assets.is_dir())
}

/// An input event scripted for one step: everything the engine records.
#[derive(Clone, Copy, Debug)]
enum Event {
    Down(Key),
    Up(Key),
    ButtonDown(MouseButton),
    ButtonUp(MouseButton),
    MoveTo(f32, f32),
    Wheel(f32, f32),
    Typed(char),
    /// Gamepad slot, plugged in (true) or out.
    Pad(usize, bool),
    PadButton(usize, GamepadButton, bool),
    /// Gamepad slot, stick (0 left, 1 right), position.
    Stick(usize, usize, [f32; 2]),
    /// Gamepad slot, trigger (0 left, 1 right), travel.
    Trigger(usize, usize, f32),
}

/// A game library running headless: no window, no file watching, fixed
/// update steps driven by the test, input scripted per step.
pub struct Game {
    engine: Engine,
    /// Step number (counted from 0) → what happens to the keys at that step.
    script: BTreeMap<u64, Vec<Event>>,
    /// Keys down going into the next step.
    held: Input,
    /// Typed characters no step has taken yet (four a step, as the engine).
    typing: std::collections::VecDeque<u32>,
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
        config.assets = workspace_assets();
        config.watch_assets = false;
        Ok(Self {
            engine: Engine::new(config)?,
            script: BTreeMap::new(),
            held: Input::default(),
            typing: Default::default(),
            _dirs: dirs,
        })
    }

    /// Runs the game linked into the test itself, as `cargo ship` links it
    /// (`Game::linked(&my_game::__HOTLOOP_GAME)`): no library file, no
    /// build, and the game's code runs on the test's own allocator, so a
    /// test can count what a step allocates. It cannot be swapped.
    ///
    /// # Errors
    /// When the game is refused or `init` fails.
    pub fn linked(game: &LinkedGame) -> Result<Self, HarnessError> {
        let dirs = tempfile::tempdir().map_err(|source| StartError::Setup {
            what: "a directory for snapshots".into(),
            source,
        })?;
        let mut config = EngineConfig::new(dirs.path().join("linked"));
        config.watch = false;
        config.snapshot_dir = dirs.path().join("snapshots");
        config.recording_dir = dirs.path().join("recordings");
        config.assets = workspace_assets();
        config.watch_assets = false;
        Ok(Self {
            engine: Engine::linked(config, game)?,
            script: BTreeMap::new(),
            held: Input::default(),
            typing: Default::default(),
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

    /// Presses `key` for the one step `step` (`game.tap(key, game.steps())`:
    /// in the next step).
    pub fn tap(&mut self, key: Key, step: u64) -> &mut Self {
        self.press(key, step).release(key, step + 1)
    }

    /// Holds mouse `button` down from step `step` on until released.
    pub fn press_button(&mut self, button: MouseButton, step: u64) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::ButtonDown(button));
        self
    }

    /// Lets mouse `button` go at step `step`.
    pub fn release_button(&mut self, button: MouseButton, step: u64) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::ButtonUp(button));
        self
    }

    /// Clicks mouse `button` at framebuffer pixel (`x`, `y`) in step `step`:
    /// the pointer moves there, the button is down for that one step.
    pub fn click(&mut self, button: MouseButton, x: f32, y: f32, step: u64) -> &mut Self {
        self.move_mouse(x, y, step)
            .press_button(button, step)
            .release_button(button, step + 1)
    }

    /// Puts the mouse pointer at framebuffer pixel (`x`, `y`) from step `step` on.
    pub fn move_mouse(&mut self, x: f32, y: f32, step: u64) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::MoveTo(x, y));
        self
    }

    /// Turns the mouse wheel by `lines` (`[x, y]`, y positive away from the
    /// player) in step `step`.
    pub fn scroll(&mut self, lines: [f32; 2], step: u64) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::Wheel(lines[0], lines[1]));
        self
    }

    /// Types `text` at step `step`: the game reads it with
    /// `Input::typed`, four characters a step, as in the window.
    pub fn type_text(&mut self, text: &str, step: u64) -> &mut Self {
        let events = self.script.entry(step).or_default();
        events.extend(text.chars().filter(|ch| !ch.is_control()).map(Event::Typed));
        self
    }

    /// Plugs gamepad `slot` (0 or 1) in at step `step`, or out (`connected`
    /// false: what it held is let go).
    pub fn connect_gamepad(&mut self, slot: usize, connected: bool, step: u64) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::Pad(slot, connected));
        self
    }

    /// Holds `button` of gamepad `slot` down from step `step` on, until
    /// [`release_gamepad`](Self::release_gamepad).
    pub fn press_gamepad(&mut self, slot: usize, button: GamepadButton, step: u64) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::PadButton(slot, button, true));
        self
    }

    /// Lets `button` of gamepad `slot` go at step `step`.
    pub fn release_gamepad(&mut self, slot: usize, button: GamepadButton, step: u64) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::PadButton(slot, button, false));
        self
    }

    /// Puts a stick of gamepad `slot` (`0` left, `1` right) at `position`
    /// (each axis -1 to 1, y down) from step `step` on.
    pub fn move_stick(
        &mut self,
        slot: usize,
        stick: usize,
        position: [f32; 2],
        step: u64,
    ) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::Stick(slot, stick, position));
        self
    }

    /// Pulls a trigger of gamepad `slot` (`0` left, `1` right) to `travel`
    /// (0 to 1) from step `step` on.
    pub fn pull_trigger(
        &mut self,
        slot: usize,
        trigger: usize,
        travel: f32,
        step: u64,
    ) -> &mut Self {
        self.script
            .entry(step)
            .or_default()
            .push(Event::Trigger(slot, trigger, travel));
        self
    }

    /// Runs one update step with the scripted input (the frame boundary
    /// first, as the engine's own loop does).
    pub fn step(&mut self) {
        let step = self.engine.steps();
        let mut input = Input {
            pressed: Default::default(),
            released: Default::default(),
            mouse_pressed: 0,
            mouse_released: 0,
            wheel: [0.0; 2],
            mouse_motion: [0.0; 2],
            typed: [0; 4],
            ..self.held
        };
        for pad in &mut input.gamepads {
            pad.end_step();
        }
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
                Event::ButtonDown(button) if input.mouse_down & bit(button) == 0 => {
                    input.mouse_down |= bit(button);
                    input.mouse_pressed |= bit(button);
                }
                Event::ButtonUp(button) if input.mouse_down & bit(button) != 0 => {
                    input.mouse_down &= !bit(button);
                    input.mouse_released |= bit(button);
                }
                Event::MoveTo(x, y) => {
                    input.mouse_motion[0] += x - input.mouse_x;
                    input.mouse_motion[1] += y - input.mouse_y;
                    (input.mouse_x, input.mouse_y) = (x, y);
                }
                Event::Wheel(x, y) => {
                    input.wheel[0] += x;
                    input.wheel[1] += y;
                }
                Event::Typed(ch) => self.typing.push_back(ch as u32),
                Event::Pad(slot, connected) => input.gamepads[slot].set_connected(connected),
                Event::PadButton(slot, button, down) => {
                    input.gamepads[slot].set_button(button, down)
                }
                Event::Stick(slot, 0, position) => input.gamepads[slot].left_stick = position,
                Event::Stick(slot, _, position) => input.gamepads[slot].right_stick = position,
                Event::Trigger(slot, side, travel) => {
                    input.gamepads[slot].triggers[side.min(1)] = travel
                }
                _ => {}
            }
        }
        for slot in &mut input.typed {
            match self.typing.pop_front() {
                Some(code) => *slot = code,
                None => break,
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

    /// The allocations this thread makes in `frames` steps, each followed by
    /// a render into a framebuffer of the game's size, after running to step
    /// `warm_up` and rendering once (first calls size buffers and set up
    /// thread-locals). 0 unless the test binary installed
    /// [`CountingAllocator`](crate::CountingAllocator).
    pub fn allocations_in_frames(&mut self, warm_up: u64, frames: u64) -> u64 {
        let (width, height) = self.engine.display().size;
        let mut pixels = vec![0u8; width as usize * height as usize * 4];
        self.run_to(warm_up);
        self.engine.render(&mut pixels);
        crate::allocations_in(|| {
            for _ in 0..frames {
                self.step();
                self.engine.render(&mut pixels);
            }
        })
    }

    /// How many steps have run: also the number of the step that
    /// [`step`](Self::step) runs next (steps count from 0), so input for
    /// the next step is scripted at `steps()`. Input scripted for a step
    /// that has run already never happens.
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

    /// The state as the game's own type `S`, checked first: its layout
    /// (size, alignment, fingerprint) must be the running one's and every
    /// field must hold a valid value. Test code reads it as plain Rust
    /// (`game.state::<State>().phase == Phase::Over`); it is the state as
    /// it is now, between steps.
    ///
    /// # Panics
    /// When the running state is not an `S` (another build's type, say).
    pub fn state<S: StateData>(&self) -> &S {
        self.try_state().unwrap_or_else(|| {
            panic!(
                "the running state is not a `{}` (layout {:?})",
                std::any::type_name::<S>(),
                self.engine.layout()
            )
        })
    }

    /// [`Game::state`], or `None` when the running state is not an `S`.
    pub fn try_state<S: StateData>(&self) -> Option<&S> {
        OldState::new(self.engine.state_bytes(), self.engine.layout()).view::<S>()
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

    /// The name of the enum variant at `path` (`phase`).
    ///
    /// # Panics
    /// When there is none.
    pub fn variant(&self, path: &str) -> String {
        match self.get(path) {
            Ok(Value::Variant(name)) => name,
            other => panic!("`{path}` is not an enum: {other:?}"),
        }
    }

    /// The engine underneath, for everything else (the summary, the
    /// generation, the last error, rendering a frame).
    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }
}

/// `button`'s bit in [`Input`]'s mouse masks.
fn bit(button: MouseButton) -> u8 {
    1 << button as u8
}
