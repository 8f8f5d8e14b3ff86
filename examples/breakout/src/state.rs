//! Everything that must survive a reload, and the game it starts from.

use glam::Vec2;
use hotloop_abi::{EventCursor, Events, Handle, Pool, state};

use crate::arena::*;

/// Room for every brick of the grid (8 columns × 7 rows = 56 at the
/// standard sizes) and some to spare for a live edit that shrinks them.
pub const MAX_BRICKS: usize = 96;

state! {
    /// One brick. Built with `..Default::default()`, so a field added here
    /// needs no other edit (and a reload gives it zero in every brick).
    #[derive(Default)]
    pub struct Brick {
        /// Centre, in pixels.
        pub pos: Vec2,
    }

    /// The paddle at the bottom.
    pub struct Paddle {
        /// Centre, in pixels; only `x` moves.
        pub pos: Vec2,
    }

    /// The ball touched something this step: Bevy's `CollisionEvent`,
    /// sent by the collision system and read by the systems after it.
    pub struct Collision {
        /// The brick it touched, or `Handle::NONE` for a wall or the paddle.
        pub brick: Handle<Brick>,
    }

    /// The ball.
    pub struct Ball {
        /// Centre, in pixels.
        pub pos: Vec2,
        /// Pixels per second; bounces flip a component, the speed never changes.
        pub vel: Vec2,
    }

    /// The whole game. Bricks come and go, so they live in a `List`.
    pub struct State {
        /// Update steps run.
        pub ticks: u64,
        /// Bricks broken: the scoreboard.
        pub score: u32,
        /// The player's paddle.
        pub paddle: Paddle,
        /// The ball.
        pub ball: Ball,
        /// The bricks left, named by handles (slot order is the grid's).
        pub bricks: Pool<Brick, MAX_BRICKS>,
        /// What the ball touched, this step and the last.
        pub collisions: Events<Collision, 16>,
        /// How far `break_bricks` has read `collisions`.
        pub broken: EventCursor,
    }
}

/// A new game: ball at its start, paddle in the middle, the full grid.
pub fn init() -> State {
    State {
        ticks: 0,
        score: 0,
        paddle: Paddle {
            pos: Vec2::new(CENTER.x, PADDLE_Y),
        },
        ball: Ball {
            pos: BALL_START,
            vel: BALL_DIRECTION.normalize() * BALL_SPEED,
        },
        bricks: brick_grid(),
        collisions: Events::new(),
        broken: EventCursor::new(),
    }
}

/// As many bricks as fit between the side walls and between the ceiling and
/// a line a fixed gap above the paddle, centred across (Bevy's layout).
// `..Default::default()` updates nothing today; it is there for the next field.
#[allow(clippy::needless_update)]
fn brick_grid() -> Pool<Brick, MAX_BRICKS> {
    let pitch = BRICK_SIZE + GAP_BETWEEN_BRICKS;
    let width = RIGHT_WALL - LEFT_WALL - 2.0 * GAP_BETWEEN_BRICKS_AND_SIDES;
    let bottom = PADDLE_Y - GAP_BETWEEN_PADDLE_AND_BRICKS;
    let height = bottom - TOP_WALL - GAP_BETWEEN_BRICKS_AND_CEILING;
    let columns = (width / pitch.x).floor() as usize;
    let rows = (height / pitch.y).floor() as usize;
    let across = columns as f32 * pitch.x - GAP_BETWEEN_BRICKS;
    let first =
        Vec2::new(CENTER.x - across / 2.0, bottom) + Vec2::new(1.0, -1.0) * BRICK_SIZE / 2.0;
    let bricks = (0..rows).flat_map(|row| {
        (0..columns).map(move |column| Brick {
            pos: first + Vec2::new(column as f32, -(row as f32)) * pitch,
            ..Default::default()
        })
    });
    // A grid too big for the pool loses its top rows.
    let mut pool = Pool::new();
    for brick in bricks {
        if pool.spawn(brick).is_err() {
            break;
        }
    }
    pool
}
