//! The live state inspector (F2): every field of the state with its value,
//! updated every frame; `[` and `]` select a field, `-` and `=` nudge it
//! (hold Shift for steps of ten). Changes are written into the state buffer
//! between frames.

use std::fmt::Write;

use winit::keyboard::KeyCode;

use crate::frontend::text::{GLYPH, Target};
use crate::runtime::Engine;
use crate::state::fields::read;

const PANEL: [u8; 4] = [8, 40, 28, 215];
const SELECTED: [u8; 4] = [40, 130, 80, 255];
const TEXT: [u8; 3] = [225, 245, 230];
const DIM: [u8; 3] = [130, 160, 140];
/// Rows start below the status line.
const TOP: usize = GLYPH + 6;

/// Inspector state: whether it is shown and which entry is selected.
#[derive(Debug, Default)]
pub struct Inspector {
    /// Whether the panel is shown.
    pub visible: bool,
    selected: usize,
    line: String,
}

impl Inspector {
    /// Handles a key press while the inspector is shown; true if it used it.
    pub fn key(&mut self, code: KeyCode, shift: bool, engine: &mut Engine) -> bool {
        if !self.visible {
            return false;
        }
        let count = engine.state_entries().len();
        let steps = if shift { 10 } else { 1 };
        match code {
            KeyCode::BracketLeft => self.selected = self.selected.saturating_sub(1),
            KeyCode::BracketRight => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1))
            }
            KeyCode::Minus => {
                engine.nudge(self.selected, -steps);
            }
            KeyCode::Equal => {
                engine.nudge(self.selected, steps);
            }
            _ => return false,
        }
        true
    }

    /// Draws the panel over the framebuffer (`width` x `height`, RGBA8).
    pub fn draw(&mut self, engine: &Engine, pixels: &mut [u8], width: usize, height: usize) {
        if !self.visible {
            return;
        }
        let mut target = Target::new(pixels, width, height);
        let entries = engine.state_entries();
        self.selected = self.selected.min(entries.len().saturating_sub(1));
        let row_height = GLYPH + 1;
        let rows = (height.saturating_sub(TOP + row_height * 2) / row_height).max(1);
        let first = self
            .selected
            .saturating_sub(rows / 2)
            .min(entries.len().saturating_sub(rows));
        let shown = entries.len().min(rows);
        target.panel(0, TOP, width, (shown + 1) * row_height + 2, PANEL);
        target.text(2, TOP + 1, "STATE  [ ] select  - = nudge", DIM);
        let columns = width / GLYPH;
        for (row, (index, entry)) in entries
            .iter()
            .enumerate()
            .skip(first)
            .take(rows)
            .enumerate()
        {
            let y = TOP + 1 + (row + 1) * row_height;
            if index == self.selected {
                target.panel(0, y - 1, width, row_height, SELECTED);
            }
            self.line.clear();
            let _ = write!(
                self.line,
                "{} = {}",
                entry.path,
                read(entry, engine.state_bytes())
            );
            let end = self
                .line
                .char_indices()
                .nth(columns)
                .map_or(self.line.len(), |(at, _)| at);
            let color = if entry.editable() { TEXT } else { DIM };
            target.text(2, y, &self.line[..end], color);
        }
    }
}
