//! Lines and outlines, one pixel wide.

use glam::Vec2;

use super::{Canvas, Rgba};

impl Canvas<'_> {
    /// Draws a one-pixel line from `from` to `to`, both ends included (each
    /// rounded to a pixel), blended by `color`'s alpha; every pixel of it is
    /// drawn once.
    pub fn line(&mut self, from: Vec2, to: Vec2, color: Rgba) {
        // Bresenham's, on whole pixels. Far ends are clamped first so a line
        // to a point far off screen cannot take billions of steps.
        let limit = 4.0 * (self.width.max(self.height) as f32 + 1.0);
        let end = |point: Vec2| {
            let point = point.clamp(Vec2::splat(-limit), Vec2::splat(limit));
            (point.x.round() as i64, point.y.round() as i64)
        };
        let ((mut x, mut y), (x1, y1)) = (end(from), end(to));
        let (dx, dy) = ((x1 - x).abs(), -(y1 - y).abs());
        let (step_x, step_y) = ((x1 - x).signum(), (y1 - y).signum());
        let mut error = dx + dy;
        loop {
            self.blend(x as i32, y as i32, color);
            if x == x1 && y == y1 {
                return;
            }
            let twice = 2 * error;
            if twice >= dy {
                error += dy;
                x += step_x;
            }
            if twice <= dx {
                error += dx;
                y += step_y;
            }
        }
    }

    /// Draws the one-pixel outline of the rectangle
    /// [`fill_rect`](Self::fill_rect) would fill: its outermost pixels.
    pub fn stroke_rect(&mut self, min: Vec2, max: Vec2, color: Rgba) {
        let (x0, y0) = (min.x.round(), min.y.round());
        let (x1, y1) = (max.x.round() - 1.0, max.y.round() - 1.0);
        if x1 < x0 || y1 < y0 {
            return;
        }
        self.fill_rect(Vec2::new(x0, y0), Vec2::new(x1 + 1.0, y0 + 1.0), color);
        if y1 > y0 {
            self.fill_rect(Vec2::new(x0, y1), Vec2::new(x1 + 1.0, y1 + 1.0), color);
        }
        if y1 - y0 >= 2.0 {
            self.fill_rect(Vec2::new(x0, y0 + 1.0), Vec2::new(x0 + 1.0, y1), color);
            if x1 > x0 {
                self.fill_rect(Vec2::new(x1, y0 + 1.0), Vec2::new(x1 + 1.0, y1), color);
            }
        }
    }

    /// Draws the one-pixel outline of the disc
    /// [`fill_circle`](Self::fill_circle) would fill: its pixels with a
    /// neighbour (left, right, above or below) outside it.
    pub fn stroke_circle(&mut self, center: Vec2, radius: f32, color: Rgba) {
        let (x0, y0) = self.clamp(center - radius);
        let (x1, y1) = self.clamp(center + radius + 1.0);
        let inside = |x: i64, y: i64| {
            let d = Vec2::new(x as f32 + 0.5, y as f32 + 0.5) - center;
            d.length_squared() <= radius * radius
        };
        for y in i64::from(y0)..i64::from(y1) {
            for x in i64::from(x0)..i64::from(x1) {
                let edge = !inside(x - 1, y)
                    || !inside(x + 1, y)
                    || !inside(x, y - 1)
                    || !inside(x, y + 1);
                if inside(x, y) && edge {
                    self.blend(x as i32, y as i32, color);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Rgba = [255, 255, 255, 255];

    /// Draws into a blank `width` x `height` canvas; returns its rows as
    /// strings, '#' for a drawn pixel.
    fn drawn(width: u32, height: u32, draw: impl FnOnce(&mut Canvas<'_>)) -> Vec<String> {
        let mut pixels = vec![0; width as usize * height as usize * 4];
        draw(&mut Canvas::new(&mut pixels, width, height));
        pixels
            .chunks_exact(width as usize * 4)
            .map(|row| {
                row.chunks_exact(4)
                    .map(|pixel| if pixel[0] > 0 { '#' } else { '.' })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn lines_include_both_ends_in_every_direction() {
        let rows = drawn(6, 4, |canvas| {
            canvas.line(Vec2::new(0.0, 0.0), Vec2::new(5.0, 3.0), ON)
        });
        assert_eq!(rows, ["#.....", ".##...", "...##.", ".....#"]);
        let reversed = drawn(6, 4, |canvas| {
            canvas.line(Vec2::new(5.0, 3.0), Vec2::new(0.0, 0.0), ON)
        });
        assert_eq!(
            reversed.concat().matches('#').count(),
            6,
            "as many pixels backwards"
        );
        let dot = drawn(3, 3, |canvas| canvas.line(Vec2::ONE, Vec2::ONE, ON));
        assert_eq!(dot, ["...", ".#.", "..."]);
        let vertical = drawn(3, 3, |canvas| {
            canvas.line(Vec2::new(2.0, 2.0), Vec2::new(2.0, 0.0), ON)
        });
        assert_eq!(vertical, ["..#", "..#", "..#"]);
    }

    #[test]
    fn a_line_to_far_off_screen_is_clipped_and_ends() {
        let rows = drawn(4, 4, |canvas| {
            canvas.line(Vec2::new(0.0, 1.0), Vec2::new(1e30, 1.0), ON);
            canvas.line(Vec2::new(-1e9, -1e9), Vec2::new(f32::NAN, 3.0), ON);
        });
        assert_eq!(rows[1], "####");
    }

    #[test]
    fn a_translucent_line_blends_each_pixel_once() {
        let mut pixels = vec![0; 5 * 5 * 4];
        let mut canvas = Canvas::new(&mut pixels, 5, 5);
        canvas.line(Vec2::new(0.0, 0.0), Vec2::new(4.0, 2.0), [200, 0, 0, 128]);
        let reds: Vec<u8> = pixels
            .chunks_exact(4)
            .map(|p| p[0])
            .filter(|r| *r > 0)
            .collect();
        assert_eq!(reds, [100; 5]);
    }

    #[test]
    fn outlines_are_the_edges_of_what_the_fills_fill() {
        let rows = drawn(6, 5, |canvas| {
            canvas.stroke_rect(Vec2::new(1.0, 1.0), Vec2::new(5.0, 5.0), ON)
        });
        assert_eq!(rows, ["......", ".####.", ".#..#.", ".#..#.", ".####."]);
        let thin = drawn(4, 3, |canvas| {
            canvas.stroke_rect(Vec2::new(0.0, 1.0), Vec2::new(4.0, 2.0), ON);
            canvas.stroke_rect(Vec2::new(2.0, 2.0), Vec2::new(2.0, 9.0), ON);
        });
        assert_eq!(
            thin,
            ["....", "####", "...."],
            "one row; an empty one draws nothing"
        );

        let fill = drawn(9, 9, |canvas| canvas.fill_circle(Vec2::splat(4.5), 3.0, ON));
        let ring = drawn(9, 9, |canvas| {
            canvas.stroke_circle(Vec2::splat(4.5), 3.0, ON)
        });
        let inner = drawn(9, 9, |canvas| canvas.fill_circle(Vec2::splat(4.5), 2.0, ON));
        assert_eq!(ring[4], ".#.....#.", "{ring:#?}");
        assert!(ring.concat().matches('#').count() < fill.concat().matches('#').count());
        // The ring and what is left inside it make the disc.
        for (row, (ring, inner)) in fill.iter().zip(ring.iter().zip(&inner)) {
            for (index, (r, i)) in ring.chars().zip(inner.chars()).enumerate() {
                if r == '#' {
                    assert_eq!(&row[index..=index], "#", "the ring is inside the disc");
                }
                if i == '#' {
                    assert_eq!(r, '.', "the ring leaves the inside alone");
                }
            }
        }
    }
}
