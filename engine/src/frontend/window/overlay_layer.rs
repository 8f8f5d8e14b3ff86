//! The engine's overlay layer: the status line, banners and panels at the
//! window's resolution, laid over the game's picture with their
//! translucency (see `present`), so the game's framebuffer holds the game
//! alone and its pixels show through.

use super::scaling::{frame_texture, scaling_pass};

/// Window pixels per overlay pixel over the picture `view`, and the
/// overlay's size: one overlay pixel per window pixel up to 359 rows, two
/// from 360 (a 720-row window shows the 8-pixel font 16 pixels tall), and
/// so on, so the engine's text stays legible at any window size.
pub fn overlay_size(view: &super::fit::Viewport) -> (u32, (u32, u32)) {
    const ROWS_PER_STEP: u32 = 360;
    let (width, height) = (view.width as u32, view.height as u32);
    let k = (height / ROWS_PER_STEP).max(1);
    (k, ((width / k).max(1), (height / k).max(1)))
}

/// The engine's overlay: pixels, texture and the pass that lays it over the picture.
pub struct Layer {
    /// RGBA8, premultiplied by alpha, row by row.
    pub pixels: Vec<u8>,
    /// Width and height in overlay pixels.
    pub size: (u32, u32),
    /// The rows the last frame drew on.
    pub drawn: std::ops::Range<usize>,
    /// The rows to upload before the next frame is shown.
    pub changed: std::ops::Range<usize>,
    /// Where `pixels` are uploaded to.
    pub texture: wgpu::Texture,
    /// The texture's binding for `pipeline`.
    pub bind_group: wgpu::BindGroup,
    /// The scaling pass, blending premultiplied alpha.
    pub pipeline: wgpu::RenderPipeline,
}

impl Layer {
    /// A transparent layer of `size` for a surface of `format`.
    pub fn new(device: &wgpu::Device, size: (u32, u32), format: wgpu::TextureFormat) -> Self {
        let texture = frame_texture(device, size);
        let blend = wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING;
        let (pipeline, bind_group) = scaling_pass(device, &texture, format, Some(blend));
        Self {
            pixels: vec![0; size.0 as usize * size.1 as usize * 4],
            size,
            drawn: 0..0,
            // A new texture holds nothing yet: upload it whole once.
            changed: 0..size.1 as usize,
            texture,
            bind_group,
            pipeline,
        }
    }
}

/// The rows of `a` and `b` together (and any between).
pub fn union(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.clone(),
        (_, true) => a.clone(),
        _ => a.start.min(b.start)..a.end.max(b.end),
    }
}
