//! Cramped and hardened machines: a small or full `/dev/shm` (Docker gives
//! 64 MiB), a temporary directory mounted `noexec`, a supervisor killed
//! outright. None of them may crash the session or blame game code, and a
//! killed session's directories must not pile up.
//!
//! The mounts are made in a private mount namespace (`unshare --mount`),
//! so they never touch the machine's own; where that is forbidden the tests
//! are skipped with a note (see `mount_namespace_available`). Every test
//! drives the real `hotloop` binary and waits for what it says.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hotloop_tests::{
    EngineProcess, Finished, children_of, demo_library, failing_variant, install, is_running,
    mount_namespace_available, sized_state_game, variants_dir,
};

/// Cells of a 16 MiB state: two copies do not fit in a 16 MiB `/dev/shm`.
const CELLS_16_MIB: usize = 2 << 20;

/// A fresh directory for this test (a private TMPDIR, say).
fn fresh_dir(test: &str) -> PathBuf {
    let dir = variants_dir().join("hardened").join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn assert_not_blamed_on_game_code(finished: &Finished) {
    for blame in ["crashed", "SIGBUS", "Bus error"] {
        assert!(
            !finished.stderr.contains(blame),
            "the engine's memory is not game code's fault ({blame:?}):\n{}",
            finished.stderr
        );
    }
}

/// The 16 MiB game, built once for every test here: tests run in parallel,
/// and two builds of one variant would remove each other's sources.
fn sixteen_mib_game() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| sized_state_game("hardened-16mib", CELLS_16_MIB, "", "").build())
        .clone()
}

#[test]
fn a_state_too_big_for_dev_shm_is_kept_in_the_temporary_directory() {
    if !mount_namespace_available() {
        return;
    }
    let library = sixteen_mib_game();
    let tmp = fresh_dir("too-big");
    let finished = EngineProcess::start_in_mount_namespace(
        "mount -t tmpfs -o size=16m tmpfs /dev/shm",
        [
            "--headless",
            "--frames",
            "30",
            "--no-watch",
            "--lib",
            text(&library),
        ],
        &[("TMPDIR", text(&tmp))],
    )
    .finish();
    assert!(finished.status.success(), "{}", finished.stderr);
    assert_not_blamed_on_game_code(&finished);
    let note = format!(
        "layout 1's state is kept in {}/hotloop-session-",
        tmp.display()
    );
    assert!(
        finished
            .stderr
            .contains("the state needs 32.0 MiB (two copies of 16.0 MiB)")
            && finished.stderr.contains(&note),
        "a note says where the state went and why:\n{}",
        finished.stderr
    );
    let summary = finished.summary();
    assert_eq!(summary["frames"], 30, "{summary}");
    assert!(
        summary["game"].as_str().unwrap().starts_with("ticks 30 "),
        "{summary}"
    );
}

#[test]
fn a_state_with_no_room_anywhere_is_refused_in_plain_words() {
    if !mount_namespace_available() {
        return;
    }
    let library = sixteen_mib_game();
    let tmp = fresh_dir("no-room");
    let finished = EngineProcess::start_in_mount_namespace(
        &format!(
            "mount -t tmpfs -o size=16m tmpfs /dev/shm\nmount -t tmpfs -o size=16m tmpfs '{}'",
            tmp.display()
        ),
        [
            "--headless",
            "--frames",
            "30",
            "--no-watch",
            "--lib",
            text(&library),
        ],
        &[("TMPDIR", text(&tmp))],
    )
    .finish();
    assert_eq!(finished.status.code(), Some(1), "{}", finished.stderr);
    assert_not_blamed_on_game_code(&finished);
    let plain = "the state needs 32.0 MiB (two copies of 16.0 MiB) but /dev/shm/hotloop-session-";
    assert!(
        finished.stderr.contains(plain)
            && finished
                .stderr
                .contains(&format!("free and {}/hotloop-session-", tmp.display())),
        "says the size needed and where:\n{}",
        finished.stderr
    );
    assert_eq!(
        finished.stderr.matches("the state needs").count(),
        1,
        "said once:\n{}",
        finished.stderr
    );
}

#[test]
fn a_layout_change_that_no_longer_fits_is_refused_and_the_old_state_kept() {
    if !mount_namespace_available() {
        return;
    }
    // 4 MiB fits twice in 16 MiB; then 8 MiB twice fits nowhere (8 MiB of
    // /dev/shm is taken by the running state, TMPDIR holds 8 MiB).
    let small = sized_state_game("hardened-4mib", 512 << 10, "", "").build();
    let large = sized_state_game("hardened-8mib", 1 << 20, "", "").build();
    let tmp = fresh_dir("layout");
    let library = tmp.join("slot").join("libgame.so");
    fs::create_dir_all(library.parent().unwrap()).unwrap();
    install(&small, &library);
    fs::create_dir_all(tmp.join("tmp")).unwrap();
    let mut engine = EngineProcess::start_in_mount_namespace(
        &format!(
            "mount -t tmpfs -o size=16m tmpfs /dev/shm\nmount -t tmpfs -o size=8m tmpfs '{}'",
            tmp.join("tmp").display()
        ),
        ["--headless", "--realtime", "--lib", text(&library)],
        &[("TMPDIR", text(&tmp.join("tmp")))],
    );
    engine.wait_for("for new builds");
    install(&large, &library);
    let refused = engine.wait_for("the session could not hold the new state");
    assert!(
        refused.contains("the state needs 16.0 MiB (two copies of 8.0 MiB)")
            && refused.contains("/dev/shm/hotloop-session-"),
        "{refused}"
    );
    let finished = engine.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);
    assert_not_blamed_on_game_code(&finished);
    let summary = finished.summary();
    assert_eq!(summary["generation"], 1, "the old build runs on: {summary}");
    assert_eq!(summary["crashes"], 0, "{summary}");
    assert_eq!(summary["failed_reloads"], 1, "{summary}");
    let ticks: u64 = summary["game"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        ticks,
        summary["frames"].as_u64().unwrap(),
        "the old state was kept, step for step: {summary}"
    );
}

#[test]
fn a_full_dev_shm_does_not_stop_the_session() {
    if !mount_namespace_available() {
        return;
    }
    let tmp = fresh_dir("full");
    let finished = EngineProcess::start_in_mount_namespace(
        "mount -t tmpfs -o size=1m tmpfs /dev/shm\nhead -c 2m /dev/zero > /dev/shm/fill || true",
        [
            "--headless",
            "--frames",
            "10",
            "--no-watch",
            "--lib",
            text(&demo_library()),
        ],
        &[("TMPDIR", text(&tmp))],
    )
    .finish();
    assert!(finished.status.success(), "{}", finished.stderr);
    assert_not_blamed_on_game_code(&finished);
    let note = format!(
        "keeping the session's files in {}/hotloop-session-",
        tmp.display()
    );
    assert!(
        finished.stderr.contains(&note) && finished.stderr.contains("/dev/shm/hotloop-session-"),
        "a note says where the files went and why:\n{}",
        finished.stderr
    );
    assert_eq!(finished.summary()["frames"], 10);
}

#[test]
fn a_noexec_temporary_directory_is_passed_over_for_the_libraries() {
    if !mount_namespace_available() {
        return;
    }
    let runtime = fresh_dir("noexec-runtime");
    // A noexec mount of its own rather than over /tmp, which may hold the
    // workspace (and so the engine binary) itself.
    let tmp = fresh_dir("noexec-tmp");
    for supervise in [true, false] {
        let mut args = vec!["--headless", "--frames", "10", "--no-watch"];
        if !supervise {
            args.push("--no-supervise");
        }
        let demo = demo_library();
        args.extend(["--lib", text(&demo)]);
        let finished = EngineProcess::start_in_mount_namespace(
            &format!("mount -t tmpfs -o noexec tmpfs '{}'", text(&tmp)),
            args,
            &[("TMPDIR", text(&tmp)), ("XDG_RUNTIME_DIR", text(&runtime))],
        )
        .finish();
        assert!(finished.status.success(), "{}", finished.stderr);
        let note = format!(
            "game libraries are copied to {}/hotloop-",
            runtime.display()
        );
        assert!(
            finished.stderr.contains(&note)
                && finished.stderr.contains(&format!(
                    "the temporary directory ({}) cannot hold runnable copies",
                    tmp.display()
                ))
                && finished.stderr.contains("(mounted noexec)"),
            "a note says where the libraries went and why (supervised: {supervise}):\n{}",
            finished.stderr
        );
        assert_eq!(finished.summary()["frames"], 10);
    }
    assert_eq!(
        fs::read_dir(&runtime).unwrap().count(),
        0,
        "the copies' directories are removed at the end"
    );
}

/// This session's directories under `roots`: named after its supervisor.
fn session_dirs(roots: &[&Path], supervisor: u32) -> Vec<PathBuf> {
    let prefix = format!("hotloop-session-{supervisor}-");
    roots
        .iter()
        .flat_map(|root| fs::read_dir(root).unwrap().flatten())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect()
}

#[test]
fn an_orphaned_engine_stuck_in_game_code_exits_and_its_directories_are_swept() {
    let hanging = failing_variant("orphan-hang", 30, "loop { std::hint::spin_loop(); }").build();
    let tmp = fresh_dir("orphan");
    let env = [("TMPDIR", text(&tmp))];
    let mut session = EngineProcess::start_with(
        [
            "--headless",
            "--realtime",
            "--hang-timeout",
            "600",
            "--lib",
            text(&hanging),
        ],
        &env,
    );
    session.wait_for("fail_soon: failing now");
    let supervisor = session.id();
    let engines = children_of(supervisor);
    assert_eq!(engines.len(), 1, "one engine process: {engines:?}");
    let engine = engines[0];
    let roots = [Path::new("/dev/shm"), tmp.as_path()];
    let left = session_dirs(&roots, supervisor);
    assert!(left.len() >= 2, "state and libraries directories: {left:?}");

    // As the OOM killer would: no destructor, no signal handler runs.
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &supervisor.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let limit = Duration::from_secs(30);
    let started = Instant::now();
    while is_running(engine) {
        if started.elapsed() > limit {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &engine.to_string()])
                .status();
            panic!("the orphaned engine process {engine} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(session);
    for dir in &left {
        assert!(
            dir.exists(),
            "a stuck engine cannot clean up: {}",
            dir.display()
        );
    }

    let next = EngineProcess::start_with(
        [
            "--headless",
            "--frames",
            "1",
            "--no-watch",
            "--lib",
            text(&demo_library()),
        ],
        &env,
    )
    .finish();
    assert!(next.status.success(), "{}", next.stderr);
    for dir in &left {
        assert!(
            !dir.exists(),
            "the next session sweeps what the killed one left: {}\n{}",
            dir.display(),
            next.stderr
        );
    }
}
