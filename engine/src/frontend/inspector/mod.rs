//! The live state inspector (F2): every field of the state with its value,
//! updated every frame; `[` and `]` select a row, `-` and `=` nudge a value
//! (hold Shift for steps of ten). Arrays and lists show one element at a
//! time: their row says which (`particles [3] of 48`), and `-` `=` on it
//! step through the elements. Changes are written into the state buffer
//! between frames.

mod rows;

use std::fmt::Write;
use std::sync::Arc;

use hotloop_abi::{GamepadButton, Input, Key, MouseButton};
use winit::keyboard::KeyCode;

use crate::frontend::text::{GLYPH, Target};
use crate::runtime::Engine;
use crate::state::fields::{Entry, FieldTable, ReadAt, Row, Value, show};
use rows::Rows;

const PANEL: [u8; 4] = [8, 40, 28, 215];
const SELECTED: [u8; 4] = [40, 130, 80, 255];
const TEXT: [u8; 3] = [225, 245, 230];
const DIM: [u8; 3] = [130, 160, 140];
/// Rows start below the status line.
const TOP: usize = GLYPH + 6;

/// What the inspector looks at and changes: the [`Engine`], or a stand-in.
pub trait Inspected {
    /// The state's field table.
    fn table(&self) -> &Arc<FieldTable>;
    /// The state, read in place.
    fn state(&self) -> &dyn ReadAt;
    /// Changes the value `entry` names by `steps`; the new value if it changed.
    fn nudge(&mut self, entry: &Entry, steps: i32) -> Option<Value>;
}

impl Inspected for Engine {
    fn table(&self) -> &Arc<FieldTable> {
        self.field_table()
    }
    fn state(&self) -> &dyn ReadAt {
        self.state_buffer()
    }
    fn nudge(&mut self, entry: &Entry, steps: i32) -> Option<Value> {
        self.nudge_entry(entry, steps)
    }
}

/// Inspector state: whether it is shown, which row is selected, and which
/// element of each array is shown.
#[derive(Debug, Default)]
pub struct Inspector {
    /// Whether the panel is shown.
    pub visible: bool,
    selected: usize,
    rows: Rows,
    line: String,
}

impl Inspector {
    /// Handles a key press while the inspector is shown; true if it used it.
    pub fn key(&mut self, code: KeyCode, shift: bool, engine: &mut impl Inspected) -> bool {
        if !self.visible {
            return false;
        }
        self.refresh(engine);
        let steps = if shift { 10 } else { 1 };
        let steps = match code {
            KeyCode::BracketLeft => {
                self.selected = self.selected.saturating_sub(1);
                return true;
            }
            KeyCode::BracketRight => {
                self.selected = (self.selected + 1).min(self.rows.last().len().saturating_sub(1));
                return true;
            }
            KeyCode::Minus => -steps,
            KeyCode::Equal => steps,
            _ => return false,
        };
        match self.rows.last().get(self.selected) {
            Some(Row::Value(entry)) => {
                engine.nudge(entry, steps);
            }
            Some(Row::Elements(_)) => self.rows.step(self.selected, steps.into()),
            None => {}
        }
        true
    }

    /// Makes the rows for the state as it is now, when it changed (see
    /// [`Rows`]), and keeps the selection on one of them.
    fn refresh(&mut self, engine: &impl Inspected) {
        let count = self.rows.of(engine.table(), engine.state()).len();
        self.selected = self.selected.min(count.saturating_sub(1));
    }

    /// Draws the panel over the framebuffer (`width` x `height`, RGBA8):
    /// the state's fields, then the game's `input` as of the next step.
    pub fn draw(&mut self, engine: &impl Inspected, input: &Input, target: &mut Target<'_>) {
        if !self.visible {
            return;
        }
        self.refresh(engine);
        let (width, height) = (target.width(), target.height());
        let rows = self.rows.last();
        let row_height = GLYPH + 1;
        let shown_rows = (height.saturating_sub(TOP + row_height * 2) / row_height).max(1);
        let first = self
            .selected
            .saturating_sub(shown_rows / 2)
            .min(rows.len().saturating_sub(shown_rows));
        let shown = rows.len().min(shown_rows);
        target.panel(0, TOP, width, (shown + 2) * row_height + 2, PANEL);
        target.text(2, TOP + 1, "STATE  [ ] select  - = nudge", DIM);
        let columns = width / GLYPH;
        self.line.clear();
        input_line(input, &mut self.line);
        let end = self
            .line
            .char_indices()
            .nth(columns)
            .map_or(self.line.len(), |(at, _)| at);
        target.text(
            2,
            TOP + 1 + (shown + 1) * row_height,
            &self.line[..end],
            DIM,
        );
        for (row, (index, item)) in rows
            .iter()
            .enumerate()
            .skip(first)
            .take(shown_rows)
            .enumerate()
        {
            let y = TOP + 1 + (row + 1) * row_height;
            if index == self.selected {
                target.panel(0, y - 1, width, row_height, SELECTED);
            }
            self.line.clear();
            let color = match item {
                Row::Value(entry) => {
                    let _ = write!(self.line, "{} = ", entry.path);
                    show(entry, engine.state(), &mut self.line);
                    if entry.editable() { TEXT } else { DIM }
                }
                Row::Elements(elements) => {
                    let _ = write!(self.line, "{elements}");
                    TEXT
                }
            };
            let end = self
                .line
                .char_indices()
                .nth(columns)
                .map_or(self.line.len(), |(at, _)| at);
            target.text(2, y, &self.line[..end], color);
        }
    }
}

/// The game's input in one line, what is happening only: keys held, the
/// pointer and its buttons, the wheel, the pointer's motion, typed text.
pub fn input_line(input: &Input, line: &mut String) {
    line.push_str("INPUT");
    let keys = Key::ALL.iter().filter(|&&key| input.is_down(key));
    for (index, key) in keys.enumerate() {
        let _ = write!(line, "{}{key:?}", if index == 0 { " keys " } else { " " });
    }
    let _ = write!(line, "  mouse {:.0},{:.0}", input.mouse_x, input.mouse_y);
    for (button, name) in [
        (MouseButton::Left, " L"),
        (MouseButton::Right, " R"),
        (MouseButton::Middle, " M"),
    ] {
        if input.mouse_is_down(button) {
            line.push_str(name);
        }
    }
    if input.wheel != [0.0; 2] {
        let _ = write!(
            line,
            "  wheel {:+.1},{:+.1}",
            input.wheel[0], input.wheel[1]
        );
    }
    if input.mouse_motion != [0.0; 2] {
        let [x, y] = input.mouse_motion;
        let _ = write!(line, "  motion {x:+.0},{y:+.0}");
    }
    if input.typed().next().is_some() {
        line.push_str("  typed \"");
        line.extend(input.typed());
        line.push('"');
    }
    for (slot, pad) in input.gamepads.iter().enumerate() {
        if !pad.connected {
            continue;
        }
        let _ = write!(line, "  pad{slot}");
        for button in GamepadButton::ALL.iter().filter(|&&b| pad.is_down(b)) {
            let _ = write!(line, " {button:?}");
        }
        for (name, [x, y]) in [("L", pad.left_stick), ("R", pad.right_stick)] {
            if [x, y] != [0.0; 2] {
                let _ = write!(line, " {name}{x:+.2},{y:+.2}");
            }
        }
        for (name, pulled) in [("LT", pad.triggers[0]), ("RT", pad.triggers[1])] {
            if pulled != 0.0 {
                let _ = write!(line, " {name}{pulled:.2}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fields::{entries, nudge, read};
    use hotloop_abi::{List, StateData, StateLayout, state};

    state! {
        struct Sample { ticks: u32, speed: f32, alive: bool }
        struct Dot { x: i32, on: bool }
        struct Swarm { count: u32, dots: [Dot; 10_000], crew: List<Dot, 4> }
    }

    #[test]
    fn the_input_line_says_what_is_happening() {
        let mut line = String::new();
        input_line(&Input::default(), &mut line);
        assert_eq!(line, "INPUT  mouse 0,0");
        let mut input = Input {
            mouse_x: 12.4,
            mouse_y: 7.0,
            mouse_down: 1 << MouseButton::Right as u8,
            wheel: [0.0, -2.0],
            mouse_motion: [3.0, -1.0],
            typed: ['h' as u32, 'i' as u32, 0, 0],
            ..Input::default()
        };
        input.down.insert(Key::Left);
        input.down.insert(Key::Space);
        line.clear();
        input_line(&input, &mut line);
        assert_eq!(
            line,
            "INPUT keys Left Space  mouse 12,7 R  wheel +0.0,-2.0  motion +3,-1  typed \"hi\""
        );
        input.gamepads[1].set_connected(true);
        input.gamepads[1].set_button(GamepadButton::South, true);
        input.gamepads[1].left_stick = [0.5, -1.0];
        input.gamepads[1].triggers = [0.0, 0.25];
        line.clear();
        input_line(&input, &mut line);
        assert!(
            line.ends_with("typed \"hi\"  pad1 South L+0.50,-1.00 RT0.25"),
            "{line}"
        );
    }

    /// A zeroed state of `S` without an engine, checked like the engine's.
    struct Stand {
        table: Arc<FieldTable>,
        entries: Vec<Entry>,
        bytes: Vec<u8>,
    }

    impl Inspected for Stand {
        fn table(&self) -> &Arc<FieldTable> {
            &self.table
        }
        fn state(&self) -> &dyn ReadAt {
            &self.bytes
        }
        fn nudge(&mut self, entry: &Entry, steps: i32) -> Option<Value> {
            let before = self.bytes.clone();
            let value = nudge(entry, &mut self.bytes, steps)?;
            if self.table.admit(&mut self.bytes).is_err() {
                self.bytes = before;
                return None;
            }
            Some(value)
        }
    }

    fn stand_of<S: StateData>() -> Stand {
        let mut table = Vec::new();
        hotloop_abi::reflect::table_of::<S>(&mut table);
        let table = FieldTable::decode(table, StateLayout::of::<S>()).unwrap();
        Stand {
            entries: entries(table.fields()),
            table: Arc::new(table),
            bytes: vec![0; size_of::<S>()],
        }
    }

    fn stand() -> Stand {
        stand_of::<Sample>()
    }

    fn value(stand: &Stand, index: usize) -> Value {
        read(&stand.entries[index], &stand.bytes[..])
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
        inspector.draw(
            &stand,
            &Input::default(),
            &mut Target::new(&mut pixels, w, h),
        );
        assert!(pixels.iter().all(|&b| b == 0), "hidden: nothing drawn");

        inspector.visible = true;
        inspector.key(KeyCode::BracketRight, false, &mut stand);
        inspector.draw(
            &stand,
            &Input::default(),
            &mut Target::new(&mut pixels, w, h),
        );
        let row_of = |y: usize| &pixels[(y * w + w - 2) * 4..(y * w + w - 2) * 4 + 3];
        let selected: Vec<usize> = (0..h).filter(|&y| row_of(y) == &SELECTED[..3]).collect();
        let second_row = TOP + 1 + 2 * (GLYPH + 1);
        assert!(
            selected.contains(&second_row) && !selected.contains(&(TOP + 1 + GLYPH + 1)),
            "the second field's row is highlighted: {selected:?}"
        );
    }

    /// What the selected row says, as the next frame's panel writes it.
    fn selected_text(inspector: &mut Inspector, stand: &Stand) -> String {
        inspector.refresh(stand);
        match &inspector.rows.last()[inspector.selected] {
            Row::Value(entry) => format!("{} = {}", entry.path, read(entry, &stand.bytes[..])),
            Row::Elements(elements) => elements.to_string(),
        }
    }

    /// Presses `code` `times` times.
    fn press(
        inspector: &mut Inspector,
        stand: &mut Stand,
        code: KeyCode,
        shift: bool,
        times: usize,
    ) {
        for _ in 0..times {
            assert!(inspector.key(code, shift, stand));
        }
    }

    #[test]
    fn an_array_row_steps_through_its_elements_and_the_rows_below_follow() {
        let (mut inspector, mut stand) = (Inspector::default(), stand_of::<Swarm>());
        inspector.visible = true;
        inspector.refresh(&stand);
        assert_eq!(
            inspector.rows.last().len(),
            5,
            "count, the dots row, one dot, crew.len"
        );
        press(&mut inspector, &mut stand, KeyCode::BracketRight, false, 1);
        assert_eq!(selected_text(&mut inspector, &stand), "dots [0] of 10000");
        press(&mut inspector, &mut stand, KeyCode::Equal, true, 2);
        press(&mut inspector, &mut stand, KeyCode::Equal, false, 3);
        assert_eq!(selected_text(&mut inspector, &stand), "dots [23] of 10000");
        press(&mut inspector, &mut stand, KeyCode::Minus, false, 1);
        assert_eq!(selected_text(&mut inspector, &stand), "dots [22] of 10000");

        // The element's own rows: nudge dot 22's `x` and flip its `on`.
        press(&mut inspector, &mut stand, KeyCode::BracketRight, false, 1);
        press(&mut inspector, &mut stand, KeyCode::Equal, false, 5);
        assert_eq!(selected_text(&mut inspector, &stand), "dots[22].x = 5");
        press(&mut inspector, &mut stand, KeyCode::BracketRight, false, 1);
        press(&mut inspector, &mut stand, KeyCode::Equal, false, 1);
        assert_eq!(selected_text(&mut inspector, &stand), "dots[22].on = true");
        let dot = std::mem::offset_of!(Swarm, dots) + 22 * size_of::<Dot>();
        assert_eq!(
            stand.bytes[dot..dot + 4],
            5i32.to_le_bytes(),
            "that element, in the state"
        );
        assert_eq!(stand.bytes[dot + std::mem::offset_of!(Dot, on)], 1);

        // Stepping past the end stops at the last element.
        press(&mut inspector, &mut stand, KeyCode::BracketLeft, false, 2);
        press(&mut inspector, &mut stand, KeyCode::Equal, true, 1_000);
        assert_eq!(
            selected_text(&mut inspector, &stand),
            "dots [9999] of 10000"
        );
    }

    #[test]
    fn a_list_shows_its_length_and_only_its_live_elements() {
        let (mut inspector, mut stand) = (Inspector::default(), stand_of::<Swarm>());
        inspector.visible = true;
        press(&mut inspector, &mut stand, KeyCode::BracketRight, false, 10);
        assert_eq!(
            selected_text(&mut inspector, &stand),
            "crew.len = 0",
            "empty: no element rows"
        );
        press(&mut inspector, &mut stand, KeyCode::Equal, false, 2);
        assert_eq!(selected_text(&mut inspector, &stand), "crew.len = 2");
        press(&mut inspector, &mut stand, KeyCode::BracketRight, false, 1);
        assert_eq!(selected_text(&mut inspector, &stand), "crew [0] of 2");
        press(&mut inspector, &mut stand, KeyCode::Equal, false, 5);
        assert_eq!(
            selected_text(&mut inspector, &stand),
            "crew [1] of 2",
            "only live ones"
        );
        press(&mut inspector, &mut stand, KeyCode::BracketRight, false, 1);
        assert_eq!(selected_text(&mut inspector, &stand), "crew[1].x = 0");

        // A length past the capacity is refused; the list stays as it was.
        press(&mut inspector, &mut stand, KeyCode::BracketLeft, false, 2);
        press(&mut inspector, &mut stand, KeyCode::Equal, true, 1);
        assert_eq!(selected_text(&mut inspector, &stand), "crew.len = 2");
        press(&mut inspector, &mut stand, KeyCode::Equal, false, 2);
        assert_eq!(selected_text(&mut inspector, &stand), "crew.len = 4");
    }
}
