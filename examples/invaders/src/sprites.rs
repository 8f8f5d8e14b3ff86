//! The sprites, drawn by hand as pixel art ('#' is a pixel, '.' is not),
//! at the sizes of the original's PCX sprites. Edit one and save: the next
//! frame draws it.

use hotloop_abi::Rgba;

use crate::state::{Kind, Point};

/// A sprite: rows of '#' and '.', all the same length.
pub type Art = &'static [&'static str];

/// The top row's invader, 10x8, two frames.
pub const BLIPJOY_ART: [Art; 2] = [
    &[
        ".#......#.",
        "..#....#..",
        "..######..",
        ".##.##.##.",
        ".########.",
        "..#.##.#..",
        ".#......#.",
        "#........#",
    ],
    &[
        ".#......#.",
        "..#....#..",
        "..######..",
        ".##.##.##.",
        ".########.",
        "..#.##.#..",
        "..#....#..",
        "...#..#...",
    ],
];

/// The middle rows' invader (a crab), 12x6, two frames.
pub const FERRIS_ART: [Art; 2] = [
    &[
        "##........##",
        "#.#.#..#.#.#",
        ".##########.",
        "..#.####.#..",
        ".##########.",
        "#.#.#..#.#.#",
    ],
    &[
        "#.#......#.#",
        ".##.#..#.##.",
        "..########..",
        "..#.####.#..",
        ".##########.",
        ".#.#....#.#.",
    ],
];

/// The bottom rows' invader (tentacles), 14x10, two frames.
pub const CTHULHU_ART: [Art; 2] = [
    &[
        "....######....",
        "..##########..",
        ".############.",
        ".##..####..##.",
        ".############.",
        "..##########..",
        "..#.#.##.#.#..",
        ".#..#.##.#..#.",
        "#..#..##..#..#",
        "..#..#..#..#..",
    ],
    &[
        "....######....",
        "..##########..",
        ".############.",
        ".##..####..##.",
        ".############.",
        "..##########..",
        "..#.#.##.#.#..",
        "..#.#.##.#.#..",
        ".#...#..#...#.",
        "#....#..#....#",
    ],
];

/// The player's cannon, 16x8; the treads roll between the two frames.
pub const PLAYER_ART: [Art; 2] = [
    &[
        ".......##.......",
        "......####......",
        "......####......",
        "..############..",
        ".##############.",
        "################",
        "################",
        "#.##.##.##.##.##",
    ],
    &[
        ".......##.......",
        "......####......",
        "......####......",
        "..############..",
        ".##############.",
        "################",
        "################",
        "##.##.##.##.##.#",
    ],
];

/// A shield as it starts, 22x16: an arch.
pub const SHIELD_ART: Art = &[
    "....##############....",
    "...################...",
    "..##################..",
    ".####################.",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "#######........#######",
    "######..........######",
    "#####............#####",
    "#####............#####",
];

/// What a hit knocks out of a shield, centred on the pixel hit.
pub const BLAST_ART: Art = &[
    "#..#..#", ".#.##..", "..####.", ".#####.", "..####.", ".#.##.#", "#...#..",
];

/// The player's bullet: 2x4, one colour.
pub const BULLET_SIZE: Point = Point::new(2, 4);
/// A laser: 3x8, a zigzag that crawls down one row per frame.
pub const LASER_SIZE: Point = Point::new(3, 8);
/// The laser's zigzag, by row: the column of its pixel.
pub const LASER_ZIGZAG: [i32; 4] = [0, 1, 2, 1];

/// Colours of the three kinds, the cannon, the shields and the shots.
pub const BLIPJOY_COLOR: Rgba = [255, 255, 255, 255];
/// The crabs: Rust orange.
pub const FERRIS_COLOR: Rgba = [247, 110, 30, 255];
/// The bottom rows.
pub const CTHULHU_COLOR: Rgba = [90, 230, 120, 255];
/// The player's cannon.
pub const PLAYER_COLOR: Rgba = [90, 190, 255, 255];
/// The shields.
pub const SHIELD_COLOR: Rgba = [40, 210, 60, 255];
/// The player's bullet.
pub const BULLET_COLOR: Rgba = [255, 250, 170, 255];
/// The invaders' lasers.
pub const LASER_COLOR: Rgba = [255, 80, 80, 255];

/// The two frames and the colour of an invader of `kind`.
pub fn invader_art(kind: Kind) -> ([Art; 2], Rgba) {
    match kind {
        Kind::Blipjoy => (BLIPJOY_ART, BLIPJOY_COLOR),
        Kind::Ferris => (FERRIS_ART, FERRIS_COLOR),
        Kind::Cthulhu => (CTHULHU_ART, CTHULHU_COLOR),
    }
}

/// The size of `art` in pixels.
pub fn size(art: Art) -> Point {
    Point::new(
        art.first().map_or(0, |row| row.len()) as i32,
        art.len() as i32,
    )
}

/// Where an invader of `kind` sits in its 16x16 cell (sprites are centred).
pub fn cell_offset(kind: Kind) -> Point {
    let size = size(invader_art(kind).0[0]);
    Point::new((16 - size.x) / 2, (16 - size.y) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sprite_is_a_rectangle_of_its_size() {
        let sizes = [
            (BLIPJOY_ART, (10, 8)),
            (FERRIS_ART, (12, 6)),
            (CTHULHU_ART, (14, 10)),
            (PLAYER_ART, (16, 8)),
        ];
        for (frames, (w, h)) in sizes {
            for art in frames {
                assert_eq!(size(art), Point::new(w, h));
                assert!(art.iter().all(|row| row.len() == w as usize));
                assert!(
                    art.iter()
                        .all(|row| row.bytes().all(|b| b == b'#' || b == b'.'))
                );
            }
        }
        assert_eq!(size(SHIELD_ART), Point::new(22, 16));
        assert!(SHIELD_ART.iter().all(|row| row.len() == 22));
        assert!(BLAST_ART.iter().all(|row| row.len() == 7));
    }
}
