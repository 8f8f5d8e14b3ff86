//! Where everything is: Bevy's breakout layout scaled by 0.4 into a 512x288
//! framebuffer (Bevy's default 1280x720 window), so every size is a whole
//! pixel. Screen coordinates: origin top-left, y grows downwards.
//!
//! These are constants, not state: edit one and save, and the next frame
//! uses it (bricks already laid out keep their places until a new game).

use glam::Vec2;

use crate::collision::Aabb;

/// Framebuffer width: 1280 × 0.4.
pub const WIDTH: u32 = 512;
/// Framebuffer height: 720 × 0.4.
pub const HEIGHT: u32 = 288;
/// Bevy's origin, the middle of the window.
pub const CENTER: Vec2 = Vec2::new(WIDTH as f32 / 2.0, HEIGHT as f32 / 2.0);

/// Thickness of the walls (Bevy: 10).
pub const WALL_THICKNESS: f32 = 4.0;
/// The walls' centre lines (Bevy: ±450 across, ±300 up and down).
pub const LEFT_WALL: f32 = CENTER.x - 180.0;
/// See [`LEFT_WALL`].
pub const RIGHT_WALL: f32 = CENTER.x + 180.0;
/// See [`LEFT_WALL`].
pub const TOP_WALL: f32 = CENTER.y - 120.0;
/// See [`LEFT_WALL`].
pub const BOTTOM_WALL: f32 = CENTER.y + 120.0;

/// Paddle size (Bevy: 120x20).
pub const PADDLE_SIZE: Vec2 = Vec2::new(48.0, 8.0);
/// Height of the paddle's centre: 24 above the floor (Bevy: 60).
pub const PADDLE_Y: f32 = BOTTOM_WALL - 24.0;
/// Paddle speed in pixels per second (Bevy: 500).
pub const PADDLE_SPEED: f32 = 200.0;
/// How close the paddle gets to a wall (Bevy: 10).
pub const PADDLE_PADDING: f32 = 4.0;
/// Leftmost centre of the paddle: it stops this far from the left wall.
pub const PADDLE_MIN_X: f32 =
    LEFT_WALL + WALL_THICKNESS / 2.0 + PADDLE_SIZE.x / 2.0 + PADDLE_PADDING;
/// Rightmost centre of the paddle.
pub const PADDLE_MAX_X: f32 =
    RIGHT_WALL - WALL_THICKNESS / 2.0 - PADDLE_SIZE.x / 2.0 - PADDLE_PADDING;

/// Where the ball starts: 20 below the middle (Bevy: 50).
pub const BALL_START: Vec2 = Vec2::new(CENTER.x, CENTER.y + 20.0);
/// Ball diameter (Bevy: 30).
pub const BALL_DIAMETER: f32 = 12.0;
/// Ball speed in pixels per second (Bevy: 400); it never changes.
pub const BALL_SPEED: f32 = 160.0;
/// The launch direction: right and down, 45° (Bevy's (0.5, -0.5) with y up).
pub const BALL_DIRECTION: Vec2 = Vec2::new(0.5, 0.5);

/// Brick size (Bevy: 100x30).
pub const BRICK_SIZE: Vec2 = Vec2::new(40.0, 12.0);
/// Gap between neighbouring bricks (Bevy: 5).
pub const GAP_BETWEEN_BRICKS: f32 = 2.0;
/// Exact gap from the paddle's centre line up to the bricks (Bevy: 270).
pub const GAP_BETWEEN_PADDLE_AND_BRICKS: f32 = 108.0;
/// At least this much room above the bricks (Bevy: 20).
pub const GAP_BETWEEN_BRICKS_AND_CEILING: f32 = 8.0;
/// At least this much room beside the bricks (Bevy: 20).
pub const GAP_BETWEEN_BRICKS_AND_SIDES: f32 = 8.0;

/// The four walls as boxes the ball bounces off. They overlap at the
/// corners, as in Bevy, so the arena has no gaps.
pub const WALLS: [Aabb; 4] = {
    let tall = Vec2::new(
        WALL_THICKNESS / 2.0,
        (BOTTOM_WALL - TOP_WALL + WALL_THICKNESS) / 2.0,
    );
    let wide = Vec2::new(
        (RIGHT_WALL - LEFT_WALL + WALL_THICKNESS) / 2.0,
        WALL_THICKNESS / 2.0,
    );
    [
        Aabb::new(Vec2::new(LEFT_WALL, CENTER.y), tall),
        Aabb::new(Vec2::new(RIGHT_WALL, CENTER.y), tall),
        Aabb::new(Vec2::new(CENTER.x, TOP_WALL), wide),
        Aabb::new(Vec2::new(CENTER.x, BOTTOM_WALL), wide),
    ]
};
