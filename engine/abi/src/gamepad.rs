//! Gamepads as [`Input`](crate::Input) holds them: buttons, sticks and
//! triggers of up to [`GAMEPADS`] pads, in the order they were connected.

use glam::Vec2;

/// Gamepads a game sees: the first two connected (couch co-op).
pub const GAMEPADS: usize = 2;

/// A gamepad's buttons, by position (south is A on an Xbox pad, cross on a
/// PlayStation one). The discriminant is the button's bit in
/// [`Gamepad::down`] and friends.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // The names are the buttons.
pub enum GamepadButton {
    South,
    East,
    North,
    West,
    LeftBumper,
    RightBumper,
    /// The left trigger pressed past half way (its travel is [`Gamepad::triggers`]).
    LeftTrigger,
    RightTrigger,
    Select,
    Start,
    /// The pad's own button (Xbox, PS).
    Mode,
    /// The left stick pressed in.
    LeftStick,
    RightStick,
    DPadUp,
    DPadDown,
    DPadLeft,
    DPadRight,
}

impl GamepadButton {
    /// Every button, in bit order.
    #[rustfmt::skip]
    pub const ALL: [GamepadButton; 17] = {
        use GamepadButton::*;
        [
            South, East, North, West, LeftBumper, RightBumper, LeftTrigger, RightTrigger,
            Select, Start, Mode, LeftStick, RightStick, DPadUp, DPadDown, DPadLeft, DPadRight,
        ]
    };

    const fn bit(self) -> u32 {
        1 << self as u8
    }
}

/// One gamepad as of this step. A pad that is not connected reads as
/// nothing held and sticks at rest.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gamepad {
    /// Whether a pad is connected in this slot.
    pub connected: bool,
    /// Padding; always zero.
    pub reserved: [u8; 3],
    /// Buttons held, one bit per [`GamepadButton`].
    pub down: u32,
    /// Buttons that went down since the previous step.
    pub pressed: u32,
    /// Buttons that went up since the previous step.
    pub released: u32,
    /// The left stick, each axis -1 to 1, y growing downwards (as the
    /// framebuffer's does).
    pub left_stick: [f32; 2],
    /// The right stick, as the left.
    pub right_stick: [f32; 2],
    /// How far the left and right triggers are pulled, 0 to 1.
    pub triggers: [f32; 2],
}

impl Gamepad {
    /// Whether `button` is held down.
    pub const fn is_down(&self, button: GamepadButton) -> bool {
        self.down & button.bit() != 0
    }

    /// Whether `button` went down since the previous step.
    pub const fn just_pressed(&self, button: GamepadButton) -> bool {
        self.pressed & button.bit() != 0
    }

    /// Whether `button` went up since the previous step.
    pub const fn just_released(&self, button: GamepadButton) -> bool {
        self.released & button.bit() != 0
    }

    /// The left stick (y down).
    pub const fn left_stick(&self) -> Vec2 {
        Vec2::new(self.left_stick[0], self.left_stick[1])
    }

    /// The right stick (y down).
    pub const fn right_stick(&self) -> Vec2 {
        Vec2::new(self.right_stick[0], self.right_stick[1])
    }

    /// How far the left trigger is pulled, 0 to 1.
    pub const fn left_trigger(&self) -> f32 {
        self.triggers[0]
    }

    /// How far the right trigger is pulled, 0 to 1.
    pub const fn right_trigger(&self) -> f32 {
        self.triggers[1]
    }

    /// Where the player points with the d-pad, or the left stick pushed past
    /// half way: -1, 0 or 1 on each axis, y down.
    pub fn direction(&self) -> Vec2 {
        let axis = |minus, plus, stick: f32| {
            let held = |button| self.is_down(button) as i32 as f32;
            let pad = held(plus) - held(minus);
            if pad != 0.0 {
                pad
            } else if stick.abs() > 0.5 {
                stick.signum()
            } else {
                0.0
            }
        };
        use GamepadButton::*;
        Vec2::new(
            axis(DPadLeft, DPadRight, self.left_stick[0]),
            axis(DPadUp, DPadDown, self.left_stick[1]),
        )
    }

    /// For the engine and test harnesses: `button` goes down or up, its
    /// edge noted for this step.
    pub fn set_button(&mut self, button: GamepadButton, down: bool) {
        let bit = button.bit();
        match (down, self.down & bit != 0) {
            (true, false) => {
                self.down |= bit;
                self.pressed |= bit;
            }
            (false, true) => {
                self.down &= !bit;
                self.released |= bit;
            }
            _ => {}
        }
    }

    /// For the engine and test harnesses: the pad is unplugged (every held
    /// button is released, the sticks and triggers rest) or plugged in.
    pub fn set_connected(&mut self, connected: bool) {
        if !connected {
            for button in GamepadButton::ALL {
                self.set_button(button, false);
            }
            self.left_stick = [0.0; 2];
            self.right_stick = [0.0; 2];
            self.triggers = [0.0; 2];
        }
        self.connected = connected;
    }

    /// For the engine and test harnesses: the step is over, its edges go.
    pub fn end_step(&mut self) {
        self.pressed = 0;
        self.released = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_press_and_release_within_one_step_is_seen_once() {
        let mut pad = Gamepad::default();
        pad.set_connected(true);
        pad.set_button(GamepadButton::South, true);
        pad.set_button(GamepadButton::South, false);
        assert!(pad.just_pressed(GamepadButton::South) && pad.just_released(GamepadButton::South));
        assert!(!pad.is_down(GamepadButton::South));
        pad.end_step();
        assert!(!pad.just_pressed(GamepadButton::South));
    }

    #[test]
    fn unplugging_releases_everything_held() {
        let mut pad = Gamepad::default();
        pad.set_connected(true);
        pad.set_button(GamepadButton::Start, true);
        pad.left_stick = [0.7, -1.0];
        pad.end_step();
        pad.set_connected(false);
        assert!(pad.just_released(GamepadButton::Start) && pad.down == 0);
        assert_eq!(pad.left_stick(), Vec2::ZERO);
    }

    #[test]
    fn the_direction_is_the_dpad_or_the_stick_past_half_way() {
        let mut pad = Gamepad {
            left_stick: [0.4, -0.9],
            ..Gamepad::default()
        };
        assert_eq!(pad.direction(), Vec2::new(0.0, -1.0));
        pad.set_button(GamepadButton::DPadRight, true);
        assert_eq!(pad.direction(), Vec2::new(1.0, -1.0));
    }

    #[test]
    fn every_button_has_its_own_bit() {
        for (bit, button) in GamepadButton::ALL.iter().enumerate() {
            assert_eq!(*button as usize, bit);
        }
    }
}
