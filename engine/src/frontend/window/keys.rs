//! Which keys are the engine's in a developer's window: the game never
//! sees them.

use winit::keyboard::KeyCode;

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
