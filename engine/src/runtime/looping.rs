//! Looped live editing: record a stretch of play, then replay it over and over
//! from the same starting state while the code and assets are edited.

use hotloop_abi::Input;

use crate::files::recording::Recording;
use crate::files::snapshot::Snapshot;
use crate::state::StateBuffer;
use crate::state::fields::FieldTable;

/// What the looper is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopMode {
    /// Live input.
    Off,
    /// Live input, recorded.
    Recording {
        /// Steps recorded so far.
        steps: usize,
    },
    /// Recorded input, replayed from the recorded start, again and again.
    Playing {
        /// The step of the loop that runs next.
        at: usize,
        /// Steps in the loop.
        of: usize,
    },
}

/// What the next update step runs on.
pub enum LoopStep<'a> {
    /// The live input and reload mark (recorded, when recording).
    Live,
    /// A recorded input; `restart` carries the state and frame number to
    /// restore first when an iteration begins.
    Replay {
        /// The input to use.
        input: Input,
        /// Whether the step runs as the first after a reload
        /// ([`hotloop_abi::Frame::reloaded`]): as recorded, and at the start
        /// of every round after new code arrived while playing.
        reloaded: bool,
        /// `(state, frame number)` to restore before this step.
        restart: Option<(&'a StateBuffer, u64)>,
    },
}

enum Mode {
    Off,
    Recording(Recording),
    Playing {
        recording: Recording,
        cursor: usize,
        /// New code arrived since the loop began playing: each round
        /// starts from the recorded state as the first step after a
        /// reload, so the new code's set-up shows in every round.
        reloaded: bool,
    },
}

/// The loop state machine; the engine applies what it says.
pub struct Looper {
    mode: Mode,
}

impl Default for Looper {
    fn default() -> Self {
        Self { mode: Mode::Off }
    }
}

fn playing(recording: Recording) -> Mode {
    Mode::Playing {
        recording,
        cursor: 0,
        reloaded: false,
    }
}

impl Looper {
    /// What the looper is doing.
    pub fn mode(&self) -> LoopMode {
        match &self.mode {
            Mode::Off => LoopMode::Off,
            Mode::Recording(recording) => LoopMode::Recording {
                steps: recording.inputs.len(),
            },
            Mode::Playing {
                recording, cursor, ..
            } => LoopMode::Playing {
                at: *cursor,
                of: recording.inputs.len(),
            },
        }
    }

    /// Starts recording from `state` (described by `table`) at frame number `step`.
    pub fn record(
        &mut self,
        state: &StateBuffer,
        table: Option<&FieldTable>,
        step: u64,
        rate: u32,
    ) {
        self.mode = Mode::Recording(Recording {
            start: Snapshot {
                state: state.clone(),
                table: table.cloned(),
            },
            first_step: step,
            rate,
            inputs: Vec::with_capacity(60 * 60),
            reloaded: Vec::new(),
        });
    }

    /// Ends recording and starts looping it; returns the recording (to save),
    /// or `None` when nothing was recorded.
    pub fn play(&mut self) -> Option<&Recording> {
        let Mode::Recording(recording) = std::mem::replace(&mut self.mode, Mode::Off) else {
            return None;
        };
        if recording.inputs.is_empty() {
            return None;
        }
        self.mode = playing(recording);
        match &self.mode {
            Mode::Playing { recording, .. } => Some(recording),
            _ => None,
        }
    }

    /// Loops `recording` from its first step.
    pub fn play_from(&mut self, recording: Recording) {
        self.mode = if recording.inputs.is_empty() {
            Mode::Off
        } else {
            playing(recording)
        };
    }

    /// Back to live input; the state stays as it is.
    pub fn stop(&mut self) {
        self.mode = Mode::Off;
    }

    /// Begins the loop again at its next step (new code or assets arrived).
    pub fn restart(&mut self) {
        if let Mode::Playing { cursor, .. } = &mut self.mode {
            *cursor = 0;
        }
    }

    /// A new build was swapped in: begins the loop again at its next step,
    /// and from now on every round starts as the first step after a reload.
    pub fn restart_with_new_code(&mut self) {
        if let Mode::Playing {
            cursor, reloaded, ..
        } = &mut self.mode
        {
            *cursor = 0;
            *reloaded = true;
        }
    }

    /// The layout of the state the loop starts from, if looping or recording.
    pub fn start_layout(&self) -> Option<hotloop_abi::StateLayout> {
        match &self.mode {
            Mode::Off => None,
            Mode::Recording(recording) | Mode::Playing { recording, .. } => {
                Some(recording.start.state.layout())
            }
        }
    }

    /// Decides the next step's input, recording `live` (and whether the
    /// step is the first after a reload, `reloaded`) when recording.
    pub fn next_step(&mut self, live: &Input, reloaded: bool) -> LoopStep<'_> {
        match &mut self.mode {
            Mode::Off => LoopStep::Live,
            Mode::Recording(recording) => {
                if reloaded {
                    recording.mark_next_reloaded();
                }
                recording.inputs.push(*live);
                LoopStep::Live
            }
            Mode::Playing {
                recording,
                cursor,
                reloaded: new_code,
            } => {
                if *cursor >= recording.inputs.len() {
                    *cursor = 0;
                }
                let at = *cursor;
                *cursor += 1;
                let restart = (at == 0).then_some((&recording.start.state, recording.first_step));
                LoopStep::Replay {
                    input: recording.inputs[at],
                    reloaded: recording.reloaded_at(at) || (at == 0 && *new_code),
                    restart,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotloop_abi::{Key, StateLayout};

    fn input(key: Key) -> Input {
        let mut input = Input::default();
        input.down.insert(key);
        input
    }

    fn start() -> StateBuffer {
        let layout = StateLayout {
            size: 8,
            align: 8,
            fingerprint: 7,
        };
        let mut state = StateBuffer::zeroed(layout).unwrap();
        state.bytes_mut()[0] = 42;
        state
    }

    #[test]
    fn a_recording_loops_from_its_start_with_its_inputs() {
        let mut looper = Looper::default();
        assert_eq!(looper.mode(), LoopMode::Off);
        assert!(matches!(
            looper.next_step(&input(Key::Left), false),
            LoopStep::Live
        ));

        looper.record(&start(), None, 100, 60);
        for key in [Key::Left, Key::Right, Key::Up] {
            // The second step is the first after a reload.
            let reloaded = key == Key::Right;
            assert!(matches!(
                looper.next_step(&input(key), reloaded),
                LoopStep::Live
            ));
        }
        assert_eq!(looper.mode(), LoopMode::Recording { steps: 3 });
        assert_eq!(looper.start_layout(), Some(start().layout()));
        let recording = looper.play().expect("three steps recorded");
        assert_eq!((recording.first_step, recording.rate), (100, 60));
        assert_eq!(recording.reloaded, [1]);

        // Twice round: the state and frame number are restored at each
        // start; then twice more after new code arrived, each round
        // starting as the first step after a reload.
        for round in 0..4 {
            if round == 2 {
                looper.next_step(&input(Key::Down), false);
                looper.restart_with_new_code();
            }
            for (at, key) in [Key::Left, Key::Right, Key::Up].into_iter().enumerate() {
                let LoopStep::Replay {
                    input: played,
                    reloaded,
                    restart,
                } = looper.next_step(&input(Key::Down), true)
                else {
                    panic!("looping replays");
                };
                assert_eq!(played, input(key), "live input is ignored");
                let new_code = round >= 2 && at == 0;
                assert_eq!(reloaded, at == 1 || new_code, "round {round}, step {at}");
                match restart {
                    Some((state, step)) => {
                        assert_eq!(at, 0, "restored only at the loop's start");
                        assert_eq!((state.bytes()[0], step), (42, 100));
                    }
                    None => assert_ne!(at, 0),
                }
            }
        }
        looper.next_step(&input(Key::Down), false);
        looper.restart();
        assert_eq!(
            looper.mode(),
            LoopMode::Playing { at: 0, of: 3 },
            "new code starts the loop over"
        );
        looper.stop();
        assert_eq!(looper.mode(), LoopMode::Off);
        assert_eq!(looper.start_layout(), None);
    }

    #[test]
    fn nothing_recorded_is_nothing_to_loop() {
        let mut looper = Looper::default();
        looper.record(&start(), None, 0, 60);
        assert!(looper.play().is_none());
        assert_eq!(looper.mode(), LoopMode::Off);
        assert!(
            looper.play().is_none(),
            "play without recording does nothing"
        );
    }
}
