//! Running the engine without a window: as fast as possible, or paced in real time.

use std::io::{Read, Seek};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hotloop_abi::Input;

use crate::files::recording::RecordingReader;
use crate::frontend::stdin_keys::StdinKeys;
use crate::runtime::{Engine, LoadError, Summary};

/// How a headless run is paced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Step as fast as the machine allows (tests, benchmarks).
    Unpaced,
    /// One step per update period of wall time, like a window would.
    Realtime,
}

/// Runs `frames` steps (until `stop` is set when `None`) and returns the
/// summary. Reloads happen exactly as in a window: between two steps, and
/// a reload that changes the game's rate paces the steps after it anew.
/// `keys` typed meanwhile are pressed between two steps.
pub fn run(
    engine: &mut Engine,
    frames: Option<u64>,
    pace: Pace,
    stop: &AtomicBool,
    keys: &StdinKeys,
) -> Summary {
    let mut rate = engine.display().rate;
    let mut period = Duration::from_secs(1) / rate;
    let mut start = Instant::now();
    let input = Input::default();
    let mut done = 0u64;
    // Steps count the whole session, across engine processes.
    while frames.is_none_or(|frames| engine.steps() < frames) && !stop.load(Ordering::Relaxed) {
        if engine.display().rate != rate {
            rate = engine.display().rate;
            period = Duration::from_secs(1) / rate;
            (start, done) = (Instant::now(), 0);
        }
        if pace == Pace::Realtime {
            // Sleep to an absolute schedule so that small oversleeps do not add up.
            let due = start + period * u32::try_from(done).unwrap_or(u32::MAX);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        keys.press_typed(engine);
        let (started, generation) = (Instant::now(), engine.generation());
        engine.step(&input);
        engine.record_frame_time(started.elapsed(), engine.generation() != generation);
        done += 1;
    }
    engine.summary()
}

/// Replays `recording` from its start state with its inputs, as fast as
/// possible, and returns the summary: the same library and recording give
/// the same `state_checksum`, run after run. The recording is read as it
/// plays, so memory stays the same however long it is.
///
/// # Errors
/// When the recording does not fit the running library, or cannot be read
/// to its end.
pub fn replay<R: Read + Seek>(
    engine: &mut Engine,
    recording: &mut RecordingReader<R>,
) -> Result<Summary, LoadError> {
    // An engine that carries on after a crash is already part-way through.
    if !engine.resumed() {
        engine.start_replay(recording.header())?;
    }
    let done = engine.steps();
    let unreadable = LoadError::Unreadable;
    for _ in 0..done {
        recording.next_step().map_err(unreadable)?;
    }
    while let Some(step) = recording.next_step().map_err(unreadable)? {
        if step.reloaded {
            engine.mark_reloaded();
        }
        engine.step(&step.input);
    }
    Ok(engine.summary())
}
