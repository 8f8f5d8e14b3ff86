//! What game code's `static`s, `thread_local!`s and `OnceLock`s do across a
//! reload (the README's statics table, row by row), and that thread-locals
//! no longer keep old builds in memory for the rest of a session.

use std::fs;
use std::path::{Path, PathBuf};

use hotloop_tests::{
    EngineProcess, Variant, boundaries_until, children_of, code_mapped_by, demo_library,
    files_mapped_by, install, mapped_libraries, run, unwatched,
};

/// The demo, plus a `static` counter, a `static` vector, a `thread_local!`
/// scratch buffer whose drop is written to `dir/dropped-<label>`, and a
/// `OnceLock` holding the first tick its build saw, whose drop (never, as
/// for every static) would be written to `dir/once-dropped-<label>`. Each
/// step writes what it sees to `dir/seen`.
fn observing(label: &str, dir: &Path) -> Variant {
    let variant = Variant::of_demo(&format!("statics-{label}"));
    let dir = dir.display();
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        &format!(
            "    state.ticks += 1;\n    \
             let counted = COUNTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;\n    \
             let kept = {{ let mut kept = KEPT.lock().unwrap(); kept.push(state.ticks); kept.len() }};\n    \
             let scratch = SCRATCH.with(|scratch| {{ scratch.borrow_mut().0.push(state.ticks); scratch.borrow().0.len() }});\n    \
             let first = FIRST.get_or_init(|| Noisy(state.ticks, \"{dir}/once-dropped-{label}\")).0;\n    \
             std::fs::write(\"{dir}/seen\", format!(\"{label} {{counted}} {{kept}} {{scratch}} {{first}}\")).unwrap();\n"
        ),
    );
    variant.edit(
        "systems.rs",
        "/// Player acceleration",
        &format!(
            "static COUNTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);\n\
             static KEPT: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());\n\
             static FIRST: std::sync::OnceLock<Noisy> = std::sync::OnceLock::new();\n\
             thread_local! {{\n    \
                 static SCRATCH: std::cell::RefCell<Noisy<Vec<u64>>> = \
                 std::cell::RefCell::new(Noisy(Vec::new(), \"{dir}/dropped-{label}\"));\n\
             }}\n\n\
             /// Writes its value to a file when dropped.\n\
             struct Noisy<T: std::fmt::Debug = u64>(T, &'static str);\n\n\
             impl<T: std::fmt::Debug> Drop for Noisy<T> {{\n    \
                 fn drop(&mut self) {{\n        \
                     std::fs::write(self.1, format!(\"{{:?}}\", self.0)).unwrap();\n    \
                 }}\n\
             }}\n\n\
             /// Player acceleration"
        ),
    );
    variant
}

/// A fresh directory for what a test's games write, at a path that stays
/// the same from run to run (the path is in their code, so their builds
/// are reused).
fn observations(test: &str) -> PathBuf {
    let dir = hotloop_tests::variants_dir()
        .join("observations")
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// `label counted kept scratch first`, as the running build last wrote it.
fn seen(dir: &Path) -> (String, u64, u64, u64, u64) {
    let text = fs::read_to_string(dir.join("seen")).expect("the game wrote what it saw");
    let words: Vec<&str> = text.split(' ').collect();
    let number = |at: usize| words[at].parse::<u64>().expect("a number");
    (
        words[0].to_owned(),
        number(1),
        number(2),
        number(3),
        number(4),
    )
}

/// Each row of the README's statics table, with two builds of one game.
#[test]
fn statics_thread_locals_and_once_locks_start_afresh_in_each_build() {
    let dir = &observations("table");
    let (first, second) = (observing("a", dir).build(), observing("b", dir).build());
    let mut engine = unwatched(&first);
    run(&mut engine, 5);
    assert_eq!(seen(dir), ("a".into(), 5, 5, 5, 1));

    engine.reload_from(&second).unwrap();
    // The old build's thread-local was dropped on this (the frame) thread
    // as the new build was swapped in, with the values it held.
    assert_eq!(
        fs::read_to_string(dir.join("dropped-a")).unwrap(),
        "[1, 2, 3, 4, 5]"
    );
    run(&mut engine, 3);
    // The new build's statics, thread-locals and once-locks start from
    // their initialisers: nothing of the old build's values reaches it
    // (the state does: ticks went on from 5).
    assert_eq!(seen(dir), ("b".into(), 3, 3, 3, 6));

    // Once the old build is unloaded, its statics are gone without being
    // dropped (Rust never drops statics): their heap is not freed.
    boundaries_until(&mut engine, "the old build unloaded", |e| {
        mapped_libraries(e.shadow_dir()) == 1
    });
    assert!(!dir.join("once-dropped-a").exists());

    // Going back to the first build loads it afresh: its statics start over too.
    engine.reload_from(&first).unwrap();
    run(&mut engine, 1);
    assert_eq!(seen(dir), ("a".into(), 1, 1, 1, 9));
    assert_eq!(
        fs::read_to_string(dir.join("dropped-b")).unwrap(),
        "[6, 7, 8]"
    );
}

/// A fresh slot for a watched library.
fn library_slot(name: &str) -> PathBuf {
    let dir = hotloop_tests::variants_dir().join("slots").join(name);
    fs::create_dir_all(&dir).unwrap();
    dir.join("libgame.so")
}

/// Shadow copies the engine process `pid` has mapped (each build is one).
fn builds_mapped_by(pid: u32) -> usize {
    let prefix = format!("/hotloop-{pid}-");
    files_mapped_by(&pid.to_string(), |path| path.contains(&prefix))
}

/// Builds of the engine process `pid` whose code is mapped.
fn build_code_mapped_by(pid: u32) -> usize {
    let prefix = format!("/hotloop-{pid}-");
    code_mapped_by(&pid.to_string(), |path| path.contains(&prefix))
}

/// `count()` once it is at most `settled`, or after 30 s: the retiring
/// thread unloads old builds soon after each swap.
fn once_unloaded(count: impl Fn() -> usize, settled: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count() > settled && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    count()
}

/// What a build given to [`swapped_to_the_demo`] prints at its first step.
const FIRST_STEP: &str =
    "    if state.ticks == 1 {\n        eprintln!(\"the first build's first step\");\n    }\n";

/// The real `hotloop`, supervised, headless, watching `slot`: started on
/// `first` (a build that printed [`FIRST_STEP`]'s line, once its first
/// step ran: under load the demo could otherwise be swapped in before it),
/// then given the demo, whose swap it has logged.
fn swapped_to_the_demo(first: &Path, slot: &str) -> EngineProcess {
    let library = library_slot(slot);
    install(first, &library);
    let mut engine = EngineProcess::start([
        "--headless".as_ref(),
        "--realtime".as_ref(),
        "--lib".as_ref(),
        library.as_os_str(),
    ]);
    engine.wait_for("for new builds");
    engine.wait_for("the first build's first step");
    install(&demo_library(), &library);
    engine.wait_for("generation 2 at step");
    engine
}

/// The session: a game with a `thread_local!` scratch buffer and a
/// `Mutex<Vec<_>>` static, rebuilt 30 times while it runs. Every build used
/// to stay mapped (glibc will not unload a library whose thread-local
/// destructor a live thread holds); now only the running one and at most
/// one being unloaded are.
#[test]
fn thirty_builds_with_thread_locals_do_not_stay_in_memory() {
    let dir = observations("thirty");
    let builds = [observing("x", &dir).build(), observing("y", &dir).build()];
    let library = library_slot("thirty-builds");
    install(&builds[0], &library);
    let mut engine = EngineProcess::start([
        "--headless".as_ref(),
        "--realtime".as_ref(),
        "--lib".as_ref(),
        library.as_os_str(),
    ]);
    engine.wait_for("for new builds");
    for generation in 2..=31 {
        install(&builds[generation % 2], &library);
        engine.wait_for(&format!("generation {generation} at step"));
    }
    let pid = *children_of(engine.id())
        .first()
        .expect("the supervised engine process");
    let mapped = once_unloaded(|| builds_mapped_by(pid), 2);
    let finished = engine.terminate();
    assert!(
        mapped <= 2,
        "{mapped} builds mapped after 31; stderr:\n{}",
        finished.stderr
    );
    assert!(
        !finished.stderr.contains("stays in memory"),
        "{}",
        finished.stderr
    );
    assert!(finished.status.success(), "{}", finished.stderr);
}

/// A build whose thread keeps running its code cannot be unloaded: it stays
/// mapped (its code is in use), and the log says so once, and why.
#[test]
fn a_build_kept_by_its_own_thread_is_named_in_the_log() {
    let variant = Variant::of_demo("statics-thread");
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        &format!("    state.ticks += 1;\n    if state.ticks == 1 {{\n        std::thread::spawn(|| loop {{\n            std::thread::sleep(std::time::Duration::from_millis(5));\n        }});\n    }}\n{FIRST_STEP}"),
    );
    let mut engine = swapped_to_the_demo(&variant.build(), "kept-by-thread");
    let line = engine.wait_for("stays in memory after its replacement");
    assert!(
        line.contains("a thread it started is still running"),
        "{line}"
    );
    let finished = engine.terminate();
    assert_eq!(
        finished.stderr.matches("stays in memory").count(),
        1,
        "said once: {}",
        finished.stderr
    );
}

/// A thread-local whose destructor panics aborts the process when the
/// engine ends it (std aborts on a panic in a thread-local destructor).
/// The swap is on record by then: the engine comes back on the new build,
/// with the state, and the old build is named as the cause.
#[test]
fn a_thread_local_that_panics_when_dropped_is_survived() {
    let variant = Variant::of_demo("statics-panicking-drop");
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        &format!("    state.ticks += 1;\n    GRUDGE.with(|_| {{}});\n{FIRST_STEP}"),
    );
    variant.edit(
        "systems.rs",
        "/// Player acceleration",
        "struct Grudge;\n\nimpl Drop for Grudge {\n    fn drop(&mut self) {\n        panic!(\"not letting go\");\n    }\n}\n\nthread_local! {\n    static GRUDGE: Grudge = const { Grudge };\n}\n\n/// Player acceleration",
    );
    let mut engine = swapped_to_the_demo(&variant.build(), "panicking-drop");
    let crash = engine.wait_for("game code crashed the engine");
    assert!(
        crash.contains("a thread-local's destructor panicked in unload"),
        "{crash}"
    );
    engine.wait_for("running again at step");
    let finished = engine.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);
    let summary = finished.summary();
    assert_eq!(summary["generation"], 2, "the new build runs: {summary}");
}

/// A panic's backtrace (`RUST_BACKTRACE=1`) maps the build's file again to
/// read its symbols, and the build's std keeps that read-only mapping. Its
/// code is unloaded all the same when the engine goes back to the last good
/// build, and the log does not say it stays in memory.
#[test]
fn a_build_that_panicked_with_a_backtrace_is_unloaded() {
    let variant = Variant::of_demo("statics-panic-backtrace");
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        "    state.ticks += 1;\n    assert!(state.ticks < 10, \"boom at tick {}\", state.ticks);\n",
    );
    let library = library_slot("panic-backtrace");
    install(&demo_library(), &library);
    let mut engine = EngineProcess::start_with(
        [
            "--headless".as_ref(),
            "--realtime".as_ref(),
            "--lib".as_ref(),
            library.as_os_str(),
        ],
        &[("RUST_BACKTRACE", "1")],
    );
    engine.wait_for("for new builds");
    install(&variant.build(), &library);
    engine.wait_for("stack backtrace:");
    engine.wait_for("went back to generation 1");
    let pid = *children_of(engine.id())
        .first()
        .expect("the supervised engine process");
    let code = once_unloaded(|| build_code_mapped_by(pid), 1);
    let finished = engine.terminate();
    assert_eq!(
        code, 1,
        "only the running build's code: {}",
        finished.stderr
    );
    assert!(
        !finished.stderr.contains("stays in memory"),
        "{}",
        finished.stderr
    );
}
