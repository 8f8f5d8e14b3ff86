//! The mixer: up to [`VOICES`] sound effects and the state's music, summed
//! into one step's block of stereo samples. It runs on the frame thread,
//! once per committed step, so what it makes depends on the steps alone
//! (a capture is the same on every machine and every replay), and it
//! allocates nothing.

use hotloop_abi::Play;

use crate::assets::LoadedSound;

/// Sound effects that can play at once; a new one past that replaces the
/// one that has played longest.
pub const VOICES: usize = 32;

/// One sound effect playing.
#[derive(Debug)]
struct Voice {
    sound: LoadedSound,
    /// The next stereo frame to play.
    at: usize,
    gains: [f32; 2],
}

/// The sound effects playing.
#[derive(Debug)]
pub struct Mixer {
    voices: [Option<Voice>; VOICES],
}

impl Default for Mixer {
    fn default() -> Self {
        Self {
            voices: [const { None }; VOICES],
        }
    }
}

impl Mixer {
    /// Starts `sound` at the start of the next block.
    pub fn start(&mut self, sound: LoadedSound, play: Play) {
        let voice = Voice {
            sound,
            at: 0,
            gains: gains(play.volume, play.pan),
        };
        let slot = match self.voices.iter().position(Option::is_none) {
            Some(free) => free,
            None => (0..VOICES)
                .max_by_key(|&i| self.voices[i].as_ref().map_or(0, |v| v.at))
                .unwrap_or(0),
        };
        self.voices[slot] = Some(voice);
    }

    /// How many sound effects are playing.
    pub fn playing(&self) -> usize {
        self.voices.iter().flatten().count()
    }

    /// Adds every voice's next `block.len() / 2` frames to `block`, and
    /// retires the voices that ended.
    pub fn mix_voices(&mut self, block: &mut [f32]) {
        for slot in &mut self.voices {
            let Some(voice) = slot else { continue };
            let samples = voice.sound.samples();
            let from = voice.at * 2;
            let len = block.len().min(samples.len().saturating_sub(from));
            add(&mut block[..len], &samples[from..from + len], voice.gains);
            voice.at += len / 2;
            if voice.at >= voice.sound.frames() {
                *slot = None;
            }
        }
    }
}

/// Adds `track`, looping, from its frame `from`, to `block`.
pub fn mix_music(block: &mut [f32], track: &LoadedSound, from: u64, volume: f32) {
    let frames = track.frames();
    if frames == 0 {
        return;
    }
    let gains = gains(volume, 0.0);
    let samples = track.samples();
    let mut at = (from % frames as u64) as usize * 2;
    let mut done = 0;
    while done < block.len() {
        let len = (block.len() - done).min(samples.len() - at);
        add(&mut block[done..done + len], &samples[at..at + len], gains);
        done += len;
        at = 0;
    }
}

/// Keeps every sample within -1 to 1 (what a device can play).
pub fn clip(block: &mut [f32]) {
    for sample in block {
        *sample = sample.clamp(-1.0, 1.0);
    }
}

fn add(block: &mut [f32], samples: &[f32], [left, right]: [f32; 2]) {
    for (out, frame) in block.chunks_exact_mut(2).zip(samples.chunks_exact(2)) {
        out[0] += frame[0] * left;
        out[1] += frame[1] * right;
    }
}

/// Left and right gains: the volume (a value that is not a finite number at
/// least 0 is 0, at most 16), the centre untouched, a side faded towards
/// the other (-1: left only).
fn gains(volume: f32, pan: f32) -> [f32; 2] {
    let volume = if volume.is_finite() {
        volume.clamp(0.0, 16.0)
    } else {
        0.0
    };
    let pan = if pan.is_finite() {
        pan.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    [volume * (1.0 - pan).min(1.0), volume * (1.0 + pan).min(1.0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ones(frames: usize) -> LoadedSound {
        LoadedSound::from_stereo(vec![1.0; frames * 2])
    }

    #[test]
    fn a_voice_plays_once_from_the_start_of_the_next_block() {
        let mut mixer = Mixer::default();
        mixer.start(ones(3), Play::default().volume(0.5).pan(1.0));
        let mut block = [0.0; 4];
        mixer.mix_voices(&mut block);
        assert_eq!(block, [0.0, 0.5, 0.0, 0.5], "panned right");
        let mut block = [0.0; 4];
        mixer.mix_voices(&mut block);
        assert_eq!(block, [0.0, 0.5, 0.0, 0.0], "ends after three frames");
        assert_eq!(mixer.playing(), 0);
    }

    #[test]
    fn a_voice_past_the_limit_replaces_the_oldest() {
        let mut mixer = Mixer::default();
        mixer.start(ones(100), Play::default());
        let mut block = [0.0; 8];
        mixer.mix_voices(&mut block);
        for _ in 1..VOICES {
            mixer.start(ones(100), Play::default());
        }
        mixer.start(LoadedSound::from_stereo(vec![0.25; 200]), Play::default());
        assert_eq!(mixer.playing(), VOICES);
        let mut block = [0.0; 2];
        mixer.mix_voices(&mut block);
        assert_eq!(block, [31.25, 31.25], "31 of the new voices and the newest");
    }

    #[test]
    fn music_loops_from_any_position() {
        let track = LoadedSound::from_stereo(vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
        let mut block = [0.0; 8];
        mix_music(&mut block, &track, 7, 1.0);
        assert_eq!(block, [2.0, 2.0, 3.0, 3.0, 1.0, 1.0, 2.0, 2.0]);
    }

    #[test]
    fn bad_volumes_and_pans_are_silence_and_centre() {
        assert_eq!(gains(f32::NAN, 0.0), [0.0, 0.0]);
        assert_eq!(gains(-1.0, 0.0), [0.0, 0.0]);
        assert_eq!(gains(1.0, f32::INFINITY), [1.0, 1.0]);
        assert_eq!(gains(2.0, -0.5), [2.0, 1.0]);
    }
}
