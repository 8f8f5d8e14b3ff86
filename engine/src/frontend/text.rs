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
    /// The rows drawn on so far (start, end), if any.
    touched: Option<(usize, usize)>,
}

impl<'a> Target<'a> {
    /// Wraps `pixels` (`width` x `height`, RGBA8).
    pub fn new(pixels: &'a mut [u8], width: usize, height: usize) -> Self {
        Self {
            pixels,
            width,
            height,
            touched: None,
        }
    }

    /// The rows drawn on since this target was made, as a range (empty if
    /// none): what the window must clear, upload and lay over the picture.
    pub fn touched(&self) -> std::ops::Range<usize> {
        self.touched.map_or(0..0, |(start, end)| start..end)
    }

    fn touch(&mut self, rows: std::ops::Range<usize>) {
        let (start, end) = (rows.start.min(self.height), rows.end.min(self.height));
        if start < end {
            let (a, b) = self.touched.unwrap_or((start, end));
            self.touched = Some((a.min(start), b.max(end)));
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
        self.touch(y..y + h);
        let alpha = u16::from(color[3]);
        let keep = 255 - alpha;
        let top = [color[0], color[1], color[2], 255].map(|c| u16::from(c) * alpha);
        let (left, right) = (x.min(self.width), (x + w).min(self.width));
        // Plain index loops: the engine runs unoptimised under `cargo dev`,
        // where iterator adaptors per pixel cost ten times as much.
        for row in y..(y + h).min(self.height) {
            let line =
                &mut self.pixels[(row * self.width + left) * 4..(row * self.width + right) * 4];
            let mut at = 0;
            while at < line.len() {
                line[at] = ((top[0] + line[at] as u16 * keep) / 255) as u8;
                line[at + 1] = ((top[1] + line[at + 1] as u16 * keep) / 255) as u8;
                line[at + 2] = ((top[2] + line[at + 2] as u16 * keep) / 255) as u8;
                line[at + 3] = ((top[3] + line[at + 3] as u16 * keep) / 255) as u8;
                at += 4;
            }
        }
    }

    /// Draws `text` in the 8x8 font with its top-left corner at (`x`, `y`).
    pub fn text(&mut self, x: usize, y: usize, text: &str, color: [u8; 3]) {
        self.touch(y..y + GLYPH);
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
