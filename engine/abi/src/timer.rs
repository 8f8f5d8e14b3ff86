//! [`Timer`]: cooldowns, spawn intervals and delays that live in the state.

use crate::StateData;
use crate::fingerprint::{finish_hash, start_hash};
use crate::reflect::{Field, FieldKind};

/// How close to its end (relative to the duration, about one millionth) a
/// timer counts as finished: `dt` and the duration are `f32`s rounded
/// differently (1/60 s is slightly more than 1/60, 0.02 s slightly less),
/// so sixty ticks of 1/60 s may add up to a hair under one second. Without
/// it a one-second timer at 60 Hz could finish on the 61st tick.
const TOLERANCE: f64 = 1.0 / (1 << 20) as f64;

/// A Bevy-style timer driven by [`Frame::dt`](crate::Frame::dt): a cooldown
/// ([`Timer::once`]) or a period ([`Timer::repeating`]). It is plain data in
/// the state, so it keeps running across reloads and replays exactly.
///
/// ```
/// use hotloop_abi::{Frame, Timer, state};
///
/// state! {
///     pub struct State { pub spawn: Timer, pub spawned: u32 }
/// }
///
/// fn spawn_waves(state: &mut State, frame: &Frame) {
///     // Every half second; a long frame reports every finish it covered.
///     let waves = state.spawn.tick(frame.dt).times_finished_this_tick();
///     state.spawned += waves;
/// }
///
/// let mut state = State { spawn: Timer::repeating(0.5), spawned: 0 };
/// let frame = Frame { dt: 1.0 / 60.0, ..Frame::default() };
/// for _ in 0..60 {
///     spawn_waves(&mut state, &frame);
/// }
/// assert_eq!(state.spawned, 2, "two half seconds in one second of 60 ticks");
/// ```
///
/// Time is counted in `f64` (`elapsed`), so a timer of `k` ticks finishes on
/// the `k`-th tick at any rate, and a repeating one keeps its period for
/// hours. `tick` never loops and never panics: a `dt` that is not a finite
/// positive number counts as 0, a duration that is negative or NaN as 0, and
/// an infinite duration never finishes. A zero-length timer finishes on
/// every tick (a repeating one once per tick, not endlessly). The zero
/// `Timer` (`Timer::default()`) is a zero-length one-shot timer that has not
/// finished yet: its first tick finishes it, as a cooldown that has run out.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timer {
    /// Seconds into the current cycle (0 to `duration`).
    elapsed: f64,
    /// Seconds per cycle, as given.
    duration: f32,
    /// How many cycles the last `tick` finished.
    finished_this_tick: u32,
    /// Starts over when it finishes, instead of staying finished.
    repeating: bool,
    /// `tick` does nothing while paused.
    paused: bool,
    /// Finished: a one-shot timer stays so until `reset`; a repeating one
    /// is so for the tick it finished in.
    finished: bool,
}

/// `value` if it is a finite number of seconds at least 0, else 0.
fn seconds(value: f64) -> f64 {
    if value.is_finite() && value >= 0.0 {
        value
    } else {
        0.0
    }
}

/// `duration` if it is at least 0 (infinity included: a timer that never
/// finishes), else 0.
fn length(duration: f32) -> f64 {
    if duration >= 0.0 {
        duration.into()
    } else {
        0.0
    }
}

impl Timer {
    /// A one-shot timer of `secs` seconds: it finishes once, then stays finished.
    pub const fn once(secs: f32) -> Self {
        Self::new(secs, false)
    }

    /// A timer that finishes every `secs` seconds.
    pub const fn repeating(secs: f32) -> Self {
        Self::new(secs, true)
    }

    const fn new(duration: f32, repeating: bool) -> Self {
        Self {
            elapsed: 0.0,
            duration,
            finished_this_tick: 0,
            repeating,
            paused: false,
            finished: false,
        }
    }

    /// Advances the timer by `dt` seconds (usually `frame.dt`) and returns it,
    /// to ask at once whether it [`just_finished`](Timer::just_finished).
    pub fn tick(&mut self, dt: f32) -> &Self {
        self.finished_this_tick = 0;
        if self.paused || (self.finished && !self.repeating) {
            self.finished &= !self.repeating;
            return self;
        }
        let duration = length(self.duration);
        let elapsed = seconds(self.elapsed) + seconds(dt.into());
        if duration == 0.0 {
            (self.elapsed, self.finished_this_tick, self.finished) = (0.0, 1, true);
            return self;
        }
        let slack = duration * TOLERANCE; // infinite for an infinite duration
        let cycles = (elapsed + slack) / duration; // NaN then: not finished
        if cycles.is_nan() || cycles < 1.0 {
            (self.elapsed, self.finished) = (elapsed, false);
        } else if self.repeating {
            let left = elapsed % duration;
            self.elapsed = if left + slack >= duration { 0.0 } else { left };
            // `as` saturates: u32::MAX finishes at most.
            (self.finished_this_tick, self.finished) = (cycles as u32, true);
        } else {
            (self.elapsed, self.finished_this_tick, self.finished) = (duration, 1, true);
        }
        self
    }

    /// Whether the timer is finished: a one-shot one from the tick it
    /// finished in until [`reset`](Timer::reset), a repeating one during
    /// the tick it finished in.
    pub const fn finished(&self) -> bool {
        self.finished
    }

    /// Whether the last [`tick`](Timer::tick) finished it (at least once).
    pub const fn just_finished(&self) -> bool {
        self.finished_this_tick > 0
    }

    /// How many times the last [`tick`](Timer::tick) finished it: 0 or 1
    /// for a one-shot timer, more for a repeating one whose `dt` spans
    /// several durations (at most `u32::MAX`).
    pub const fn times_finished_this_tick(&self) -> u32 {
        self.finished_this_tick
    }

    /// Seconds into the current cycle, from 0 to the duration.
    pub fn elapsed(&self) -> f32 {
        seconds(self.elapsed) as f32
    }

    /// Seconds per cycle (0 when the timer holds a negative or NaN duration).
    pub fn duration(&self) -> f32 {
        length(self.duration) as f32
    }

    /// Changes the duration; the time elapsed stays.
    pub fn set_duration(&mut self, secs: f32) {
        self.duration = secs;
    }

    /// Seconds left in the current cycle (0 once a one-shot timer finished).
    pub fn remaining(&self) -> f32 {
        (length(self.duration) - seconds(self.elapsed)).max(0.0) as f32
    }

    /// How far through the current cycle the timer is, from 0 to 1 (a
    /// zero-length timer: 1 once finished, else 0; an endless one: 0).
    pub fn fraction(&self) -> f32 {
        let duration = length(self.duration);
        if duration == 0.0 {
            return if self.finished { 1.0 } else { 0.0 };
        }
        (seconds(self.elapsed) / duration).clamp(0.0, 1.0) as f32
    }

    /// Starts the current cycle over, not finished (paused stays as it was).
    pub fn reset(&mut self) {
        (self.elapsed, self.finished_this_tick, self.finished) = (0.0, 0, false);
    }

    /// Stops the clock: [`tick`](Timer::tick) does nothing until [`unpause`](Timer::unpause).
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Lets [`tick`](Timer::tick) advance the timer again.
    pub fn unpause(&mut self) {
        self.paused = false;
    }

    /// Whether the timer is paused.
    pub const fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether it starts over when it finishes.
    pub const fn is_repeating(&self) -> bool {
        self.repeating
    }
}

// SAFETY: `#[repr(C)]` fixes the layout: an `f64`, an `f32` and a `u32` (any
// bits valid: every method reads the numbers through `seconds` or as
// counts, so NaN, infinities and negatives are defined, not UB), then three
// `bool`s and padding. No pointers, no interior mutability, no destructor.
// All-zero bytes are `Timer::once(0.0)`. `FIELDS` describes every field
// with its kind, the `bool`s as `Bool`, so the engine refuses bytes that
// are not 0 or 1 there. The fingerprint starts from "timer", unlike any
// other type's, and covers size and alignment.
unsafe impl StateData for Timer {
    const FINGERPRINT: u64 =
        finish_hash(start_hash("timer"), size_of::<Self>(), align_of::<Self>());
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = {
        use std::mem::offset_of;
        &[
            Field {
                type_name: "f64",
                offset: offset_of!(Self, elapsed),
                ..Field::holding::<f64>("elapsed")
            },
            Field {
                type_name: "f32",
                offset: offset_of!(Self, duration),
                ..Field::holding::<f32>("duration")
            },
            Field {
                type_name: "u32",
                offset: offset_of!(Self, finished_this_tick),
                ..Field::holding::<u32>("finished_this_tick")
            },
            Field {
                type_name: "bool",
                offset: offset_of!(Self, repeating),
                ..Field::holding::<bool>("repeating")
            },
            Field {
                type_name: "bool",
                offset: offset_of!(Self, paused),
                ..Field::holding::<bool>("paused")
            },
            Field {
                type_name: "bool",
                offset: offset_of!(Self, finished),
                ..Field::holding::<bool>("finished")
            },
        ]
    };
}

#[cfg(test)]
mod tests;
