//! Crash-proof sessions: game code that overflows its stack, aborts, runs
//! out of memory, calls `process::exit`, faults, or never returns does not
//! end the session. The engine process is restarted on the state from
//! before the failing step, on the previous good library, and the next
//! build is taken as usual.
//!
//! Every test drives the real `hotloop` binary (supervisor and engine
//! process) and waits for what it logs, never for wall-clock time.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use hotloop_tests::{
    EngineProcess, Finished, ScratchWorkspace, Variant, XWindow, demo_library, display_available,
    failing_system, failing_variant, install, variants_dir,
};

/// A good build that says who it is, to be installed after a crash.
fn good_build() -> PathBuf {
    static GOOD: OnceLock<PathBuf> = OnceLock::new();
    GOOD.get_or_init(|| {
        Variant::of_demo("crash-good")
            .edit(
                "lib.rs",
                "Hello from game-logic!",
                "Hello from the fixed build!",
            )
            .build()
    })
    .clone()
}

/// A fresh directory holding the library file the engine watches.
fn library_slot(test: &str) -> PathBuf {
    let dir = variants_dir().join("crash-tests").join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir.join("libgame.so")
}

/// The engine's command line: `flags`, `--lib library`, then `extra`.
fn args(flags: &[&str], library: &Path, extra: &[&str]) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = flags.iter().map(Into::into).collect();
    args.extend(["--lib".into(), library.as_os_str().to_owned()]);
    args.extend(extra.iter().map(Into::into));
    args
}

/// The `ticks N` the demo's `describe` reports.
fn ticks(summary: &serde_json::Value) -> u64 {
    let game = summary["game"]
        .as_str()
        .unwrap_or_else(|| panic!("{summary}"));
    game.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn assert_survived(finished: &Finished, cause: &str) -> serde_json::Value {
    assert!(
        finished.status.success(),
        "the session ends normally: {:?}\n{}",
        finished.status,
        finished.stderr
    );
    let summary = finished.summary();
    assert!(
        summary["crashes"].as_u64().unwrap() >= 1,
        "{summary}\nstdout:\n{}\nstderr:\n{}",
        finished.stdout,
        finished.stderr
    );
    let last_error = summary["last_error"].as_str().unwrap_or_default();
    assert!(
        last_error.contains(cause),
        "last_error names {cause:?}: {summary}\nstderr:\n{}",
        finished.stderr
    );
    summary
}

/// Demo (generation 1) → a build that fails 30 steps after it is loaded
/// (generation 2) → the session carries on with generation 1 on the state
/// from before the failing step → a good build (generation 3) is taken.
fn survives(variant: &Variant, cause: &str, extra_args: &[&str]) {
    let crashing = variant.build();
    let good = good_build();
    let library = library_slot(variant.name());
    install(&demo_library(), &library);
    let mut engine =
        EngineProcess::start(args(&["--headless", "--realtime"], &library, extra_args));
    engine.wait_for("for new builds");
    install(&crashing, &library);
    engine.wait_for("generation 2 at step");
    engine.wait_for(&format!("game code crashed the engine: {cause}"));
    engine.wait_for("went back to generation 1");
    engine.wait_for("running again at step");
    install(&good, &library);
    engine.wait_for("generation 3 at step");
    let finished = engine.terminate();
    let summary = assert_survived(&finished, cause);
    assert_eq!(summary["generation"], 3, "the good build runs: {summary}");
    assert_eq!(
        ticks(&summary),
        summary["frames"].as_u64().unwrap(),
        "no step lost, none run twice: {summary}"
    );
    assert!(
        !finished.stderr.contains("generation 2:"),
        "the crashed build is never loaded again: {}",
        finished.stderr
    );
}

#[test]
fn a_stack_overflow_is_survived() {
    let variant = failing_variant(
        "crash-stack",
        30,
        "fn deeper(n: u64) -> u64 { let pad = [n; 64]; std::hint::black_box(&pad); deeper(n + 1) + pad[1] } std::hint::black_box(deeper(0));",
    );
    survives(&variant, "stack overflow in update at step", &[]);
}

#[test]
fn an_abort_is_survived() {
    let variant = failing_variant("crash-abort", 30, "std::process::abort();");
    survives(&variant, "abort in update at step", &[]);
}

#[test]
fn a_failed_allocation_is_survived() {
    let variant = failing_variant(
        "crash-alloc",
        30,
        "let huge: Vec<u64> = Vec::with_capacity(usize::MAX / 16); std::hint::black_box(huge);",
    );
    survives(&variant, "allocation failure in update at step", &[]);
}

#[test]
fn process_exit_in_game_code_is_survived() {
    let variant = failing_variant("crash-exit", 30, "std::process::exit(3);");
    survives(
        &variant,
        "game code called process::exit(3) in update at step",
        &[],
    );
}

#[test]
fn a_segfault_in_a_game_dependency_is_survived() {
    let variant = failing_variant("crash-segv", 30, "poke::write_through_null();");
    variant.with_dependency(
        "poke",
        "/// Writes through a null pointer, as a buggy unsafe dependency might.\npub fn write_through_null() {\n    // SAFETY: it is not: this crate exists to fault.\n    unsafe { std::ptr::null_mut::<u32>().write_volatile(1) }\n}\n",
    );
    survives(
        &variant,
        "SIGSEGV (invalid memory access) in update at step",
        &[],
    );
}

#[test]
fn a_hang_in_update_is_survived() {
    let variant = failing_variant("crash-hang", 30, "loop { std::hint::spin_loop(); }");
    survives(
        &variant,
        "update did not return within 1 s at step",
        &["--hang-timeout", "1"],
    );
}

/// A thread waiting on a lock is not running, yet its call still counts
/// toward the hang timeout (only stops and blocked output do not).
#[test]
fn a_deadlock_in_update_is_survived() {
    let variant = failing_variant(
        "crash-deadlock",
        30,
        "let lock = std::sync::Mutex::new(0); let _held = lock.lock(); let _again = lock.lock();",
    );
    survives(
        &variant,
        "update did not return within 1 s at step",
        &["--hang-timeout", "1"],
    );
}

#[test]
fn a_crash_on_the_first_step_of_a_new_build_falls_back() {
    let variant = failing_variant("crash-first-step", 0, "std::process::abort();");
    survives(&variant, "abort in update at step", &[]);
}

#[test]
fn with_no_earlier_build_game_logic_pauses_until_the_next_build() {
    let crashing = failing_variant("crash-alone", 30, "std::process::abort();").build();
    let library = library_slot("crash-alone");
    install(&crashing, &library);
    let mut engine = EngineProcess::start(args(&["--headless", "--realtime"], &library, &[]));
    engine.wait_for("generation 1:");
    engine.wait_for("game code crashed the engine: abort in update at step 31");
    engine.wait_for("game logic is paused until the next build");
    install(&good_build(), &library);
    engine.wait_for("generation 2 at step");
    let finished = engine.terminate();
    let summary = assert_survived(&finished, "abort in update at step 31");
    assert_eq!(summary["generation"], 2, "{summary}");
    let ticks = ticks(&summary);
    assert!(
        ticks >= 30 && ticks <= summary["frames"].as_u64().unwrap(),
        "the good build carries on from tick 30, the state before the failing step: {summary}"
    );
}

#[test]
fn a_crash_at_start_up_is_said_once_not_restarted_forever() {
    let crashing = Variant::of_demo("crash-init");
    crashing.edit(
        "lib.rs",
        "pub fn init() -> State {",
        "pub fn init() -> State {\n    if std::hint::black_box(true) {\n        std::process::abort();\n    }",
    );
    let library = crashing.build();
    let finished =
        EngineProcess::start(args(&["--headless", "--frames", "10"], &library, &[])).finish();
    assert!(!finished.status.success(), "{}", finished.stderr);
    assert!(
        finished.stderr.contains(
            "the game crashed while starting (abort in init at step 0); fix it and run again"
        ),
        "{}",
        finished.stderr
    );
    assert_eq!(
        finished
            .stderr
            .matches("game code crashed the engine")
            .count(),
        1,
        "one crash, no restart loop: {}",
        finished.stderr
    );
}

#[test]
fn sigterm_during_a_hang_prints_the_summary() {
    let hanging = failing_variant("crash-term", 30, "loop { std::hint::spin_loop(); }").build();
    let library = library_slot("crash-term");
    install(&hanging, &library);
    let mut engine = EngineProcess::start(args(
        &["--headless", "--realtime", "--hang-timeout", "600"],
        &library,
        &[],
    ));
    engine.wait_for("fail_soon: failing now");
    let finished = engine.terminate();
    // A guard, not the benchmark: `tools bench stop` measures the real time.
    assert!(
        finished.after_signal < Duration::from_secs(10),
        "took {:?}",
        finished.after_signal
    );
    let summary = assert_survived(
        &finished,
        "update was still running at step 31 when the session was stopped",
    );
    assert_eq!(
        summary["frames"], 30,
        "the step that hung is not counted: {summary}"
    );
}

#[test]
fn a_crash_during_a_replay_is_survived() {
    let dir = variants_dir().join("crash-tests/replay");
    let _ = fs::remove_dir_all(&dir);
    let mut config = engine::EngineConfig::new(demo_library());
    config.watch = false;
    config.snapshot_dir = dir.join("snapshots");
    config.recording_dir = dir.join("recordings");
    let mut recorder = engine::Engine::new(config).unwrap();
    hotloop_tests::run(&mut recorder, 5);
    recorder.toggle_loop();
    hotloop_tests::run(&mut recorder, 120);
    recorder.toggle_loop();
    let recording = fs::read_dir(dir.join("recordings"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let crashing = failing_variant("crash-replay", 30, "std::process::abort();").build();
    let replay = ["--replay", recording.to_str().unwrap()];
    let finished =
        EngineProcess::start(args(&["--headless", "--no-watch"], &crashing, &replay)).finish();
    let summary = assert_survived(&finished, "abort in update at step 31");
    assert_eq!(
        summary["frames"], 120,
        "every recorded step is counted: {summary}"
    );
}

#[test]
fn a_thread_left_running_by_a_retired_library_does_not_end_the_session() {
    let spinner = Variant::of_demo("crash-thread");
    spinner.edit(
        "lib.rs",
        "fn greet() -> &'static str {",
        r#"static SPINS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn greet() -> &'static str {
    // Left running when this library is replaced: its code may be unmapped under it.
    std::thread::spawn(|| loop {
        SPINS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::thread::sleep(std::time::Duration::from_millis(1));
    });"#,
    );
    let spinner = spinner.build();
    let library = library_slot("crash-thread");
    install(&spinner, &library);
    let mut engine = EngineProcess::start(args(&["--headless", "--realtime"], &library, &[]));
    engine.wait_for("for new builds");
    install(&demo_library(), &library);
    engine.wait_for("generation 2 at step");
    install(&good_build(), &library);
    engine.wait_for("generation 3 at step");
    let finished = engine.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);
    let summary = finished.summary();
    assert_eq!(summary["generation"], 3, "{summary}");
    assert_eq!(
        ticks(&summary),
        summary["frames"].as_u64().unwrap(),
        "{summary}"
    );
}

#[test]
fn a_hang_in_render_brings_the_window_back_with_the_banner() {
    if !display_available() {
        return;
    }
    let hanging = Variant::of_demo("crash-render");
    hanging
        .edit(
            "lib.rs",
            "    render: draw::render,",
            "    render: render_then_hang,",
        )
        .edit(
            "lib.rs",
            "fn greet() -> &'static str {",
            r#"static FRAMES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn render_then_hang(state: &State, frame: &hotloop_abi::Frame, canvas: &mut hotloop_abi::Canvas<'_>) {
    if FRAMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 30 {
        eprintln!("render_then_hang: hanging now");
        loop { std::hint::spin_loop(); }
    }
    draw::render(state, frame, canvas);
}

fn greet() -> &'static str {"#,
        );
    let hanging = hanging.build();
    let library = library_slot("crash-render");
    install(&demo_library(), &library);
    let mut engine = EngineProcess::start(args(&["--hang-timeout", "1"], &library, &[]));
    engine.wait_for("for new builds");
    let before = XWindow::of_process(engine.id(), Duration::from_secs(30))
        .unwrap_or_else(|| panic!("the window opens; the engine said:\n{}", engine.stderr()));
    let geometry = before.geometry();
    install(&hanging, &library);
    engine.wait_for("render_then_hang: hanging now");
    engine.wait_for("game code crashed the engine: render did not return within 1 s");
    engine.wait_for("went back to generation 1");
    engine.wait_for("running again at step");
    let after = XWindow::of_process(engine.id(), Duration::from_secs(30))
        .unwrap_or_else(|| panic!("the window is back; the engine said:\n{}", engine.stderr()));
    assert_eq!(
        after.geometry(),
        geometry,
        "the window is back where it was"
    );
    let banner = |p: [u8; 3]| p[0] > 120 && p[1] < 50 && p[2] < 60;
    let background = |p: [u8; 3]| {
        p.iter()
            .zip([18u8, 22, 40])
            .all(|(a, b)| a.abs_diff(b) <= 2)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let shot = after.screenshot();
        if shot.fraction(banner) > 0.02 && shot.fraction(background) > 0.3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no red banner over the running game; banner {:.3}, background {:.3}",
            shot.fraction(banner),
            shot.fraction(background)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let finished = engine.terminate();
    let summary = assert_survived(&finished, "render did not return within 1 s");
    assert_eq!(summary["generation"], 1, "{summary}");
}

#[test]
fn the_dev_loop_survives_a_crash_and_takes_the_fix() {
    let workspace = ScratchWorkspace::new("crash-dev");
    let mut engine = workspace.start_dev();
    engine.wait_for("generation 1:");
    engine.wait_for("dev loop: rebuilding");
    workspace.edit_all(
        "lib.rs",
        &[
            (
                "        systems::count_ticks,\n",
                "        systems::count_ticks,\n        fail_soon,\n",
            ),
            (
                "fn greet() -> &'static str {",
                &failing_system(30, "std::process::abort();"),
            ),
        ],
    );
    engine.wait_for("generation 2 at step");
    engine.wait_for("game code crashed the engine: abort in update at step");
    engine.wait_for("went back to generation 1");
    // Restarted, the dev loop builds again only for a newer save: the same
    // code built anew (by cargo, under another file name) would crash again.
    engine.wait_for("no source changed since the last build; waiting for the next save");
    workspace.edit("lib.rs", "std::process::abort();", "");
    engine.wait_for("generation 3 at step");
    let finished = engine.terminate();
    let summary = assert_survived(&finished, "abort in update at step");
    assert_eq!(summary["generation"], 3, "{summary}");
    assert_eq!(summary["failed_builds"], 0, "{summary}");
    assert_eq!(
        ticks(&summary),
        summary["frames"].as_u64().unwrap(),
        "{summary}"
    );
}

#[test]
fn a_hang_in_greet_while_a_new_build_is_prepared_is_survived() {
    let hanging = Variant::of_demo("crash-greet");
    hanging.edit(
        "lib.rs",
        "fn greet() -> &'static str {",
        "#[allow(unreachable_code)]\nfn greet() -> &'static str {\n    loop {\n        std::hint::spin_loop();\n    }",
    );
    let hanging = hanging.build();
    let library = library_slot("crash-greet");
    install(&demo_library(), &library);
    let mut engine = EngineProcess::start(args(
        &["--headless", "--realtime", "--hang-timeout", "1"],
        &library,
        &[],
    ));
    engine.wait_for("for new builds");
    install(&hanging, &library);
    engine.wait_for("game code crashed the engine: greet did not return within 1 s");
    engine.wait_for("carrying on with generation 1");
    engine.wait_for("running again at step");
    install(&good_build(), &library);
    engine.wait_for("generation 2 at step");
    let finished = engine.terminate();
    let summary = assert_survived(&finished, "greet did not return within 1 s");
    assert_eq!(summary["generation"], 2, "{summary}");
    assert_eq!(
        ticks(&summary),
        summary["frames"].as_u64().unwrap(),
        "{summary}"
    );
}
