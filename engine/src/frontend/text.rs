//! Drawing the engine's own text and panels (status line, banners,
//! inspector) with an 8x8 bitmap font.

use font8x8::{BASIC_FONTS, UnicodeFonts};

/// Width and height of a glyph, in pixels.
pub const GLYPH: usize = 8;

/// An RGBA8 framebuffer to draw the engine's panels and text into.
pub struct Target<'a> {
    pixels: &'a mut [u8],
    width: usize,
    height: usize,
}

impl<'a> Target<'a> {
    /// Wraps `pixels` (`width` x `height`, RGBA8).
    pub fn new(pixels: &'a mut [u8], width: usize, height: usize) -> Self {
        Self {
            pixels,
            width,
            height,
        }
    }

    /// The width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Lays a rectangle of `color` (its alpha) over the pixels. The pixels
    /// are premultiplied by their alpha, as the window's overlay layer
    /// (see `window::present`) is: over a transparent layer the panel keeps
    /// its own translucency; over an opaque picture it blends into it.
    pub fn panel(&mut self, x: usize, y: usize, w: usize, h: usize, color: [u8; 4]) {
        let alpha = color[3] as u16;
        let over = |top: u16, under: u8| ((top * alpha + under as u16 * (255 - alpha)) / 255) as u8;
        for row in y..(y + h).min(self.height) {
            for column in x..(x + w).min(self.width) {
                let at = (row * self.width + column) * 4;
                let pixel = &mut self.pixels[at..at + 4];
                for (under, top) in pixel[..3].iter_mut().zip(color) {
                    *under = over(top as u16, *under);
                }
                pixel[3] = over(255, pixel[3]);
            }
        }
    }

    /// Draws `text` in the 8x8 font with its top-left corner at (`x`, `y`).
    pub fn text(&mut self, x: usize, y: usize, text: &str, color: [u8; 3]) {
        for (index, ch) in text.chars().enumerate() {
            let glyph = BASIC_FONTS.get(ch).unwrap_or([0xff; 8]);
            for (dy, bits) in glyph.iter().enumerate() {
                for dx in 0..GLYPH {
                    let (px, py) = (x + index * GLYPH + dx, y + dy);
                    if bits & (1 << dx) != 0 && px < self.width && py < self.height {
                        let at = (py * self.width + px) * 4;
                        self.pixels[at..at + 3].copy_from_slice(&color);
                        self.pixels[at + 3] = 255;
                    }
                }
            }
        }
    }
}
