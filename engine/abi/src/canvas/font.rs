//! Fonts drawn as images: a glyph sheet in `assets/`, hot-reloaded like any
//! other image, for a game that wants its own letters instead of the
//! built-in 8x8 font.

use std::fmt;

use glam::Vec2;

use super::text::Glyphs;
use super::{Canvas, Rgba, Sprite};
use crate::Image;

/// A glyph sheet: an image cut into equal cells, one character per cell,
/// left to right and top to bottom, starting at `first` (usually `' '`, so
/// a 16 x 6 sheet holds ASCII 32 to 127). Draw the glyphs white on clear
/// pixels: [`Canvas::text_in`] multiplies them by the text's colour.
///
/// ```
/// use hotloop_abi::{Canvas, Font, Image};
/// // A sheet of two 3x5 glyphs, '0' and '1', side by side.
/// let sheet = [[255u8; 4]; 6 * 5].concat();
/// let font = Font::from_grid(Image::new(&sheet, 6, 5), [3, 5], '0');
/// let mut pixels = vec![0u8; 16 * 8 * 4];
/// let mut canvas = Canvas::new(&mut pixels, 16, 8);
/// let end = canvas.text_in(&font, 1, 1, 10, 1, [255, 0, 0, 255]);
/// assert_eq!((end, font.text_width("10", 1)), (1 + 6, 6));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Font<'a> {
    sheet: Image<'a>,
    cell: [u32; 2],
    columns: u32,
    first: u32,
    cells: u32,
}

impl<'a> Font<'a> {
    /// The font in `sheet`, cut into `cell`-sized cells (`[width, height]`,
    /// a 0 counting as 1), the first of which is `first`.
    pub fn from_grid(sheet: Image<'a>, cell: [u32; 2], first: char) -> Self {
        let cell = [cell[0].max(1), cell[1].max(1)];
        let columns = sheet.width() / cell[0];
        let rows = sheet.height() / cell[1];
        Self {
            sheet,
            cell,
            columns,
            first: first as u32,
            cells: columns * rows,
        }
    }

    /// One cell's size in pixels: each character's advance and height.
    pub fn cell(&self) -> [u32; 2] {
        self.cell
    }

    /// The width in pixels of `text` drawn in this font at `scale`.
    pub fn text_width(&self, text: impl fmt::Display, scale: u32) -> i32 {
        super::text::char_count(text) * (self.cell[0] * scale.max(1)) as i32
    }

    /// Draws `ch`'s cell (nothing when the sheet has none for it) with its
    /// top-left corner at `at`; returns its advance.
    pub(super) fn draw_glyph(
        &self,
        canvas: &mut Canvas<'_>,
        ch: char,
        at: (i32, i32),
        scale: u32,
        color: Rgba,
    ) -> i32 {
        let index = (ch as u32)
            .checked_sub(self.first)
            .filter(|&index| index < self.cells);
        if let Some(index) = index {
            let sprite = Sprite::from_grid(self.cell, self.columns, index)
                .tinted(color)
                .scaled(scale);
            let corner = Vec2::new(at.0 as f32, at.1 as f32);
            canvas.draw_sprite(&self.sheet, corner, sprite);
        }
        (self.cell[0] * scale) as i32
    }
}

impl Canvas<'_> {
    /// [`text`](Canvas::text), in `font` instead of the built-in one: each
    /// character is its cell of the sheet, multiplied by `color` and
    /// scaled; a character the sheet has no cell for is a blank cell.
    /// Returns the x where the next character would go.
    pub fn text_in(
        &mut self,
        font: &Font<'_>,
        x: i32,
        y: i32,
        text: impl fmt::Display,
        scale: u32,
        color: Rgba,
    ) -> i32 {
        self.write_text(Glyphs::Sheet(font), x, y, text, scale, color)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Rgba = [255; 4];
    const OFF: Rgba = [0; 4];

    /// A 2x2-cell sheet of three 2x2 glyphs, 'A', 'B', 'C' (and a fourth
    /// cell): 'A' is its top row, 'B' its left column, 'C' all of it.
    fn sheet() -> Vec<u8> {
        [
            [ON, ON, ON, OFF],
            [OFF, OFF, ON, OFF],
            [ON, ON, OFF, OFF],
            [ON, ON, OFF, OFF],
        ]
        .concat()
        .concat()
    }

    fn rows(pixels: &[u8], width: usize) -> Vec<String> {
        pixels
            .chunks_exact(width * 4)
            .map(|row| {
                row.chunks_exact(4)
                    .map(|pixel| match pixel {
                        [0, 0, 0, _] => '.',
                        [255, 0, 0, _] => 'r',
                        _ => '?',
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn each_character_is_its_cell_tinted_and_unknown_ones_are_blank() {
        let pixels = sheet();
        let font = Font::from_grid(Image::new(&pixels, 4, 4), [2, 2], 'A');
        let mut canvas_pixels = vec![0u8; 12 * 2 * 4];
        let mut canvas = Canvas::new(&mut canvas_pixels, 12, 2);
        let end = canvas.text_in(&font, 0, 0, "ABz C", 1, [255, 0, 0, 255]);
        assert_eq!(end, 10);
        assert_eq!(rows(&canvas_pixels, 12), ["rrr.....rr..", "..r.....rr.."]);
        assert_eq!(font.text_width("ABz C", 1), 10);
    }

    #[test]
    fn a_glyph_scales_into_squares() {
        let pixels = sheet();
        let font = Font::from_grid(Image::new(&pixels, 4, 4), [2, 2], 'A');
        let mut canvas_pixels = vec![0u8; 4 * 4 * 4];
        let mut canvas = Canvas::new(&mut canvas_pixels, 4, 4);
        assert_eq!(canvas.text_in(&font, 0, 0, 'A', 2, [255, 0, 0, 255]), 4);
        assert_eq!(rows(&canvas_pixels, 4), ["rrrr", "rrrr", "....", "...."]);
        assert_eq!(font.text_width("AA", 0), 4, "scale 0 counts as 1");
    }

    #[test]
    fn a_sheet_smaller_than_a_cell_has_no_glyphs() {
        let pixels = sheet();
        let font = Font::from_grid(Image::new(&pixels, 4, 4), [5, 0], ' ');
        let mut canvas_pixels = vec![0u8; 10 * 4];
        let mut canvas = Canvas::new(&mut canvas_pixels, 10, 1);
        assert_eq!(canvas.text_in(&font, 0, 0, "AB", 1, ON), 10);
        assert!(canvas_pixels.iter().all(|byte| *byte == 0));
        assert_eq!(font.cell(), [5, 1]);
    }
}
