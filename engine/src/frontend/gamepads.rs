//! Gamepads in the window: gilrs's events turned into the pads of the
//! [`Input`](hotloop_abi::Input) the next step sees. The first two pads
//! connected take the two slots; a pad unplugged frees its slot for the
//! next one plugged in. No gamepad support on the machine (no udev, a
//! platform gilrs lacks) is one line in the log, and no pads.

use gilrs::{Axis, Button, EventType, GamepadId, Gilrs};
use hotloop_abi::{GAMEPADS, GamepadButton};

use super::input::InputTracker;

/// What happened to one pad.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PadChange {
    /// Plugged in, or found at start.
    Connected,
    /// Unplugged.
    Disconnected,
    /// A button went down (true) or up.
    Button(GamepadButton, bool),
    /// Stick axis (0 left x, 1 left y, 2 right x, 3 right y; y down) moved to a value.
    Stick(usize, f32),
    /// Trigger (0 left, 1 right) pulled to a value from 0 to 1.
    Trigger(usize, f32),
}

/// gilrs's pads, read each displayed frame.
pub struct Gamepads {
    gilrs: Option<Gilrs>,
    slots: [Option<GamepadId>; GAMEPADS],
    /// The pads connected at start are taken at the first poll.
    started: bool,
}

impl Gamepads {
    /// Starts reading gamepads, or says once why it cannot.
    pub fn open() -> Self {
        let gilrs = match Gilrs::new() {
            Ok(gilrs) => Some(gilrs),
            Err(gilrs::Error::NotImplemented(gilrs)) => {
                log::info!("no gamepad support on this platform; keyboard and mouse only");
                drop(gilrs);
                None
            }
            Err(error) => {
                log::warn!("no gamepads ({error}); keyboard and mouse only");
                None
            }
        };
        Self {
            gilrs,
            slots: [None; GAMEPADS],
            started: false,
        }
    }

    /// Applies every event since the last call to `input`'s pads.
    pub fn poll(&mut self, input: &mut InputTracker) {
        let Some(gilrs) = &mut self.gilrs else { return };
        if !std::mem::replace(&mut self.started, true) {
            for (id, _) in gilrs.gamepads() {
                apply(&mut self.slots, id, PadChange::Connected, input);
            }
        }
        while let Some(event) = gilrs.next_event() {
            if let Some(change) = change_of(&event.event) {
                apply(&mut self.slots, event.id, change, input);
            }
        }
    }
}

/// Applies `change` of pad `id` to its slot of `input`: a pad connected
/// takes the first free slot (none free: it is not read), one unplugged
/// frees its slot.
fn apply(
    slots: &mut [Option<GamepadId>; GAMEPADS],
    id: GamepadId,
    change: PadChange,
    input: &mut InputTracker,
) {
    let slot = match change {
        PadChange::Connected if !slots.contains(&Some(id)) => {
            let Some(free) = slots.iter().position(Option::is_none) else {
                return;
            };
            slots[free] = Some(id);
            free
        }
        _ => match slots.iter().position(|&slot| slot == Some(id)) {
            Some(slot) => slot,
            None => return,
        },
    };
    if change == PadChange::Disconnected {
        slots[slot] = None;
    }
    input.gamepad(slot, change);
}

/// The change a gilrs event makes, if it is one a game sees.
pub fn change_of(event: &EventType) -> Option<PadChange> {
    match *event {
        EventType::Connected => Some(PadChange::Connected),
        EventType::Disconnected => Some(PadChange::Disconnected),
        EventType::ButtonPressed(button, _) => Some(PadChange::Button(button_of(button)?, true)),
        EventType::ButtonReleased(button, _) => Some(PadChange::Button(button_of(button)?, false)),
        EventType::ButtonChanged(button, value, _) => trigger_of(button, value),
        EventType::AxisChanged(axis, value, _) => stick_of(axis, value),
        _ => None,
    }
}

/// A trigger's travel, from gilrs's analog value of its button.
fn trigger_of(button: Button, value: f32) -> Option<PadChange> {
    match button {
        Button::LeftTrigger2 => Some(PadChange::Trigger(0, value)),
        Button::RightTrigger2 => Some(PadChange::Trigger(1, value)),
        _ => None,
    }
}

/// A stick axis moved.
fn stick_of(axis: Axis, value: f32) -> Option<PadChange> {
    Some(match axis {
        Axis::LeftStickX => PadChange::Stick(0, value),
        // gilrs's y grows upwards; the framebuffer's downwards.
        Axis::LeftStickY => PadChange::Stick(1, -value),
        Axis::RightStickX => PadChange::Stick(2, value),
        Axis::RightStickY => PadChange::Stick(3, -value),
        _ => return None,
    })
}

/// gilrs's name for a button → the game's.
pub fn button_of(button: Button) -> Option<GamepadButton> {
    use GamepadButton as B;
    Some(match button {
        Button::South => B::South,
        Button::East => B::East,
        Button::North => B::North,
        Button::West => B::West,
        Button::LeftTrigger => B::LeftBumper,
        Button::RightTrigger => B::RightBumper,
        Button::LeftTrigger2 => B::LeftTrigger,
        Button::RightTrigger2 => B::RightTrigger,
        Button::Select => B::Select,
        Button::Start => B::Start,
        Button::Mode => B::Mode,
        Button::LeftThumb => B::LeftStick,
        Button::RightThumb => B::RightStick,
        Button::DPadUp => B::DPadUp,
        Button::DPadDown => B::DPadDown,
        Button::DPadLeft => B::DPadLeft,
        Button::DPadRight => B::DPadRight,
        Button::C | Button::Z | Button::Unknown => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sticks_and_triggers_become_the_games_axes() {
        assert_eq!(
            stick_of(Axis::LeftStickY, 1.0),
            Some(PadChange::Stick(1, -1.0)),
            "y down"
        );
        assert_eq!(
            stick_of(Axis::RightStickX, -0.25),
            Some(PadChange::Stick(2, -0.25))
        );
        assert_eq!(stick_of(Axis::DPadX, 1.0), None, "the d-pad is buttons");
        assert_eq!(
            trigger_of(Button::RightTrigger2, 0.5),
            Some(PadChange::Trigger(1, 0.5))
        );
        assert_eq!(
            trigger_of(Button::LeftTrigger, 1.0),
            None,
            "a bumper has no travel"
        );
        assert_eq!(change_of(&EventType::Connected), Some(PadChange::Connected));
        assert_eq!(
            change_of(&EventType::Disconnected),
            Some(PadChange::Disconnected)
        );
    }

    #[test]
    fn every_game_button_has_a_gilrs_button() {
        let all = [
            Button::South,
            Button::East,
            Button::North,
            Button::West,
            Button::LeftTrigger,
            Button::RightTrigger,
            Button::LeftTrigger2,
            Button::RightTrigger2,
            Button::Select,
            Button::Start,
            Button::Mode,
            Button::LeftThumb,
            Button::RightThumb,
            Button::DPadUp,
            Button::DPadDown,
            Button::DPadLeft,
            Button::DPadRight,
        ];
        let mapped: Vec<_> = all.iter().filter_map(|&b| button_of(b)).collect();
        assert_eq!(mapped, GamepadButton::ALL);
    }
}
