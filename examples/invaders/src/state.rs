//! Everything the game remembers, as plain data: the engine keeps these
//! bytes across every reload, so nothing here may point anywhere.

use std::ops::Add;

use hotloop_abi::{EventCursor, Events, GameState, List, Rng, state};

/// Playfield width in pixels (the arcade's 224x256, as the original).
pub const WIDTH: i32 = 224;
/// Playfield height in pixels.
pub const HEIGHT: i32 = 256;
/// Rows of the fleet.
pub const ROWS: usize = 5;
/// Columns of the fleet.
pub const COLS: usize = 11;
/// Invaders in the fleet, row-major from the top row.
pub const INVADERS: usize = ROWS * COLS;
/// Side of an invader's cell in the fleet's grid.
pub const GRID: i32 = 16;
/// Top-left corner of the fleet's grid at the start.
pub const START: Point = Point { x: 24, y: 64 };
/// Where the player's cannon starts.
pub const PLAYER_START: Point = Point { x: 80, y: 216 };
/// Shields between the fleet and the player.
pub const SHIELDS: usize = 4;
/// Rows of a shield's pixel mask (one `u32` of column bits per row).
pub const SHIELD_ROWS: usize = 16;
/// Points for an invader (every kind is worth 10 in the original).
pub const POINTS: u32 = 10;

/// The generator's seed for a new session.
pub const SEED: u64 = 0x2545_f491;

state! {
    /// Where a game stands: the systems that move things run only while
    /// `Playing` (`game!`'s run conditions), and entering an end records
    /// the best score.
    #[repr(u8)]
    pub enum Phase {
        /// The fleet marches, the cannon moves and fires.
        Playing,
        /// P froze everything; P again goes on.
        Paused,
        /// A laser hit the cannon.
        Shot,
        /// An invader reached the cannon's row.
        Landed,
        /// Every invader was destroyed.
        Won,
    }

    /// The three kinds of invader, one per row band.
    #[repr(u8)]
    pub enum Kind {
        /// The top row.
        Blipjoy,
        /// The two middle rows.
        Ferris,
        /// The two bottom rows.
        Cthulhu,
    }

    /// The bullet hit an invader: sent by `move_bullet`, scored by `score_hits`.
    pub struct Hit {
        /// Index of the invader in the fleet's cells.
        pub invader: u8,
    }

    /// A position or a size in whole pixels; y grows downwards.
    pub struct Point {
        /// Pixels from the left.
        pub x: i32,
        /// Pixels from the top.
        pub y: i32,
    }

    /// One invader of the fleet; a destroyed one keeps its slot, not alive.
    pub struct Invader {
        /// Top-left corner of its sprite.
        pub pos: Point,
        /// Its kind: its sprite and colour.
        pub kind: Kind,
        /// Animation frame, 0 or 1: flips each time it steps.
        pub frame: u8,
        /// Not yet shot.
        pub alive: bool,
    }

    /// The fleet moves one invader per step, bottom row first.
    pub struct Fleet {
        /// Every invader, row-major from the top-left one.
        pub cells: [Invader; INVADERS],
        /// Index in `cells` of the invader that stepped last.
        pub stepper: u8,
        /// Top-left corner of the grid (column 0, row 0), moved by the
        /// leader: the fleet's edges are measured from it.
        pub origin: Point,
        /// Marching left (else right).
        pub leftward: bool,
        /// This sweep also moves each invader 8 px down.
        pub descend: bool,
    }

    /// The player's cannon.
    pub struct Player {
        /// Top-left corner of its sprite.
        pub pos: Point,
        /// Animation frame, 0 or 1: the treads roll while it moves.
        pub frame: u8,
        /// Steps moved since the frame last changed.
        pub anim: u8,
    }

    /// The player's bullet or an invader's laser.
    pub struct Shot {
        /// Top-left corner of its sprite.
        pub pos: Point,
        /// Steps since it was fired: picks the animation frame.
        pub age: u8,
    }

    /// A shield, deformed pixel by pixel where it is hit.
    pub struct Shield {
        /// Top-left corner.
        pub pos: Point,
        /// Bit `x` of `rows[y]`: the pixel at (x, y) is still there.
        pub rows: [u32; SHIELD_ROWS],
    }

    /// Everything the game remembers. The engine owns these bytes; reloads keep them.
    pub struct State {
        /// Steps run since the state was created.
        pub ticks: u64,
        /// Lasers fire at random, the same way every run (a seeded generator).
        pub rng: Rng,
        /// 10 per invader destroyed.
        pub score: u32,
        /// The best score of the session's games so far.
        pub best: u32,
        /// Playing, paused, or how the game ended.
        pub phase: GameState<Phase>,
        /// Invaders the bullet hit, this step and the last.
        pub hits: Events<Hit, 4>,
        /// How far `score_hits` has read `hits`.
        pub scored: EventCursor,
        /// The fleet.
        pub invaders: Fleet,
        /// The player's cannon.
        pub player: Player,
        /// The player's bullet: one at a time.
        pub bullet: List<Shot, 1>,
        /// The invaders' lasers: at most three at a time.
        pub lasers: List<Shot, 3>,
        /// The shields, left to right.
        pub shields: [Shield; SHIELDS],
    }
}

impl Point {
    /// A point (or a size).
    pub const fn new(x: i32, y: i32) -> Self {
        Self { x, y }
    }
}

impl Add for Point {
    type Output = Point;

    fn add(self, other: Point) -> Point {
        Point::new(self.x + other.x, self.y + other.y)
    }
}

/// Whether the rectangles at `a` and `b` (sizes `a_size`, `b_size`) overlap.
pub fn overlaps(a: Point, a_size: Point, b: Point, b_size: Point) -> bool {
    a.x < b.x + b_size.x && b.x < a.x + a_size.x && a.y < b.y + b_size.y && b.y < a.y + a_size.y
}
