//! Turns winit's keyboard and mouse events into the ABI's per-step [`Input`].

use hotloop_abi::{Input, Key, MouseButton};

use super::gamepads::PadChange;
use winit::event::{ElementState, MouseButton as WinitButton};
use winit::keyboard::KeyCode;

/// How many typed characters wait for later steps at most (a paste, a
/// fast typist); more are dropped. Each step takes up to four.
const TYPED_QUEUE: usize = 64;

/// Pixels of a touchpad's smooth scrolling that make one wheel line.
const PIXELS_PER_LINE: f32 = 20.0;

/// Collects events between update steps. Edges (`pressed`, `released`) are
/// kept until a step has seen them, so a tap shorter than a step is not lost;
/// the wheel and the pointer's motion add up until a step takes them, and
/// typed characters wait their turn, four to a step.
#[derive(Clone, Debug)]
pub struct InputTracker {
    input: Input,
    /// Characters typed that no step has taken yet, oldest first.
    queue: [u32; TYPED_QUEUE],
    queued: usize,
    /// The pointer's last position, once known.
    pointer: Option<(f32, f32)>,
}

impl Default for InputTracker {
    fn default() -> Self {
        Self {
            input: Input::default(),
            queue: [0; TYPED_QUEUE],
            queued: 0,
            pointer: None,
        }
    }
}

impl InputTracker {
    /// Records a key going down or up.
    pub fn key(&mut self, code: KeyCode, state: ElementState, repeat: bool) {
        let Some(key) = map_key(code) else { return };
        match state {
            ElementState::Pressed if !repeat => {
                self.input.down.insert(key);
                self.input.pressed.insert(key);
            }
            ElementState::Pressed => {}
            // Only a key the game saw go down goes up: one the engine
            // kept (an inspector key) or held since before the window had
            // focus is not news to it.
            ElementState::Released if self.input.down.contains(key) => {
                self.input.down.remove(key);
                self.input.released.insert(key);
            }
            ElementState::Released => {}
        }
    }

    /// Records a mouse button going down or up.
    pub fn mouse_button(&mut self, button: WinitButton, state: ElementState) {
        let bit = match button {
            WinitButton::Left => 1 << MouseButton::Left as u8,
            WinitButton::Right => 1 << MouseButton::Right as u8,
            WinitButton::Middle => 1 << MouseButton::Middle as u8,
            _ => return,
        };
        match state {
            ElementState::Pressed => {
                self.input.mouse_down |= bit;
                self.input.mouse_pressed |= bit;
            }
            ElementState::Released => {
                self.input.mouse_down &= !bit;
                self.input.mouse_released |= bit;
            }
        }
    }

    /// Records the mouse position, in framebuffer pixels, and how far it
    /// moved since the last one.
    pub fn mouse_moved(&mut self, x: f32, y: f32) {
        if let Some((last_x, last_y)) = self.pointer {
            self.input.mouse_motion[0] += x - last_x;
            self.input.mouse_motion[1] += y - last_y;
        }
        self.pointer = Some((x, y));
        self.input.mouse_x = x;
        self.input.mouse_y = y;
    }

    /// Records the wheel turning, in lines (y positive: away from the player).
    pub fn wheel_lines(&mut self, x: f32, y: f32) {
        self.input.wheel[0] += x;
        self.input.wheel[1] += y;
    }

    /// Records a touchpad's smooth scrolling, in pixels.
    pub fn wheel_pixels(&mut self, x: f32, y: f32) {
        self.wheel_lines(x / PIXELS_PER_LINE, y / PIXELS_PER_LINE);
    }

    /// Records text typed (what a key press produced under the keyboard's
    /// layout); control characters are keys, not text, and are left out.
    pub fn typed(&mut self, text: &str) {
        for ch in text.chars().filter(|ch| !ch.is_control()) {
            if self.queued < TYPED_QUEUE {
                self.queue[self.queued] = ch as u32;
                self.queued += 1;
            }
        }
        self.fill_typed();
    }

    /// The next four queued characters into the step's input.
    fn fill_typed(&mut self) {
        let taken = self.queued.min(self.input.typed.len());
        self.input.typed = [0; 4];
        self.input.typed[..taken].copy_from_slice(&self.queue[..taken]);
    }

    /// Releases everything (the window lost focus: key-up events will not come).
    pub fn release_all(&mut self) {
        for key in Key::ALL {
            if self.input.down.contains(key) {
                self.input.down.remove(key);
                self.input.released.insert(key);
            }
        }
        self.input.mouse_released |= self.input.mouse_down;
        self.input.mouse_down = 0;
    }

    /// Gamepad `slot` changed (see [`super::gamepads`]).
    pub fn gamepad(&mut self, slot: usize, change: PadChange) {
        let Some(pad) = self.input.gamepads.get_mut(slot) else {
            return;
        };
        let finite = |value: f32, min: f32| {
            if value.is_finite() {
                value.clamp(min, 1.0)
            } else {
                0.0
            }
        };
        match change {
            PadChange::Connected => pad.set_connected(true),
            PadChange::Disconnected => pad.set_connected(false),
            PadChange::Button(button, down) => pad.set_button(button, down),
            PadChange::Stick(axis, value) => {
                let stick = if axis < 2 {
                    &mut pad.left_stick
                } else {
                    &mut pad.right_stick
                };
                stick[axis % 2] = finite(value, -1.0);
            }
            PadChange::Trigger(side, value) => pad.triggers[side.min(1)] = finite(value, 0.0),
        }
    }

    /// The input for the next step.
    pub fn current(&self) -> &Input {
        &self.input
    }

    /// A step has seen the edges, the wheel, the motion and up to four
    /// typed characters: clear them, and queue the next characters.
    pub fn end_step(&mut self) {
        self.input.pressed = Default::default();
        self.input.released = Default::default();
        self.input.mouse_pressed = 0;
        self.input.mouse_released = 0;
        self.input.wheel = [0.0; 2];
        self.input.mouse_motion = [0.0; 2];
        for pad in &mut self.input.gamepads {
            pad.end_step();
        }
        let taken = self.queued.min(self.input.typed.len());
        self.queue.copy_within(taken..self.queued, 0);
        self.queued -= taken;
        self.fill_typed();
    }
}

fn map_key(code: KeyCode) -> Option<Key> {
    use KeyCode as C;
    Some(match code {
        C::ArrowLeft => Key::Left,
        C::ArrowRight => Key::Right,
        C::ArrowUp => Key::Up,
        C::ArrowDown => Key::Down,
        C::Space => Key::Space,
        C::Enter | C::NumpadEnter => Key::Enter,
        C::Escape => Key::Escape,
        C::Tab => Key::Tab,
        C::Backspace => Key::Backspace,
        C::ShiftLeft | C::ShiftRight => Key::Shift,
        C::ControlLeft | C::ControlRight => Key::Control,
        C::AltLeft | C::AltRight => Key::Alt,
        C::KeyA => Key::A,
        C::KeyB => Key::B,
        C::KeyC => Key::C,
        C::KeyD => Key::D,
        C::KeyE => Key::E,
        C::KeyF => Key::F,
        C::KeyG => Key::G,
        C::KeyH => Key::H,
        C::KeyI => Key::I,
        C::KeyJ => Key::J,
        C::KeyK => Key::K,
        C::KeyL => Key::L,
        C::KeyM => Key::M,
        C::KeyN => Key::N,
        C::KeyO => Key::O,
        C::KeyP => Key::P,
        C::KeyQ => Key::Q,
        C::KeyR => Key::R,
        C::KeyS => Key::S,
        C::KeyT => Key::T,
        C::KeyU => Key::U,
        C::KeyV => Key::V,
        C::KeyW => Key::W,
        C::KeyX => Key::X,
        C::KeyY => Key::Y,
        C::KeyZ => Key::Z,
        C::Digit0 => Key::Digit0,
        C::Digit1 => Key::Digit1,
        C::Digit2 => Key::Digit2,
        C::Digit3 => Key::Digit3,
        C::Digit4 => Key::Digit4,
        C::Digit5 => Key::Digit5,
        C::Digit6 => Key::Digit6,
        C::Digit7 => Key::Digit7,
        C::Digit8 => Key::Digit8,
        C::Digit9 => Key::Digit9,
        C::F1 => Key::F1,
        C::F2 => Key::F2,
        C::F3 => Key::F3,
        C::F4 => Key::F4,
        C::F5 => Key::F5,
        C::F6 => Key::F6,
        C::F7 => Key::F7,
        C::F8 => Key::F8,
        C::F9 => Key::F9,
        C::F10 => Key::F10,
        C::F11 => Key::F11,
        C::F12 => Key::F12,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tap_within_one_step_is_seen_once() {
        let mut tracker = InputTracker::default();
        tracker.key(KeyCode::Space, ElementState::Pressed, false);
        tracker.key(KeyCode::Space, ElementState::Released, false);
        let input = *tracker.current();
        assert!(input.just_pressed(Key::Space) && input.just_released(Key::Space));
        assert!(!input.is_down(Key::Space));
        tracker.end_step();
        assert!(!tracker.current().just_pressed(Key::Space));
    }

    #[test]
    fn a_key_let_go_that_never_went_down_is_not_released() {
        let mut tracker = InputTracker::default();
        tracker.key(KeyCode::Space, ElementState::Released, false);
        assert!(!tracker.current().released.contains(Key::Space));
        tracker.key(KeyCode::Space, ElementState::Pressed, false);
        tracker.end_step();
        tracker.key(KeyCode::Space, ElementState::Released, false);
        assert!(tracker.current().released.contains(Key::Space));
    }

    #[test]
    fn key_repeat_is_not_a_new_press() {
        let mut tracker = InputTracker::default();
        tracker.key(KeyCode::ArrowLeft, ElementState::Pressed, false);
        tracker.end_step();
        tracker.key(KeyCode::ArrowLeft, ElementState::Pressed, true);
        assert!(tracker.current().is_down(Key::Left));
        assert!(!tracker.current().just_pressed(Key::Left));
    }

    #[test]
    fn wheel_and_motion_add_up_until_a_step_takes_them() {
        let mut tracker = InputTracker::default();
        tracker.mouse_moved(10.0, 10.0);
        assert_eq!(
            tracker.current().mouse_motion,
            [0.0; 2],
            "no motion before a first position"
        );
        tracker.mouse_moved(13.0, 9.0);
        tracker.mouse_moved(15.0, 4.0);
        tracker.wheel_lines(0.0, 1.0);
        tracker.wheel_pixels(0.0, -10.0);
        let input = *tracker.current();
        assert_eq!(input.mouse_motion, [5.0, -6.0]);
        assert_eq!(input.wheel, [0.0, 0.5]);
        tracker.end_step();
        assert_eq!(tracker.current().mouse_motion, [0.0; 2]);
        assert_eq!(tracker.current().wheel, [0.0; 2]);
        assert_eq!(
            tracker.current().mouse(),
            hotloop_abi::glam::Vec2::new(15.0, 4.0)
        );
    }

    #[test]
    fn typed_text_waits_its_turn_four_characters_a_step() {
        let mut tracker = InputTracker::default();
        tracker.typed("héllo\r\u{8} wörld");
        let mut steps = Vec::new();
        for _ in 0..4 {
            steps.push(tracker.current().typed().collect::<String>());
            tracker.end_step();
        }
        assert_eq!(steps, ["héll", "o wö", "rld", ""]);
        let paste = "x".repeat(200);
        tracker.typed(&paste);
        let mut total = 0;
        while tracker.current().typed().count() > 0 {
            total += tracker.current().typed().count();
            tracker.end_step();
        }
        assert_eq!(total, TYPED_QUEUE, "a paste past the queue is cut");
    }

    #[test]
    fn losing_focus_releases_held_keys_and_buttons() {
        let mut tracker = InputTracker::default();
        tracker.key(KeyCode::KeyW, ElementState::Pressed, false);
        tracker.mouse_button(WinitButton::Left, ElementState::Pressed);
        tracker.end_step();
        tracker.release_all();
        let input = tracker.current();
        assert!(!input.is_down(Key::W) && input.just_released(Key::W));
        assert!(!input.mouse_is_down(MouseButton::Left));
    }

    #[test]
    fn a_gamepad_button_tap_within_one_step_is_seen_once_and_unplugging_lets_go() {
        use hotloop_abi::GamepadButton;
        let mut tracker = InputTracker::default();
        tracker.gamepad(1, PadChange::Connected);
        tracker.gamepad(1, PadChange::Button(GamepadButton::Start, true));
        tracker.gamepad(1, PadChange::Stick(3, 2.5));
        tracker.gamepad(1, PadChange::Trigger(0, f32::NAN));
        let pad = tracker.current().gamepad(1);
        assert!(pad.connected && pad.just_pressed(GamepadButton::Start));
        assert_eq!(
            (pad.right_stick, pad.triggers),
            ([0.0, 1.0], [0.0, 0.0]),
            "clamped, NaN is rest"
        );
        tracker.end_step();
        assert!(
            !tracker
                .current()
                .gamepad(1)
                .just_pressed(GamepadButton::Start)
        );
        tracker.gamepad(1, PadChange::Disconnected);
        let pad = tracker.current().gamepad(1);
        assert!(!pad.connected && pad.just_released(GamepadButton::Start));
        tracker.gamepad(7, PadChange::Connected); // No such slot: ignored.
    }
}
