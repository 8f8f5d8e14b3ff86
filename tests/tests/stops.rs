//! A stop the user caused is not a hang: an engine process stopped in the
//! middle of a game call (SIGSTOP, as a debugger or Ctrl-Z does), stopped
//! together with its supervisor (Ctrl-Z stops the whole process group), or
//! blocked printing to a pipe nobody reads (`hotloop | less`), carries on
//! when resumed: no crash, no blacklisted build, every step run.
//!
//! Each test waits for what the engine says or for what `/proc` shows; the
//! only sleep is the stop itself, three hang timeouts long.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hotloop_tests::{EngineProcess, Finished, failing_variant, parent_of};

/// The hang timeout the engine runs with, in seconds.
const HANG_TIMEOUT: &str = "0.5";
/// How long a test keeps the engine stopped or blocked: three hang timeouts.
const STOPPED_FOR: Duration = Duration::from_millis(1500);
/// How long the supervisor runs while the engine is stopped, before it is
/// stopped too: many of its polls.
const SUPERVISOR_SEES_IT: Duration = Duration::from_millis(300);
/// How many steps a session runs (the stop comes at step 31).
const FRAMES: u64 = 120;

/// The demo, which 30 steps after it is loaded stops its own process in the
/// middle of `update` (so a game call is surely running), then, once
/// resumed, stays in that call for 200 ms: less than the hang timeout.
fn stopping_build() -> PathBuf {
    static BUILD: OnceLock<PathBuf> = OnceLock::new();
    BUILD
        .get_or_init(|| {
            failing_variant(
                "stop-self",
                30,
                r#"let me = std::process::id().to_string();
        let _ = std::process::Command::new("kill").args(["-STOP", &me]).status();
        eprintln!("fail_soon: resumed at tick {}", state.ticks);
        std::thread::sleep(std::time::Duration::from_millis(200));"#,
            )
            .build()
        })
        .clone()
}

/// Starts a supervised session of `library`, headless, in real time.
fn start(library: &Path) -> EngineProcess {
    let mut args: Vec<std::ffi::OsString> = ["--headless", "--realtime", "--hang-timeout"]
        .into_iter()
        .map(Into::into)
        .collect();
    args.extend([
        HANG_TIMEOUT.into(),
        "--frames".into(),
        FRAMES.to_string().into(),
    ]);
    args.extend(["--lib".into(), library.as_os_str().to_owned()]);
    EngineProcess::start(args)
}

/// Waits until `done` holds; panics with `what` after 60 s (a guard
/// against hanging, not a timing check).
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The engine process: the supervisor's one child.
fn engine_pid(supervisor: u32) -> u32 {
    let child = || {
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
            .find(|&pid| parent_of(pid) == Some(supervisor))
    };
    wait_until("the engine process", || child().is_some());
    child().expect("found above")
}

/// The state letter of process `pid` (`T` when stopped).
fn state_of(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

fn signal(name: &str, pid: u32) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid} failed");
}

fn stop(pid: u32) {
    signal("STOP", pid);
    wait_until("the process to stop", || state_of(pid) == Some('T'));
}

/// Whether a thread of process `pid` is blocked in `write(1, …)`.
fn writing_stdout(pid: u32) -> bool {
    #[cfg(target_arch = "x86_64")]
    const WRITE: &str = "1";
    #[cfg(target_arch = "aarch64")]
    const WRITE: &str = "64";
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        std::fs::read_to_string(task.path().join("syscall")).is_ok_and(|line| {
            let mut fields = line.split_whitespace();
            fields.next() == Some(WRITE) && fields.next() == Some("0x1")
        })
    })
}

/// The session ran every step, with no crash and no hang named.
fn assert_carried_on(finished: &Finished) {
    assert!(
        finished.status.success(),
        "{:?}\n{}",
        finished.status,
        finished.stderr
    );
    for word in ["did not return", "crashed", "never to be loaded"] {
        assert!(
            !finished.stderr.contains(word),
            "no {word:?}: {}",
            finished.stderr
        );
    }
    let summary = finished.summary();
    assert_eq!(summary["crashes"], 0, "{summary}");
    assert_eq!(summary["generation"], 1, "{summary}");
    assert_eq!(summary["frames"], FRAMES, "{summary}");
    let ticks: u64 = summary["game"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{summary}"));
    assert_eq!(ticks, FRAMES, "no step lost, none run twice: {summary}");
}

#[test]
fn an_engine_stopped_in_a_game_call_is_not_hung() {
    let mut engine = start(&stopping_build());
    let pid = engine_pid(engine.id());
    engine.wait_for("fail_soon: failing now");
    wait_until("the engine to stop", || state_of(pid) == Some('T'));
    std::thread::sleep(STOPPED_FOR);
    signal("CONT", pid);
    engine.wait_for("fail_soon: resumed at tick");
    let (finished, _) = engine.finish_within(Duration::from_secs(60));
    assert_carried_on(&finished);
}

/// Ctrl-Z then `fg`: the supervisor is stopped too, so its clock jumps by
/// the whole stop when it resumes. It resumes last here, while the call
/// still runs.
#[test]
fn an_engine_stopped_with_its_supervisor_is_not_hung() {
    let mut engine = start(&stopping_build());
    let supervisor = engine.id();
    let pid = engine_pid(supervisor);
    engine.wait_for("fail_soon: failing now");
    wait_until("the engine to stop", || state_of(pid) == Some('T'));
    // The supervisor sees the call (it polls every 10 ms) before it stops:
    // one that first sees the call after its stop has no jump to cap.
    std::thread::sleep(SUPERVISOR_SEES_IT);
    stop(supervisor);
    std::thread::sleep(STOPPED_FOR);
    signal("CONT", pid);
    signal("CONT", supervisor);
    engine.wait_for("fail_soon: resumed at tick");
    let (finished, _) = engine.finish_within(Duration::from_secs(60));
    assert_carried_on(&finished);
}

/// `hotloop | less`: game code prints more than the pipe holds while
/// nobody reads it, and waits in `write` until the reader catches up.
#[test]
fn game_output_blocked_on_a_full_pipe_is_not_a_hang() {
    let flooding = failing_variant(
        "stop-flood",
        30,
        r#"for line in 0..20_000u32 { println!("flood {line:05} {}", "x".repeat(90)); }"#,
    )
    .build();
    let mut engine = start(&flooding);
    let pid = engine_pid(engine.id());
    engine.wait_for("fail_soon: failing now");
    wait_until("game code to block on stdout", || writing_stdout(pid));
    std::thread::sleep(STOPPED_FOR);
    let said = engine.stderr();
    assert!(!said.contains("did not return"), "{said}");
    // Reading stdout to its end lets the engine go on and finish.
    let finished = engine.finish();
    assert_eq!(
        finished
            .stdout
            .lines()
            .filter(|line| line.starts_with("flood "))
            .count(),
        20_000
    );
    assert_carried_on(&finished);
}
