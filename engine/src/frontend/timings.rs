//! The F4 panel: the last second's per-system timings
//! ([`SystemProfile`]), slowest first, at the top right under the status line.

use std::fmt::Write;

use crate::frontend::text::{GLYPH, Target};
use crate::runtime::profile::SystemProfile;

const PANEL: [u8; 4] = [10, 30, 60, 210];
const TEXT: [u8; 3] = [235, 235, 235];
/// Characters per line.
const COLUMNS: usize = 30;

/// Draws the timings panel; keeps its line buffer so that drawing a frame
/// allocates nothing.
#[derive(Debug, Default)]
pub struct TimingsPanel {
    line: String,
}

impl TimingsPanel {
    /// Draws `profile`'s last second on `target` (the window's overlay layer).
    pub fn draw(&mut self, profile: &SystemProfile, target: &mut Target<'_>) {
        let width = target.width();
        let shown = profile.last_second().count();
        let rows = shown.max(1) + 1;
        let (panel_width, panel_height) = (COLUMNS * GLYPH + 4, rows * (GLYPH + 1) + 4);
        let left = width.saturating_sub(panel_width);
        let top = GLYPH + 6;
        target.panel(left, top, panel_width, panel_height, PANEL);
        let title = if shown == 0 {
            "systems: timing 1 s..."
        } else {
            "systems, us per step (1 s)"
        };
        target.text(left + 2, top + 2, title, TEXT);
        for (row, (name, mean)) in profile.last_second().enumerate() {
            self.line.clear();
            // The last path segment: `systems::move_particles` is `move_particles`.
            let name = name.rsplit("::").next().unwrap_or_default();
            let _ = write!(self.line, "{mean:>8.1} {name}");
            let line: &str = match self.line.char_indices().nth(COLUMNS) {
                Some((cut, _)) => &self.line[..cut],
                None => &self.line,
            };
            target.text(left + 2, top + 2 + (row + 1) * (GLYPH + 1), line, TEXT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panel_is_drawn_at_the_top_right() {
        let (w, h) = (320, 240);
        let mut profile = SystemProfile::new(&["tick".to_owned()], 1);
        profile.step_slots()[0] = 5_000;
        profile.record();
        let mut pixels = vec![0u8; w * h * 4];
        TimingsPanel::default().draw(&profile, &mut Target::new(&mut pixels, w, h));
        let at = |x: usize, y: usize| &pixels[(y * w + x) * 4..(y * w + x) * 4 + 3];
        assert_ne!(at(w - 2, GLYPH + 8), [0, 0, 0], "panel at the top right");
        assert_eq!(at(2, h / 2), [0, 0, 0], "nothing elsewhere");
    }
}
