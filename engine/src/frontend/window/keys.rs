//! Keys in the window: which are the engine's in a developer's window (the
//! game never sees them), and where each key event goes.

use winit::event::{ElementState, KeyEvent};
use winit::keyboard::{KeyCode, PhysicalKey};

use super::App;

/// Keys the engine keeps for itself in a developer's window (see
/// `App::engine_key`); the game sees every other key.
const ENGINE_KEYS: [KeyCode; 6] = [
    KeyCode::F1,
    KeyCode::F2,
    KeyCode::F3,
    KeyCode::F4,
    KeyCode::F5,
    KeyCode::F9,
];

/// Whether `code` is one of the engine's keys, which the game never sees;
/// a player's window (`cargo ship`) has none.
pub(super) fn engine_owns(code: KeyCode, player: bool) -> bool {
    !player && ENGINE_KEYS.contains(&code)
}

impl App<'_> {
    /// Sends a key event to the engine's keys or to the game's input, with
    /// the text it typed.
    pub(super) fn key_event(&mut self, event: &KeyEvent, is_synthetic: bool) {
        let PhysicalKey::Code(code) = event.physical_key else {
            return;
        };
        let pressed = event.state == ElementState::Pressed;
        let engine_owns = if pressed && !event.repeat {
            self.engine_key(code)
        } else {
            // A held engine key repeats or lets go: still not the game's.
            engine_owns(code, self.options.player)
        };
        if !engine_owns {
            self.input.key(code, event.state, event.repeat);
            // winit presses the keys held when the window gains focus
            // again (`is_synthetic`): keys, but no one typed.
            if let Some(text) = event.text.as_deref().filter(|_| pressed && !is_synthetic) {
                self.input.typed(text);
            }
        }
    }

    /// The engine's own keys: F1 status line, F2 inspector (and its keys
    /// while it is shown), F3 record/loop, F4 per-system timings, F5 save
    /// state, F9 load it. Returns whether the key was the engine's: the
    /// game never sees those (pressing F5 must not also fire the game's
    /// own F5). A player's window has no engine keys.
    fn engine_key(&mut self, code: KeyCode) -> bool {
        if self.options.player {
            return false;
        }
        if self.inspector.key(code, self.shift, self.engine) {
            return true;
        }
        if !engine_owns(code, false) {
            return false;
        }
        match code {
            KeyCode::F1 => self.overlay.visible = !self.overlay.visible,
            KeyCode::F2 => self.inspector.visible = !self.inspector.visible,
            KeyCode::F3 => {
                self.engine.toggle_loop();
            }
            KeyCode::F4 => {
                let on = self.engine.profile().is_none();
                self.engine.set_profiling(on);
            }
            KeyCode::F5 => {
                let _ = self.engine.save_snapshot();
            }
            KeyCode::F9 => {
                let _ = self.engine.load_quicksave();
            }
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engines_keys_are_kept_from_the_game_only_in_a_developers_window() {
        for key in [
            KeyCode::F1,
            KeyCode::F2,
            KeyCode::F3,
            KeyCode::F4,
            KeyCode::F5,
            KeyCode::F9,
        ] {
            assert!(engine_owns(key, false), "{key:?} is the engine's");
            assert!(!engine_owns(key, true), "a player's game gets {key:?}");
        }
        for key in [KeyCode::F6, KeyCode::Space, KeyCode::KeyP, KeyCode::Minus] {
            assert!(!engine_owns(key, false), "{key:?} is the game's");
        }
    }
}
