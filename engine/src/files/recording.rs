//! Recordings of play: the state at the start and every step's input, so a
//! stretch of play can be looped while its code is edited, saved to a file,
//! and replayed deterministically (`hotloop --headless --replay FILE`).
//!
//! File format (little-endian): magic `HLREC\0\0\0`, format version (u32),
//! update rate (u32), first step number (u64), step count (u64), the length
//! of the embedded state snapshot (u64) and the snapshot itself (see
//! [`crate::files::snapshot`] format), one 60-byte record per step (the
//! 59-byte input, then a flags byte: bit 0 set when the step was the first
//! after a new build was swapped in, [`hotloop_abi::Frame::reloaded`]; the
//! other bits 0), then an FNV-1a checksum of everything before it (u64).
//!
//! Version 1 files, whose steps are the 59-byte input alone (no step after
//! a reload), are read too.

use std::path::{Path, PathBuf};

use hotloop_abi::{Input, KeySet};

use crate::codec::{Reader, Writer};
use crate::files::atomic;
use crate::files::checksum::checksum;
use crate::files::snapshot::{self, Snapshot};

const MAGIC: &[u8; 8] = b"HLREC\0\0\0";
/// Version of the recording file format: 2 adds each step's flags
/// (version 1 is still read).
pub const FORMAT_VERSION: u32 = 2;
const INPUT_LEN: usize = 3 * 16 + 2 * 4 + 3;
/// Bit of a step's flags byte: the first step after a reload.
const RELOADED: u8 = 1;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 8 + 8;
/// Longest recording accepted: an hour at 60 Hz, times ten.
pub const MAX_STEPS: u64 = 60 * 60 * 60 * 10;

/// A recorded stretch of play.
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

    /// Encodes the recording as file bytes.
    pub fn encode(&self) -> Vec<u8> {
        let state = snapshot::encode(&self.start.state, self.start.table.as_ref());
        let mut out =
            Vec::with_capacity(HEADER_LEN + state.len() + self.inputs.len() * (INPUT_LEN + 1) + 8);
        out.extend_from_slice(MAGIC);
        out.put_u32(FORMAT_VERSION);
        out.put_u32(self.rate);
        out.put_u64(self.first_step);
        out.put_u64(self.inputs.len() as u64);
        out.put_u64(state.len() as u64);
        out.extend_from_slice(&state);
        let mut reloaded = self.reloaded.iter().peekable();
        for (index, input) in self.inputs.iter().enumerate() {
            for set in [input.down, input.pressed, input.released] {
                for word in set.bits() {
                    out.put_u64(word);
                }
            }
            out.put_u32(input.mouse_x.to_bits());
            out.put_u32(input.mouse_y.to_bits());
            out.extend_from_slice(&[input.mouse_down, input.mouse_pressed, input.mouse_released]);
            let marked = reloaded.next_if(|&&at| at == index as u64).is_some();
            out.push(if marked { RELOADED } else { 0 });
        }
        out.put_u64(checksum(&out));
        out
    }

    /// Decodes file bytes, checking every length and the checksum before
    /// trusting anything.
    ///
    /// # Errors
    /// What is wrong with the bytes.
    pub fn decode(data: &[u8]) -> Result<Self, String> {
        if data.len() < HEADER_LEN + 8 {
            return Err(format!("{} bytes is too short for a recording", data.len()));
        }
        if &data[..8] != MAGIC {
            return Err("not a hotloop recording (bad magic)".into());
        }
        let (body, sum) = data.split_at(data.len() - 8);
        if u64::from_le_bytes(sum.try_into().expect("8 bytes")) != checksum(body) {
            return Err("checksum mismatch (the file is damaged or cut off)".into());
        }
        let mut reader = Reader::new(body, "recording");
        reader.take(MAGIC.len())?;
        let version = reader.u32()?;
        let step_len = match version {
            1 => INPUT_LEN,
            FORMAT_VERSION => INPUT_LEN + 1,
            _ => {
                return Err(format!(
                    "format version {version}, this engine reads versions 1 to {FORMAT_VERSION}"
                ));
            }
        };
        let rate = reader.u32()?;
        let first_step = reader.u64()?;
        let steps = reader.u64()?;
        if steps > MAX_STEPS {
            return Err(format!(
                "{steps} steps is more than the {MAX_STEPS} accepted"
            ));
        }
        let state_len = usize::try_from(reader.u64()?).map_err(|_| "state length overflows")?;
        let start = snapshot::decode(reader.take(state_len)?)
            .map_err(|e| format!("embedded state: {e}"))?;
        let expected = steps as usize * step_len;
        if reader.remaining() != expected {
            return Err(format!(
                "expected {expected} bytes of input for {steps} steps, found {}",
                reader.remaining()
            ));
        }
        let mut inputs = Vec::with_capacity(steps as usize);
        let mut reloaded = Vec::new();
        for index in 0..steps {
            let mut sets = [KeySet::default(); 3];
            for set in &mut sets {
                *set = KeySet::from_bits([reader.u64()?, reader.u64()?]);
            }
            let (mouse_x, mouse_y) = (f32::from_bits(reader.u32()?), f32::from_bits(reader.u32()?));
            let buttons = reader.take(3)?;
            inputs.push(Input {
                down: sets[0],
                pressed: sets[1],
                released: sets[2],
                mouse_x,
                mouse_y,
                mouse_down: buttons[0],
                mouse_pressed: buttons[1],
                mouse_released: buttons[2],
                reserved: [0; 5],
            });
            if step_len > INPUT_LEN {
                match reader.take(1)?[0] {
                    0 => {}
                    RELOADED => reloaded.push(index),
                    other => return Err(format!("step {index} has unknown flags {other:#04x}")),
                }
            }
        }
        Ok(Self {
            start,
            first_step,
            rate,
            inputs,
            reloaded,
        })
    }

    /// Saves the recording to a new file in `dir` and returns its path.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save_in(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let path = dir.join(format!("recording-{stamp}.hlrec"));
        atomic::write(&path, &self.encode())?;
        Ok(path)
    }

    /// Reads a recording file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid recording.
    pub fn load(path: &Path) -> Result<Self, String> {
        let data =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::decode(&data).map_err(|e| format!("{} is not a valid recording: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateBuffer;
    use hotloop_abi::{Key, StateLayout};
    use proptest::prelude::*;

    fn sample(steps: usize) -> Recording {
        let layout = StateLayout {
            size: 16,
            align: 8,
            fingerprint: 42,
        };
        let mut start = StateBuffer::zeroed(layout).unwrap();
        start.bytes_mut()[3] = 7;
        let inputs = (0..steps)
            .map(|i| {
                let mut input = Input {
                    mouse_x: i as f32 * 1.5,
                    mouse_y: -2.0,
                    mouse_down: (i % 3) as u8,
                    ..Input::default()
                };
                if i % 2 == 0 {
                    input.down.insert(Key::Left);
                    input.pressed.insert(Key::F12);
                }
                input
            })
            .collect();
        Recording {
            start: Snapshot {
                state: start,
                table: None,
            },
            first_step: 100,
            rate: 60,
            inputs,
            reloaded: if steps > 7 { vec![0, 7] } else { Vec::new() },
        }
    }

    /// `recording` as version 1 wrote it: no flags byte per step.
    fn version_1(recording: &Recording) -> Vec<u8> {
        let data = recording.encode();
        let steps_at = data.len() - 8 - recording.inputs.len() * (INPUT_LEN + 1);
        let mut out = data[..steps_at].to_vec();
        out[8..12].copy_from_slice(&1u32.to_le_bytes());
        for step in data[steps_at..data.len() - 8].chunks(INPUT_LEN + 1) {
            out.extend_from_slice(&step[..INPUT_LEN]);
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    #[test]
    fn round_trip_keeps_everything() {
        let recording = sample(50);
        let back = Recording::decode(&recording.encode()).unwrap();
        assert_eq!(back.start.state.bytes(), recording.start.state.bytes());
        assert_eq!(back.start.state.layout(), recording.start.state.layout());
        assert_eq!((back.first_step, back.rate), (100, 60));
        assert_eq!(back.inputs, recording.inputs);
        assert_eq!(back.reloaded, [0, 7]);
        assert!(back.reloaded_at(7) && !back.reloaded_at(6));
    }

    #[test]
    fn a_version_1_file_reads_with_no_reloads() {
        let recording = sample(20);
        let back = Recording::decode(&version_1(&recording)).expect("version 1 reads");
        assert_eq!(back.inputs, recording.inputs);
        assert_eq!(back.start.state.bytes(), recording.start.state.bytes());
        assert!(back.reloaded.is_empty());
    }

    #[test]
    fn unknown_step_flags_are_refused() {
        let mut data = sample(3).encode();
        let flags = data.len() - 8 - 1;
        data[flags] = 2;
        let body = data.len() - 8;
        let sum = checksum(&data[..body]);
        data[body..].copy_from_slice(&sum.to_le_bytes());
        let error = Recording::decode(&data).unwrap_err();
        assert!(error.contains("step 2 has unknown flags 0x02"), "{error}");
    }

    #[test]
    fn every_truncation_is_refused() {
        let data = sample(3).encode();
        for len in 0..data.len() {
            assert!(
                Recording::decode(&data[..len]).is_err(),
                "accepted {len} bytes"
            );
        }
    }

    proptest! {
        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Recording::decode(&data);
        }

        /// Any corruption of a valid file is refused (the checksum catches it)
        /// or decodes to something well-formed; it never panics.
        #[test]
        fn corrupted_files_are_refused(steps in 0usize..20, at in any::<prop::sample::Index>(), flip in 1u8..=255) {
            let mut data = sample(steps).encode();
            let at = at.index(data.len());
            data[at] ^= flip;
            prop_assert!(Recording::decode(&data).is_err());
        }

        /// A valid header claiming absurd sizes is refused without allocating them.
        #[test]
        fn absurd_lengths_are_refused(steps in any::<u64>(), state_len in any::<u64>()) {
            let mut data = sample(1).encode();
            data[24..32].copy_from_slice(&steps.to_le_bytes());
            data[32..40].copy_from_slice(&state_len.to_le_bytes());
            let body = data.len() - 8;
            let sum = checksum(&data[..body]);
            data[body..].copy_from_slice(&sum.to_le_bytes());
            if steps != 1 || state_len != sample(1).encode().len() as u64 - 8 - 40 - 60 {
                prop_assert!(Recording::decode(&data).is_err());
            }
        }
    }
}
