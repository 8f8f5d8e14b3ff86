//! `tools sounds`: makes the games' sound effects and the demo's music from
//! code, so every sound in `assets/sounds/` is this project's own work,
//! under the project's licence, and can be made again or changed here.
//!
//! Effects are one oscillator (square, triangle or noise) with a pitch
//! sweep and a decaying envelope, as classic effect generators make them;
//! the music is a short loop of two triangle voices. All are mono 16-bit
//! WAV at 22.05 kHz (the engine converts them to its 48 kHz stereo when it
//! loads them); the music is also written as Ogg Vorbis when `sox` (with
//! its Vorbis format) is installed.

use std::path::Path;

use anyhow::{Context, Result};

/// The files' sample rate.
const RATE: u32 = 22_050;

/// An oscillator's wave.
#[derive(Clone, Copy)]
enum Wave {
    Square,
    Triangle,
    Noise,
}

/// One effect: `wave` from `from` Hz to `to` Hz over `seconds`, decaying.
struct Effect {
    name: &'static str,
    wave: Wave,
    from: f32,
    to: f32,
    seconds: f32,
    volume: f32,
}

const EFFECTS: [Effect; 7] = [
    // The demo: a particle collected (a rising blip).
    Effect {
        name: "collect.wav",
        wave: Wave::Square,
        from: 660.0,
        to: 1320.0,
        seconds: 0.09,
        volume: 0.3,
    },
    // Breakout: the ball off a wall or the paddle, and off a brick.
    Effect {
        name: "bounce.wav",
        wave: Wave::Triangle,
        from: 440.0,
        to: 330.0,
        seconds: 0.06,
        volume: 0.6,
    },
    Effect {
        name: "brick.wav",
        wave: Wave::Square,
        from: 880.0,
        to: 990.0,
        seconds: 0.07,
        volume: 0.3,
    },
    // Invaders: the cannon fires, an invader is hit, the cannon is hit,
    // and the fleet's march step.
    Effect {
        name: "shoot.wav",
        wave: Wave::Square,
        from: 1200.0,
        to: 300.0,
        seconds: 0.12,
        volume: 0.25,
    },
    Effect {
        name: "invader.wav",
        wave: Wave::Noise,
        from: 2000.0,
        to: 500.0,
        seconds: 0.15,
        volume: 0.4,
    },
    Effect {
        name: "explosion.wav",
        wave: Wave::Noise,
        from: 900.0,
        to: 60.0,
        seconds: 0.6,
        volume: 0.6,
    },
    Effect {
        name: "march.wav",
        wave: Wave::Square,
        from: 98.0,
        to: 92.0,
        seconds: 0.08,
        volume: 0.35,
    },
];

/// Writes every effect and the music into `dir`.
pub fn make(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for effect in &EFFECTS {
        write(&dir.join(effect.name), &synth(effect))?;
    }
    let music = dir.join("music.wav");
    write(&music, &music_loop())?;
    let ogg = dir.join("music.ogg");
    let converted = std::process::Command::new("sox")
        .args([
            music.as_os_str(),
            "-C".as_ref(),
            "2".as_ref(),
            ogg.as_os_str(),
        ])
        .status();
    match converted {
        Ok(status) if status.success() => {
            std::fs::remove_file(&music)?;
            println!("wrote {}", ogg.display());
        }
        _ => println!(
            "sox (with libsox-fmt-vorbis) is missing: the music stays {}",
            music.display()
        ),
    }
    Ok(())
}

/// One effect's samples, in -1 to 1.
fn synth(effect: &Effect) -> Vec<f32> {
    let len = (effect.seconds * RATE as f32) as usize;
    let mut phase = 0.0f32;
    let mut noise = 0x1234_5678u32;
    let mut held = 0.0;
    (0..len)
        .map(|n| {
            let t = n as f32 / len as f32;
            let frequency = effect.from * (effect.to / effect.from).powf(t);
            let before = phase;
            phase = (phase + frequency / RATE as f32).fract();
            let value = match effect.wave {
                Wave::Square => {
                    if phase < 0.5 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                Wave::Triangle => 1.0 - 4.0 * (phase - 0.5).abs(),
                // A new random level each cycle: pitched noise.
                Wave::Noise => {
                    if phase < before {
                        noise ^= noise << 13;
                        noise ^= noise >> 17;
                        noise ^= noise << 5;
                        held = (noise as f32 / u32::MAX as f32) * 2.0 - 1.0;
                    }
                    held
                }
            };
            value * effect.volume * (1.0 - t).powi(2)
        })
        .collect()
}

/// An eight-second loop: a bass line and a melody, triangle waves.
fn music_loop() -> Vec<f32> {
    const BASS: [f32; 4] = [110.0, 87.31, 130.81, 98.0];
    const MELODY: [f32; 16] = [
        440.0, 523.25, 659.25, 523.25, 349.23, 440.0, 523.25, 440.0, 523.25, 659.25, 783.99,
        659.25, 392.0, 493.88, 587.33, 493.88,
    ];
    let len = 8 * RATE as usize;
    let note = len / MELODY.len();
    (0..len)
        .map(|n| {
            let t = n as f32 / RATE as f32;
            let bass = BASS[n * BASS.len() / len];
            let melody = MELODY[n / note];
            let within = (n % note) as f32 / note as f32;
            let triangle = |f: f32| 1.0 - 4.0 * ((t * f).fract() - 0.5).abs();
            0.18 * triangle(bass) + 0.12 * triangle(melody) * (1.0 - within).powf(0.5)
        })
        .collect()
}

fn write(path: &Path, samples: &[f32]) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)
        .with_context(|| format!("writing {}", path.display()))?;
    for &sample in samples {
        writer.write_sample((sample.clamp(-1.0, 1.0) * 32_767.0) as i16)?;
    }
    writer.finalize()?;
    println!("wrote {}", path.display());
    Ok(())
}
