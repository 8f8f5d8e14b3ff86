//! The per-step context the engine hands to game code: frame number, fixed
//! time step, framebuffer size, input, assets and sound requests.

use glam::Vec2;

use crate::{Assets, Audio, GAMEPADS, Gamepad};

/// Keys a game can ask about. The discriminant is the key's bit in a [`KeySet`].
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // The names are the keys.
pub enum Key {
    Left,
    Right,
    Up,
    Down,
    Space,
    Enter,
    Escape,
    Tab,
    Backspace,
    Shift,
    Control,
    Alt,
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    I,
    J,
    K,
    L,
    M,
    N,
    O,
    P,
    Q,
    R,
    S,
    T,
    U,
    V,
    W,
    X,
    Y,
    Z,
    Digit0,
    Digit1,
    Digit2,
    Digit3,
    Digit4,
    Digit5,
    Digit6,
    Digit7,
    Digit8,
    Digit9,
    F1,
    F2,
    F3,
    F4,
    F5,
    F6,
    F7,
    F8,
    F9,
    F10,
    F11,
    F12,
}

impl Key {
    /// Every key, in bit order.
    #[rustfmt::skip]
    pub const ALL: [Key; 60] = {
        use Key::*;
        [
            Left, Right, Up, Down, Space, Enter, Escape, Tab, Backspace, Shift, Control, Alt,
            A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z,
            Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
            F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12,
        ]
    };
}

/// A set of keys, one bit each (room for 128 keys without an ABI change).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeySet {
    bits: [u64; 2],
}

impl KeySet {
    /// A set from its raw bits (bit `n` is the key with discriminant `n`).
    pub const fn from_bits(bits: [u64; 2]) -> Self {
        Self { bits }
    }

    /// The raw bits, for saving input to a file.
    pub const fn bits(&self) -> [u64; 2] {
        self.bits
    }

    /// Whether `key` is in the set.
    pub const fn contains(&self, key: Key) -> bool {
        let bit = key as usize;
        self.bits[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// Adds `key` to the set.
    pub fn insert(&mut self, key: Key) {
        let bit = key as usize;
        self.bits[bit / 64] |= 1 << (bit % 64);
    }

    /// Removes `key` from the set.
    pub fn remove(&mut self, key: Key) {
        let bit = key as usize;
        self.bits[bit / 64] &= !(1 << (bit % 64));
    }

    /// Whether no key is in the set.
    pub const fn is_empty(&self) -> bool {
        self.bits[0] == 0 && self.bits[1] == 0
    }
}

/// Mouse buttons, as bits of [`Input::mouse_down`] and friends.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // The names are the buttons.
pub enum MouseButton {
    Left,
    Right,
    Middle,
}

/// What the player did, as of this step.
///
/// `pressed` and `released` hold the edges since the previous step, so a game
/// sees every tap exactly once even when several steps run per displayed frame.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Input {
    /// Keys held down.
    pub down: KeySet,
    /// Keys that went down since the previous step.
    pub pressed: KeySet,
    /// Keys that went up since the previous step.
    pub released: KeySet,
    /// Mouse position in framebuffer pixels (may lie outside it).
    pub mouse_x: f32,
    /// Mouse position in framebuffer pixels (may lie outside it).
    pub mouse_y: f32,
    /// Buttons held down, one bit per [`MouseButton`].
    pub mouse_down: u8,
    /// Buttons that went down since the previous step.
    pub mouse_pressed: u8,
    /// Buttons that went up since the previous step.
    pub mouse_released: u8,
    /// Padding; always zero.
    pub reserved: [u8; 5],
    /// Mouse wheel turned since the previous step, in lines: `[x, y]`, y
    /// positive away from the player (scrolling up), x to the right.
    pub wheel: [f32; 2],
    /// Mouse pointer moved since the previous step, in framebuffer pixels
    /// (the change of [`mouse`](Self::mouse)): `[x, y]`.
    pub mouse_motion: [f32; 2],
    /// Characters typed since the previous step, in order, as Unicode
    /// scalar values, 0 after the last; more than four wait for the next
    /// steps. Read them with [`typed`](Self::typed).
    pub typed: [u32; 4],
    /// The first [`GAMEPADS`] gamepads connected, in the order they were
    /// (a pad unplugged leaves its slot to the next one plugged in).
    pub gamepads: [Gamepad; GAMEPADS],
}

impl Input {
    /// Whether `key` is held down.
    pub const fn is_down(&self, key: Key) -> bool {
        self.down.contains(key)
    }

    /// Whether `key` went down since the previous step.
    pub const fn just_pressed(&self, key: Key) -> bool {
        self.pressed.contains(key)
    }

    /// Whether `key` went up since the previous step.
    pub const fn just_released(&self, key: Key) -> bool {
        self.released.contains(key)
    }

    /// Mouse position in framebuffer pixels.
    pub const fn mouse(&self) -> Vec2 {
        Vec2::new(self.mouse_x, self.mouse_y)
    }

    /// Whether `button` is held down.
    pub const fn mouse_is_down(&self, button: MouseButton) -> bool {
        self.mouse_down & (1 << button as u8) != 0
    }

    /// Whether `button` went down since the previous step.
    pub const fn mouse_just_pressed(&self, button: MouseButton) -> bool {
        self.mouse_pressed & (1 << button as u8) != 0
    }

    /// Whether `button` went up since the previous step.
    pub const fn mouse_just_released(&self, button: MouseButton) -> bool {
        self.mouse_released & (1 << button as u8) != 0
    }

    /// The wheel turned since the previous step, in lines (y positive: away
    /// from the player).
    pub const fn wheel(&self) -> Vec2 {
        Vec2::new(self.wheel[0], self.wheel[1])
    }

    /// How far the pointer moved since the previous step, in framebuffer pixels.
    pub const fn mouse_motion(&self) -> Vec2 {
        Vec2::new(self.mouse_motion[0], self.mouse_motion[1])
    }

    /// The characters typed since the previous step, for text entry (a
    /// name, a chat line): letters, digits, punctuation and spaces as the
    /// keyboard layout makes them. Control keys (Enter, Backspace) are keys,
    /// not text: read them with [`just_pressed`](Self::just_pressed).
    pub fn typed(&self) -> impl Iterator<Item = char> + '_ {
        self.typed
            .iter()
            .take_while(|&&code| code != 0)
            .filter_map(|&code| char::from_u32(code))
    }

    /// Gamepad `index` (0 for the first connected); a slot with no pad, or
    /// past [`GAMEPADS`], reads as a pad that is not connected.
    pub fn gamepad(&self, index: usize) -> Gamepad {
        self.gamepads.get(index).copied().unwrap_or_default()
    }

    /// -1, 0 or 1 on each axis from the arrow keys and WASD, or else from
    /// the first gamepad's d-pad or left stick ([`Gamepad::direction`]); y
    /// grows downwards.
    pub fn arrows(&self) -> Vec2 {
        let axis = |neg: [Key; 2], pos: [Key; 2]| {
            let held = |keys: [Key; 2]| keys.iter().any(|&k| self.is_down(k)) as i32 as f32;
            held(pos) - held(neg)
        };
        let keys = Vec2::new(
            axis([Key::Left, Key::A], [Key::Right, Key::D]),
            axis([Key::Up, Key::W], [Key::Down, Key::S]),
        );
        let pad = self.gamepads[0].direction();
        Vec2::new(
            if keys.x != 0.0 { keys.x } else { pad.x },
            if keys.y != 0.0 { keys.y } else { pad.y },
        )
    }
}

/// The context of one fixed update step (or of one displayed frame, for
/// `render`). It borrows the engine's assets, so it lives only for the call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Frame<'a> {
    /// Index of this step since the state was created (0, 1, 2, …).
    pub number: u64,
    /// Simulated time at the start of this step, in seconds (`number * dt`).
    pub time: f64,
    /// The fixed step length in seconds: 1 / the `rate` the game declares
    /// in [`game!`](crate::game) (1/60 by default). It changes only with a
    /// reload that declares another rate, so the game is deterministic for
    /// a given input sequence.
    pub dt: f32,
    /// In `render`: how far real time is into the next step, from 0 to 1
    /// (Bevy's overstep fraction). Draw a moving thing at `pos + vel * dt
    /// * overstep` and it moves smoothly when the display runs faster than
    /// the steps. 0 in `update`, and in headless runs and screenshots.
    pub overstep: f32,
    /// Framebuffer width in pixels: the `size` the game declares (320 by default).
    pub width: u32,
    /// Framebuffer height in pixels (240 by default).
    pub height: u32,
    /// Whether this is the first update step of a build swapped in since
    /// the previous step: [`game!`](crate::game) runs its `on_reload`
    /// systems then. Never for the first build of a session, for the build
    /// the engine goes back to after a failure, or in `render`; again when
    /// the engine process restarts after a crash in that very step and runs
    /// the same build. Recordings keep it, so a replay runs them at the
    /// same steps.
    pub reloaded: bool,
    /// Padding; always zero.
    pub reserved: [u8; 7],
    /// Input as of this step.
    pub input: Input,
    /// Images and tunables from `assets/`, hot-reloaded by the engine.
    pub assets: Assets<'a>,
    /// Sound effects: `frame.audio.play("hit.wav")`. Played only if the
    /// step commits; in `render` requests are dropped.
    pub audio: Audio<'a>,
}

impl Frame<'_> {
    /// The framebuffer size as a vector.
    pub fn size(&self) -> Vec2 {
        Vec2::new(self.width as f32, self.height as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_its_own_bit() {
        let mut set = KeySet::default();
        for (bit, key) in Key::ALL.iter().enumerate() {
            assert_eq!(*key as usize, bit);
            assert!(!set.contains(*key));
            set.insert(*key);
            assert!(set.contains(*key));
        }
        set.remove(Key::F12);
        assert!(!set.contains(Key::F12) && set.contains(Key::F11));
    }

    #[test]
    fn arrows_combine_opposite_keys() {
        let mut input = Input::default();
        input.down.insert(Key::Left);
        assert_eq!(input.arrows(), Vec2::new(-1.0, 0.0));
        input.down.insert(Key::D);
        input.down.insert(Key::Down);
        assert_eq!(input.arrows(), Vec2::new(0.0, 1.0));
    }

    /// These sizes are part of the ABI: if this test fails, bump `ABI_VERSION`.
    #[test]
    fn abi_structs_keep_their_size() {
        assert_eq!(size_of::<KeySet>(), 16);
        assert_eq!(size_of::<crate::Gamepad>(), 40);
        assert_eq!(size_of::<Input>(), 176);
        assert_eq!(size_of::<Frame>(), 256);
        assert_eq!(crate::ABI_VERSION, 6);
    }
}
