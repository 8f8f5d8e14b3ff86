//! `render` per displayed frame through the loaded release library, for
//! the demo and the two ports: their text, sprites and shapes as a player
//! sees them (`cargo bench -p engine --bench render`).
//!
//! Builds the release libraries first, then plays 300 steps of each (the
//! arrows held, Enter and Space tapped now and then) so that there is a
//! game in progress to draw.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::{Engine, EngineConfig};
use hotloop_abi::{Input, Key};

/// Builds `package` with the release profile; its library's path.
fn release_library(package: &str) -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let status =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "-p", package, "--release", "--manifest-path"])
            .arg(&manifest)
            .status()
            .expect("run cargo");
    let name = format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        package.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/release")
        .join(name);
    assert!(
        status.success() && path.is_file(),
        "could not build {}",
        path.display()
    );
    path
}

/// The game `package` after 300 steps of play.
fn playing(package: &str) -> Engine {
    let mut config = EngineConfig::new(release_library(package));
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
