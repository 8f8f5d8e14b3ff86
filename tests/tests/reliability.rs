//! Bad builds, panics and vanishing files: the engine survives each one with
//! the state intact, says what happened, and takes the next good build.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use engine::{Engine, EngineConfig, SwapKind};
use hotloop_abi::Input;
use hotloop_tests::{Variant, boundaries_until, demo_library, mapped_libraries, ticks, unwatched};

/// A variant that counts 1000 per step, so its code is easy to spot.
fn fast_library() -> PathBuf {
    static FAST: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FAST.get_or_init(|| {
        let variant = Variant::of_demo("fast");
        variant.edit("systems.rs", "state.ticks += 1;", "state.ticks += 1000;");
        variant.build()
    })
    .clone()
}

/// The demo, copied into a fresh directory that the engine watches.
struct Watched {
    _dir: tempfile::TempDir,
    library: PathBuf,
    engine: Engine,
}

fn watched() -> Watched {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("sub").join("libgame.so");
    fs::create_dir_all(library.parent().unwrap()).unwrap();
    fs::copy(demo_library(), &library).unwrap();
    let engine = Engine::new(EngineConfig::new(&library)).expect("engine starts");
    Watched {
        _dir: dir,
        library,
        engine,
    }
}

/// Replaces `path` the way a build tool does: a new file renamed into place.
fn replace(path: &Path, bytes: &[u8]) {
    let partial = path.with_extension("partial");
    fs::write(&partial, bytes).unwrap();
    fs::rename(&partial, path).unwrap();
}

fn step(engine: &mut Engine) {
    engine.step(&Input::default());
}

#[test]
fn truncated_empty_and_foreign_files_are_refused_then_the_next_good_build_is_taken() {
    let Watched {
        library,
        mut engine,
        _dir,
    } = watched();
    for _ in 0..5 {
        step(&mut engine);
    }
    let good = fs::read(demo_library()).unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "truncated",
            good[..good.len().min(20_000)].to_vec(),
            "truncated: a loadable segment ends at byte",
        ),
        ("empty", Vec::new(), "the file is empty"),
        (
            "not a library",
            b"#!/bin/sh\necho this is not a library\n".repeat(100),
            "not a 64-bit ELF file",
        ),
        (
            "executable",
            fs::read(std::env::current_exe().unwrap()).unwrap(),
            "is a program",
        ),
    ];
    for (failures, (what, bytes, cause)) in (1..).zip(cases) {
        let before = engine.state_bytes().to_vec();
        replace(&library, &bytes);
        boundaries_until(&mut engine, what, |e| e.stats().failed_reloads == failures);
        let error = engine.stats().last_error.clone().unwrap();
        assert!(error.contains(cause), "{what}: {error}");
        assert!(
            error.contains(&library.display().to_string()),
            "{what}: the error names the file: {error}"
        );
        assert_eq!(engine.current_error(), Some(error.as_str()));
        assert_eq!(engine.state_bytes(), before, "{what}: state untouched");
        let ticks_before = ticks(engine.state_bytes());
        step(&mut engine);
        assert_eq!(
            ticks(engine.state_bytes()),
            ticks_before + 1,
            "{what}: the old code keeps running"
        );
    }
    assert_eq!(engine.generation(), 1);

    replace(&library, &fs::read(fast_library()).unwrap());
    boundaries_until(&mut engine, "the good build", |e| e.generation() == 2);
    assert_eq!(
        engine.current_error(),
        None,
        "a good build clears the banner"
    );
    let before = ticks(engine.state_bytes());
    step(&mut engine);
    assert_eq!(ticks(engine.state_bytes()), before + 1000);
}

#[test]
fn a_shared_library_without_entry_points_is_not_a_game_library() {
    let other = Variant::of_demo("not-a-game");
    other.write(
        "lib.rs",
        "//! Some other cdylib.\n#[unsafe(no_mangle)]\npub extern \"C\" fn hello() -> u32 { 7 }\n",
    );
    let other = other.build();
    let mut config = EngineConfig::new(demo_library());
    config.watch = false;
    let mut engine = Engine::new(config).unwrap();
    step(&mut engine);
    let before = engine.state_bytes().to_vec();
    let error = engine.reload_from(&other).expect_err("refused").to_string();
    assert!(error.contains("is not a hotloop game library"), "{error}");
    assert!(error.contains("`abi_version`"), "{error}");
    assert_eq!(engine.state_bytes(), before);
    assert_eq!(engine.stats().failed_reloads, 1);
}

/// The demo, except that `update` panics once `ticks` reaches `at`.
fn panics_at(name: &str, at: u64) -> PathBuf {
    let variant = Variant::of_demo(name);
    variant.edit(
        "systems.rs",
        "state.ticks += 1;",
        &format!("state.ticks += 1;\n    if state.ticks >= {at} {{ panic!(\"boom at tick {{}}\", state.ticks); }}"),
    );
    variant.build()
}

#[test]
fn a_panic_on_the_first_frame_rolls_back_and_goes_back_to_the_previous_library() {
    let panicky = panics_at("panics-at-once", 0);
    let mut engine = unwatched(&demo_library());
    let mut reference = unwatched(&demo_library());
    for _ in 0..10 {
        step(&mut engine);
        step(&mut reference);
    }
    engine
        .reload_from(&panicky)
        .expect("it loads fine; it panics when run");
    assert_eq!(engine.generation(), 2);
    step(&mut engine);
    step(&mut reference);

    let error = engine.stats().last_error.clone().unwrap();
    assert!(error.contains("update panicked"), "{error}");
    assert!(error.contains("boom at tick 11"), "{error}");
    assert!(
        error.contains("systems.rs"),
        "the panic's location: {error}"
    );
    assert_eq!(engine.stats().failed_reloads, 1);
    assert_eq!(engine.generation(), 1, "back on the previous library");
    assert_eq!(engine.history().last().unwrap().kind, SwapKind::Fallback);
    assert!(!engine.is_paused());
    assert_eq!(
        engine.state_bytes(),
        reference.state_bytes(),
        "the failed step was rolled back and re-run"
    );
}

#[test]
fn a_panic_after_100_good_frames_rolls_back_that_frame_only() {
    let late = panics_at("panics-late", 120);
    let mut engine = unwatched(&demo_library());
    let mut reference = unwatched(&demo_library());
    for _ in 0..20 {
        step(&mut engine);
        step(&mut reference);
    }
    engine.reload_from(&late).unwrap();
    for _ in 0..99 {
        step(&mut engine);
        step(&mut reference);
    }
    assert_eq!(
        (engine.generation(), engine.stats().failed_reloads),
        (2, 0),
        "100 good frames"
    );
    step(&mut engine);
    step(&mut reference);
    assert!(
        engine
            .stats()
            .last_error
            .as_deref()
            .unwrap()
            .contains("boom at tick 120")
    );
    assert_eq!(engine.generation(), 1);
    assert_eq!(engine.state_bytes(), reference.state_bytes());
}

#[test]
fn with_no_library_to_go_back_to_game_logic_pauses_until_the_next_build() {
    let panicky = panics_at("panics-from-start", 5);
    let mut engine = unwatched(&panicky);
    for _ in 0..4 {
        step(&mut engine);
    }
    let before = engine.state_bytes().to_vec();
    step(&mut engine);
    assert!(engine.is_paused());
    assert_eq!(
        engine.state_bytes(),
        before,
        "rolled back to before the failing step"
    );
    assert!(
        engine.current_error().unwrap().contains("paused"),
        "{:?}",
        engine.current_error()
    );
    for _ in 0..10 {
        step(&mut engine);
    }
    let mut pixels = vec![0; 320 * 240 * 4];
    engine.render(&mut pixels);
    assert_eq!(engine.state_bytes(), before, "paused: nothing runs");

    engine
        .reload_from(&demo_library())
        .expect("the fix is taken");
    assert!(!engine.is_paused());
    step(&mut engine);
    assert_eq!(
        ticks(engine.state_bytes()),
        5,
        "resumes from the preserved state"
    );
}

#[test]
fn a_panic_in_render_is_recovered_like_one_in_update() {
    let variant = Variant::of_demo("render-panics");
    variant.edit(
        "draw.rs",
        "    canvas.clear(BACKGROUND);",
        "    canvas.clear(BACKGROUND);\n    panic!(\"render exploded\");",
    );
    let library = variant.build();
    let mut engine = unwatched(&demo_library());
    step(&mut engine);
    engine.reload_from(&library).unwrap();
    let mut pixels = vec![0; 320 * 240 * 4];
    engine.render(&mut pixels);
    assert!(
        engine
            .stats()
            .last_error
            .as_deref()
            .unwrap()
            .contains("render panicked")
    );
    assert_eq!(engine.generation(), 1, "back on the library that draws");
    assert!(
        pixels.chunks_exact(4).any(|p| p != [18, 22, 40, 255]),
        "the frame was drawn by the fallback"
    );
}

#[test]
fn deleted_file_and_recreated_directory_are_survived() {
    let Watched {
        library,
        mut engine,
        _dir,
    } = watched();
    step(&mut engine);
    fs::remove_file(&library).unwrap();
    step(&mut engine);
    // The watcher handles events in order: by the time it has taken the
    // next build, the removal was seen, and must not have counted as an error.
    replace(&library, &fs::read(demo_library()).unwrap());
    boundaries_until(&mut engine, "the rebuilt demo", |e| e.stats().reloads == 1);
    assert_eq!(
        engine.stats().failed_reloads,
        0,
        "a missing file is waited for, not an error"
    );

    // As `cargo clean` then `cargo build` do: the directory goes, then comes back.
    let dir = library.parent().unwrap();
    // No pause between the two: the new directory may even reuse the old
    // one's inode, so the watcher must go by the removal it was told about.
    fs::remove_dir_all(dir).unwrap();
    fs::create_dir_all(dir).unwrap();
    fs::copy(fast_library(), &library).unwrap();
    boundaries_until(&mut engine, "the library in the recreated directory", |e| {
        e.generation() == 3
    });
    let before = ticks(engine.state_bytes());
    step(&mut engine);
    assert_eq!(ticks(engine.state_bytes()), before + 1000);

    // And the new directory is watched from then on.
    replace(&library, &fs::read(demo_library()).unwrap());
    boundaries_until(&mut engine, "the next build", |e| e.generation() == 4);
}

#[test]
fn ten_rewrites_within_50ms_give_one_reload_of_the_final_version() {
    let Watched {
        library,
        mut engine,
        _dir,
    } = watched();
    let (demo, fast) = (
        fs::read(demo_library()).unwrap(),
        fs::read(fast_library()).unwrap(),
    );
    step(&mut engine);
    let started = Instant::now();
    for round in 0..10 {
        // In place and in two pieces, like a copy in progress: a reader in
        // between would see a half-written library.
        let bytes = if round % 2 == 1 { &fast } else { &demo };
        let mut file = fs::File::create(&library).unwrap();
        let half = bytes.len() / 2;
        file.write_all(&bytes[..half]).unwrap();
        file.flush().unwrap();
        file.write_all(&bytes[half..]).unwrap();
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(50),
        "the burst this test is about took {took:?}, not under 50 ms"
    );
    boundaries_until(&mut engine, "the final version", |e| e.generation() == 2);
    let before = ticks(engine.state_bytes());
    step(&mut engine);
    assert_eq!(
        ticks(engine.state_bytes()),
        before + 1000,
        "the final version runs"
    );
    // One more build, after the burst: the watcher takes events in order, so
    // any second reload the burst caused would have come before this one.
    replace(&library, &demo);
    boundaries_until(&mut engine, "the build after the burst", |e| {
        e.generation() == 3
    });
    assert_eq!(
        engine.stats().reloads,
        2,
        "one reload for the burst, one after"
    );
    assert_eq!(
        engine.stats().failed_reloads,
        0,
        "never a half-written load: {:?}",
        engine.stats().last_error
    );
}

/// A `thread_local!` with a destructor, touched on the frame thread, would
/// keep glibc from unloading the library; the engine never calls old code,
/// and unloads it anyway (`loader/thread_dtors.rs`).
#[test]
fn a_library_pinned_by_a_thread_local_is_never_called_after_the_swap() {
    let variant = Variant::of_demo("pinned");
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        "    state.ticks += 1;\n    PINS.with(|pins| pins.borrow_mut().push(1));\n",
    );
    variant.edit(
        "systems.rs",
        "/// Player acceleration",
        "thread_local! {\n    static PINS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };\n}\n\n/// Player acceleration",
    );
    let pinned = variant.build();
    let mut engine = unwatched(&pinned);
    step(&mut engine);
    engine.reload_from(&fast_library()).unwrap();
    step(&mut engine);
    assert_eq!(
        ticks(engine.state_bytes()),
        1001,
        "the new code runs, not the pinned one"
    );

    // Loading the pinned build again gets its code afresh (a new shadow file),
    // not whatever the loader still holds.
    engine.reload_from(&pinned).unwrap();
    step(&mut engine);
    assert_eq!(ticks(engine.state_bytes()), 1002);
    engine.reload_from(&fast_library()).unwrap();
    step(&mut engine);
    assert_eq!(ticks(engine.state_bytes()), 2002);
    // The engine held the pinned builds' thread-local destructors and ran
    // them as it swapped each out: every old build is unmapped once the
    // retiring thread closes it, and only the running one is left.
    boundaries_until(&mut engine, "one game library mapped", |e| {
        mapped_libraries(e.shadow_dir()) == 1
    });
}

/// A thread that game code spawns and leaves running keeps its build mapped
/// for as long as it runs: std registers a thread-local destructor in every
/// thread it starts, and glibc does not unload a library while a thread
/// holds one of its destructors. So a swap never pulls code from under such
/// a thread; the cost is that build stays in memory (the README's limits).
#[test]
fn a_thread_game_code_leaves_running_keeps_its_build_mapped_and_alive() {
    let variant = Variant::of_demo("spawns-a-thread");
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        "    state.ticks += 1;\n    if state.ticks == 1 {\n        std::thread::spawn(|| loop {\n            std::thread::sleep(std::time::Duration::from_millis(1));\n            BEATS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);\n        });\n    }\n",
    );
    variant.edit(
        "systems.rs",
        "/// Player acceleration",
        "static BEATS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);\n\n/// Player acceleration",
    );
    let spawning = variant.build();
    let mut engine = unwatched(&spawning);
    step(&mut engine);
    engine.reload_from(&fast_library()).unwrap();
    step(&mut engine);
    assert_eq!(ticks(engine.state_bytes()), 1001, "the new code runs");
    // The old build's thread still runs its code: the build stays mapped
    // next to the running one, and this process lives on.
    assert!(
        engine
            .shadows()
            .wait_retired(std::time::Duration::from_secs(60)),
        "the old build is retired"
    );
    assert_eq!(mapped_libraries(engine.shadow_dir()), 2);
    for _ in 0..50 {
        step(&mut engine);
    }
    assert_eq!(ticks(engine.state_bytes()), 51_001);
}
