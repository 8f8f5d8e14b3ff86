//! Shows the framebuffer in the window with wgpu: the game's RGBA8 picture
//! is uploaded to a texture and drawn into the window, scaled by the largest
//! whole number that fits, or scaled down to fit a window smaller than it,
//! always whole, centred, with its aspect ratio kept.
//!
//! The engine's own status line, banners and panels are not drawn into the
//! game's picture: they go into an overlay layer at the window's resolution
//! (one layer pixel per `k`×`k` window pixels, `k` the whole number that
//! keeps the text legible) laid over the picture with its translucency, so
//! the game's pixels stay visible under it and the framebuffer holds the
//! game alone.
//!
//! Why not the `pixels` crate that did this before: its `render` retries an
//! outdated or lost surface in a loop that only ends once the surface works
//! again. When the display went away that loop never ended (wgpu reported a
//! validation error 12,000 times a second, and SIGTERM was never read), and
//! its scaling never goes below 1x, so a small window showed a cropped
//! corner (issue #13). Here every surface problem is the outcome of one
//! frame ([`Presented`]), and the frame loop decides what to do next.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wgpu::CurrentSurfaceTexture;
use winit::window::Window;

use super::fit::fit;
use super::overlay_layer::{Layer, overlay_size, union};
use super::scaling::{extent, frame_texture, scaling_pass};
use crate::frontend::text::Target;
use crate::repeat_limit::RepeatLimit;

/// How presenting one frame went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presented {
    /// The frame is on screen.
    Shown,
    /// Nothing was shown, for a reason that passes: the window has no area,
    /// is hidden, or was resized (the surface is set up again next frame).
    Skipped,
    /// The surface failed (it was lost, refused its set-up, or failed
    /// validation), in one line; the next frame tries again.
    Failed(String),
}

/// Tells a surface that keeps failing (its display is gone) from one that
/// fails once in a while: the time since the last frame that was shown,
/// counted from the first failure after it.
#[derive(Debug, Default)]
pub struct Health {
    failing_since: Option<Instant>,
}

impl Health {
    /// Records one frame's outcome at `now`; returns how long the surface
    /// has been failing with no frame shown since (zero when it works).
    pub fn record(&mut self, presented: &Presented, now: Instant) -> Duration {
        match presented {
            Presented::Shown => self.failing_since = None,
            Presented::Skipped => {}
            Presented::Failed(_) => {
                self.failing_since.get_or_insert(now);
            }
        }
        self.failing_since
            .map_or(Duration::ZERO, |since| now.saturating_duration_since(since))
    }
}

/// The window's graphics: surface, device, the framebuffer and its texture.
pub struct Presenter {
    frame: Vec<u8>,
    frame_size: (u32, u32),
    window_size: (u32, u32),
    /// The surface must be set up (again) before the next frame.
    stale: bool,
    config: wgpu::SurfaceConfiguration,
    texture: wgpu::Texture,
    bind_group: wgpu::BindGroup,
    pipeline: wgpu::RenderPipeline,
    overlay: Layer,
    queue: wgpu::Queue,
    device: wgpu::Device,
    surface: wgpu::Surface<'static>,
    instance: wgpu::Instance,
    window: Arc<Window>,
    adapter: wgpu::AdapterInfo,
}

impl Presenter {
    /// Sets up graphics for `window`, with a black framebuffer of `frame_size`.
    ///
    /// # Errors
    /// When there is no usable adapter or surface, in one line.
    pub fn new(window: Arc<Window>, frame_size: (u32, u32)) -> Result<Self, String> {
        // Vulkan, Metal or DX12 first: asking for GL too makes Mesa log an
        // error under Xvfb even when Vulkan then works.
        let primary = wgpu::Backends::PRIMARY.with_env();
        let (instance, surface, adapter) = match find_adapter(&window, primary) {
            Ok(found) => found,
            Err(_) if primary != wgpu::Backends::all().with_env() => {
                find_adapter(&window, wgpu::Backends::all().with_env())?
            }
            Err(error) => return Err(error),
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("hotloop"),
            required_limits: adapter.limits(),
            ..wgpu::DeviceDescriptor::default()
        }))
        .map_err(|e| e.to_string())?;
        // wgpu panics on an uncaught validation error by default; a graphics
        // hiccup must not kill the game, nor flood the log.
        let errors = Mutex::new(RepeatLimit::new(log::Level::Error, module_path!()));
        device.on_uncaptured_error(Arc::new(move |error| {
            let mut errors = errors.lock().unwrap_or_else(|e| e.into_inner());
            errors.log(&format_args!("graphics error: {}", one_line(&error)));
        }));
        let capabilities = surface.get_capabilities(&adapter);
        let format = capabilities
            .formats
            .iter()
            .copied()
            .find(wgpu::TextureFormat::is_srgb)
            .or(capabilities.formats.first().copied())
            .ok_or("the window's surface supports no format with this adapter")?;
        let size = window.inner_size();
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: size.width.max(1),
            height: size.height.max(1),
            // Frames are paced by the frame loop; vsync where the platform has it.
            present_mode: wgpu::PresentMode::AutoVsync,
            desired_maximum_frame_latency: 2,
            alpha_mode: capabilities
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: Vec::new(),
        };
        let texture = frame_texture(&device, frame_size);
        let (pipeline, bind_group) = scaling_pass(&device, &texture, format, None);
        let overlay = Layer::new(&device, (1, 1), format);
        Ok(Self {
            frame: black_frame(frame_size),
            frame_size,
            window_size: (size.width, size.height),
            stale: true,
            config,
            texture,
            bind_group,
            pipeline,
            overlay,
            queue,
            device,
            surface,
            instance,
            window,
            adapter: adapter.get_info(),
        })
    }

    /// The adapter that renders.
    pub fn adapter(&self) -> &wgpu::AdapterInfo {
        &self.adapter
    }

    /// The framebuffer (RGBA8, row by row) to draw the next frame into.
    pub fn frame_mut(&mut self) -> &mut [u8] {
        &mut self.frame
    }

    /// A framebuffer of another size (the game declared one): black until
    /// the next frame is drawn, shown at whatever scale fits the window.
    pub fn set_frame_size(&mut self, frame_size: (u32, u32)) {
        if frame_size == self.frame_size {
            return;
        }
        self.texture = frame_texture(&self.device, frame_size);
        (self.pipeline, self.bind_group) =
            scaling_pass(&self.device, &self.texture, self.config.format, None);
        self.frame = black_frame(frame_size);
        self.frame_size = frame_size;
    }

    /// Lets `draw` put the engine's status line and panels of the next
    /// frame on the overlay layer (cleared), which covers the picture at
    /// the window's resolution. Only the rows drawn on (this frame's and
    /// the last's) are cleared, uploaded and laid over the picture.
    pub fn draw_overlay(&mut self, draw: impl FnOnce(&mut Target<'_>)) {
        let size =
            fit(self.frame_size, self.window_size).map_or((1, 1), |view| overlay_size(&view).1);
        if size != self.overlay.size {
            self.overlay = Layer::new(&self.device, size, self.config.format);
        }
        let layer = &mut self.overlay;
        let row = size.0 as usize * 4;
        layer.pixels[layer.drawn.start * row..layer.drawn.end * row].fill(0);
        let mut target = Target::new(&mut layer.pixels, size.0 as usize, size.1 as usize);
        draw(&mut target);
        let drawn = target.touched();
        layer.changed = union(&layer.changed, &union(&layer.drawn, &drawn));
        layer.drawn = drawn;
    }

    /// The whole number the framebuffer is scaled up by to fill the window
    /// (1 in a window smaller than it).
    pub fn scale(&self) -> u32 {
        let (fw, fh) = self.frame_size;
        let (ww, wh) = self.window_size;
        (ww / fw.max(1)).min(wh / fh.max(1)).max(1)
    }

    /// Takes the window's new size (from a resize event); the surface is
    /// set up for it before the next frame.
    pub fn resize(&mut self, width: u32, height: u32) {
        if (width, height) != self.window_size {
            self.window_size = (width, height);
            self.stale = true;
        }
    }

    /// Whether the window has room to show anything.
    pub fn has_area(&self) -> bool {
        fit(self.frame_size, self.window_size).is_some()
    }

    /// The framebuffer pixel under window position (`x`, `y`); outside the
    /// picture it lies outside the framebuffer.
    pub fn pixel_at(&self, x: f64, y: f64) -> (f32, f32) {
        let Some(view) = fit(self.frame_size, self.window_size) else {
            return (-1.0, -1.0);
        };
        let (fw, fh) = (self.frame_size.0 as f32, self.frame_size.1 as f32);
        (
            (x as f32 - view.x) * fw / view.width,
            (y as f32 - view.y) * fh / view.height,
        )
    }

    /// Shows the framebuffer. Never waits for the surface to recover: a
    /// surface that cannot show this frame says so, and the next frame tries
    /// again (see [`Presented`]).
    pub fn present(&mut self) -> Presented {
        let Some(view) = fit(self.frame_size, self.window_size) else {
            return Presented::Skipped;
        };
        if self.stale
            && let Err(error) = self.configure()
        {
            return Presented::Failed(error);
        }
        let target = match self.surface.get_current_texture() {
            CurrentSurfaceTexture::Success(target) => target,
            CurrentSurfaceTexture::Suboptimal(target) => {
                self.stale = true;
                target
            }
            CurrentSurfaceTexture::Timeout | CurrentSurfaceTexture::Occluded => {
                return Presented::Skipped;
            }
            CurrentSurfaceTexture::Outdated => {
                self.stale = true;
                return Presented::Skipped;
            }
            CurrentSurfaceTexture::Lost => return Presented::Failed(self.recreate()),
            CurrentSurfaceTexture::Validation => {
                self.stale = true;
                return Presented::Failed("acquiring a frame failed validation".into());
            }
        };
        self.queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &self.frame,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(self.frame_size.0 * 4),
                rows_per_image: Some(self.frame_size.1),
            },
            extent(self.frame_size),
        );
        let changed = std::mem::take(&mut self.overlay.changed);
        if !changed.is_empty() {
            let row = self.overlay.size.0 as usize * 4;
            self.queue.write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &self.overlay.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d {
                        x: 0,
                        y: changed.start as u32,
                        z: 0,
                    },
                    aspect: wgpu::TextureAspect::All,
                },
                &self.overlay.pixels[changed.start * row..changed.end * row],
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(row as u32),
                    rows_per_image: Some(changed.len() as u32),
                },
                extent((self.overlay.size.0, changed.len() as u32)),
            );
        }
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        let output = target
            .texture
            .create_view(&wgpu::TextureViewDescriptor::default());
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("hotloop scaling pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &output,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                    depth_slice: None,
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.set_viewport(view.x, view.y, view.width, view.height, 0.0, 1.0);
            pass.draw(0..3, 0..1);
            let (k, size) = overlay_size(&view);
            let drawn = &self.overlay.drawn;
            if size == self.overlay.size && !drawn.is_empty() {
                let (width, height) = (size.0 * k, size.1 * k);
                pass.set_pipeline(&self.overlay.pipeline);
                pass.set_bind_group(0, &self.overlay.bind_group, &[]);
                pass.set_viewport(view.x, view.y, width as f32, height as f32, 0.0, 1.0);
                // Only the rows with something on them are blended.
                let (x, y) = (view.x as u32, view.y as u32 + drawn.start as u32 * k);
                let right = (x + width).min(self.config.width);
                let bottom = (y + drawn.len() as u32 * k).min(self.config.height);
                if right > x && bottom > y {
                    pass.set_scissor_rect(x, y, right - x, bottom - y);
                    pass.draw(0..3, 0..1);
                }
            }
        }
        self.queue.submit(Some(encoder.finish()));
        target.present();
        Presented::Shown
    }

    /// Sets the surface up for the window's size, catching what wgpu
    /// reports (with the display gone: "Surface does not support the
    /// adapter's queue family").
    fn configure(&mut self) -> Result<(), String> {
        (self.config.width, self.config.height) = self.window_size;
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        self.surface.configure(&self.device, &self.config);
        if let Some(error) = pollster::block_on(scope.pop()) {
            return Err(format!(
                "setting up the window's surface failed: {}",
                one_line(&error)
            ));
        }
        self.stale = false;
        Ok(())
    }

    /// After the surface was lost: a new one for the same window, set up
    /// before the next frame. Returns what to report.
    fn recreate(&mut self) -> String {
        self.stale = true;
        match self.instance.create_surface(self.window.clone()) {
            Ok(surface) => {
                self.surface = surface;
                "the window's surface was lost; made a new one".into()
            }
            Err(error) => format!("the window's surface was lost, and no new one: {error}"),
        }
    }
}

/// An instance of `backends`, a surface for `window`, and an adapter that
/// can present to it.
fn find_adapter(
    window: &Arc<Window>,
    backends: wgpu::Backends,
) -> Result<(wgpu::Instance, wgpu::Surface<'static>, wgpu::Adapter), String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle().with_env()
    });
    let surface = instance
        .create_surface(window.clone())
        .map_err(|e| e.to_string())?;
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::from_env().unwrap_or_default(),
        force_fallback_adapter: false,
        compatible_surface: Some(&surface),
    }))
    .map_err(|e| e.to_string())?;
    Ok((instance, surface, adapter))
}

/// An opaque black RGBA8 framebuffer of `width` x `height`.
fn black_frame((width, height): (u32, u32)) -> Vec<u8> {
    let mut frame = vec![0; width as usize * height as usize * 4];
    frame.chunks_exact_mut(4).for_each(|pixel| pixel[3] = 255);
    frame
}

/// A wgpu error (several indented lines) as one line.
fn one_line(error: &wgpu::Error) -> String {
    error
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && *line != "Caused by:")
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_with_no_frame_shown_in_between_add_up() {
        let mut health = Health::default();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let failed = Presented::Failed("lost".into());
        assert_eq!(health.record(&Presented::Shown, at(0)), Duration::ZERO);
        assert_eq!(health.record(&failed, at(10)), Duration::ZERO);
        assert_eq!(
            health.record(&Presented::Skipped, at(200)),
            Duration::from_millis(190)
        );
        assert_eq!(health.record(&failed, at(500)), Duration::from_millis(490));
        assert_eq!(health.record(&Presented::Shown, at(510)), Duration::ZERO);
        assert_eq!(health.record(&failed, at(600)), Duration::ZERO);
    }
}
