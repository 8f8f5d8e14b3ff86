//! Sounds: WAV and Ogg Vorbis files decoded once, off the frame thread, into
//! what the mixer plays (stereo `f32` at [`MIX_RATE`]), so playing one is a
//! reference count and never a decode or a conversion.
//!
//! A sound file is whatever a tool or a download left on disk: every size
//! and rate it declares is checked, and a bad one is refused with a reason.

use std::io::Cursor;
use std::sync::Arc;

/// The mixer's sample rate: every sound is converted to it when loaded.
pub const MIX_RATE: u32 = 48_000;

/// The longest sound accepted (a long music track), in seconds: ten minutes
/// are 220 MiB decoded.
pub const MAX_SOUND_SECONDS: usize = 600;

/// Largest stereo frame count accepted.
const MAX_FRAMES: usize = MAX_SOUND_SECONDS * MIX_RATE as usize;

/// A decoded sound: interleaved stereo `f32` samples (left, right, …) at
/// [`MIX_RATE`]. Cloning shares the samples: a voice playing it keeps them
/// alive after a hot reload replaced the file.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedSound {
    samples: Arc<[f32]>,
}

impl LoadedSound {
    /// A sound from interleaved stereo samples at [`MIX_RATE`]; an odd last
    /// sample is dropped.
    pub fn from_stereo(mut samples: Vec<f32>) -> Self {
        samples.truncate(samples.len() & !1);
        Self {
            samples: samples.into(),
        }
    }

    /// Interleaved stereo samples.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// Length in stereo frames.
    pub fn frames(&self) -> usize {
        self.samples.len() / 2
    }
}

/// Decodes a WAV (PCM 8 to 32 bit, or float) or Ogg Vorbis file, told
/// apart by their first bytes, not by the name.
///
/// # Errors
/// What is wrong with the file.
pub fn decode_sound(bytes: &[u8]) -> Result<LoadedSound, String> {
    let (channels, rate, samples) = match bytes.get(..4) {
        Some(b"RIFF") => read_wav(bytes)?,
        Some(b"OggS") => read_ogg(bytes)?,
        _ => return Err("not a WAV or Ogg Vorbis file".into()),
    };
    if !(1..=8).contains(&channels) {
        return Err(format!("{channels} channels (1 to 8 are read)"));
    }
    if !(1_000..=384_000).contains(&rate) {
        return Err(format!(
            "a sample rate of {rate} Hz (1 to 384 kHz are read)"
        ));
    }
    Ok(LoadedSound::from_stereo(to_mix_rate(
        &to_stereo(&samples, channels),
        rate,
    )))
}

/// Interleaved samples of a WAV file as `f32` in -1 to 1.
fn read_wav(bytes: &[u8]) -> Result<(usize, u32, Vec<f32>), String> {
    let reader =
        hound::WavReader::new(Cursor::new(bytes)).map_err(|e| format!("not a valid WAV ({e})"))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let limit = limit_in_samples(channels, spec.sample_rate);
    if reader.len() as usize > limit {
        return Err(format!("longer than {MAX_SOUND_SECONDS} s"));
    }
    let damaged = |e: hound::Error| format!("damaged WAV ({e})");
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .map(|s| s.map(|s| if s.is_finite() { s } else { 0.0 }))
            .collect::<Result<_, _>>()
            .map_err(damaged)?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|s| s as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(damaged)?
        }
    };
    Ok((channels, spec.sample_rate, samples))
}

/// Interleaved samples of an Ogg Vorbis file as `f32` in -1 to 1.
fn read_ogg(bytes: &[u8]) -> Result<(usize, u32, Vec<f32>), String> {
    check_comment_header(bytes)?;
    let mut reader = lewton::inside_ogg::OggStreamReader::new(Cursor::new(bytes))
        .map_err(|e| format!("not a valid Ogg Vorbis file ({e})"))?;
    let channels = usize::from(reader.ident_hdr.audio_channels);
    let rate = reader.ident_hdr.audio_sample_rate;
    let limit = limit_in_samples(channels, rate);
    let mut samples = Vec::new();
    while let Some(packet) = reader
        .read_dec_packet_itl()
        .map_err(|e| format!("damaged Ogg Vorbis file ({e})"))?
    {
        samples.extend(packet.iter().map(|&s| f32::from(s) / 32_768.0));
        if samples.len() > limit {
            return Err(format!("longer than {MAX_SOUND_SECONDS} s"));
        }
    }
    Ok((channels, rate, samples))
}

/// Refuses a Vorbis comment header whose lengths claim more than the
/// packet holds. lewton reserves room for every comment the header claims
/// before reading one: a file claiming four billion asked for 19 GB (found
/// by fuzzing), and a failed allocation aborts the process.
fn check_comment_header(bytes: &[u8]) -> Result<(), String> {
    let mut packets = ogg::PacketReader::new(Cursor::new(bytes));
    let mut next = || {
        packets
            .read_packet()
            .map_err(|e| format!("not a valid Ogg Vorbis file ({e})"))?
            .ok_or_else(|| "not a valid Ogg Vorbis file (its headers are cut off)".to_owned())
    };
    next()?;
    let comment = next()?.data;
    // The packet type and "vorbis", then the vendor string, a comment
    // count, and the comments: each string a 32-bit length and its bytes.
    let length_at = |at: usize| -> Option<usize> {
        let bytes = comment.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?) as usize)
    };
    let string_at = |at: usize| -> Option<usize> {
        let end = (at + 4).checked_add(length_at(at)?)?;
        (end <= comment.len()).then_some(end)
    };
    let checked = || -> Option<()> {
        let mut at = string_at(7)?;
        let count = length_at(at)?;
        at += 4;
        // Each comment takes four bytes at least.
        if count > (comment.len() - at) / 4 {
            return None;
        }
        for _ in 0..count {
            at = string_at(at)?;
        }
        Some(())
    };
    checked().ok_or_else(|| "damaged Ogg Vorbis comment header".to_owned())
}

/// The most interleaved samples a file of `channels` at `rate` may hold.
fn limit_in_samples(channels: usize, rate: u32) -> usize {
    MAX_SOUND_SECONDS
        .saturating_mul(rate as usize)
        .saturating_mul(channels.max(1))
}

/// Interleaved `channels` → stereo: mono to both sides, more than two
/// channels keep their front left and right.
fn to_stereo(samples: &[f32], channels: usize) -> Vec<f32> {
    match channels {
        1 => samples.iter().flat_map(|&s| [s, s]).collect(),
        _ => samples
            .chunks_exact(channels)
            .flat_map(|frame| [frame[0], frame[1]])
            .collect(),
    }
}

/// Stereo at `rate` → stereo at [`MIX_RATE`], by linear interpolation.
fn to_mix_rate(stereo: &[f32], rate: u32) -> Vec<f32> {
    if rate == MIX_RATE {
        return stereo.to_vec();
    }
    let frames = stereo.len() / 2;
    let out_frames =
        ((frames as u64 * u64::from(MIX_RATE)) / u64::from(rate)).min(MAX_FRAMES as u64) as usize;
    let step = f64::from(rate) / f64::from(MIX_RATE);
    let mut out = Vec::with_capacity(out_frames * 2);
    for n in 0..out_frames {
        let at = n as f64 * step;
        let i = at as usize;
        let t = (at - i as f64) as f32;
        let next = (i + 1).min(frames - 1);
        for side in 0..2 {
            let (a, b) = (stereo[i * 2 + side], stereo[next * 2 + side]);
            out.push(a + (b - a) * t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV file of `samples` (interleaved, `channels`) at `rate`, 16 bit.
    pub(crate) fn wav(channels: u16, rate: u32, samples: &[i16]) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut bytes = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
        for &s in samples {
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
        bytes.into_inner()
    }

    #[test]
    fn mono_at_the_mix_rate_is_copied_to_both_sides() {
        let sound = decode_sound(&wav(1, MIX_RATE, &[16_384, -32_768])).unwrap();
        assert_eq!(sound.samples(), &[0.5, 0.5, -1.0, -1.0]);
    }

    #[test]
    fn other_rates_are_converted_to_the_mix_rate() {
        let sound = decode_sound(&wav(2, 24_000, &[0, 0, 16_384, -16_384])).unwrap();
        assert_eq!(sound.frames(), 4);
        assert_eq!(&sound.samples()[..6], &[0.0, 0.0, 0.25, -0.25, 0.5, -0.5]);
    }

    #[test]
    fn files_that_are_not_sounds_are_refused_with_a_reason() {
        assert_eq!(
            decode_sound(b"\x89PNG....").unwrap_err(),
            "not a WAV or Ogg Vorbis file"
        );
        assert!(
            decode_sound(b"RIFF\0\0\0\0WAVE")
                .unwrap_err()
                .contains("not a valid WAV")
        );
        assert!(
            decode_sound(b"OggS garbage")
                .unwrap_err()
                .contains("Ogg Vorbis")
        );
        let mut cut = wav(1, MIX_RATE, &[1; 1000]);
        cut.truncate(cut.len() - 501);
        assert!(decode_sound(&cut).is_err(), "a file cut off mid-sample");
    }

    #[test]
    fn an_ogg_comment_header_claiming_more_than_it_holds_is_refused() {
        let music = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../assets/sounds/music.ogg"
        ))
        .unwrap();
        assert!(decode_sound(&music).is_ok(), "the demo's music decodes");
        // The comment count after the vendor string: four billion comments.
        let vendor = music.windows(7).position(|w| w == b"\x03vorbis").unwrap() + 7;
        let vendor_len = u32::from_le_bytes(music[vendor..vendor + 4].try_into().unwrap()) as usize;
        let count = vendor + 4 + vendor_len;
        let mut hostile = music.clone();
        hostile[count..count + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        // The page's checksum made right again, so only the count is wrong.
        let page = music[..vendor]
            .windows(4)
            .rposition(|w| w == b"OggS")
            .unwrap();
        let segments = hostile[page + 26] as usize;
        let body: usize = hostile[page + 27..page + 27 + segments]
            .iter()
            .map(|&s| s as usize)
            .sum();
        let end = page + 27 + segments + body;
        hostile[page + 22..page + 26].fill(0);
        let crc = ogg_crc(&hostile[page..end]);
        hostile[page + 22..page + 26].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            decode_sound(&hostile).unwrap_err(),
            "damaged Ogg Vorbis comment header"
        );
    }

    /// The Ogg page checksum: CRC-32, polynomial 0x04c11db7, not reflected.
    fn ogg_crc(page: &[u8]) -> u32 {
        let mut crc = 0u32;
        for &byte in page {
            crc ^= u32::from(byte) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 {
                    (crc << 1) ^ 0x04c1_1db7
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    #[test]
    fn a_header_claiming_hours_of_sound_is_refused_before_decoding() {
        let mut bytes = wav(1, MIX_RATE, &[0; 4]);
        // The data chunk's length field: 4 GiB of samples announced.
        let data = bytes.windows(4).position(|w| w == b"data").unwrap();
        bytes[data + 4..data + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_sound(&bytes).is_err());
    }
}
