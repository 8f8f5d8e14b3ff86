//! The engine's keys in a headless run, read from standard input one per
//! line (`F3`, `F5`, `F9`, as in the window), so that a script or a CI job
//! can record a loop, save the state and load it back without a window.

use std::io::BufRead;
use std::sync::mpsc::{self, Receiver};

use crate::runtime::Engine;

/// An engine key a headless run can be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKey {
    /// F3: record, loop, back to live play.
    Loop,
    /// F5: save the state.
    SaveState,
    /// F9: load the saved state.
    LoadState,
}

impl EngineKey {
    /// The key a line names (`F3`, `f5`, …), if any.
    pub fn parse(line: &str) -> Option<Self> {
        match line.trim().to_ascii_uppercase().as_str() {
            "F3" => Some(Self::Loop),
            "F5" => Some(Self::SaveState),
            "F9" => Some(Self::LoadState),
            _ => None,
        }
    }

    /// Does what the key does in the window.
    pub fn press(self, engine: &mut Engine) {
        match self {
            Self::Loop => {
                engine.toggle_loop();
            }
            Self::SaveState => {
                let _ = engine.save_snapshot();
            }
            Self::LoadState => {
                let _ = engine.load_quicksave();
            }
        }
    }
}

/// Keys typed on standard input, taken between steps.
pub struct StdinKeys {
    keys: Option<Receiver<EngineKey>>,
}

impl StdinKeys {
    /// No keys (a shipped game, a benchmark).
    pub fn none() -> Self {
        Self { keys: None }
    }

    /// Reads standard input on a thread of its own until it ends; a line
    /// that names no engine key is said once in the log and skipped.
    pub fn spawn() -> Self {
        let (send, keys) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("hotloop-stdin".into())
            .spawn(move || {
                for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                    match EngineKey::parse(&line) {
                        Some(key) => {
                            if send.send(key).is_err() {
                                return;
                            }
                        }
                        None if line.trim().is_empty() => {}
                        None => log::warn!(
                            "standard input: {:?} is not an engine key (F3, F5 or F9)",
                            line.trim()
                        ),
                    }
                }
            });
        Self {
            keys: reader.is_ok().then_some(keys),
        }
    }

    /// Presses every key typed since the last call.
    pub fn press_typed(&self, engine: &mut Engine) {
        let Some(keys) = &self.keys else { return };
        while let Ok(key) = keys.try_recv() {
            key.press(engine);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_windows_engine_keys() {
        assert_eq!(EngineKey::parse("F3\n"), Some(EngineKey::Loop));
        assert_eq!(EngineKey::parse(" f5 "), Some(EngineKey::SaveState));
        assert_eq!(EngineKey::parse("F9"), Some(EngineKey::LoadState));
        assert_eq!(
            EngineKey::parse("F4"),
            None,
            "timings have no headless view"
        );
        assert_eq!(EngineKey::parse("save"), None);
    }
}
