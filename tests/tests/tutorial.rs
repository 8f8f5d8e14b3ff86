//! `docs/tutorial.md`, checked: every step's files build as a game-logic
//! variant and do what the text says the reader will see, and every code
//! block the text quotes from a file is still in that file.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use engine::source::dev::{DevLoop, build};
use engine::{Engine, EngineConfig, SwapKind};
use hotloop_abi::{Input, Key};
use hotloop_tests::{
    ScratchWorkspace, Variant, boundaries_until, copy_assets, demo_library, ticks, workspace,
};

fn step(path: &str) -> PathBuf {
    workspace().join("docs/tutorial").join(path)
}

/// The demo with a tutorial step's files laid over it.
fn step_library(name: &str, files: &str) -> PathBuf {
    let variant = Variant::of_demo(name);
    variant.overlay(&step(files));
    variant.build()
}

fn running_demo(dirs: &Path) -> Engine {
    let mut config = EngineConfig::new(demo_library());
    config.watch = false;
    config.snapshot_dir = dirs.join("snapshots");
    config.recording_dir = dirs.join("recordings");
    let mut engine = Engine::new(config).unwrap();
    for _ in 0..120 {
        engine.step(&Input::default());
    }
    engine
}

#[test]
fn every_quoted_code_block_is_in_its_file() {
    let text = fs::read_to_string(workspace().join("docs/tutorial.md")).unwrap();
    let mut quoted = 0;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") {
            continue;
        }
        let block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let Some(file) = block.first().and_then(|l| {
            l.strip_prefix("// file: ")
                .or_else(|| l.strip_prefix("# file: "))
        }) else {
            continue;
        };
        let source =
            fs::read_to_string(workspace().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let excerpt = block[1..].join("\n");
        assert!(
            source.contains(&excerpt),
            "the tutorial quotes lines that are not in {file}:\n{excerpt}"
        );
        quoted += 1;
    }
    assert!(quoted >= 5, "only {quoted} quoted blocks found");
}

#[test]
fn step_1_the_demo_runs_headless() {
    let dir = tempfile::tempdir().unwrap();
    let engine = running_demo(dir.path());
    let summary = engine.summary();
    assert_eq!((summary.frames, summary.stats.generation), (120, 1));
    assert!(summary.game.unwrap().starts_with("ticks 120 score"));
}

#[test]
fn step_2_a_new_colour_appears_and_the_game_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = running_demo(dir.path());
    engine
        .reload_from(&step_library("tutorial-2", "step-2/src"))
        .unwrap();
    assert_eq!(engine.generation(), 2, "the overlay's `gen` counts up");
    engine.step(&Input::default());
    assert_eq!(ticks(engine.state_bytes()), 121, "the game carried on");
    let mut pixels = vec![0; 320 * 240 * 4];
    engine.render(&mut pixels);
    let purple = pixels
        .chunks_exact(4)
        .filter(|p| *p == [48, 24, 64, 255])
        .count();
    assert!(purple > 320 * 240 / 2, "the background is the new colour");
}

#[test]
fn step_3_a_new_field_and_system_keep_the_progress_through_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = running_demo(dir.path());
    let before = engine.describe().unwrap();
    engine
        .reload_from(&step_library("tutorial-3", "step-3/src"))
        .unwrap();
    assert!(
        engine
            .notice()
            .unwrap()
            .contains("`migrate` carried the state over")
    );
    let after = engine.describe().unwrap();
    assert!(
        after.starts_with(&before),
        "same ticks, score and player: {before} -> {after}"
    );
    assert!(after.ends_with("alive 0.0s"), "{after}");
    for _ in 0..60 {
        engine.step(&Input::default());
    }
    assert!(
        engine.describe().unwrap().ends_with("alive 1.0s"),
        "the new system runs"
    );
}

#[test]
fn step_4_a_compile_error_is_shown_and_the_game_keeps_running() {
    let workspace = ScratchWorkspace::new("tutorial-4");
    let dev = workspace.dev_config(false);
    let mut config = EngineConfig::new(build(&dev).unwrap());
    config.watch = false;
    let mut engine = Engine::new(config).unwrap();
    engine.set_source(Box::new(DevLoop::spawn(dev, engine.shadows()).unwrap()));
    let typo = fs::read_to_string(step("step-4/typo/src/draw.rs")).unwrap();
    fs::write(workspace.root().join("game-logic/src/draw.rs"), typo).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while engine.stats().failed_builds == 0 {
        assert!(Instant::now() < deadline, "the build error never showed");
        engine.step(&Input::default());
        std::thread::sleep(Duration::from_millis(10));
    }
    let error = engine.current_error().unwrap();
    assert!(
        error.starts_with("build failed: error[E0425]: cannot find value `BACKGROUN`"),
        "{error}"
    );
    assert!(error.contains("src/draw.rs:16"), "{error}");
    let before = ticks(engine.state_bytes());
    engine.step(&Input::default());
    assert_eq!(
        ticks(engine.state_bytes()),
        before + 1,
        "the last good build keeps running"
    );
}

#[test]
fn step_4_a_panic_rolls_back_and_the_previous_code_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = running_demo(dir.path());
    engine
        .reload_from(&step_library("tutorial-3b", "step-3/src"))
        .unwrap();
    engine
        .reload_from(&step_library("tutorial-4", "step-4/panic/src"))
        .unwrap();
    let before = ticks(engine.state_bytes());
    engine.step(&Input::default());
    let error = engine.stats().last_error.clone().unwrap();
    assert!(
        error.contains("update panicked") && error.contains("index out of bounds"),
        "{error}"
    );
    assert!(error.contains("src/lib.rs:"), "{error}");
    assert_eq!(engine.history().last().unwrap().kind, SwapKind::Fallback);
    assert_eq!(engine.generation(), 2, "back to step 3's code");
    assert_eq!(
        ticks(engine.state_bytes()),
        before + 1,
        "the step ran on the previous code"
    );
}

#[test]
fn step_5_tunables_change_the_game_and_restart_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let assets = copy_assets(dir.path(), &["tunables.toml"]);
    let mut config = EngineConfig::new(demo_library());
    config.watch = false;
    config.assets = Some(assets.clone());
    config.recording_dir = dir.path().join("recordings");
    let mut engine = Engine::new(config).unwrap();

    let mut right = Input::default();
    right.down.insert(Key::Right);
    engine.toggle_loop();
    for _ in 0..60 {
        engine.step(&right);
    }
    engine.toggle_loop();
    for _ in 0..30 {
        engine.step(&Input::default());
    }
    fs::copy(
        step("step-5/assets/tunables.toml"),
        assets.join("tunables.toml"),
    )
    .unwrap();
    boundaries_until(&mut engine, "the new tunables", |e| {
        e.assets().tunable("particles.speed") == Some(2.0)
    });
    assert_eq!(
        engine.loop_mode(),
        engine::runtime::looping::LoopMode::Playing { at: 0, of: 60 },
        "the loop starts over with the new numbers"
    );
}
