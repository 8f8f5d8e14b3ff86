//! The mixer's cost per step: 32 sound effects and a music track summed
//! into one 60 Hz step's block (800 stereo frames), as the frame thread
//! does after each committed step (`cargo bench -p engine --bench audio`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::assets::{LoadedSound, MIX_RATE};
use engine::audio::{Mixer, VOICES, clip, mix_music};
use hotloop_abi::Play;

fn mixing(c: &mut Criterion) {
    // Two seconds of sound each, so voices end and start again now and then.
    let effect = LoadedSound::from_stereo(vec![0.01; 2 * 2 * MIX_RATE as usize]);
    let music = LoadedSound::from_stereo(vec![0.1; 8 * 2 * MIX_RATE as usize]);
    let mut mixer = Mixer::default();
    let mut block = vec![0.0f32; 2 * MIX_RATE as usize / 60];
    let mut step = 0u64;
    c.bench_function("mix 32 voices and music, one 60 Hz step", |b| {
        b.iter(|| {
            while mixer.playing() < VOICES {
                mixer.start(effect.clone(), Play::default().pan(0.3));
            }
            block.fill(0.0);
            mixer.mix_voices(&mut block);
            mix_music(&mut block, &music, step * 800, 0.8);
            clip(&mut block);
            step += 1;
            black_box(&block);
        });
    });
}

criterion_group!(benches, mixing);
criterion_main!(benches);
