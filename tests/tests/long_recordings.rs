//! Recordings and loops of any length (#23): four hours of play recorded
//! with the loop key stream to disk, loop frame-exact, and replay with the
//! real binary to the same state, in memory that does not grow with them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use engine::{Engine, EngineConfig};
use hotloop_abi::{Input, Key};
use hotloop_tests::{demo_library, engine_binary, summary_line};

/// Four hours at 60 Hz.
const STEPS: u64 = 4 * 60 * 60 * 60;
/// Bytes a step takes on disk, and at least in memory (`Input` is 64).
const STEP_BYTES: u64 = 60;
/// The most memory four hours may add, recording, looping or replaying:
/// kept in memory, their inputs alone would be 49 MiB.
const BOUND_KIB: u64 = 8 * 1024;

fn resident_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Input that changes over the whole run: the arrows held change every 7
/// seconds or so, in a pattern that repeats only after hours.
fn scripted(step: u64) -> Input {
    let arrows = [Key::Left, Key::Up, Key::Right, Key::Down];
    let phase = step / 419;
    let mut input = Input::default();
    input.down.insert(arrows[(phase % 4) as usize]);
    if phase.is_multiple_of(3) {
        input.down.insert(arrows[(phase / 7 % 4) as usize]);
    }
    if step.is_multiple_of(419) {
        input.pressed.insert(arrows[(phase % 4) as usize]);
    }
    input.mouse_x = (step % 320) as f32;
    input.mouse_y = (step / 320 % 240) as f32;
    input
}

/// Where the loop key saved the recording it just ended.
fn saved_path(engine: &Engine) -> PathBuf {
    let notice = engine.notice().unwrap_or_default();
    let path = notice
        .split_once("looping; recording saved to ")
        .unwrap_or_else(|| panic!("no recording saved: {notice}"))
        .1;
    PathBuf::from(path)
}

/// Replays `recording` with the real binary; returns its summary and how
/// long it took.
fn replay(recording: &Path) -> (serde_json::Value, f64) {
    let started = Instant::now();
    let output = Command::new(engine_binary())
        .args(["--headless", "--no-watch", "--replay"])
        .arg(recording)
        .arg("--lib")
        .arg(demo_library())
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (summary_line(&String::from_utf8_lossy(&output.stdout)), took)
}

fn peak_kib(summary: &serde_json::Value) -> u64 {
    summary["peak_memory_kib"]
        .as_u64()
        .unwrap_or_else(|| panic!("the summary says the peak memory: {summary}"))
}

#[test]
fn a_four_hour_recording_loops_and_replays_to_the_same_state_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(demo_library());
    config.watch = false;
    config.recording_dir = dir.path().join("recordings");
    let mut engine = Engine::new(config).unwrap();
    for step in 0..10 {
        engine.step(&scripted(step));
    }
    // A second's recording, for what a replay takes whatever its length.
    engine.toggle_loop();
    for step in 0..60 {
        engine.step(&scripted(step));
    }
    engine.toggle_loop();
    let short = saved_path(&engine);
    engine.toggle_loop(); // Back to live play.

    let resident_before = resident_kib();
    let started = Instant::now();
    engine.toggle_loop();
    for step in 0..STEPS {
        engine.step(&scripted(step));
    }
    let recorded_end = engine.summary().state_checksum;
    let record_time = started.elapsed().as_secs_f64();
    let ending = Instant::now();
    engine.toggle_loop();
    let end_ms = ending.elapsed().as_secs_f64() * 1000.0;
    let long = saved_path(&engine);
    let recording_growth = resident_kib().saturating_sub(resident_before);
    assert!(
        recording_growth < BOUND_KIB,
        "the engine grew {recording_growth} KiB recording"
    );
    let file_len = fs::metadata(&long).unwrap().len();
    assert!(file_len > STEPS * STEP_BYTES, "{file_len} bytes");

    // One whole round of the loop, read back from the file: step for step
    // what was recorded, so it ends where the recording did.
    let started = Instant::now();
    for _ in 0..STEPS {
        engine.step(&Input::default());
    }
    let loop_time = started.elapsed().as_secs_f64();
    assert_eq!(engine.summary().state_checksum, recorded_end);
    let loop_growth = resident_kib().saturating_sub(resident_before);
    assert!(
        loop_growth < BOUND_KIB,
        "the engine grew {loop_growth} KiB looping"
    );

    let (short_summary, _) = replay(&short);
    let (summary, replay_time) = replay(&long);
    assert_eq!(summary["state_checksum"], recorded_end.as_str());
    assert_eq!(summary["frames"], STEPS);

    let inputs_mib = (STEPS * STEP_BYTES) as f64 / (1 << 20) as f64;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let replay_extra = peak_kib(&summary).saturating_sub(peak_kib(&short_summary));
    eprintln!(
        "4 hours ({STEPS} steps, {inputs_mib:.1} MiB of input): recorded in {record_time:.1} s \
         (file {:.1} MiB; the loop key ended it in {end_ms:.1} ms), looped once in {loop_time:.1} s, replayed by the binary in \
         {replay_time:.1} s; the recording process grew {:.1} MiB recording, {:.1} MiB after \
         a round of the loop; the replay peaked at {:.1} MiB, {:.1} MiB above a one-second \
         replay's {:.1} MiB",
        file_len as f64 / (1 << 20) as f64,
        mib(recording_growth),
        mib(loop_growth),
        mib(peak_kib(&summary)),
        mib(replay_extra),
        mib(peak_kib(&short_summary)),
    );
    assert!(
        replay_extra < BOUND_KIB,
        "the replay took {replay_extra} KiB more than a short one"
    );
}
