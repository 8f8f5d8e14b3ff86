//! The windowed front end: winit 0.30 owns the event loop, a wgpu presenter
//! shows the framebuffer (module `present`), and [`Engine`] runs
//! the game between displayed frames.
//!
//! Every window state keeps the loop turning, so Ctrl-C and SIGTERM are
//! read within a frame: a window of any size (smaller than the framebuffer:
//! scaled down; no area: nothing drawn, the game runs on), a surface that
//! fails (tried again next frame, logged through a [`RepeatLimit`]), and a
//! display that goes away (the run ends with [`WindowError::DisplayLost`]).

mod fit;
mod keys;
mod overlay_layer;
mod present;
mod scaling;
mod title;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalPosition, PhysicalSize};
use winit::event::{MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

use crate::frontend::gamepads::Gamepads;
use crate::frontend::input::InputTracker;
use crate::frontend::inspector::Inspector;
use crate::frontend::overlay::{Overlay, Status};
use crate::frontend::timings::TimingsPanel;
use crate::loader::library::GameDisplay;
use crate::repeat_limit::RepeatLimit;
use crate::runtime::clock::FixedClock;
use crate::runtime::{Engine, Summary};
use crate::shared::control;

pub use self::fit::{Viewport, fit};
pub use self::present::Presented;
use self::present::{Health, Presenter};
use self::title::{TitleUpdater, full_title};

/// While the dev loop builds, one frame in this many is drawn and presented:
/// the software renderer then leaves the compiler most of the CPU. Every
/// frame still takes its update steps and looks for the new library, which
/// is drawn the moment it is in.
const DRAW_ONE_IN_WHILE_BUILDING: u32 = 4;

/// A surface that fails this long with no frame shown in between has lost
/// its display: the run ends (well within the second the issue allows for
/// noticing, and the two for exiting).
pub const SURFACE_GIVE_UP: Duration = Duration::from_millis(500);

/// Why the window could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// No display to open a window on.
    #[error(
        "cannot open a window ({0}); is there a display? Run with --headless, or under `xvfb-run`"
    )]
    NoDisplay(String),
    /// No usable graphics adapter or surface.
    #[error(
        "cannot set up graphics for the window ({0}); run with --headless, or install a Vulkan driver (e.g. mesa-vulkan-drivers)"
    )]
    Graphics(String),
    /// The display went away under the running window (the X server
    /// exited, the window's surface stopped working, the event loop failed):
    /// there is nothing left to show the game on.
    #[error("the display {display} went away ({cause})")]
    DisplayLost {
        /// The display's name (`$DISPLAY`, `$WAYLAND_DISPLAY`).
        display: String,
        /// What showed it, in one line.
        cause: String,
    },
}

impl WindowError {
    fn display_lost(cause: impl Into<String>) -> Self {
        Self::DisplayLost {
            display: crate::display::display_name(),
            cause: cause.into(),
        }
    }
}

/// How the window is set up.
#[derive(Clone, Debug)]
pub struct WindowOptions {
    /// Initial scale of the framebuffer: each game pixel is `scale` x `scale`
    /// screen pixels. The window keeps its scale when the game declares another size.
    pub scale: u32,
    /// Stop after this many update steps.
    pub frames: Option<u64>,
    /// Where the window was (x, y, width, height) before the engine process
    /// restarted, to open it there again.
    pub geometry: Option<[i32; 4]>,
    /// A player's window (`cargo ship`): the game's title alone, and none
    /// of the engine's status line, panels or keys; every key is the game's.
    pub player: bool,
}

/// Opens the window and runs the game until it is closed, `stop` is set, or
/// `frames` steps have run. Returns the engine's summary.
///
/// # Errors
/// When there is no display or no usable graphics adapter.
pub fn run(
    engine: &mut Engine,
    options: WindowOptions,
    stop: Arc<AtomicBool>,
) -> Result<Summary, WindowError> {
    let event_loop = EventLoop::new().map_err(|e| WindowError::NoDisplay(e.to_string()))?;
    let clock = FixedClock::new(engine.display().rate);
    let shown = engine.display().clone();
    let mut app = App {
        shown,
        engine,
        options,
        stop,
        window: None,
        presenter: None,
        health: Health::default(),
        surface_errors: RepeatLimit::new(log::Level::Error, module_path!()),
        error: None,
        clock,
        input: InputTracker::default(),
        gamepads: Gamepads::open(),
        overlay: Overlay::default(),
        inspector: Inspector::default(),
        timings: TimingsPanel::default(),
        shift: false,
        last_frame: Instant::now(),
        next_frame: Instant::now(),
        frame_time: Duration::from_secs(1) / 60,
        shown_generation: 0,
        last_reload: None,
        undrawn: 0,
        on_screen: false,
        titles: None,
    };
    let ran = event_loop.run_app(&mut app);
    match (ran, &app.window) {
        (Ok(()), _) => {}
        // The loop failed under an open window: its display is gone.
        (Err(error), Some(_)) => return Err(WindowError::display_lost(error.to_string())),
        (Err(error), None) => return Err(WindowError::NoDisplay(error.to_string())),
    }
    match app.error {
        Some(error) => Err(error),
        None => Ok(app.engine.summary()),
    }
}

struct App<'a> {
    engine: &'a mut Engine,
    options: WindowOptions,
    stop: Arc<AtomicBool>,
    // Declared first: its thread lets go of the window before the window goes.
    titles: Option<TitleUpdater>,
    window: Option<Arc<Window>>,
    presenter: Option<Presenter>,
    /// How long the surface has been failing.
    health: Health,
    /// Surface failures, which may come with every frame.
    surface_errors: RepeatLimit,
    error: Option<WindowError>,
    clock: FixedClock,
    /// The game's display as the window shows it now.
    shown: GameDisplay,
    input: InputTracker,
    gamepads: Gamepads,
    overlay: Overlay,
    inspector: Inspector,
    timings: TimingsPanel,
    /// Whether a Shift key is held (for the inspector's larger steps).
    shift: bool,
    last_frame: Instant,
    next_frame: Instant,
    /// Smoothed time between displayed frames.
    frame_time: Duration,
    shown_generation: u64,
    last_reload: Option<Instant>,
    /// Frames not drawn since the last one that was (while building).
    undrawn: u32,
    /// Whether a frame has been shown after a step ran.
    on_screen: bool,
}

impl App<'_> {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<(), WindowError> {
        let (width, height) = self.shown.size;
        let scale = self.options.scale.max(1);
        let mut attributes = Window::default_attributes()
            .with_title(self.title(self.engine.generation()))
            .with_inner_size(LogicalSize::new(width * scale, height * scale));
        if let Some([x, y, w, h]) = self.options.geometry {
            attributes = attributes
                .with_position(PhysicalPosition::new(x, y))
                .with_inner_size(PhysicalSize::new(w.max(1) as u32, h.max(1) as u32));
        }
        let window = Arc::new(
            event_loop
                .create_window(attributes)
                .map_err(|e| WindowError::NoDisplay(e.to_string()))?,
        );
        let size = window.inner_size();
        let position = window.outer_position().ok().map(|p| (p.x, p.y));
        control::window_moved(position, Some((size.width, size.height)));
        let presenter =
            Presenter::new(window.clone(), (width, height)).map_err(WindowError::Graphics)?;
        let info = presenter.adapter();
        log::info!(
            "rendering with {} ({:?}, {:?})",
            info.name,
            info.backend,
            info.device_type
        );
        self.titles = TitleUpdater::spawn(window.clone())
            .map_err(|e| log::warn!("the window title will not show the generation: {e}"))
            .ok();
        self.window = Some(window);
        self.presenter = Some(presenter);
        self.last_frame = Instant::now();
        Ok(())
    }

    /// One displayed frame: the reload boundary, the due update steps, then render.
    fn redraw(&mut self, event_loop: &ActiveEventLoop) {
        if self.presenter.is_none() {
            return;
        }
        let now = Instant::now();
        let elapsed = now - self.last_frame;
        self.last_frame = now;
        self.frame_time = self.frame_time.mul_f32(0.9) + elapsed.mul_f32(0.1);

        let generation = self.engine.generation();
        self.engine.begin_frame();
        let reloaded = self.engine.generation() != generation;
        if self.engine.display() != &self.shown {
            self.take_display();
        }
        let Some(presenter) = &mut self.presenter else {
            return;
        };
        let retitle = self.engine.generation() != self.shown_generation;
        if retitle {
            if self.shown_generation != 0 {
                self.last_reload = Some(now);
            }
            self.shown_generation = self.engine.generation();
        }
        self.gamepads.poll(&mut self.input);
        for _ in 0..self.clock.advance(elapsed) {
            self.engine.update(self.input.current());
            self.input.end_step();
        }
        // With no area to show it in, the game runs on undrawn.
        if !presenter.has_area() {
            self.stop_after_frames(event_loop);
            return;
        }
        if self.engine.is_building() && !reloaded {
            self.undrawn += 1;
            if self.undrawn < DRAW_ONE_IN_WHILE_BUILDING {
                self.stop_after_frames(event_loop);
                return;
            }
        }
        self.undrawn = 0;

        self.engine
            .render_between(presenter.frame_mut(), self.clock.alpha());
        let mut status = Status::of(
            self.engine,
            self.frame_time,
            self.shown_generation,
            self.last_reload,
        );
        // A player sees only what stopped the game: no status line, and no
        // notes, which are for the game's developer ("state loaded from …"
        // at every start of a game that keeps its state).
        if self.options.player {
            self.overlay.visible = false;
            status.notice = None;
        }
        // The engine's own text goes over the picture, not into it.
        let engine: &Engine = self.engine;
        presenter.draw_overlay(|layer| {
            self.overlay.draw(&status, layer);
            if !self.options.player {
                self.inspector.draw(engine, self.input.current(), layer);
                if let Some(profile) = engine.system_timings() {
                    self.timings.draw(profile, layer);
                }
            }
        });
        // Work time up to presenting: with vsync, presenting waits for the display.
        self.engine.record_frame_time(now.elapsed(), reloaded);
        let presented = presenter.present();
        self.surface_outcome(presented, now, event_loop);
        if retitle && let Some(titles) = &self.titles {
            titles.show(self.title(self.shown_generation));
        }
        self.stop_after_frames(event_loop);
    }

    /// Takes the display the game declared at this frame boundary: the
    /// framebuffer at its size, the window resized to it at the scale it
    /// had, the fixed step at its rate (the title follows with the
    /// generation, which changed with the library).
    fn take_display(&mut self) {
        let display = self.engine.display().clone();
        if display.rate != self.shown.rate {
            self.clock = FixedClock::new(display.rate);
        }
        if display.size != self.shown.size
            && let Some(presenter) = &mut self.presenter
        {
            let scale = presenter.scale();
            presenter.set_frame_size(display.size);
            let (width, height) = display.size;
            if let Some(window) = &self.window {
                // Applied when the window system says so (a resize event).
                let _ = window.request_inner_size(PhysicalSize::new(width * scale, height * scale));
            }
        }
        self.shown = display;
    }

    /// Logs a surface failure (through the repeat limit), and ends the run
    /// when failures went on for [`SURFACE_GIVE_UP`] with no frame shown.
    fn surface_outcome(
        &mut self,
        presented: Presented,
        now: Instant,
        event_loop: &ActiveEventLoop,
    ) {
        let failing = self.health.record(&presented, now);
        if presented == Presented::Shown && !self.on_screen && self.engine.steps() > 0 {
            self.on_screen = true;
            // Tests and tools wait for this line: steps run, frames show.
            log::info!("the game is on screen at step {}", self.engine.steps());
        }
        self.surface_errors.log_due(now);
        let Presented::Failed(error) = presented else {
            return;
        };
        if failing.is_zero() {
            // The next frame may well mend it (a surface lost as the window
            // changed): not worth an error yet.
            log::debug!("presenting a frame failed: {error}");
        } else {
            self.surface_errors
                .log(&format_args!("presenting frames fails: {error}"));
        }
        if failing >= SURFACE_GIVE_UP {
            self.error = Some(WindowError::display_lost(format!(
                "the window's surface failed for {} ms with no frame shown: {error}",
                failing.as_millis()
            )));
            event_loop.exit();
        }
    }

    /// Ends the run once `--frames` steps have run.
    fn stop_after_frames(&self, event_loop: &ActiveEventLoop) {
        if self
            .options
            .frames
            .is_some_and(|limit| self.engine.steps() >= limit)
        {
            event_loop.exit();
        }
    }

    /// What the title bar says: the game's title, then (unless it is a
    /// player's window) the library's generation.
    fn title(&self, generation: u64) -> String {
        if self.options.player {
            self.shown.title.clone()
        } else {
            full_title(&self.shown.title, generation)
        }
    }

    fn cursor_moved(&mut self, x: f64, y: f64) {
        let Some(presenter) = &self.presenter else {
            return;
        };
        let (px, py) = presenter.pixel_at(x, y);
        self.input.mouse_moved(px, py);
    }
}

impl ApplicationHandler for App<'_> {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        if let Err(error) = self.open(event_loop) {
            self.error = Some(error);
            event_loop.exit();
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Moved(position) => {
                control::window_moved(Some((position.x, position.y)), None);
            }
            WindowEvent::Resized(size) => {
                control::window_moved(None, Some((size.width, size.height)));
                if let Some(presenter) = &mut self.presenter {
                    presenter.resize(size.width, size.height);
                }
            }
            WindowEvent::ModifiersChanged(modifiers) => self.shift = modifiers.state().shift_key(),
            WindowEvent::KeyboardInput {
                event,
                is_synthetic,
                ..
            } => self.key_event(&event, is_synthetic),
            WindowEvent::Focused(false) => self.input.release_all(),
            WindowEvent::CursorMoved { position, .. } => self.cursor_moved(position.x, position.y),
            WindowEvent::MouseInput { state, button, .. } => self.input.mouse_button(button, state),
            WindowEvent::MouseWheel { delta, .. } => match delta {
                MouseScrollDelta::LineDelta(x, y) => self.input.wheel_lines(x, y),
                MouseScrollDelta::PixelDelta(at) => {
                    self.input.wheel_pixels(at.x as f32, at.y as f32);
                }
            },
            WindowEvent::RedrawRequested => self.redraw(event_loop),
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        if self.stop.load(Ordering::Relaxed) {
            event_loop.exit();
            return;
        }
        // Pace displayed frames ourselves: vsync is not enforced everywhere
        // (Xvfb, some compositors), and an unpaced loop burns a core.
        let now = Instant::now();
        if now >= self.next_frame {
            self.next_frame = (self.next_frame + self.clock.step()).max(now);
            if let Some(window) = &self.window {
                window.request_redraw();
            }
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(self.next_frame));
    }
}
