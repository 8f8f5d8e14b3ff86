//! Shields: a bit per pixel, so every hit takes a bite out of them and a
//! later shot passes through the hole.

use crate::sprites::{BLAST_ART, SHIELD_ART, size};
use crate::state::{Point, SHIELD_ROWS, SHIELDS, Shield};

/// The shields as they start: four arches, 45 px apart.
pub fn new_shields() -> [Shield; SHIELDS] {
    let mut rows = [0u32; SHIELD_ROWS];
    for (bits, art) in rows.iter_mut().zip(SHIELD_ART) {
        *bits = mask(art);
    }
    std::array::from_fn(|index| Shield {
        pos: Point::new(index as i32 * 45 + 32, 192),
        rows,
    })
}

/// Whether the pixel at (x, y), relative to the shield, is still there.
pub fn solid(shield: &Shield, x: i32, y: i32) -> bool {
    (0..32).contains(&x)
        && (0..SHIELD_ROWS as i32).contains(&y)
        && shield.rows[y as usize] & (1 << x) != 0
}

/// A shot at `pos` of `size` that touches a shield's pixel blasts a hole
/// around the pixel it touched first (the lowest for a shot going `down`,
/// the highest for one going up). Returns whether it hit.
pub fn hit(shields: &mut [Shield; SHIELDS], pos: Point, size: Point, down: bool) -> bool {
    for shield in shields {
        // The shot's leading row first.
        for row in 0..size.y {
            let dy = if down { size.y - 1 - row } else { row };
            let y = pos.y + dy - shield.pos.y;
            let touched = (0..size.x)
                .map(|dx| pos.x + dx - shield.pos.x)
                .find(|&x| solid(shield, x, y));
            if let Some(x) = touched {
                blast(shield, x, y);
                return true;
            }
        }
    }
    false
}

/// Clears the blast pattern centred on (x, y).
fn blast(shield: &mut Shield, x: i32, y: i32) {
    let half = size(BLAST_ART).x / 2;
    for (dy, art) in BLAST_ART.iter().enumerate() {
        let row = y - half + dy as i32;
        if !(0..SHIELD_ROWS as i32).contains(&row) {
            continue;
        }
        let left = x - half;
        let bits = if left >= 0 {
            mask(art).checked_shl(left as u32).unwrap_or(0)
        } else {
            mask(art) >> -left
        };
        shield.rows[row as usize] &= !bits;
    }
}

/// A row of art as bits: bit `x` set where column `x` is '#'.
fn mask(art: &str) -> u32 {
    art.bytes()
        .take(32)
        .enumerate()
        .filter(|(_, byte)| *byte == b'#')
        .fold(0, |bits, (x, _)| bits | 1 << x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_blasts_a_hole_where_it_lands() {
        let mut shields = new_shields();
        let before = shields[1].rows;
        // A 2x4 bullet going up under the middle of shield 1's arch.
        let at = Point::new(shields[1].pos.x + 10, shields[1].pos.y + 9);
        assert!(solid(&shields[1], 10, 9));
        assert!(hit(&mut shields, at, Point::new(2, 4), false));
        assert_ne!(shields[1].rows, before);
        assert!(!solid(&shields[1], 10, 9), "the pixel hit is gone");
        assert_eq!(shields[0].rows, before, "other shields are untouched");
        // Far from every shield: no hit.
        assert!(!hit(&mut shields, Point::new(5, 5), Point::new(2, 4), true));
    }
}
