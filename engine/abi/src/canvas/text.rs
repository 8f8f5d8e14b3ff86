//! Text in the built-in 8x8 bitmap font (font8x8, compiled into the ABI
//! crate once); a game's own font is a glyph sheet ([`super::font`]).

use std::fmt::{self, Write as _};

use super::{Canvas, Font, Rgba};

impl Canvas<'_> {
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
        self.write_text(Glyphs::Builtin, x, y, text, scale, color)
    }

    /// Draws `text` in `glyphs`, each scaled by `scale` (0 counts as 1) and
    /// coloured by `color`; returns the x where the next character would go.
    pub(super) fn write_text(
        &mut self,
        glyphs: Glyphs<'_>,
        x: i32,
        y: i32,
        text: impl fmt::Display,
        scale: u32,
        color: Rgba,
    ) -> i32 {
        let mut pen = Pen {
            canvas: self,
            glyphs,
            x,
            y,
            scale: scale.max(1),
            color,
        };
        let _ = write!(pen, "{text}");
        pen.x
    }

    /// The width in pixels of `text` drawn by [`text`](Canvas::text) at `scale`.
    pub fn text_width(text: impl fmt::Display, scale: u32) -> i32 {
        char_count(text) * 8 * scale.max(1) as i32
    }
}

/// How many characters `text` formats to, counted without allocating.
pub(super) fn char_count(text: impl fmt::Display) -> i32 {
    struct Count(i32);
    impl fmt::Write for Count {
        fn write_str(&mut self, text: &str) -> fmt::Result {
            self.0 += text.chars().count() as i32;
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = write!(count, "{text}");
    count.0
}

/// Where a pen's letters come from.
#[derive(Clone, Copy)]
pub(super) enum Glyphs<'f> {
    /// The built-in 8x8 font.
    Builtin,
    /// A game's glyph sheet.
    Sheet(&'f Font<'f>),
}

/// Draws text into a canvas as it is formatted.
struct Pen<'c, 'a, 'f> {
    canvas: &'c mut Canvas<'a>,
    glyphs: Glyphs<'f>,
    x: i32,
    y: i32,
    scale: u32,
    color: Rgba,
}

impl fmt::Write for Pen<'_, '_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for ch in text.chars() {
            self.x += match self.glyphs {
                Glyphs::Builtin => {
                    builtin_glyph(self.canvas, ch, (self.x, self.y), self.scale, self.color)
                }
                Glyphs::Sheet(font) => {
                    font.draw_glyph(self.canvas, ch, (self.x, self.y), self.scale, self.color)
                }
            };
        }
        Ok(())
    }
}

/// Draws `ch` in the built-in font with its top-left corner at `at`;
/// returns its advance.
fn builtin_glyph(
    canvas: &mut Canvas<'_>,
    ch: char,
    at: (i32, i32),
    scale: u32,
    color: Rgba,
) -> i32 {
    use font8x8::UnicodeFonts;
    let scale = scale as i32;
    let glyph = font8x8::BASIC_FONTS.get(ch).unwrap_or([0; 8]);
    for (row, bits) in (0..).zip(glyph) {
        for column in (0..8).filter(|column| bits & (1 << column) != 0) {
            for dy in 0..scale {
                for dx in 0..scale {
                    canvas.blend(at.0 + column * scale + dx, at.1 + row * scale + dy, color);
                }
            }
        }
    }
    8 * scale
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
