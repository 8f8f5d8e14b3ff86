//! Everything the game remembers, as plain data: the engine keeps these
//! bytes across every reload, so nothing here may point anywhere.

use std::ops::Add;

use hotloop_abi::{List, state};

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

/// [`State::over`]: still playing.
pub const PLAYING: u8 = 0;
/// [`State::over`]: a laser hit the player.
pub const SHOT: u8 = 1;
/// [`State::over`]: an invader reached the player's row.
pub const LANDED: u8 = 2;
/// [`State::over`]: every invader was destroyed.
pub const WON: u8 = 3;

/// [`Invader::kind`] of the top row.
pub const BLIPJOY: u8 = 0;
/// [`Invader::kind`] of the two middle rows.
pub const FERRIS: u8 = 1;
/// [`Invader::kind`] of the two bottom rows.
pub const CTHULHU: u8 = 2;

state! {
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
        /// [`BLIPJOY`], [`FERRIS`] or [`CTHULHU`].
        pub kind: u8,
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
        /// xorshift32 state: lasers fire at random, the same way every run.
        pub rng: u32,
        /// 10 per invader destroyed.
        pub score: u32,
        /// [`PLAYING`], or why the game ended ([`SHOT`], [`LANDED`], [`WON`]).
        pub over: u8,
        /// P pauses and resumes.
        pub paused: bool,
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

impl State {
    /// Whether the game advances this step (not over, not paused).
    pub fn playing(&self) -> bool {
        self.over == PLAYING && !self.paused
    }

    /// The next pseudo-random number (xorshift32); 0 is reseeded, as
    /// xorshift would stay at 0 forever (the inspector can write one).
    pub fn random(&mut self) -> u32 {
        let mut x = if self.rng == 0 { SEED } else { self.rng };
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }
}

/// The generator's first state.
pub const SEED: u32 = 0x2545_f491;

/// Whether the rectangles at `a` and `b` (sizes `a_size`, `b_size`) overlap.
pub fn overlaps(a: Point, a_size: Point, b: Point, b_size: Point) -> bool {
    a.x < b.x + b_size.x && b.x < a.x + a_size.x && a.y < b.y + b_size.y && b.y < a.y + a_size.y
}
