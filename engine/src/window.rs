//! The windowed front end: winit 0.30 owns the event loop, `pixels` presents
//! the framebuffer, and [`Engine`] runs the game between displayed frames.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pixels::{Pixels, PixelsBuilder, SurfaceTexture};
use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{KeyCode, PhysicalKey};
use winit::window::{Window, WindowId};

use crate::clock::FixedClock;
use crate::input::InputTracker;
use crate::inspector::Inspector;
use crate::overlay::{Overlay, Status};
use crate::runtime::{Engine, Summary};
use crate::session::control;

/// While the dev loop builds, one frame in this many is drawn and presented:
/// the software renderer then leaves the compiler most of the CPU. Every
/// frame still takes its update steps and looks for the new library, which
/// is drawn the moment it is in.
const DRAW_ONE_IN_WHILE_BUILDING: u32 = 4;

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
}

/// How the window is set up.
#[derive(Clone, Debug)]
pub struct WindowOptions {
    /// Initial scale of the framebuffer: each game pixel is `scale` x `scale` screen pixels.
    pub scale: u32,
    /// Stop after this many update steps.
    pub frames: Option<u64>,
    /// Where the window was (x, y, width, height) before the engine process
    /// restarted, to open it there again.
    pub geometry: Option<[i32; 4]>,
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
    let clock = FixedClock::new(engine.config().rate);
    let mut app = App {
        engine,
        options,
        stop,
        window: None,
        pixels: None,
        error: None,
        clock,
        input: InputTracker::default(),
        overlay: Overlay::default(),
        inspector: Inspector::default(),
        shift: false,
        last_frame: Instant::now(),
        next_frame: Instant::now(),
        frame_time: Duration::from_secs(1) / 60,
        shown_generation: 0,
        last_reload: None,
        undrawn: 0,
        titles: None,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| WindowError::NoDisplay(e.to_string()))?;
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
    pixels: Option<Pixels<'static>>,
    error: Option<WindowError>,
    clock: FixedClock,
    input: InputTracker,
    overlay: Overlay,
    inspector: Inspector,
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
}

/// Sets the window title on its own thread. On X11 a title change waits for
/// a reply from the X server, which took milliseconds under load and showed
/// up as a slow frame right after each reload.
struct TitleUpdater {
    generations: Option<std::sync::mpsc::Sender<u64>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TitleUpdater {
    fn spawn(window: Arc<Window>) -> std::io::Result<Self> {
        let (generations, received) = std::sync::mpsc::channel::<u64>();
        let thread = std::thread::Builder::new()
            .name("hotloop-title".into())
            .spawn(move || {
                for generation in received {
                    window.set_title(&format!("hotloop - generation {generation}"));
                }
            })?;
        Ok(Self {
            generations: Some(generations),
            thread: Some(thread),
        })
    }

    fn show(&self, generation: u64) {
        if let Some(generations) = &self.generations {
            let _ = generations.send(generation);
        }
    }
}

impl Drop for TitleUpdater {
    /// Joins the thread, so its handle on the window is gone before the window is.
    fn drop(&mut self) {
        drop(self.generations.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl App<'_> {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<(), WindowError> {
        let (width, height) = self.engine.config().size;
        let scale = self.options.scale.max(1);
        let mut attributes = Window::default_attributes()
            .with_title("hotloop")
            .with_inner_size(LogicalSize::new(width * scale, height * scale))
            .with_min_inner_size(PhysicalSize::new(width, height));
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
        let surface = SurfaceTexture::new(size.width, size.height, window.clone());
        let pixels = PixelsBuilder::new(width, height, surface)
            .enable_vsync(true)
            .build()
            .map_err(|e| WindowError::Graphics(e.to_string()))?;
        // wgpu panics on a validation error by default; a graphics hiccup
        // (a surface lost while the window closes, say) must not kill the game.
        pixels
            .device()
            .on_uncaptured_error(Arc::new(|error| log::error!("graphics error: {error}")));
        let info = pixels.adapter().get_info();
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
        self.pixels = Some(pixels);
        self.last_frame = Instant::now();
        Ok(())
    }

    /// One displayed frame: the reload boundary, the due update steps, then render.
    fn redraw(&mut self, event_loop: &ActiveEventLoop) {
        let Some(pixels) = &mut self.pixels else {
            return;
        };
        let now = Instant::now();
        let elapsed = now - self.last_frame;
        self.last_frame = now;
        self.frame_time = self.frame_time.mul_f32(0.9) + elapsed.mul_f32(0.1);

        let generation = self.engine.generation();
        self.engine.begin_frame();
        let reloaded = self.engine.generation() != generation;
        let retitle = self.engine.generation() != self.shown_generation;
        if retitle {
            if self.shown_generation != 0 {
                self.last_reload = Some(now);
            }
            self.shown_generation = self.engine.generation();
        }
        for _ in 0..self.clock.advance(elapsed) {
            self.engine.update(self.input.current());
            self.input.end_step();
        }
        if self.engine.is_building() && !reloaded {
            self.undrawn += 1;
            if self.undrawn < DRAW_ONE_IN_WHILE_BUILDING {
                self.stop_after_frames(event_loop);
                return;
            }
        }
        self.undrawn = 0;

        let (width, height) = self.engine.config().size;
        let frame = pixels.frame_mut();
        self.engine.render(frame);
        let status = Status {
            fps: 1.0 / self.frame_time.as_secs_f32().max(1e-6),
            frame_time: self.frame_time,
            generation: self.shown_generation,
            last_reload: self.last_reload,
            error: self.engine.current_error(),
            notice: self.engine.notice(),
            looping: self.engine.loop_mode(),
            paused: self.engine.is_paused(),
            building: self.engine.is_building(),
        };
        self.overlay
            .draw(&status, frame, width as usize, height as usize);
        self.inspector
            .draw(self.engine, frame, width as usize, height as usize);
        if let Some(profile) = self.engine.profile() {
            profile.draw(frame, width as usize, height as usize);
        }
        // Work time up to presenting: with vsync, presenting waits for the display.
        self.engine.record_frame_time(now.elapsed(), reloaded);
        if let Err(error) = pixels.render() {
            log::error!("presenting the frame failed: {error}");
            event_loop.exit();
        }
        if retitle && let Some(titles) = &self.titles {
            titles.show(self.shown_generation);
        }
        self.stop_after_frames(event_loop);
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

    /// The engine's own keys: F1 status line, F2 inspector (and its keys),
    /// F3 record/loop, F4 per-system timings, F5 save state, F9 load it.
    fn engine_key(&mut self, code: KeyCode) {
        if self.inspector.key(code, self.shift, self.engine) {
            return;
        }
        match code {
            KeyCode::F1 => self.overlay.visible = !self.overlay.visible,
            KeyCode::F2 => self.inspector.visible = !self.inspector.visible,
            KeyCode::F3 => {
                self.engine.toggle_loop();
            }
            KeyCode::F4 => {
                let on = self.engine.profile().is_none();
                self.engine.set_profiling(on);
            }
            KeyCode::F5 => {
                let _ = self.engine.save_snapshot();
            }
            KeyCode::F9 => {
                let path = self.engine.config().snapshot_dir.join("quicksave.hlstate");
                let _ = self.engine.load_snapshot(&path);
            }
            _ => {}
        }
    }

    fn cursor_moved(&mut self, x: f64, y: f64) {
        let Some(pixels) = &self.pixels else { return };
        let (px, py) = match pixels.window_pos_to_pixel((x as f32, y as f32)) {
            Ok((px, py)) => (px as f32, py as f32),
            Err((px, py)) => (px as f32, py as f32),
        };
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
                if let Some(pixels) = &mut self.pixels
                    && size.width > 0
                    && size.height > 0
                    && let Err(error) = pixels.resize_surface(size.width, size.height)
                {
                    log::error!("resizing the surface failed: {error}");
                }
            }
            WindowEvent::ModifiersChanged(modifiers) => self.shift = modifiers.state().shift_key(),
            WindowEvent::KeyboardInput { event, .. } => {
                if let PhysicalKey::Code(code) = event.physical_key {
                    if event.state == ElementState::Pressed && !event.repeat {
                        self.engine_key(code);
                    }
                    self.input.key(code, event.state, event.repeat);
                }
            }
            WindowEvent::Focused(false) => self.input.release_all(),
            WindowEvent::CursorMoved { position, .. } => self.cursor_moved(position.x, position.y),
            WindowEvent::MouseInput { state, button, .. } => self.input.mouse_button(button, state),
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
