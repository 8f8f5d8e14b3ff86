//! Images and parts of them: sprite sheets, animation frames, flipped,
//! tinted, at whole-number scales (the fields of Bevy's `Sprite`).

use glam::Vec2;

use super::{Canvas, Rgba};
use crate::Image;

/// How [`Canvas::draw_sprite`] draws an image: which part of it, flipped,
/// tinted and at what scale. `Sprite::default()` (or [`Sprite::WHOLE`]) is
/// the whole image as it is.
///
/// ```
/// use hotloop_abi::Sprite;
/// // Frame 5 of a sheet of 16x16 frames, 4 to a row, facing left, twice as big.
/// let walking = Sprite::from_grid([16, 16], 4, 5).flipped_x().scaled(2);
/// assert_eq!(walking.rect, Some([16, 16, 16, 16]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sprite {
    /// The part of the image to draw, in its pixels: `[x, y, width,
    /// height]`, cut to the image; `None`: all of it.
    pub rect: Option<[u32; 4]>,
    /// Mirror left to right.
    pub flip_x: bool,
    /// Mirror top to bottom.
    pub flip_y: bool,
    /// Multiplies every pixel, channel by channel (white leaves the image as
    /// it is; its alpha fades the whole image).
    pub color: Rgba,
    /// Each image pixel becomes a `scale` x `scale` square (0 counts as 1).
    pub scale: u32,
}

impl Sprite {
    /// The whole image, unflipped, untinted, at scale 1.
    pub const WHOLE: Self = Self {
        rect: None,
        flip_x: false,
        flip_y: false,
        color: [255; 4],
        scale: 1,
    };

    /// The part `[x, y, width, height]` of the image.
    pub const fn region(x: u32, y: u32, width: u32, height: u32) -> Self {
        Self {
            rect: Some([x, y, width, height]),
            ..Self::WHOLE
        }
    }

    /// Cell `index` of a sheet cut into `cell`-sized cells (`[width,
    /// height]`), `columns` to a row, counted left to right, top to bottom:
    /// a texture atlas's frame.
    pub const fn from_grid(cell: [u32; 2], columns: u32, index: u32) -> Self {
        let columns = if columns == 0 { 1 } else { columns };
        Self::region(
            index % columns * cell[0],
            index / columns * cell[1],
            cell[0],
            cell[1],
        )
    }

    /// The same, mirrored left to right.
    pub const fn flipped_x(self) -> Self {
        Self {
            flip_x: !self.flip_x,
            ..self
        }
    }

    /// The same, mirrored top to bottom.
    pub const fn flipped_y(self) -> Self {
        Self {
            flip_y: !self.flip_y,
            ..self
        }
    }

    /// The same, every pixel multiplied by `color`.
    pub const fn tinted(self, color: Rgba) -> Self {
        Self { color, ..self }
    }

    /// The same, at `scale`.
    pub const fn scaled(self, scale: u32) -> Self {
        Self { scale, ..self }
    }
}

impl Default for Sprite {
    fn default() -> Self {
        Self::WHOLE
    }
}

impl Canvas<'_> {
    /// Draws `image` with its top-left corner at `at` (rounded to a
    /// pixel), as it is: [`draw_sprite`](Self::draw_sprite) with
    /// [`Sprite::WHOLE`].
    pub fn draw_image(&mut self, image: &Image<'_>, at: Vec2) {
        self.draw_sprite(image, at, Sprite::WHOLE);
    }

    /// Draws the part of `image` that `sprite` says, flipped, tinted and
    /// scaled, with its top-left corner at `at` (rounded to a pixel),
    /// blended by each pixel's alpha (after the tint).
    pub fn draw_sprite(&mut self, image: &Image<'_>, at: Vec2, sprite: Sprite) {
        let [x, y, width, height] = sprite.rect.unwrap_or([0, 0, image.width(), image.height()]);
        let x = x.min(image.width());
        let y = y.min(image.height());
        let width = width.min(image.width() - x);
        let height = height.min(image.height() - y);
        let scale = sprite.scale.max(1) as i32;
        let (left, top) = (at.x.round() as i32, at.y.round() as i32);
        for row in 0..height {
            let from_y = if sprite.flip_y { height - 1 - row } else { row };
            for column in 0..width {
                let from_x = if sprite.flip_x {
                    width - 1 - column
                } else {
                    column
                };
                let pixel = tint(image.get(x + from_x, y + from_y), sprite.color);
                if pixel[3] == 0 {
                    continue;
                }
                let (to_x, to_y) = (left + column as i32 * scale, top + row as i32 * scale);
                for dy in 0..scale {
                    for dx in 0..scale {
                        self.blend(to_x + dx, to_y + dy, pixel);
                    }
                }
            }
        }
    }
}

/// `pixel` multiplied by `color`, channel by channel (255 is 1).
fn tint(pixel: Rgba, color: Rgba) -> Rgba {
    if color == [255; 4] {
        return pixel;
    }
    let mut tinted = pixel;
    for (channel, by) in tinted.iter_mut().zip(color) {
        *channel = ((u32::from(*channel) * u32::from(by) + 127) / 255) as u8;
    }
    tinted
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Rgba = [255, 0, 0, 255];
    const G: Rgba = [0, 255, 0, 255];
    const B: Rgba = [0, 0, 255, 255];
    const W: Rgba = [255, 255, 255, 255];
    const CLEAR: Rgba = [0, 0, 0, 0];

    /// A 4x2 sheet of two 2x2 frames: [R G / B W] and [W B / G CLEAR].
    fn sheet() -> Vec<u8> {
        [R, G, W, B, B, W, G, CLEAR].concat()
    }

    /// Draws into a black 6x4 canvas and returns its rows of pixels.
    fn drawn(draw: impl FnOnce(&mut Canvas<'_>)) -> Vec<Vec<Rgba>> {
        let mut pixels = [0, 0, 0, 255].repeat(6 * 4);
        draw(&mut Canvas::new(&mut pixels, 6, 4));
        pixels
            .chunks_exact(4 * 6)
            .map(|row| row.chunks_exact(4).map(|p| p.try_into().unwrap()).collect())
            .collect()
    }

    const K: Rgba = [0, 0, 0, 255];

    #[test]
    fn a_sheets_cell_is_drawn_pixel_exact_and_clear_pixels_are_skipped() {
        let pixels = sheet();
        let image = Image::new(&pixels, 4, 2);
        let rows = drawn(|canvas| {
            canvas.draw_sprite(&image, Vec2::new(1.0, 1.0), Sprite::from_grid([2, 2], 2, 1));
        });
        assert_eq!(rows[0], [K; 6]);
        assert_eq!(rows[1], [K, W, B, K, K, K]);
        assert_eq!(rows[2], [K, G, K, K, K, K], "the clear pixel leaves black");
        assert_eq!(rows[3], [K; 6]);
    }

    #[test]
    fn flips_mirror_the_region_not_the_sheet() {
        let pixels = sheet();
        let image = Image::new(&pixels, 4, 2);
        let first = Sprite::from_grid([2, 2], 2, 0);
        let rows = drawn(|canvas| {
            canvas.draw_sprite(&image, Vec2::ZERO, first.flipped_x());
            canvas.draw_sprite(&image, Vec2::new(2.0, 0.0), first.flipped_y());
            canvas.draw_sprite(&image, Vec2::new(4.0, 0.0), first.flipped_x().flipped_y());
        });
        assert_eq!(rows[0], [G, R, B, W, W, B]);
        assert_eq!(rows[1], [W, B, R, G, G, R]);
    }

    #[test]
    fn a_scaled_tinted_sprite_multiplies_and_fills_squares() {
        let pixels = sheet();
        let image = Image::new(&pixels, 4, 2);
        let rows = drawn(|canvas| {
            let half_red = [255, 128, 128, 255];
            let sprite = Sprite::region(2, 0, 1, 1).scaled(2).tinted(half_red);
            canvas.draw_sprite(&image, Vec2::new(3.0, 2.0), sprite);
        });
        let pink = [255, 128, 128, 255];
        assert_eq!(rows[2], [K, K, K, pink, pink, K]);
        assert_eq!(rows[3], [K, K, K, pink, pink, K]);
        assert_eq!(rows[1], [K; 6]);
    }

    #[test]
    fn a_tint_alpha_fades_the_sprite_and_regions_are_cut_to_the_image() {
        let pixels = sheet();
        let image = Image::new(&pixels, 4, 2);
        let rows = drawn(|canvas| {
            let faded = Sprite::region(3, 1, 50, 50).tinted([255, 255, 255, 51]);
            canvas.draw_sprite(&image, Vec2::new(-1.0, 0.0), Sprite::region(9, 9, 2, 2));
            canvas.draw_sprite(&image, Vec2::new(0.0, 0.0), faded);
            canvas.draw_image(&image, Vec2::new(10.0, 10.0));
        });
        // Cell (3, 1) is CLEAR: nothing; the region past the image: nothing.
        assert_eq!(rows, drawn(|_| {}));
        let rows = drawn(|canvas| {
            let faded = Sprite::region(0, 0, 1, 1).tinted([255, 255, 255, 51]);
            canvas.draw_sprite(&image, Vec2::ZERO, faded);
        });
        assert_eq!(rows[0][0], [51, 0, 0, 255], "red at a fifth over black");
    }

    #[test]
    fn draw_image_is_the_whole_sprite() {
        let pixels = sheet();
        let image = Image::new(&pixels, 4, 2);
        let whole = drawn(|canvas| canvas.draw_image(&image, Vec2::new(1.4, 0.6)));
        let sprite =
            drawn(|canvas| canvas.draw_sprite(&image, Vec2::new(1.0, 1.0), Sprite::default()));
        assert_eq!(whole, sprite, "`at` rounds to a pixel");
        assert_eq!(whole[1], [K, R, G, W, B, K]);
    }
}
