//! Sound: the mixer, the audio device and the capture file, owned by the
//! engine so that a reload, a rolled-back step or a new build never cuts or
//! restarts what is playing.
//!
//! Game code asks for sound effects through [`Frame::audio`](hotloop_abi::Frame::audio)
//! ([`StepRequests`]); they start only when their step commits. Music is a
//! [`Music`] field of the state, read after every committed step. Each
//! committed step is mixed into one block of step time (48 kHz stereo, 800
//! frames at 60 Hz), which goes to the device's ring buffer and to the
//! capture file, if any. Nothing is mixed when nobody listens.

mod capture;
mod device;
mod mixer;
#[allow(unsafe_code)] // The callback game code calls to play a sound.
mod requests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hotloop_abi::reflect::FieldKind;
use hotloop_abi::{Music, StateData};

use crate::assets::{AssetStore, MIX_RATE};
use crate::state::StateBuffer;
use crate::state::fields::{FieldInfo, FieldTable};

pub use self::capture::Capture;
pub use self::device::Device;
pub use self::mixer::{Mixer, VOICES, clip, mix_music};
pub use self::requests::{MAX_REQUESTS, Request, StepRequests};

/// The most [`Music`] fields that play at once; more are ignored.
pub const MAX_MUSIC: usize = 8;

/// Where the engine's sound goes.
#[derive(Clone, Debug, Default)]
pub struct AudioConfig {
    /// Play on the default output device (a window without `--mute`).
    pub device: bool,
    /// Write what the mixer makes to this WAV file (`--audio-capture`).
    pub capture: Option<PathBuf>,
}

/// The engine's sound output: mixer, device and capture.
pub struct AudioOut {
    mixer: Mixer,
    /// One step's block, reused.
    block: Vec<f32>,
    /// The table the music offsets were found in, and the offsets.
    music: Option<(Arc<FieldTable>, Vec<usize>)>,
    device: Option<Device>,
    capture: Option<Capture>,
    /// Requests dropped for want of room, reported once.
    dropped_reported: bool,
    /// Sound effects started, over the run.
    played: u64,
}

impl std::fmt::Debug for AudioOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioOut")
            .field("device", &self.device.is_some())
            .field("capture", &self.capture.is_some())
            .finish_non_exhaustive()
    }
}

impl AudioOut {
    /// Sound as `config` says; `resuming` appends to an existing capture
    /// (the engine process restarted after a crash).
    ///
    /// # Errors
    /// When the capture file cannot be written.
    pub fn new(config: &AudioConfig, resuming: bool) -> Result<Self, String> {
        let capture = config
            .capture
            .as_deref()
            .map(|path| Capture::create(path, resuming))
            .transpose()?;
        Ok(Self {
            mixer: Mixer::default(),
            block: Vec::new(),
            music: None,
            device: config.device.then(Device::open),
            capture,
            dropped_reported: false,
            played: 0,
        })
    }

    /// Whether anything hears the mix: a device that may play, or a capture.
    fn is_heard(&self) -> bool {
        self.capture.is_some() || self.device.as_ref().is_some_and(|d| !d.is_silent())
    }

    /// Sound effects that committed steps asked for, over the run (heard
    /// or not).
    pub fn sounds_played(&self) -> u64 {
        self.played
    }

    /// The device's latency as last measured (queued samples and its own
    /// buffer), if one plays.
    pub fn device_latency(&self) -> Option<Duration> {
        self.device.as_ref().and_then(Device::latency)
    }

    /// After step `number` of a game running `rate` steps per second
    /// committed: starts the sounds it asked for, mixes its block with the
    /// music `state` declares (`table` describes it), and hands the block
    /// on. Only the bytes of the state's [`Music`] fields are read, in
    /// place: its padding is not zeroed for it, so none of its pages is
    /// written.
    pub fn commit(
        &mut self,
        number: u64,
        rate: u32,
        requests: &StepRequests<'_>,
        state: &StateBuffer,
        table: &Arc<FieldTable>,
        assets: &AssetStore,
    ) {
        let heard = self.is_heard();
        let dropped = requests.take(|request| {
            self.played += 1;
            if heard {
                self.mixer.start(request.sound, request.play);
            }
        });
        if dropped > 0 && !std::mem::replace(&mut self.dropped_reported, true) {
            log::warn!(
                "a step asked for {} sounds; the first {MAX_REQUESTS} play, the rest of each step's are dropped",
                MAX_REQUESTS + dropped
            );
        }
        if !heard {
            return;
        }
        self.find_music_in(table);
        let offsets = self
            .music
            .as_ref()
            .map_or(&[][..], |(_, offsets)| offsets.as_slice());
        let mut tracks = [const { None }; MAX_MUSIC];
        let mut count = 0;
        for &offset in offsets {
            let mut bytes = [0u8; size_of::<Music>()];
            let Some(music) = state
                .copy_unpadded(offset, &mut bytes)
                .then(|| Music::from_bytes(&bytes))
                .flatten()
            else {
                continue;
            };
            let Some(track) = music.track().and_then(|name| assets.sound_or_note(name)) else {
                continue;
            };
            if let Some(slot) = tracks.get_mut(count) {
                let from =
                    frames_before(number, rate) - frames_before(music.started().min(number), rate);
                *slot = Some((track.clone(), from, music.volume()));
                count += 1;
            }
        }
        self.mix(number, rate, |block| {
            for (track, from, volume) in tracks.iter().flatten() {
                mixer::mix_music(block, track, *from, *volume);
            }
        });
    }

    /// A step in which game logic did not run (paused after a failure with
    /// no build to go back to): the sound effects playing go on, the music
    /// waits for the steps to move again. The capture stays in step time.
    pub fn idle(&mut self, number: u64, rate: u32) {
        if self.is_heard() {
            self.mix(number, rate, |_| {});
        }
    }

    /// Mixes step `number`'s block: the voices, then what `add` adds (the
    /// music), and hands it to the device and the capture.
    fn mix(&mut self, number: u64, rate: u32, add: impl FnOnce(&mut [f32])) {
        let frames = (frames_before(number + 1, rate) - frames_before(number, rate)) as usize;
        self.block.clear();
        self.block.resize(frames * 2, 0.0);
        self.mixer.mix_voices(&mut self.block);
        add(&mut self.block);
        mixer::clip(&mut self.block);
        if let Some(device) = &mut self.device {
            device.push(&self.block);
        }
        if let Some(capture) = &mut self.capture {
            capture.write(&self.block);
        }
    }

    /// Where the state's [`Music`] fields are, found again only when the
    /// layout changes.
    fn find_music_in(&mut self, table: &Arc<FieldTable>) {
        let stale = !matches!(&self.music, Some((known, _)) if Arc::ptr_eq(known, table));
        if stale {
            let mut offsets = Vec::new();
            find_music(table.fields(), 0, &mut offsets);
            self.music = Some((table.clone(), offsets));
        }
    }
}

/// Stereo frames of step time before step `number` at `rate` steps per
/// second: a step's block is the difference to the next step's.
fn frames_before(number: u64, rate: u32) -> u64 {
    number.saturating_mul(u64::from(MIX_RATE)) / u64::from(rate.max(1))
}

/// Collects the offsets of [`Music`] fields in `fields` (at `base`), in
/// structs nested to any depth.
fn find_music(fields: &[FieldInfo], base: u64, out: &mut Vec<usize>) {
    for field in fields {
        let at = base + field.offset;
        if field.fingerprint == Music::FINGERPRINT && field.size == size_of::<Music>() as u64 {
            out.extend(usize::try_from(at).ok());
        } else if field.kind == FieldKind::Struct {
            find_music(&field.fields, at, out);
        }
    }
}
