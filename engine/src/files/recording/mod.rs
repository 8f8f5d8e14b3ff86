//! Recordings of play: the state at the start and every step's input, so a
//! stretch of play can be looped while its code is edited, saved to a file,
//! and replayed deterministically (`hotloop --headless --replay FILE`).
//!
//! File format (little-endian): magic `HLREC\0\0\0`, format version (u32),
//! update rate (u32), first step number (u64), the length of the embedded
//! state snapshot (u64) and the snapshot itself (see
//! [`crate::files::snapshot`] format), one 172-byte record per step, then
//! the end: the marker `HLRECEND`, the step count (u64) and an FNV-1a
//! checksum of everything before it (u64). A step's record: the keys held,
//! pressed and released (three 128-bit sets), the mouse position (two
//! `f32`), the mouse buttons held, pressed and released (a byte each), a
//! flags byte (bit 0 set when the step was the first after a new build was
//! swapped in, [`hotloop_abi::Frame::reloaded`]; the other bits 0), the
//! wheel and the pointer's motion (two `f32` each), up to four typed
//! characters (`u32` each, 0 after the last), then two gamepads of 40
//! bytes each: connected (a byte, 0 or 1), three zero bytes, the buttons
//! held, pressed and released (`u32` each, bit n for
//! [`hotloop_abi::GamepadButton`] n), the left and right sticks (two `f32`
//! each, y down) and the left and right triggers (`f32` each, 0 to 1).
//!
//! Everything but the end is known when recording starts or as each step
//! runs, so a recording of any length is written as it happens
//! ([`RecordingWriter`]); one whose writer never finished (the engine
//! stopped while recording) has no end marker, and is refused as cut off.
//! [`RecordingReader`] reads one back with bounded memory.
//!
//! Older versions are read too: version 4's 92-byte records stop before
//! the gamepads (read as none connected); versions before it have no
//! wheel, motion or typed text either: version 3's records stop after the
//! flags byte; versions 1 and 2
//! hold the step count in the header after the first step number, and the
//! checksum follows the last step directly; version 1's steps have no flags.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use hotloop_abi::{GAMEPADS, Gamepad, Input, KeySet};

use crate::files::snapshot::Snapshot;

mod read;
mod write;

pub use read::{Header, RecordingReader, StepFile};
pub use write::RecordingWriter;

const MAGIC: &[u8; 8] = b"HLREC\0\0\0";
/// The end marker of a finished recording (version 3 on).
const END: &[u8; 8] = b"HLRECEND";
/// Version of the recording file format: 3 moved the step count to the
/// end so a recording can be written as it is made; 4 added the wheel, the
/// pointer's motion and typed text; 5 the gamepads (versions 1 to 4 are
/// still read).
pub const FORMAT_VERSION: u32 = 5;
/// The version before the gamepads.
const BEFORE_GAMEPADS: u32 = 4;
/// The first version whose step count is at the end.
const COUNT_AT_END: u32 = 3;
/// A step's keys, mouse position and buttons: version 1's whole record.
const INPUT_LEN: usize = 3 * 16 + 2 * 4 + 3;
/// Versions 2 and 3: the input, then the flags byte.
const FLAGGED_LEN: usize = INPUT_LEN + 1;
/// Version 4: the flagged input, then the wheel, the motion and the typed
/// characters.
const V4_LEN: usize = FLAGGED_LEN + 2 * 4 + 2 * 4 + 4 * 4;
/// A gamepad on disk: connected (0 or 1), three zero bytes, the held,
/// pressed and released buttons, the sticks and the triggers.
const PAD_LEN: usize = 4 + 3 * 4 + 6 * 4;
/// Bytes per step on disk: version 4's record, then the gamepads.
pub const STEP_LEN: usize = V4_LEN + GAMEPADS * PAD_LEN;
/// Bit of a step's flags byte: the first step after a reload.
const RELOADED: u8 = 1;

/// One recorded update step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Step {
    /// Its input.
    pub input: Input,
    /// Whether it ran first after a new build was swapped in
    /// ([`hotloop_abi::Frame::reloaded`]): a replay marks it so, and the
    /// game's `on_reload` systems run there again.
    pub reloaded: bool,
}

impl Step {
    /// The step's record in the file.
    pub(crate) fn encode(&self) -> [u8; STEP_LEN] {
        let mut out = [0; STEP_LEN];
        let input = &self.input;
        let words = [input.down, input.pressed, input.released].map(|set| set.bits());
        for (at, word) in words.iter().flatten().enumerate() {
            out[at * 8..at * 8 + 8].copy_from_slice(&word.to_le_bytes());
        }
        out[48..52].copy_from_slice(&input.mouse_x.to_bits().to_le_bytes());
        out[52..56].copy_from_slice(&input.mouse_y.to_bits().to_le_bytes());
        out[56..59].copy_from_slice(&[input.mouse_down, input.mouse_pressed, input.mouse_released]);
        out[INPUT_LEN] = if self.reloaded { RELOADED } else { 0 };
        let floats = input.wheel.iter().chain(&input.mouse_motion);
        let words = floats.map(|value| value.to_bits()).chain(input.typed);
        for (at, word) in (FLAGGED_LEN..).step_by(4).zip(words) {
            out[at..at + 4].copy_from_slice(&word.to_le_bytes());
        }
        for (pad, out) in input
            .gamepads
            .iter()
            .zip(out[V4_LEN..].chunks_exact_mut(PAD_LEN))
        {
            out[0] = u8::from(pad.connected);
            let axes = pad
                .left_stick
                .iter()
                .chain(&pad.right_stick)
                .chain(&pad.triggers);
            let words = [pad.down, pad.pressed, pad.released]
                .into_iter()
                .chain(axes.map(|value| value.to_bits()));
            for (at, word) in (4..).step_by(4).zip(words) {
                out[at..at + 4].copy_from_slice(&word.to_le_bytes());
            }
        }
        out
    }

    /// Reads step `index` from its record: `INPUT_LEN` bytes in version 1
    /// (no flags), `FLAGGED_LEN` in versions 2 and 3, `V4_LEN` in 4,
    /// `STEP_LEN` after.
    /// Typed characters are kept as the numbers they are: [`Input::typed`]
    /// passes over any that is not a character.
    pub(crate) fn decode(record: &[u8], index: u64) -> Result<Self, String> {
        let word = |at: usize| u64::from_le_bytes(record[at..at + 8].try_into().expect("8 bytes"));
        let float = |at: usize| f32_at(record, at);
        let set = |at: usize| KeySet::from_bits([word(at), word(at + 8)]);
        let reloaded = match record.get(INPUT_LEN).copied().unwrap_or(0) {
            0 => false,
            RELOADED => true,
            other => return Err(format!("step {index} has unknown flags {other:#04x}")),
        };
        let mut input = Input {
            down: set(0),
            pressed: set(16),
            released: set(32),
            mouse_x: float(48),
            mouse_y: float(52),
            mouse_down: record[56],
            mouse_pressed: record[57],
            mouse_released: record[58],
            reserved: [0; 5],
            ..Input::default()
        };
        if record.len() >= V4_LEN {
            input.wheel = [float(FLAGGED_LEN), float(FLAGGED_LEN + 4)];
            input.mouse_motion = [float(FLAGGED_LEN + 8), float(FLAGGED_LEN + 12)];
            input.typed = std::array::from_fn(|slot| u32_at(record, FLAGGED_LEN + 16 + slot * 4));
        }
        if record.len() == STEP_LEN {
            for (slot, pad) in record[V4_LEN..].chunks_exact(PAD_LEN).enumerate() {
                input.gamepads[slot] = decode_pad(pad)
                    .ok_or_else(|| format!("step {index} has a damaged gamepad {slot}"))?;
            }
        }
        Ok(Self { input, reloaded })
    }
}

/// A gamepad's record, or `None` when its bytes are no gamepad's (a
/// `connected` that is not 0 or 1, padding that is not zero).
fn decode_pad(record: &[u8]) -> Option<Gamepad> {
    let connected = match record[..4] {
        [0, 0, 0, 0] => false,
        [1, 0, 0, 0] => true,
        _ => return None,
    };
    let pair = |at: usize| [f32_at(record, at), f32_at(record, at + 4)];
    Some(Gamepad {
        connected,
        reserved: [0; 3],
        down: u32_at(record, 4),
        pressed: u32_at(record, 8),
        released: u32_at(record, 12),
        left_stick: pair(16),
        right_stick: pair(24),
        triggers: pair(32),
    })
}

/// The little-endian `u32` at `at` of a record the reader sized.
fn u32_at(record: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(record[at..at + 4].try_into().expect("4 bytes"))
}

/// The little-endian `f32` at `at` of a record the reader sized.
fn f32_at(record: &[u8], at: usize) -> f32 {
    f32::from_bits(u32_at(record, at))
}

/// A recorded stretch of play, whole in memory: a crash report's few
/// seconds, or a test's. Long recordings are streamed instead
/// ([`RecordingWriter`], [`RecordingReader`]).
#[derive(Clone, Debug)]
pub struct Recording {
    /// The state before the first recorded step, with its field table.
    pub start: Snapshot,
    /// The frame number of the first recorded step.
    pub first_step: u64,
    /// Update steps per second it was recorded at.
    pub rate: u32,
    /// Each step's input, in order.
    pub inputs: Vec<Input>,
    /// The steps (indices into `inputs`, ascending) that ran first after a
    /// new build was swapped in: a replay marks them
    /// ([`hotloop_abi::Frame::reloaded`]) so the game's `on_reload`
    /// systems run there again.
    pub reloaded: Vec<u64>,
}

impl Recording {
    /// Whether step `index` (into `inputs`) ran first after a reload.
    pub fn reloaded_at(&self, index: usize) -> bool {
        // Almost always empty: a search beats a flag per step.
        self.reloaded.binary_search(&(index as u64)).is_ok()
    }

    /// Notes that the step recorded next runs first after a reload.
    pub fn mark_next_reloaded(&mut self) {
        self.reloaded.push(self.inputs.len() as u64);
    }

    /// Step `index`, which must be below `inputs.len()`.
    pub fn step(&self, index: usize) -> Step {
        Step {
            input: self.inputs[index],
            reloaded: self.reloaded_at(index),
        }
    }

    /// Encodes the recording as file bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut writer =
            RecordingWriter::start(Vec::new(), &self.start, self.first_step, self.rate)
                .expect("writing to memory cannot fail");
        for index in 0..self.inputs.len() {
            writer
                .push(&self.step(index))
                .expect("writing to memory cannot fail");
        }
        writer.finish().expect("writing to memory cannot fail")
    }

    /// Decodes file bytes, checking every length and the checksum before
    /// trusting anything.
    ///
    /// # Errors
    /// What is wrong with the bytes.
    pub fn decode(data: &[u8]) -> Result<Self, String> {
        let mut reader = RecordingReader::open(Cursor::new(data))?;
        // The reader checked the step count against the bytes there are.
        let mut inputs = Vec::with_capacity(usize::try_from(reader.steps()).unwrap_or(0));
        let mut reloaded = Vec::new();
        while let Some(step) = reader.next_step()? {
            if step.reloaded {
                reloaded.push(inputs.len() as u64);
            }
            inputs.push(step.input);
        }
        let Header {
            start,
            first_step,
            rate,
        } = reader.into_header();
        Ok(Self {
            start,
            first_step,
            rate,
            inputs,
            reloaded,
        })
    }

    /// Reads a recording file whole.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid recording.
    pub fn load(path: &Path) -> Result<Self, String> {
        let data =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::decode(&data).map_err(|e| invalid(path, &e))
    }
}

/// A new recording's file name in `dir`, stamped with the time.
pub fn new_path(dir: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    dir.join(format!("recording-{stamp}.hlrec"))
}

/// The error for `path`, which is no valid recording because of `why`.
fn invalid(path: &Path, why: &str) -> String {
    format!("{} is not a valid recording: {why}", path.display())
}

#[cfg(test)]
mod tests;
