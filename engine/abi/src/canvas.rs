//! The framebuffer game code draws into: RGBA8, row-major, no padding.

use std::fmt::{self, Write as _};

use glam::Vec2;

use crate::Image;

/// An RGBA8 colour.
pub type Rgba = [u8; 4];

/// The framebuffer as it crosses the boundary: `width * height * 4` bytes.
#[repr(C)]
#[derive(Debug)]
pub struct RawCanvas {
    /// First byte of the pixels, owned by the engine.
    pub pixels: *mut u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A safe view of the framebuffer with a few drawing primitives.
///
/// Drawing outside the framebuffer is clipped, never a panic, so game code can
/// draw objects that are partly off screen.
pub struct Canvas<'a> {
    pixels: &'a mut [u8],
    width: u32,
    height: u32,
}

impl<'a> Canvas<'a> {
    /// Wraps `pixels`.
    ///
    /// # Panics
    /// When `pixels.len()` is not `width * height * 4`.
    pub fn new(pixels: &'a mut [u8], width: u32, height: u32) -> Self {
        assert_eq!(
            pixels.len(),
            width as usize * height as usize * 4,
            "canvas size"
        );
        Self {
            pixels,
            width,
            height,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The raw RGBA8 bytes, row-major.
    pub fn pixels_mut(&mut self) -> &mut [u8] {
        self.pixels
    }

    /// Fills the whole framebuffer with `color`.
    pub fn clear(&mut self, color: Rgba) {
        for pixel in self.pixels.chunks_exact_mut(4) {
            pixel.copy_from_slice(&color);
        }
    }

    /// Sets one pixel; coordinates outside the framebuffer are ignored.
    pub fn set(&mut self, x: i32, y: i32, color: Rgba) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let at = (y as usize * self.width as usize + x as usize) * 4;
            self.pixels[at..at + 4].copy_from_slice(&color);
        }
    }

    /// Blends `color` over one pixel using its alpha.
    pub fn blend(&mut self, x: i32, y: i32, color: Rgba) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let at = (y as usize * self.width as usize + x as usize) * 4;
            let alpha = color[3] as u32;
            for (channel, value) in self.pixels[at..at + 3].iter_mut().zip(color) {
                *channel = ((value as u32 * alpha + *channel as u32 * (255 - alpha)) / 255) as u8;
            }
        }
    }

    /// Fills the axis-aligned rectangle from `min` (inclusive) to `max` (exclusive).
    pub fn fill_rect(&mut self, min: Vec2, max: Vec2, color: Rgba) {
        let (x0, y0) = self.clamp(min);
        let (x1, y1) = self.clamp(max);
        for y in y0..y1 {
            let row = y as usize * self.width as usize;
            for pixel in
                self.pixels[(row + x0 as usize) * 4..(row + x1 as usize) * 4].chunks_exact_mut(4)
            {
                pixel.copy_from_slice(&color);
            }
        }
    }

    /// Fills a disc; `color`'s alpha blends it over what is already drawn.
    pub fn fill_circle(&mut self, center: Vec2, radius: f32, color: Rgba) {
        let (x0, y0) = self.clamp(center - radius);
        let (x1, y1) = self.clamp(center + radius + 1.0);
        let r2 = radius * radius;
        for y in y0..y1 {
            for x in x0..x1 {
                let d = Vec2::new(x as f32 + 0.5, y as f32 + 0.5) - center;
                if d.length_squared() <= r2 {
                    self.blend(x as i32, y as i32, color);
                }
            }
        }
    }

    /// Draws `text` in the built-in 8x8 bitmap font (ASCII; other characters
    /// are blank), each font pixel a `scale` x `scale` square (0 counts as
    /// 1), its top-left corner at (`x`, `y`), blended by `color`'s alpha.
    /// `text` is anything that displays: a `&str`, a number, or
    /// `format_args!("SCORE {score}")`, drawn as it is formatted, with no
    /// allocation. Returns the x where the next character would go.
    ///
    /// ```
    /// # let mut pixels = vec![0u8; 96 * 16 * 4];
    /// # let mut canvas = hotloop_abi::Canvas::new(&mut pixels, 96, 16);
    /// let score = 120;
    /// let line = format_args!("SCORE {score}");
    /// let width = hotloop_abi::Canvas::text_width(line, 1);
    /// let end = canvas.text((96 - width) / 2, 4, line, 1, [255, 255, 255, 255]);
    /// assert_eq!((width, end), (72, (96 - 72) / 2 + 72));
    /// ```
    pub fn text(
        &mut self,
        x: i32,
        y: i32,
        text: impl fmt::Display,
        scale: u32,
        color: Rgba,
    ) -> i32 {
        let mut pen = Pen {
            canvas: self,
            x,
            y,
            scale: scale.max(1) as i32,
            color,
        };
        let _ = write!(pen, "{text}");
        pen.x
    }

    /// The width in pixels of `text` drawn by [`text`](Canvas::text) at `scale`.
    pub fn text_width(text: impl fmt::Display, scale: u32) -> i32 {
        struct Count(i32);
        impl fmt::Write for Count {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                self.0 += text.chars().count() as i32;
                Ok(())
            }
        }
        let mut count = Count(0);
        let _ = write!(count, "{text}");
        count.0 * 8 * scale.max(1) as i32
    }

    /// Draws `image` with its top-left corner at `at`, blending by its alpha.
    pub fn draw_image(&mut self, image: &Image<'_>, at: Vec2) {
        let (x0, y0) = (at.x.round() as i32, at.y.round() as i32);
        for y in 0..image.height() {
            for x in 0..image.width() {
                let pixel = image.get(x, y);
                if pixel[3] > 0 {
                    self.blend(x0 + x as i32, y0 + y as i32, pixel);
                }
            }
        }
    }

    fn clamp(&self, point: Vec2) -> (u32, u32) {
        let x = point.x.clamp(0.0, self.width as f32) as u32;
        let y = point.y.clamp(0.0, self.height as f32) as u32;
        (x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_is_clipped_to_the_framebuffer() {
        let mut pixels = vec![0; 4 * 4 * 4];
        let mut canvas = Canvas::new(&mut pixels, 4, 4);
        canvas.fill_rect(
            Vec2::new(-5.0, 2.0),
            Vec2::new(100.0, 100.0),
            [1, 2, 3, 255],
        );
        canvas.set(-1, 0, [9; 4]);
        canvas.set(4, 0, [9; 4]);
        canvas.fill_circle(Vec2::new(-10.0, -10.0), 3.0, [9; 4]);
        let filled = pixels
            .chunks_exact(4)
            .filter(|p| *p == [1, 2, 3, 255])
            .count();
        assert_eq!(filled, 8);
        assert!(!pixels.contains(&9));
    }

    #[test]
    fn opaque_circle_covers_its_center() {
        let mut pixels = vec![0; 9 * 9 * 4];
        let mut canvas = Canvas::new(&mut pixels, 9, 9);
        canvas.fill_circle(Vec2::new(4.5, 4.5), 2.0, [200, 100, 50, 255]);
        let center = (4 * 9 + 4) * 4;
        assert_eq!(&pixels[center..center + 3], &[200, 100, 50]);
        assert_eq!(&pixels[0..3], &[0, 0, 0]);
    }
}

/// Draws text into a canvas as it is formatted.
struct Pen<'c, 'a> {
    canvas: &'c mut Canvas<'a>,
    x: i32,
    y: i32,
    scale: i32,
    color: Rgba,
}

impl fmt::Write for Pen<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        use font8x8::UnicodeFonts;
        let scale = self.scale;
        for ch in text.chars() {
            let glyph = font8x8::BASIC_FONTS.get(ch).unwrap_or([0; 8]);
            for (row, bits) in (0..).zip(glyph) {
                for column in (0..8).filter(|column| bits & (1 << column) != 0) {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let x = self.x + column * scale + dx;
                            self.canvas.blend(x, self.y + row * scale + dy, self.color);
                        }
                    }
                }
            }
            self.x += 8 * scale;
        }
        Ok(())
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    /// The lit pixels' bounding box: (min x, min y, max x, max y).
    fn lit(pixels: &[u8], width: usize) -> Option<(usize, usize, usize, usize)> {
        let mut bounds: Option<(usize, usize, usize, usize)> = None;
        for (index, pixel) in pixels.chunks_exact(4).enumerate() {
            if pixel[0] != 0 {
                let (x, y) = (index % width, index / width);
                let (a, b, c, d) = bounds.unwrap_or((x, y, x, y));
                bounds = Some((a.min(x), b.min(y), c.max(x), d.max(y)));
            }
        }
        bounds
    }

    #[test]
    fn text_is_drawn_in_8x8_cells_at_its_scale_and_clipped() {
        let mut pixels = vec![0u8; 40 * 20 * 4];
        let mut canvas = Canvas::new(&mut pixels, 40, 20);
        assert_eq!(canvas.text(2, 3, "I", 2, [255; 4]), 18);
        let (x0, y0, x1, y1) = lit(&pixels, 40).expect("something drawn");
        assert!(
            x0 >= 2 && y0 >= 3 && x1 < 18 && y1 < 19,
            "inside its 16x16 cell"
        );
        assert!(y1 - y0 >= 8, "scaled: taller than one 8-pixel glyph");

        let mut pixels = vec![0u8; 40 * 20 * 4];
        let mut canvas = Canvas::new(&mut pixels, 40, 20);
        canvas.text(-100, -100, "far away", 3, [255; 4]);
        canvas.text(30, 15, "\u{2603}é", 1, [255; 4]);
        assert_eq!(
            lit(&pixels, 40),
            None,
            "off the canvas, or not ASCII: nothing"
        );
        assert_eq!(Canvas::text_width("abc", 0), 24, "scale 0 counts as 1");
    }
}
