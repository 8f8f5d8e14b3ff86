//! A 64 MiB state in a debug build: built in place by `init_in_place`,
//! stepped, reloaded (same layout, and a changed one carried over by field
//! name), and rolled back after a panic, never copied onto a stack (a test
//! thread has 2 MiB of it, the main thread 8).

use engine::Engine;
use engine::state::CopyMode;
use engine::state::fields::Value;
use hotloop_abi::Input;
use hotloop_tests::{BIG_STATE_CELLS, big_state_game, engine_binary, run, summary_line, unwatched};

/// 8 Mi `u64`s: 64 MiB.
const CELLS: usize = BIG_STATE_CELLS;

fn ticks(engine: &Engine) -> u64 {
    u64::from_le_bytes(engine.state_bytes()[..8].try_into().unwrap())
}

#[test]
fn a_64_mib_state_runs_60_headless_frames_in_the_debug_binary() {
    let library = big_state_game("big-cli", "", "").build();
    let output = std::process::Command::new(engine_binary())
        .args(["--headless", "--frames", "60", "--no-watch", "--lib"])
        .arg(&library)
        .output()
        .expect("run hotloop");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let summary = summary_line(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(summary["frames"], 60, "{summary}");
    assert!(
        summary["game"].as_str().unwrap().starts_with("ticks 60 "),
        "{summary}"
    );
    assert_eq!(summary["crashes"], 0, "{summary}");
}

#[test]
fn a_64_mib_state_reloads_migrates_and_rolls_back_without_a_stack_copy() {
    let first = big_state_game("big-first", "", "").build();
    let twice = big_state_game("big-twice", "", "state.sum = state.sum.wrapping_mul(3);").build();
    let wider = big_state_game("big-wider", "pub extra: u32,", "state.extra += 1;").build();
    let panics = big_state_game(
        "big-panics",
        "pub extra: u32,",
        // Writes all over the state, then panics: every page must come back.
        "if state.ticks == 100 { for i in 0..CELLS / 512 { state.cells[i * 512] = 0xdead; } panic!(\"boom\"); }",
    )
    .build();
    let mut engine = unwatched(&first);
    assert_eq!(engine.layout().size as usize, CELLS * 8 + 16);
    run(&mut engine, 60);
    assert_eq!(ticks(&engine), 60);

    // Same layout: the state stays as it is.
    let before = engine.state_bytes().to_vec();
    engine.reload_from(&twice).expect("same layout");
    assert!(engine.state_bytes() == before, "the reload kept the state");
    run(&mut engine, 10);
    assert_eq!(ticks(&engine), 70);

    // Another layout: carried over by field name, `extra` from `init`.
    let before = engine.state_bytes().to_vec();
    engine.reload_from(&wider).expect("carried over by name");
    let notice = engine.notice().unwrap_or_default().to_owned();
    assert!(notice.contains("state layout changed"), "{notice}");
    // The old state was saved too: 64 MiB that this test need not keep.
    let saved = notice
        .rsplit("old state saved to ")
        .next()
        .unwrap_or_default();
    std::fs::remove_file(saved).expect("the saved old state");
    let now = engine.state_bytes();
    assert!(
        now[..before.len()] == before[..],
        "ticks, sum and cells carried"
    );
    assert_eq!(
        &now[before.len()..],
        &[0; 8],
        "extra (and padding) from init"
    );
    run(&mut engine, 20);
    assert_eq!(ticks(&engine), 90);

    // A panic at step 100 rolls the state back to before that step; the
    // previous build then runs the step again. A second engine that only
    // ever ran `wider` must end with the same bytes.
    engine.reload_from(&panics).expect("same layout as wider");
    run(&mut engine, 10);
    let error = engine.stats().last_error.clone().unwrap_or_default();
    assert!(error.contains("boom"), "{error}");
    assert_eq!(engine.generation(), 3, "back on `wider`");
    assert_eq!(ticks(&engine), 100, "the step ran again, once");

    let mut reference = unwatched(&wider);
    run(&mut reference, 100);
    let (ours, theirs) = (engine.state_bytes(), reference.state_bytes());
    // `ticks`, `sum`, `extra` differ by history (`twice` multiplied `sum`,
    // `extra` started at 70); every cell written before and by step 100 matches.
    let cells = 16..16 + CELLS * 8;
    let differing = ours[cells.clone()]
        .chunks(8)
        .zip(theirs[cells].chunks(8))
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(
        differing, 0,
        "no cell keeps a value the panicking step wrote"
    );
}

#[test]
fn a_panic_in_a_step_of_a_64_mib_state_restores_it_exactly() {
    let panics = big_state_game(
        "big-panics-alone",
        "",
        "if state.ticks == 30 { for i in 0..CELLS / 300 { state.cells[i * 300] = 0xdead; } panic!(\"boom\"); }",
    )
    .build();
    for mode in [CopyMode::Auto, CopyMode::Whole] {
        rolls_back_exactly(&panics, mode);
    }
}

/// Runs `panics` to its panic at step 30 with the per-step copy kept as `mode`.
fn rolls_back_exactly(panics: &std::path::Path, mode: CopyMode) {
    let mut config = engine::EngineConfig::new(panics);
    config.watch = false;
    config.snapshot_dir = hotloop_tests::variants_dir().join("snapshots");
    config.step_copy = mode;
    let mut engine = Engine::new(config).expect("engine starts");
    eprintln!(
        "{mode:?}: only written pages copied: {}",
        engine.copies_written_pages_only()
    );
    if mode == CopyMode::Whole {
        assert!(!engine.copies_written_pages_only());
    }
    // Written pages outside a step count too: an edit made between steps
    // is part of the state a rollback restores.
    run(&mut engine, 29);
    let Ok(Value::Int(sum)) = engine.field("sum") else {
        panic!("the state has a `sum`")
    };
    engine
        .set_field("sum", Value::Int(sum + 1000))
        .expect("sum written");
    let before_step = engine.state_bytes().to_vec();
    engine.step(&Input::default());
    assert!(engine.is_paused(), "no previous build: game logic pauses");
    assert!(
        engine.state_bytes() == before_step,
        "the state is exactly as before the panicking step"
    );
    // Paused steps run no game code and change nothing.
    run(&mut engine, 3);
    assert!(engine.state_bytes() == before_step);
}

#[test]
fn a_crash_in_a_step_of_a_64_mib_state_resumes_from_before_that_step() {
    // Aborts in step 30 after writing all over the state: the supervised
    // session carries on from the copy in shared memory, and with no
    // earlier build, pauses there.
    let crashing = big_state_game(
        "big-aborts",
        "",
        "if state.ticks == 30 { for i in 0..CELLS / 300 { state.cells[i * 300] = 0xdead; } std::process::abort(); }",
    )
    .build();
    let good = big_state_game("big-good", "", "").build();
    let summary = |library: &std::path::Path, frames: &str| {
        let output = std::process::Command::new(engine_binary())
            .args(["--headless", "--frames", frames, "--no-watch", "--lib"])
            .arg(library)
            .output()
            .expect("run hotloop");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (
            summary_line(&String::from_utf8_lossy(&output.stdout)),
            stderr,
        )
    };
    let (crashed, stderr) = summary(&crashing, "60");
    assert_eq!(crashed["crashes"], 1, "{crashed}\n{stderr}");
    let (reference, _) = summary(&good, "29");
    assert_eq!(
        crashed["state_checksum"], reference["state_checksum"],
        "the state is exactly as after step 29"
    );
}
