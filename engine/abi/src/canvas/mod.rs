//! The framebuffer game code draws into: RGBA8, row-major, no padding.

mod font;
mod shapes;
mod sprite;
mod text;

pub use font::Font;
pub use sprite::Sprite;

use glam::Vec2;

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

/// A safe view of the framebuffer with drawing primitives.
///
/// Drawing outside the framebuffer is clipped, never a panic, so game code can
/// draw objects that are partly off screen.
///
/// **One blending rule for every drawing call** (fills, outlines, lines,
/// text, images and sprites): the colour is laid over what is there by its
/// alpha, `new = (color × alpha + old × (255 − alpha)) / 255` per channel;
/// alpha 255 replaces the pixel, alpha 0 leaves it. The pixel's own alpha
/// becomes `alpha + old × (255 − alpha) / 255` (source-over), so a cleared,
/// opaque framebuffer stays opaque. Only
/// [`clear`](Self::clear) and [`set`](Self::set) write a colour exactly as
/// given, alpha included.
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

    /// Blends `color` over one pixel by its alpha (the canvas's rule);
    /// coordinates outside the framebuffer are ignored.
    pub fn blend(&mut self, x: i32, y: i32, color: Rgba) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let at = (y as usize * self.width as usize + x as usize) * 4;
            over(&mut self.pixels[at..at + 4], color);
        }
    }

    /// Fills the axis-aligned rectangle from `min` (inclusive) to `max`
    /// (exclusive), blended by `color`'s alpha.
    pub fn fill_rect(&mut self, min: Vec2, max: Vec2, color: Rgba) {
        let (x0, y0) = self.clamp(min);
        let (x1, y1) = self.clamp(max);
        for y in y0..y1 {
            let row = y as usize * self.width as usize;
            for pixel in
                self.pixels[(row + x0 as usize) * 4..(row + x1 as usize) * 4].chunks_exact_mut(4)
            {
                over(pixel, color);
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

    /// `point` clamped into the framebuffer, in whole pixels.
    fn clamp(&self, point: Vec2) -> (u32, u32) {
        let x = point.x.clamp(0.0, self.width as f32) as u32;
        let y = point.y.clamp(0.0, self.height as f32) as u32;
        (x, y)
    }
}

/// The canvas's blending rule for one RGBA8 pixel: `color` over `pixel`
/// by `color`'s alpha (source-over).
#[inline]
fn over(pixel: &mut [u8], color: Rgba) {
    match color[3] {
        255 => pixel.copy_from_slice(&color),
        0 => {}
        alpha => {
            let alpha = u32::from(alpha);
            let mix = |value: u8, old: u8| {
                ((u32::from(value) * alpha + u32::from(old) * (255 - alpha)) / 255) as u8
            };
            for (channel, value) in pixel[..3].iter_mut().zip(color) {
                *channel = mix(value, *channel);
            }
            pixel[3] = (alpha + u32::from(pixel[3]) * (255 - alpha) / 255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Image;

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
    fn every_drawing_call_blends_by_the_same_rule() {
        let background = [40, 80, 120, 255];
        let color = [240, 20, 0, 100];
        let expected = {
            let mut pixel = background;
            over(&mut pixel, color);
            pixel
        };
        assert_eq!(expected, [118, 56, 72, 255]);
        let image_pixels = color;
        let image = Image::new(&image_pixels, 1, 1);
        type Draw = fn(&mut Canvas<'_>, &Image<'_>);
        let draws: [(&str, Draw); 7] = [
            ("fill_rect", |c, _| {
                c.fill_rect(Vec2::ZERO, Vec2::splat(9.0), [240, 20, 0, 100])
            }),
            ("fill_circle", |c, _| {
                c.fill_circle(Vec2::splat(1.5), 9.0, [240, 20, 0, 100])
            }),
            ("line", |c, _| {
                c.line(Vec2::new(1.0, 0.0), Vec2::new(1.0, 2.0), [240, 20, 0, 100])
            }),
            ("stroke_rect", |c, _| {
                c.stroke_rect(Vec2::new(1.0, 0.0), Vec2::new(2.0, 3.0), [240, 20, 0, 100])
            }),
            ("blend", |c, _| c.blend(1, 1, [240, 20, 0, 100])),
            ("draw_image", |c, image| c.draw_image(image, Vec2::ONE)),
            ("text", |c, _| {
                c.text(1, -1, "#", 1, [240, 20, 0, 100]);
            }),
        ];
        for (name, draw) in draws {
            let mut pixels = background.repeat(3 * 3);
            draw(&mut Canvas::new(&mut pixels, 3, 3), &image);
            assert_eq!(&pixels[(3 + 1) * 4..(3 + 2) * 4], &expected, "{name}");
        }
        let mut pixels = background.to_vec();
        Canvas::new(&mut pixels, 1, 1).set(0, 0, color);
        assert_eq!(pixels, color, "set writes exactly");
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
