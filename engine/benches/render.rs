//! `render` per displayed frame through the loaded release library, for
//! the demo and the two ports: their text, sprites and shapes as a player
//! sees them (`cargo bench -p engine --bench render`).
//!
//! Builds the release libraries first, then plays 300 steps of each (the
//! arrows held, Enter and Space tapped now and then) so that there is a
//! game in progress to draw.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::{Engine, EngineConfig};
use hotloop_abi::{Input, Key};

/// The game `package` after 300 steps of play.
fn playing(package: &str) -> Engine {
    let mut config = EngineConfig::new(common::release_library(package));
    config.watch = false;
    let mut engine = Engine::new(config).expect("the release library loads");
    for step in 0..300u32 {
        let mut input = Input::default();
        input.down.insert(if step % 120 < 60 {
            Key::Left
        } else {
            Key::Right
        });
        if step % 40 == 0 {
            for key in [Key::Enter, Key::Space] {
                input.down.insert(key);
                input.pressed.insert(key);
            }
        }
        engine.update(&input);
    }
    engine
}

fn render(c: &mut Criterion) {
    for package in ["game-logic", "invaders", "breakout"] {
        let mut engine = playing(package);
        let (width, height) = engine.display().size;
        let mut pixels = vec![0u8; width as usize * height as usize * 4];
        c.bench_function(&format!("render {package} ({width}x{height})"), |b| {
            b.iter(|| engine.render(black_box(&mut pixels)));
        });
    }
}

criterion_group!(benches, render);
criterion_main!(benches);
