//! Ball against box: which side was touched, and how the ball turns.
//! Bevy's rule: a circle touching an axis-aligned box hit the side facing
//! the larger offset from the box's nearest point.

use glam::Vec2;

/// An axis-aligned box: a wall, the paddle or a brick. Not state: boxes are
/// rebuilt from the state every step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aabb {
    /// Centre, in pixels.
    pub center: Vec2,
    /// Half the width and half the height.
    pub half: Vec2,
}

impl Aabb {
    /// A box around `center` reaching `half` each way.
    pub const fn new(center: Vec2, half: Vec2) -> Self {
        Self { center, half }
    }

    /// The side of this box a ball at `center` with `radius` touches, as the
    /// side's outward normal; `None` when they do not touch.
    pub fn touched_side(&self, center: Vec2, radius: f32) -> Option<Vec2> {
        let nearest = center.clamp(self.center - self.half, self.center + self.half);
        let offset = center - nearest;
        if offset.length_squared() > radius * radius {
            return None;
        }
        // A centre inside the box (no offset) counts as a hit from below, as in Bevy.
        Some(if offset.x.abs() > offset.y.abs() {
            Vec2::new(offset.x.signum(), 0.0)
        } else if offset.y < 0.0 {
            Vec2::NEG_Y
        } else {
            Vec2::Y
        })
    }
}

/// `velocity` mirrored off a side with outward `normal`, but only when it
/// heads into that side: a ball already leaving is not turned back in.
pub fn bounce(velocity: Vec2, normal: Vec2) -> Vec2 {
    let into = velocity.dot(normal);
    if into < 0.0 {
        velocity - 2.0 * into * normal
    } else {
        velocity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_side_facing_the_ball_is_the_one_touched() {
        let wall = Aabb::new(Vec2::new(10.0, 10.0), Vec2::new(2.0, 20.0));
        assert_eq!(wall.touched_side(Vec2::new(15.0, 10.0), 4.0), Some(Vec2::X));
        assert_eq!(
            wall.touched_side(Vec2::new(5.0, 10.0), 4.0),
            Some(Vec2::NEG_X)
        );
        assert_eq!(
            wall.touched_side(Vec2::new(10.0, -12.0), 4.0),
            Some(Vec2::NEG_Y)
        );
        assert_eq!(wall.touched_side(Vec2::new(17.0, 10.0), 4.0), None);
    }

    #[test]
    fn only_a_ball_heading_in_turns() {
        assert_eq!(bounce(Vec2::new(-3.0, 4.0), Vec2::X), Vec2::new(3.0, 4.0));
        assert_eq!(bounce(Vec2::new(3.0, 4.0), Vec2::X), Vec2::new(3.0, 4.0));
    }
}
