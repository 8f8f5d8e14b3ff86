//! The dev loop on a scratch copy of the workspace: saves become reloads,
//! broken saves become on-screen errors, and builds never overlap.

use std::time::{Duration, Instant};

use engine::source::dev::{DevLoop, build};
use engine::{Engine, EngineConfig};
use hotloop_abi::Input;
use hotloop_tests::{ScratchWorkspace, ticks, variants_dir};

fn start(workspace: &ScratchWorkspace) -> Engine {
    let dev = workspace.dev_config(false);
    let library = build(&dev).expect("the first build succeeds");
    let mut config = EngineConfig::new(library);
    config.watch = false;
    let mut engine = Engine::new(config).unwrap();
    let builder = DevLoop::spawn(dev, engine.shadows()).unwrap();
    engine.set_source(Box::new(builder));
    engine
}

/// Steps at about 60 Hz until `done` holds; panics after 60 s.
fn run_until(engine: &mut Engine, what: &str, done: impl Fn(&Engine, u64) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let before = ticks(engine.state_bytes());
        engine.step(&Input::default());
        let delta = ticks(engine.state_bytes()) - before;
        if done(engine, delta) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(16));
    }
}

#[test]
fn saves_are_rebuilt_and_reloaded_and_broken_saves_are_shown() {
    let workspace = ScratchWorkspace::new("dev-saves");
    let mut engine = start(&workspace);
    run_until(&mut engine, "a few frames", |e, _| e.steps() >= 5);

    workspace.edit("systems.rs", "state.ticks += 1;", "state.ticks += 1000;");
    run_until(&mut engine, "the saved edit", |_, delta| delta == 1000);
    assert_eq!((engine.generation(), engine.stats().reloads), (2, 1));

    workspace.edit(
        "systems.rs",
        "state.ticks += 1000;",
        "state.ticks += 1000 +;",
    );
    run_until(&mut engine, "the build error", |e, _| {
        e.stats().failed_builds == 1
    });
    let error = engine.current_error().unwrap().to_owned();
    assert!(
        error.starts_with("build failed: error: expected expression"),
        "{error}"
    );
    assert!(error.contains("src/systems.rs:"), "{error}");
    run_until(&mut engine, "more frames", |_, delta| delta == 1000);
    assert_eq!(engine.generation(), 2, "the last good build keeps running");

    workspace.edit("systems.rs", "state.ticks += 1000 +;", "state.ticks += 7;");
    run_until(&mut engine, "the fix", |_, delta| delta == 7);
    assert_eq!(
        engine.current_error(),
        None,
        "a good build clears the error"
    );
    assert_eq!(engine.stats().failed_reloads, 0);
    assert_eq!(
        engine.stats().direct_builds,
        engine.stats().builds,
        "saves in src/ are compiled by rustc directly, errors included"
    );
}

#[test]
fn saves_during_a_build_stop_it_and_make_exactly_one_more_build() {
    let workspace = ScratchWorkspace::new("dev-burst");
    let mut engine = start(&workspace);
    workspace.edit("systems.rs", "state.ticks += 1;", "state.ticks += 10;");
    run_until(&mut engine, "the first save's build to start", |e, _| {
        e.is_building()
    });
    // While that build runs, two more saves: they stop it and make one
    // build of the newest sources.
    workspace.edit("systems.rs", "state.ticks += 10;", "state.ticks += 20;");
    workspace.edit("systems.rs", "state.ticks += 20;", "state.ticks += 30;");
    run_until(&mut engine, "the last save's code", |_, delta| delta == 30);
    run_until(&mut engine, "the build to end", |e, _| !e.is_building());
    let stats = engine.stats();
    assert_eq!(
        (stats.builds, stats.reloads, stats.failed_builds),
        (1, 1, 0),
        "the first build stopped, one build of the last save: {stats:?}"
    );
    // One more save, after all that: exactly one more build. A build the
    // burst still owed would have been queued before it.
    workspace.edit("systems.rs", "state.ticks += 30;", "state.ticks += 40;");
    run_until(&mut engine, "the save after the burst", |_, delta| {
        delta == 40
    });
    run_until(&mut engine, "the build to end", |e, _| !e.is_building());
    assert_eq!(engine.stats().builds, 2, "{:?}", engine.stats());
}

#[test]
fn saves_in_src_compile_with_rustc_directly_and_leave_cargo_unconfused() {
    let workspace = ScratchWorkspace::new("dev-direct");
    let mut engine = start(&workspace);
    for (from, to) in [(1, 2), (2, 3)] {
        workspace.edit(
            "systems.rs",
            &format!("state.ticks += {from};"),
            &format!("state.ticks += {to};"),
        );
        run_until(&mut engine, "the saved edit", |_, delta| delta == to);
    }
    let stats = engine.stats();
    assert_eq!((stats.builds, stats.direct_builds), (2, 2), "{stats:?}");
    let loaded = &engine.history().last().unwrap().source;
    assert!(
        loaded.components().any(|c| c.as_os_str() == "hotloop-dev"),
        "the direct build's own output is loaded: {}",
        loaded.display()
    );
    // A plain cargo build afterwards builds the latest source, not a stale one.
    let mut plain = workspace.dev_config(false);
    plain.rustc_wrapper = None;
    let library = build(&plain).expect("cargo builds");
    let mut config = EngineConfig::new(library);
    config.watch = false;
    let mut fresh = Engine::new(config).unwrap();
    fresh.step(&Input::default());
    let before = ticks(fresh.state_bytes());
    fresh.step(&Input::default());
    assert_eq!(ticks(fresh.state_bytes()) - before, 3);
}

#[test]
fn changes_outside_src_build_with_cargo_and_new_dependencies_then_compile_directly() {
    let workspace = ScratchWorkspace::new("dev-fallback");
    let mut engine = start(&workspace);
    // A manifest edit: cargo, not rustc directly.
    let tiny = workspace.root().join("tiny");
    std::fs::create_dir_all(tiny.join("src")).unwrap();
    std::fs::write(
        tiny.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(
        tiny.join("src/lib.rs"),
        "/// Five.\npub fn five() -> u64 {\n    5\n}\n",
    )
    .unwrap();
    workspace.edit_file(
        "game-logic/Cargo.toml",
        "[dependencies]\n",
        "[dependencies]\ntiny = { path = \"../tiny\" }\n",
    );
    run_until(&mut engine, "the manifest's build", |e, _| {
        e.stats().builds == 1 && !e.is_building()
    });
    assert_eq!(engine.stats().direct_builds, 0, "{:?}", engine.stats());
    // The new dependency is in the recorded command: the next save uses it directly.
    workspace.edit(
        "systems.rs",
        "state.ticks += 1;",
        "state.ticks += tiny::five();",
    );
    run_until(
        &mut engine,
        "the save that uses the new dependency",
        |_, delta| delta == 5,
    );
    assert_eq!(engine.stats().direct_builds, 1, "{:?}", engine.stats());
    assert_eq!(engine.stats().failed_builds, 0, "{:?}", engine.stats());
}

#[test]
fn a_recorded_command_that_no_longer_works_falls_back_to_cargo() {
    let workspace = ScratchWorkspace::new("dev-stale");
    let dev = workspace.dev_config(false);
    let mut engine = start(&workspace);
    // As after `cargo clean` or a rebuilt dependency: the recorded command
    // names a dependency file that is gone.
    let capture = dev.capture_file();
    let recorded = std::fs::read_to_string(&capture).expect("the first build recorded rustc");
    let stale = recorded.replacen("glam=", "glam=/gone/", 1);
    assert_ne!(stale, recorded, "the recording names glam");
    std::fs::write(&capture, stale).unwrap();
    workspace.edit("systems.rs", "state.ticks += 1;", "state.ticks += 4;");
    run_until(
        &mut engine,
        "the save, built by cargo after all",
        |_, delta| delta == 4,
    );
    let stats = engine.stats();
    assert_eq!(
        (stats.direct_builds, stats.builds, stats.failed_builds),
        (1, 2, 0),
        "one direct attempt, then cargo, and no error shown: {stats:?}"
    );
    // Cargo recorded the command again: the next save is direct once more.
    workspace.edit("systems.rs", "state.ticks += 4;", "state.ticks += 6;");
    run_until(&mut engine, "the next save", |_, delta| delta == 6);
    assert_eq!(engine.stats().direct_builds, 2, "{:?}", engine.stats());
}

#[test]
fn a_variable_that_is_not_utf8_leaves_the_build_to_cargo_instead_of_failing_it() {
    use engine::source::dev::direct::{CAPTURE_CRATE_ENV, CAPTURE_FILE_ENV};
    use std::os::unix::ffi::OsStrExt;
    // The engine as cargo's rustc wrapper, wrapping `true` (a compiler that
    // succeeds), with a variable that is not UTF-8 in its environment.
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("rustc.json");
    let output = std::process::Command::new(hotloop_tests::engine_binary())
        .args(["true", "--crate-name", "game", "--crate-type", "cdylib"])
        .env(CAPTURE_FILE_ENV, &capture)
        .env(CAPTURE_CRATE_ENV, "game")
        .env(
            "HOTLOOP_TEST_LATIN1",
            std::ffi::OsStr::from_bytes(b"caf\xe9"),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the compiler still runs: {stderr}");
    assert!(
        stderr.contains("could not record the game crate's rustc command"),
        "{stderr}"
    );
    assert!(!capture.exists(), "nothing recorded: cargo builds instead");
}

/// How editors save `path` with new `text`.
#[derive(Clone, Copy, Debug)]
enum EditorSave {
    /// Open, truncate, write, close (VS Code, nano, emacs after its first save).
    Direct,
    /// Write a temporary file beside it, rename it over the source (gedit, Kate, JetBrains' "safe write").
    AtomicRename,
    /// Rename the source to a backup, write a new file under its name (vim's default).
    BackupThenWrite,
}

impl EditorSave {
    fn save(self, path: &std::path::Path, text: &str) {
        use std::fs;
        let sibling = |suffix: &str| {
            let mut name = path.file_name().unwrap().to_owned();
            name.push(suffix);
            path.with_file_name(name)
        };
        match self {
            Self::Direct => fs::write(path, text).unwrap(),
            Self::AtomicRename => {
                fs::write(sibling(".tmp~"), text).unwrap();
                fs::rename(sibling(".tmp~"), path).unwrap();
            }
            Self::BackupThenWrite => {
                fs::rename(path, sibling("~")).unwrap();
                fs::write(path, text).unwrap();
            }
        }
    }
}

#[test]
fn every_way_editors_save_builds_once_and_never_half_a_save() {
    let workspace = ScratchWorkspace::new("dev-editors");
    let mut engine = start(&workspace);
    let sources = workspace.root().join("game-logic/src");
    let systems = sources.join("systems.rs");
    let mut step = 1;
    for editor in [
        EditorSave::Direct,
        EditorSave::AtomicRename,
        EditorSave::BackupThenWrite,
    ] {
        let builds = engine.stats().builds;
        let text = std::fs::read_to_string(&systems).unwrap();
        let from = format!("state.ticks += {step};");
        step += 1;
        let to = format!("state.ticks += {step};");
        editor.save(&systems, &text.replacen(&from, &to, 1));
        run_until(&mut engine, "the saved edit", |_, delta| delta == step);
        run_until(&mut engine, "the build to end", |e, _| !e.is_building());
        let stats = engine.stats();
        assert_eq!(
            stats.builds,
            builds + 1,
            "{editor:?}: one save, one build: {stats:?}"
        );
        assert_eq!(
            stats.failed_builds, 0,
            "{editor:?}: no half-written file was built"
        );
    }
    // Two files saved together, as "save all" does: the first alone does not
    // compile (it calls what only the second defines), so one build of both.
    let builds = engine.stats().builds;
    let systems_text = std::fs::read_to_string(&systems).unwrap().replacen(
        &format!("state.ticks += {step};"),
        "state.ticks += crate::draw::NINE;",
        1,
    );
    let draw_text = std::fs::read_to_string(sources.join("draw.rs")).unwrap()
        + "\n/// Nine.\npub const NINE: u64 = 9;\n";
    EditorSave::Direct.save(&systems, &systems_text);
    EditorSave::Direct.save(&sources.join("draw.rs"), &draw_text);
    run_until(&mut engine, "both files' code", |_, delta| delta == 9);
    run_until(&mut engine, "the build to end", |e, _| !e.is_building());
    let stats = engine.stats();
    assert_eq!(
        (stats.builds, stats.failed_builds),
        (builds + 1, 0),
        "{stats:?}"
    );
    assert_eq!(stats.direct_builds, stats.builds, "{stats:?}");
}

#[test]
fn a_save_during_a_build_stops_it_and_only_the_newer_code_is_built() {
    let workspace = ScratchWorkspace::new("dev-stale-build");
    let mut engine = start(&workspace);
    let before = engine.stats().clone();
    workspace.edit("systems.rs", "state.ticks += 1;", "state.ticks += 2;");
    run_until(&mut engine, "the first save's build", |e, _| {
        e.is_building()
    });
    // Saved again while rustc compiles the first save (about 0.1 s).
    workspace.edit("systems.rs", "state.ticks += 2;", "state.ticks += 3;");
    run_until(&mut engine, "the second save's code", |_, delta| delta == 3);
    run_until(&mut engine, "the build to end", |e, _| !e.is_building());
    let stats = engine.stats();
    assert_eq!(
        (stats.builds, stats.failed_builds, stats.reloads),
        (before.builds + 1, before.failed_builds, before.reloads + 1),
        "the first save's build was stopped, never loaded: {stats:?}"
    );
}

#[test]
fn a_panic_in_a_directly_built_library_is_caught_with_its_place() {
    // Direct builds link with rust-lld themselves (not through cc): unwinding
    // and the panic hook must work in what they make.
    let workspace = ScratchWorkspace::new("dev-direct-panic");
    let mut engine = start(&workspace);
    workspace.edit(
        "systems.rs",
        "state.ticks += 1;",
        "state.ticks += 1;\n    if state.ticks > 0 { panic!(\"boom from a direct build\"); }",
    );
    run_until(&mut engine, "the panic", |e, _| {
        e.stats().failed_reloads == 1
    });
    let error = engine.stats().last_error.clone().unwrap_or_default();
    assert!(
        error.contains("update panicked")
            && error.contains("boom from a direct build (at game-logic/src/systems.rs:"),
        "{error}"
    );
    assert_eq!(engine.generation(), 1, "back on the previous library");
    assert_eq!(engine.stats().direct_builds, 1, "{:?}", engine.stats());
    workspace.edit(
        "systems.rs",
        "\n    if state.ticks > 0 { panic!(\"boom from a direct build\"); }",
        "",
    );
    run_until(&mut engine, "the fix", |_, delta| delta == 1);
}

/// Two `cargo dev` on one game and target directory would overwrite each
/// other's builds (and a save in one would stop and clean up the other's):
/// the second is refused before it builds anything, naming the first, and
/// the first goes on building every save.
#[test]
fn a_second_cargo_dev_on_the_same_game_is_refused_and_the_first_keeps_building() {
    let workspace = ScratchWorkspace::new("dev-twice");
    let target = variants_dir().join("target");
    let mut first = workspace.start_dev();
    first.wait_for("dev loop: rebuilding");

    let (second, _) = workspace
        .start_dev()
        .finish_within(Duration::from_secs(120));
    assert!(!second.status.success(), "{}", second.stderr);
    let refusal = format!(
        "hotloop: another `cargo dev` (process {}) is already building {} (debug) into {}",
        first.id(),
        workspace.package(),
        target.display()
    );
    assert!(second.stderr.contains(&refusal), "{}", second.stderr);
    let built = format!("building {}…", workspace.package());
    assert!(
        !second.stderr.contains(&built),
        "the second built: {}",
        second.stderr
    );

    workspace.edit("systems.rs", "state.ticks += 1;", "state.ticks += 2;");
    first.wait_for("generation 2 at step");
    let summary = first.terminate().summary();
    assert_eq!(summary["builds"], 1, "{summary}");
    assert_eq!(summary["failed_builds"], 0, "{summary}");

    // Its claim ends with it: the next `cargo dev` starts.
    let mut next = workspace.start_dev();
    next.wait_for("dev loop: rebuilding");
    next.terminate();
}

/// `cargo dev` prints every error of a failed build in the terminal, as
/// `cargo build` would, not only the first one (which the banner shows).
#[test]
fn every_error_of_a_failed_build_is_printed() {
    let workspace = ScratchWorkspace::new("dev-errors");
    let mut dev = workspace.start_dev();
    dev.wait_for("dev loop: rebuilding");
    workspace.edit(
        "systems.rs",
        "state.ticks += 1;",
        "state.ticks += first_missing + second_missing;",
    );
    dev.wait_for("build failed with 2 errors (above)");
    let finished = dev.terminate();
    for name in ["first_missing", "second_missing"] {
        assert!(
            finished
                .stderr
                .contains(&format!("cannot find value `{name}` in this scope")),
            "{}",
            finished.stderr
        );
    }
}
