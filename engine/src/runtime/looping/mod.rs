//! Looped live editing: record a stretch of play, then replay it over and over
//! from the same starting state while the code and assets are edited.
//!
//! A recording is written to its file as it is made (by a writer thread,
//! `recorder.rs`), and a loop too long to keep in memory is read back from
//! there (by a reader thread, `tape.rs`): a recording or loop of any length
//! takes the same memory, and the frame thread neither allocates nor
//! touches the disk per step.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use hotloop_abi::Input;

use crate::files::recording::{Recording, Step, StepFile};
use crate::files::snapshot::Snapshot;
use crate::state::StateBuffer;
use crate::state::fields::FieldTable;
use recorder::{Recorder, Stop};
use tape::{ReadAhead, Tape};

mod recorder;
mod tape;

/// The longest the frame thread waits on the recording's writer (when it
/// is a whole pool of chunks, minutes of play, behind: the disk is stuck,
/// or an unpaced run outruns it) or a long loop's reader; then the
/// recording or loop stops, and says why.
const MAX_WAIT: Duration = Duration::from_secs(2);

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

/// How a recording ended when the loop key ended it.
#[derive(Debug, PartialEq, Eq)]
pub enum Played {
    /// Nothing was recorded: back to live play.
    Nothing,
    /// Looping; the recording is saved at this path.
    Saved(PathBuf),
    /// Looping from memory; the recording could not be saved, for this reason.
    Unsaved(String),
    /// Not looping, for this reason.
    Failed(String),
}

/// How much a recording or a loop keeps in memory.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// Steps a loop may have and still play from memory.
    in_memory: usize,
    /// Steps per chunk handed to the writer or read back.
    chunk: usize,
    /// Chunks between the frame thread and the writer: it may fall this
    /// many, less one, behind before the recording stops.
    pool: usize,
    /// Chunks a long loop reads ahead.
    read_ahead: usize,
}

impl Default for Limits {
    /// A loop of 4.5 minutes at 60 Hz plays from memory (1 MiB); chunks of
    /// 17 s, and the writer may fall 2 minutes behind: about 0.5 MiB of
    /// chunks to write, 0.5 MiB to read back.
    fn default() -> Self {
        Self {
            in_memory: 1 << 14,
            chunk: 1 << 10,
            pool: 8,
            read_ahead: 4,
        }
    }
}

enum Mode {
    Off,
    Recording {
        recorder: Box<Recorder>,
        start: Snapshot,
        first_step: u64,
    },
    Playing {
        start: StateBuffer,
        first_step: u64,
        tape: Tape,
        cursor: u64,
        /// New code arrived since the loop began playing: each round
        /// starts from the recorded state as the first step after a
        /// reload, so the new code's set-up shows in every round.
        reloaded: bool,
    },
}

/// The loop state machine; the engine applies what it says.
pub struct Looper {
    mode: Mode,
    limits: Limits,
    /// What the looper has to say since it was last asked.
    notice: Option<String>,
}

impl Default for Looper {
    fn default() -> Self {
        Self {
            mode: Mode::Off,
            limits: Limits::default(),
            notice: None,
        }
    }
}

fn playing(start: StateBuffer, first_step: u64, tape: Tape) -> Mode {
    Mode::Playing {
        start,
        first_step,
        tape,
        cursor: 0,
        reloaded: false,
    }
}

impl Looper {
    /// What the looper is doing.
    pub fn mode(&self) -> LoopMode {
        match &self.mode {
            Mode::Off => LoopMode::Off,
            Mode::Recording { recorder, .. } => LoopMode::Recording {
                steps: recorder.steps() as usize,
            },
            Mode::Playing { tape, cursor, .. } => LoopMode::Playing {
                at: *cursor as usize,
                of: tape.len() as usize,
            },
        }
    }

    /// Starts recording from `state` (described by `table`) at frame
    /// number `step`, to a new file in `dir`.
    pub fn record(
        &mut self,
        state: &StateBuffer,
        table: Option<&FieldTable>,
        step: u64,
        rate: u32,
        dir: &Path,
    ) {
        let start = Snapshot {
            state: state.clone(),
            table: table.cloned(),
        };
        self.mode = Mode::Recording {
            recorder: Box::new(Recorder::start(self.limits, start.clone(), step, rate, dir)),
            start,
            first_step: step,
        };
    }

    /// Ends recording, finishes its file, and starts looping it.
    pub fn play(&mut self) -> Played {
        let Mode::Recording {
            recorder,
            start,
            first_step,
        } = std::mem::replace(&mut self.mode, Mode::Off)
        else {
            return Played::Nothing;
        };
        let Some((written, memory)) = recorder.finish() else {
            return Played::Nothing;
        };
        let (tape, played) = match (written, memory) {
            (Ok(written), Some((inputs, reloaded))) => (
                Tape::Memory { inputs, reloaded },
                Played::Saved(written.path),
            ),
            (Ok(written), None) => {
                let file = StepFile::new(written.file, written.records_at, written.steps);
                match ReadAhead::start(file, self.limits) {
                    Ok(tape) => (Tape::File(tape), Played::Saved(written.path)),
                    Err(error) => {
                        return Played::Failed(format!(
                            "the recording is saved to {}, but cannot be looped: {error}",
                            written.path.display()
                        ));
                    }
                }
            }
            (Err(error), Some((inputs, reloaded))) => {
                (Tape::Memory { inputs, reloaded }, Played::Unsaved(error))
            }
            (Err(error), None) => {
                return Played::Failed(format!("the recording could not be saved: {error}"));
            }
        };
        self.mode = playing(start.state, first_step, tape);
        played
    }

    /// Loops `recording` from its first step.
    pub fn play_from(&mut self, recording: Recording) {
        self.mode = if recording.inputs.is_empty() {
            Mode::Off
        } else {
            let tape = Tape::Memory {
                inputs: recording.inputs,
                reloaded: recording.reloaded,
            };
            playing(recording.start.state, recording.first_step, tape)
        };
    }

    /// Back to live input; the state stays as it is. A recording not
    /// ended by [`Looper::play`] is not kept.
    pub fn stop(&mut self) {
        self.mode = Mode::Off;
    }

    /// Begins the loop again at its next step (new code or assets arrived).
    pub fn restart(&mut self) {
        if let Mode::Playing { cursor, tape, .. } = &mut self.mode {
            *cursor = 0;
            tape.restart();
        }
    }

    /// A new build was swapped in: begins the loop again at its next step,
    /// and from now on every round starts as the first step after a reload.
    pub fn restart_with_new_code(&mut self) {
        self.restart();
        if let Mode::Playing { reloaded, .. } = &mut self.mode {
            *reloaded = true;
        }
    }

    /// The layout of the state the loop starts from, if looping or recording.
    pub fn start_layout(&self) -> Option<hotloop_abi::StateLayout> {
        match &self.mode {
            Mode::Off => None,
            Mode::Recording { start, .. } => Some(start.state.layout()),
            Mode::Playing { start, .. } => Some(start.layout()),
        }
    }

    /// What the looper has to say (a recording or loop that stopped by
    /// itself), once.
    pub fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    /// Decides the next step's input, recording `live` (and whether the
    /// step is the first after a reload, `reloaded`) when recording.
    /// Allocates nothing, but when a recording or loop stops by itself.
    pub fn next_step(&mut self, live: &Input, reloaded: bool) -> LoopStep<'_> {
        let next = match &mut self.mode {
            Mode::Off => return LoopStep::Live,
            Mode::Recording { recorder, .. } => {
                let step = Step {
                    input: *live,
                    reloaded,
                };
                match recorder.push(step) {
                    Ok(()) => return LoopStep::Live,
                    Err(stop) => Err(Stopped::Recording(stop)),
                }
            }
            Mode::Playing { tape, cursor, .. } => {
                if *cursor >= tape.len() {
                    *cursor = 0;
                }
                let at = *cursor;
                tape.step(at).map(|step| (at, step)).map_err(Stopped::Loop)
            }
        };
        let (at, step) = match next {
            Ok(next) => next,
            Err(stopped) => {
                let notice = match stopped {
                    Stopped::Recording(stop) => self.stop_recording(stop),
                    Stopped::Loop(error) => {
                        format!("the loop stopped: its recording cannot be read back: {error}")
                    }
                };
                log::error!("{notice}");
                self.notice = Some(notice);
                self.mode = Mode::Off;
                return LoopStep::Live;
            }
        };
        let Mode::Playing {
            start,
            first_step,
            cursor,
            reloaded: new_code,
            ..
        } = &mut self.mode
        else {
            unreachable!("only a loop plays on");
        };
        *cursor = at + 1;
        LoopStep::Replay {
            input: step.input,
            reloaded: step.reloaded || (at == 0 && *new_code),
            restart: (at == 0).then_some((&*start, *first_step)),
        }
    }

    /// Ends a recording that cannot go on; returns what to say.
    fn stop_recording(&mut self, stop: Stop) -> String {
        let Mode::Recording { recorder, .. } = std::mem::replace(&mut self.mode, Mode::Off) else {
            unreachable!("only a recording stops recording");
        };
        let steps = recorder.steps();
        match stop {
            Stop::Behind { path } => {
                recorder.detach();
                format!(
                    "the recording stopped after {steps} steps: writing it to disk fell too far \
                     behind (what was written goes to {})",
                    path.display()
                )
            }
            Stop::CannotSave(error) => format!(
                "the recording stopped after {steps} steps: it could not be saved ({error}), \
                 and a loop this long plays from its file"
            ),
        }
    }
}

/// The next message on `channel`, waited for by polling, [`MAX_WAIT`] at
/// most: a blocking receive allocates the first time it parks (std's
/// channels list the waiting thread), and the frame thread must not.
fn wait_for<T>(channel: &Receiver<T>) -> Result<T, RecvTimeoutError> {
    let deadline = Instant::now() + MAX_WAIT;
    loop {
        match channel.try_recv() {
            Ok(message) => return Ok(message),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) if Instant::now() >= deadline => {
                return Err(RecvTimeoutError::Timeout);
            }
            Err(TryRecvError::Empty) => std::thread::sleep(Duration::from_micros(100)),
        }
    }
}

/// Why the looper went back to live play by itself.
enum Stopped {
    Recording(Stop),
    Loop(String),
}

#[cfg(test)]
mod tests;
