//! A 5x5 pixel font for the score and the few words the game shows.

use hotloop_abi::{Canvas, Rgba};

use crate::state::Point;

/// Glyphs: five rows each, bit 4 the leftmost column. Unknown characters
/// draw as spaces.
#[rustfmt::skip]
const GLYPHS: [(char, [u8; 5]); 26] = [
    ('0', [0b01110, 0b10011, 0b10101, 0b11001, 0b01110]),
    ('1', [0b00100, 0b01100, 0b00100, 0b00100, 0b01110]),
    ('2', [0b11110, 0b00001, 0b01110, 0b10000, 0b11111]),
    ('3', [0b11110, 0b00001, 0b00110, 0b00001, 0b11110]),
    ('4', [0b10010, 0b10010, 0b11111, 0b00010, 0b00010]),
    ('5', [0b11111, 0b10000, 0b11110, 0b00001, 0b11110]),
    ('6', [0b01110, 0b10000, 0b11110, 0b10001, 0b01110]),
    ('7', [0b11111, 0b00001, 0b00010, 0b00100, 0b00100]),
    ('8', [0b01110, 0b10001, 0b01110, 0b10001, 0b01110]),
    ('9', [0b01110, 0b10001, 0b01111, 0b00001, 0b01110]),
    ('A', [0b01110, 0b10001, 0b11111, 0b10001, 0b10001]),
    ('C', [0b01111, 0b10000, 0b10000, 0b10000, 0b01111]),
    ('D', [0b11110, 0b10001, 0b10001, 0b10001, 0b11110]),
    ('E', [0b11111, 0b10000, 0b11110, 0b10000, 0b11111]),
    ('G', [0b01111, 0b10000, 0b10011, 0b10001, 0b01111]),
    ('I', [0b01110, 0b00100, 0b00100, 0b00100, 0b01110]),
    ('M', [0b10001, 0b11011, 0b10101, 0b10001, 0b10001]),
    ('N', [0b10001, 0b11001, 0b10101, 0b10011, 0b10001]),
    ('O', [0b01110, 0b10001, 0b10001, 0b10001, 0b01110]),
    ('P', [0b11110, 0b10001, 0b11110, 0b10000, 0b10000]),
    ('R', [0b11110, 0b10001, 0b11110, 0b10010, 0b10001]),
    ('S', [0b01111, 0b10000, 0b01110, 0b00001, 0b11110]),
    ('U', [0b10001, 0b10001, 0b10001, 0b10001, 0b01110]),
    ('V', [0b10001, 0b10001, 0b10001, 0b01010, 0b00100]),
    ('W', [0b10001, 0b10001, 0b10101, 0b11011, 0b10001]),
    ('Y', [0b10001, 0b01010, 0b00100, 0b00100, 0b00100]),
];

/// Width of `text` drawn at `scale`, in pixels.
pub fn width(text: &str, scale: i32) -> i32 {
    (text.chars().count() as i32 * 6 - 1) * scale
}

/// Draws `text` with its top-left corner at `at`, each font pixel a
/// `scale`-sided square.
pub fn text(canvas: &mut Canvas<'_>, text: &str, at: Point, scale: i32, color: Rgba) {
    for (index, ch) in text.chars().enumerate() {
        glyph(
            canvas,
            ch,
            at.x + index as i32 * 6 * scale,
            at.y,
            scale,
            color,
        );
    }
}

/// Draws `value` as `digits` digits (leading zeros), without allocating.
pub fn number(canvas: &mut Canvas<'_>, value: u32, digits: u32, at: Point, color: Rgba) {
    for place in 0..digits {
        let digit = value / 10u32.pow(digits - 1 - place) % 10;
        let ch = char::from_digit(digit, 10).unwrap_or('0');
        glyph(canvas, ch, at.x + place as i32 * 6, at.y, 1, color);
    }
}

fn glyph(canvas: &mut Canvas<'_>, ch: char, x: i32, y: i32, scale: i32, color: Rgba) {
    let Some((_, rows)) = GLYPHS.iter().find(|(c, _)| *c == ch) else {
        return;
    };
    for (dy, bits) in rows.iter().enumerate() {
        for dx in 0..5 {
            if bits & (0b10000 >> dx) != 0 {
                for sy in 0..scale {
                    for sx in 0..scale {
                        let px = x + dx * scale + sx;
                        canvas.set(px, y + dy as i32 * scale + sy, color);
                    }
                }
            }
        }
    }
}
