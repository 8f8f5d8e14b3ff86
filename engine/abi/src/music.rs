//! [`Music`]: the track that plays, declared in the state.

use crate::fingerprint::{finish_hash, start_hash};
use crate::reflect::{Field, FieldKind};
use crate::{Frame, StateData};

/// The longest track name, in bytes.
pub const MAX_TRACK_NAME: usize = 32;

/// Which music plays, as plain data in the state: the engine plays every
/// `Music` field of the state, looping, after each step.
///
/// Music is declared, not triggered: the track, its volume and the step it
/// started at are in the state, and the position in the track follows from
/// the step number. So a reload keeps it playing where it is, a rolled-back
/// step cannot start it twice, a restart after a crash carries on at the
/// right place, and a replay plays it the same.
///
/// ```
/// use hotloop_abi::{Frame, Music, state};
///
/// state! {
///     pub struct State { pub music: Music, pub level: u32 }
/// }
///
/// fn soundtrack(state: &mut State, frame: &Frame) {
///     // Asking every step is fine: the same track keeps playing.
///     let track = if state.level < 3 { "calm.ogg" } else { "boss.ogg" };
///     state.music.play(track, frame);
/// }
///
/// let mut state = State { music: Music::default(), level: 0 };
/// soundtrack(&mut state, &Frame { number: 7, ..Frame::default() });
/// soundtrack(&mut state, &Frame { number: 8, ..Frame::default() });
/// assert_eq!(state.music.track(), Some("calm.ogg"));
/// assert_eq!(state.music.started(), 7, "not started again");
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Music {
    /// The track's name in `assets/`, UTF-8, zero bytes after it; all zero: silence.
    track: [u8; MAX_TRACK_NAME],
    /// The frame number of the step it started in.
    started: u64,
    /// Loudness (1: the file as it is).
    volume: f32,
    /// Always zero (no padding: every byte of the state is data).
    reserved: u32,
}

impl Music {
    /// No music (the same as `Music::default()`).
    pub const SILENCE: Music = Music {
        track: [0; MAX_TRACK_NAME],
        started: 0,
        volume: 0.0,
        reserved: 0,
    };

    /// Plays `track` (a file in `assets/`, `"theme.ogg"`) from its start in
    /// this step, at full volume, looping; if it is the track playing
    /// already, nothing changes (call it every step if you like).
    ///
    /// # Panics
    /// When `track` is longer than [`MAX_TRACK_NAME`] bytes or empty.
    pub fn play(&mut self, track: &str, frame: &Frame) {
        if self.track() != Some(track) {
            self.restart(track, frame);
        }
    }

    /// Plays `track` from its start in this step, at full volume, even if
    /// it is playing already.
    ///
    /// # Panics
    /// As [`play`](Self::play).
    pub fn restart(&mut self, track: &str, frame: &Frame) {
        assert!(
            !track.is_empty() && track.len() <= MAX_TRACK_NAME,
            "a music track's name is 1 to {MAX_TRACK_NAME} bytes, not {} ({track:?})",
            track.len()
        );
        let mut name = [0; MAX_TRACK_NAME];
        name[..track.len()].copy_from_slice(track.as_bytes());
        *self = Music {
            track: name,
            started: frame.number,
            volume: 1.0,
            reserved: 0,
        };
    }

    /// Stops the music.
    pub fn stop(&mut self) {
        *self = Self::SILENCE;
    }

    /// Sets the loudness (1: the file as it is); the track plays on.
    pub fn set_volume(&mut self, volume: f32) {
        self.volume = volume;
    }

    /// The track playing, if any.
    pub fn track(&self) -> Option<&str> {
        let len = self
            .track
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(MAX_TRACK_NAME);
        std::str::from_utf8(&self.track[..len])
            .ok()
            .filter(|name| !name.is_empty())
    }

    /// The loudness.
    pub fn volume(&self) -> f32 {
        self.volume
    }

    /// The frame number of the step the track started in.
    pub fn started(&self) -> u64 {
        self.started
    }

    /// Reads a `Music` from the bytes of one in the state (the engine finds
    /// them by [`StateData::FINGERPRINT`]); `None` when `bytes` is too short.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        use std::mem::offset_of;
        let at = |offset: usize, len: usize| bytes.get(offset..offset + len);
        let track = at(offset_of!(Self, track), MAX_TRACK_NAME)?
            .try_into()
            .ok()?;
        let started = at(offset_of!(Self, started), 8)?.try_into().ok()?;
        let volume = at(offset_of!(Self, volume), 4)?.try_into().ok()?;
        Some(Self {
            track,
            started: u64::from_ne_bytes(started),
            volume: f32::from_ne_bytes(volume),
            reserved: 0,
        })
    }
}

// SAFETY: `#[repr(C)]` fixes the layout: 32 bytes, a `u64`, an `f32` and a
// `u32`, no padding (48 bytes, alignment 8). Every bit pattern is a valid
// value of each field (a name that is not UTF-8 is no track: `track` checks),
// so all-zero bytes are valid too (`Music::SILENCE`). No pointers, interior
// mutability or destructor. `FIELDS` describes every field exactly. The
// fingerprint starts from "music", unlike any other type's, and covers
// size and alignment.
unsafe impl StateData for Music {
    const FINGERPRINT: u64 =
        finish_hash(start_hash("music"), size_of::<Self>(), align_of::<Self>());
    const KIND: FieldKind = FieldKind::Struct;
    const FIELDS: &'static [Field] = {
        use std::mem::offset_of;
        &[
            Field {
                type_name: "[u8; 32]",
                offset: offset_of!(Self, track),
                ..Field::holding::<[u8; MAX_TRACK_NAME]>("track")
            },
            Field {
                type_name: "u64",
                offset: offset_of!(Self, started),
                ..Field::holding::<u64>("started")
            },
            Field {
                type_name: "f32",
                offset: offset_of!(Self, volume),
                ..Field::holding::<f32>("volume")
            },
            Field {
                type_name: "u32",
                offset: offset_of!(Self, reserved),
                ..Field::holding::<u32>("reserved")
            },
        ]
    };
}

#[cfg(test)]
mod tests;
