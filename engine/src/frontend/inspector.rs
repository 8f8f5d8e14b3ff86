//! The live state inspector (F2): every field of the state with its value,
//! updated every frame; `[` and `]` select a field, `-` and `=` nudge it
//! (hold Shift for steps of ten). Changes are written into the state buffer
//! between frames.

use std::fmt::Write;

use winit::keyboard::KeyCode;

use crate::frontend::text::{GLYPH, Target};
use crate::runtime::Engine;
use crate::state::fields::{Entry, Value, read};

const PANEL: [u8; 4] = [8, 40, 28, 215];
const SELECTED: [u8; 4] = [40, 130, 80, 255];
const TEXT: [u8; 3] = [225, 245, 230];
const DIM: [u8; 3] = [130, 160, 140];
/// Rows start below the status line.
const TOP: usize = GLYPH + 6;

/// What the inspector looks at and changes: the [`Engine`], or a stand-in.
pub trait Inspected {
    /// The state's fields, as the inspector lists them.
    fn entries(&self) -> &[Entry];
    /// The state's bytes.
    fn state_bytes(&self) -> &[u8];
    /// Changes the `index`th entry by `steps`; the new value if it changed.
    fn nudge(&mut self, index: usize, steps: i32) -> Option<Value>;
}

impl Inspected for Engine {
    fn entries(&self) -> &[Entry] {
        self.state_entries()
    }
    fn state_bytes(&self) -> &[u8] {
        Engine::state_bytes(self)
    }
    fn nudge(&mut self, index: usize, steps: i32) -> Option<Value> {
        Engine::nudge(self, index, steps)
    }
}

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
    pub fn key(&mut self, code: KeyCode, shift: bool, engine: &mut impl Inspected) -> bool {
        if !self.visible {
            return false;
        }
        let count = engine.entries().len();
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
    pub fn draw(
        &mut self,
        engine: &impl Inspected,
        pixels: &mut [u8],
        width: usize,
        height: usize,
    ) {
        if !self.visible {
            return;
        }
        let mut target = Target::new(pixels, width, height);
        let entries = engine.entries();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fields::{decode, entries, nudge};
    use hotloop_abi::{StateLayout, state};

    state! {
        struct Sample { ticks: u32, speed: f32, alive: bool }
    }

    /// A state of `Sample` without an engine.
    struct Stand {
        entries: Vec<Entry>,
        bytes: Vec<u8>,
    }

    impl Inspected for Stand {
        fn entries(&self) -> &[Entry] {
            &self.entries
        }
        fn state_bytes(&self) -> &[u8] {
            &self.bytes
        }
        fn nudge(&mut self, index: usize, steps: i32) -> Option<Value> {
            nudge(&self.entries[index], &mut self.bytes, steps)
        }
    }

    fn stand() -> Stand {
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<Sample>(&mut table);
        let fields = decode(&table, StateLayout::of::<Sample>()).unwrap();
        Stand {
            entries: entries(&fields),
            bytes: vec![0; size_of::<Sample>()],
        }
    }

    fn value(stand: &Stand, index: usize) -> Value {
        read(&stand.entries[index], &stand.bytes)
    }

    #[test]
    fn keys_select_and_nudge_only_while_shown() {
        let (mut inspector, mut stand) = (Inspector::default(), stand());
        assert!(
            !inspector.key(KeyCode::Equal, false, &mut stand),
            "hidden: not used"
        );
        assert_eq!(value(&stand, 0), Value::Int(0));

        inspector.visible = true;
        assert!(inspector.key(KeyCode::Equal, true, &mut stand));
        assert_eq!(value(&stand, 0), Value::Int(10), "Shift nudges by ten");
        inspector.key(KeyCode::BracketRight, false, &mut stand);
        inspector.key(KeyCode::Minus, false, &mut stand);
        assert_eq!(value(&stand, 1), Value::Float(-1.0));
        for _ in 0..5 {
            inspector.key(KeyCode::BracketRight, false, &mut stand);
        }
        inspector.key(KeyCode::Equal, false, &mut stand);
        assert_eq!(
            value(&stand, 2),
            Value::Bool(true),
            "the selection stops at the last field"
        );
        for _ in 0..5 {
            inspector.key(KeyCode::BracketLeft, false, &mut stand);
        }
        inspector.key(KeyCode::Equal, false, &mut stand);
        assert_eq!(value(&stand, 0), Value::Int(11), "and at the first");
        assert!(
            !inspector.key(KeyCode::KeyQ, false, &mut stand),
            "other keys pass through"
        );
    }

    #[test]
    fn the_panel_highlights_the_selected_field() {
        let (w, h) = (320, 240);
        let (mut inspector, mut stand) = (Inspector::default(), stand());
        let mut pixels = vec![0u8; w * h * 4];
        inspector.draw(&stand, &mut pixels, w, h);
        assert!(pixels.iter().all(|&b| b == 0), "hidden: nothing drawn");

        inspector.visible = true;
        inspector.key(KeyCode::BracketRight, false, &mut stand);
        inspector.draw(&stand, &mut pixels, w, h);
        let row_of = |y: usize| &pixels[(y * w + w - 2) * 4..(y * w + w - 2) * 4 + 3];
        let selected: Vec<usize> = (0..h).filter(|&y| row_of(y) == &SELECTED[..3]).collect();
        let second_row = TOP + 1 + 2 * (GLYPH + 1);
        assert!(
            selected.contains(&second_row) && !selected.contains(&(TOP + 1 + GLYPH + 1)),
            "the second field's row is highlighted: {selected:?}"
        );
    }
}
