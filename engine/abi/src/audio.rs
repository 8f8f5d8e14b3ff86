//! Sound effects from game code: [`Audio::play`] asks the engine to play a
//! sound from `assets/` in this step.
//!
//! The engine owns the mixer and the audio device; game code only asks. A
//! request counts only when its step commits: a step rolled back after a
//! panic plays nothing, and a replay plays the same sounds at the same
//! steps. Music is not asked for here: it is a [`Music`](crate::Music)
//! field of the state.

use std::ffi::c_void;
use std::marker::PhantomData;

/// How one sound is played: loudness and position between the speakers.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Play {
    /// Loudness: 1 is the file as it is, 0 silent (a value that is not a
    /// finite number at least 0 counts as 0).
    pub volume: f32,
    /// -1 left, 0 centre, 1 right (clamped; not a finite number: centre).
    pub pan: f32,
}

impl Default for Play {
    /// Full volume, centred.
    fn default() -> Self {
        Self {
            volume: 1.0,
            pan: 0.0,
        }
    }
}

impl Play {
    /// This request at `volume`.
    pub const fn volume(self, volume: f32) -> Self {
        Self { volume, ..self }
    }

    /// This request panned to `pan` (-1 left to 1 right).
    pub const fn pan(self, pan: f32) -> Self {
        Self { pan, ..self }
    }
}

/// `play(context, name, name_len, play)`: queues the sound called `name`
/// for the current step.
pub type PlaySound = unsafe extern "C" fn(*const c_void, *const u8, usize, Play);

/// The engine's mixer, as seen by one update step ([`Frame::audio`](crate::Frame::audio)).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Audio<'a> {
    context: *const c_void,
    play: Option<PlaySound>,
    _call: PhantomData<&'a ()>,
}

impl Default for Audio<'_> {
    /// No mixer: every request is dropped (in `render`, and in tests).
    fn default() -> Self {
        Self {
            context: std::ptr::null(),
            play: None,
            _call: PhantomData,
        }
    }
}

impl std::fmt::Debug for Audio<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audio")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl Audio<'_> {
    /// Built by the engine around one step's requests.
    ///
    /// # Safety
    /// For the view's whole life, `play` must be safe to call with
    /// `context`, any name and any [`Play`].
    pub unsafe fn new(context: *const c_void, play: PlaySound) -> Self {
        Self {
            context,
            play: Some(play),
            _call: PhantomData,
        }
    }

    /// Plays the sound loaded from `assets/<name>` (`"hit.wav"`,
    /// `"sfx/coin.ogg"`) once, at full volume, centred, from the start of
    /// this step. A name with no sound is reported by the engine once, on
    /// screen and in the log; the step goes on.
    pub fn play(&self, name: &str) {
        self.play_with(name, Play::default());
    }

    /// [`play`](Self::play) at a volume and pan:
    /// `frame.audio.play_with("hit.wav", Play::default().volume(0.5).pan(-0.8))`.
    pub fn play_with(&self, name: &str, play: Play) {
        if let Some(request) = self.play {
            // SAFETY: `new`'s contract; `name` is a valid string for the call.
            unsafe { request(self.context, name.as_ptr(), name.len(), play) }
        }
    }
}
