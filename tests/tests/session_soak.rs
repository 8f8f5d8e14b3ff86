//! An hours-long live-coding session, simulated: the real `hotloop`
//! (supervised, headless, at 60 Hz) takes in minutes the thousands of
//! builds of a day, some with thread-locals and statics that
//! hold heap data, layout changes, crashes, hangs, F5/F9 snapshots, asset
//! edits and a recording running throughout. Its memory, descriptors,
//! mapped builds, session files, temporary files and log volume must stay
//! flat, and nothing may remain after it exits.
//!
//! `session_soak_short` runs in the normal suite; the full session (the
//! README's figures) is `cargo test -p hotloop-tests --test session_soak
//! -- --ignored --nocapture`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use engine::session::supervisor::{CRASH_WINDOW, MAX_CRASHES};

use hotloop_tests::{
    EngineProcess, Variant, children_of, copy_assets, failing_variant, files_mapped_by, install,
    thread_local_variant, variants_dir,
};

/// How many of each event a session has.
struct Mix {
    reloads: usize,
    layout_changes: usize,
    crashes: usize,
    hangs: usize,
    snapshots: usize,
    asset_edits: usize,
}

/// What the engine process looks like at one moment.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// Resident memory of the engine and the supervisor, KiB.
    rss_kib: u64,
    open_fds: usize,
    builds_mapped: usize,
    session_files: usize,
    temp_files: usize,
}

/// The demo counting by `step`: plain, with a `thread_local!` and a static
/// vector, or failing 30 steps after it is loaded (a crash or a hang);
/// `wide` adds a field to the state (another layout).
fn build(kind: &str, step: u64, wide: bool) -> PathBuf {
    let name = format!(
        "soak-{kind}-{step}-{}",
        if wide { "wide" } else { "narrow" }
    );
    let variant = match kind {
        "plain" => Variant::of_demo(&name),
        "thread-locals" => thread_local_variant(&name, 1),
        "crash" => failing_variant(&name, 30, "std::process::abort();"),
        "hang" => failing_variant(&name, 30, "loop { std::hint::spin_loop(); }"),
        _ => unreachable!("{kind}"),
    };
    variant.edit(
        "systems.rs",
        "state.ticks += 1;",
        &format!("state.ticks += {step};"),
    );
    if wide {
        variant.edit(
            "lib.rs",
            "        pub score: u32,\n",
            "        pub score: u32,\n        /// A field only some builds have.\n        pub extra: u32,\n",
        );
        variant.edit(
            "lib.rs",
            "        score: 0,\n",
            "        score: 0,\n        extra: 7,\n",
        );
    }
    variant.build()
}

/// The builds a session cycles through, in both layouts.
struct Builds {
    /// Normal builds, per layout (narrow, wide).
    normal: [Vec<PathBuf>; 2],
    crash: [PathBuf; 2],
    hang: [PathBuf; 2],
}

impl Builds {
    /// Built once per process: two sessions at once share them.
    fn get() -> &'static Self {
        static BUILDS: std::sync::OnceLock<Builds> = std::sync::OnceLock::new();
        BUILDS.get_or_init(Self::new)
    }

    fn new() -> Self {
        let layout = |wide| {
            vec![
                build("plain", 1, wide),
                build("thread-locals", 1, wide),
                build("plain", 1000, wide),
                build("thread-locals", 1000, wide),
            ]
        };
        Self {
            normal: [layout(false), layout(true)],
            crash: [build("crash", 1, false), build("crash", 1, true)],
            hang: [build("hang", 1, false), build("hang", 1, true)],
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

fn files_under(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                1 + files_under(&path)
            } else {
                1
            }
        })
        .sum()
}

/// Files of the session `supervisor` runs in `/dev/shm`.
fn session_files(supervisor: u32) -> usize {
    let prefix = format!("hotloop-session-{supervisor}-");
    fs::read_dir("/dev/shm")
        .map(|entries| {
            entries
                .flatten()
                .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
                .map(|entry| 1 + files_under(&entry.path()))
                .sum()
        })
        .unwrap_or(0)
}

fn sample(supervisor: u32, temp: &Path) -> Sample {
    let engine = children_of(supervisor)
        .first()
        .copied()
        .unwrap_or(supervisor);
    let temp_prefix = temp.to_string_lossy();
    let builds_mapped =
        files_mapped_by(&engine.to_string(), |path| path.starts_with(&*temp_prefix));
    Sample {
        rss_kib: rss_kib(engine) + rss_kib(supervisor),
        open_fds: fs::read_dir(format!("/proc/{engine}/fd")).map_or(0, Iterator::count),
        builds_mapped,
        session_files: session_files(supervisor),
        temp_files: files_under(temp),
    }
}

fn is_swap(line: &str) -> bool {
    line.contains("] generation ") && line.contains(" at step ")
}

fn session(mix: &Mix) {
    let builds = Builds::get();
    let root = variants_dir()
        .join("session-soak")
        .join(mix.reloads.to_string());
    let _ = fs::remove_dir_all(&root);
    let temp = root.join("tmp");
    fs::create_dir_all(&temp).unwrap();
    let assets = copy_assets(&root, &["tunables.toml", "player.png"]);
    let library = root.join("slot").join("libgame.so");
    fs::create_dir_all(library.parent().unwrap()).unwrap();
    install(&builds.normal[0][0], &library);

    let temp_env = temp.to_string_lossy().into_owned();
    let mut command = std::process::Command::new(hotloop_tests::engine_binary());
    command
        .args(["--headless", "--realtime", "--hang-timeout", "0.3", "--lib"])
        .arg(&library)
        .arg("--assets")
        .arg(&assets)
        .arg("--snapshot-dir")
        .arg(root.join("snapshots"))
        .current_dir(&root)
        .env("TMPDIR", &temp_env);
    let mut engine = EngineProcess::start_command(command);
    let supervisor = engine.id();
    engine.wait_for("for new builds");
    engine.type_line("F3");
    engine.wait_for("recording input");

    let events = mix.reloads;
    let every = |count: usize| (count > 0).then(|| events / count);
    let (layout_every, crash_every, hang_every, snapshot_every, asset_every) = (
        every(mix.layout_changes),
        every(mix.crashes),
        every(mix.hangs),
        every(mix.snapshots),
        every(mix.asset_edits),
    );
    let at = |every: Option<usize>, i: usize, offset: usize| {
        every.is_some_and(|every| i % every == offset % every)
    };
    let mut wide = 0;
    let mut failures: Vec<Instant> = Vec::new();
    let mut samples = Vec::new();
    let mut log_bytes = Vec::new();
    for i in 0..events {
        let layout_change = at(layout_every, i, 5);
        if layout_change {
            wide = 1 - wide;
        }
        install(&builds.normal[wide][i % 4], &library);
        engine.wait_until("a swap", is_swap);
        if layout_change {
            // A recording of the old layout cannot replay on the new one:
            // the engine stops it, and a new one starts.
            engine.wait_for("the loop stopped");
            engine.type_line("F3");
            engine.wait_for("recording input");
        }
        if at(crash_every, i, 1) || at(hang_every, i, 3) {
            let failing = if at(crash_every, i, 1) {
                &builds.crash[wide]
            } else {
                &builds.hang[wide]
            };
            // The supervisor stops a session that crashes more than
            // MAX_CRASHES times within CRASH_WINDOW (a crash loop); a
            // session of hours spreads its crashes out, so this one waits.
            if failures.len() >= MAX_CRASHES {
                let since = failures[failures.len() - MAX_CRASHES];
                let allowed = since + CRASH_WINDOW + Duration::from_millis(500);
                std::thread::sleep(allowed.saturating_duration_since(Instant::now()));
            }
            install(failing, &library);
            engine.wait_until("the failing build's swap", is_swap);
            engine.wait_for("running again at step");
            failures.push(Instant::now());
            // A new engine process: the recording goes on in it.
            engine.type_line("F3");
            engine.wait_for("recording input");
        }
        if at(snapshot_every, i, 2) {
            engine.type_line("F5");
            engine.wait_for("state saved to");
            engine.type_line("F9");
            engine.wait_for("state loaded from");
            // Loading a state ends the recording (it started elsewhere).
            engine.type_line("F3");
            engine.wait_for("recording input");
        }
        if at(asset_every, i, 4) {
            fs::write(
                assets.join("tunables.toml"),
                format!("[particles]\nspeed = {}\n", 1.0 + (i % 7) as f64 / 10.0),
            )
            .unwrap();
            engine.wait_for("reloaded asset");
        }
        if i % (events / 10).max(1) == 0 {
            samples.push((i, sample(supervisor, &temp)));
            log_bytes.push((i, engine.stderr_bytes()));
        }
    }
    let last = sample(supervisor, &temp);
    engine.type_line("F3");
    engine.wait_for("looping; recording saved to");
    let finished = engine.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);
    let summary = finished.summary();
    eprintln!(
        "session soak: {} steps, {} reloads, {} crashes and hangs, {} layout changes, {} snapshots saved and loaded, {} asset reloads",
        summary["frames"],
        summary["reloads"],
        summary["crashes"],
        finished.stderr.matches("state layout changed").count(),
        finished.stderr.matches("state loaded from").count(),
        finished.stderr.matches("reloaded asset").count(),
    );
    assert_eq!(
        summary["crashes"].as_u64(),
        Some((mix.crashes + mix.hangs) as u64),
        "every crash and hang survived: {summary}"
    );

    for (at, sample) in &samples {
        eprintln!("session soak: after {at} of {events} reloads: {sample:?}");
    }
    eprintln!("session soak: at the end: {last:?}");
    // Flat from the first tenth on: the first samples include warm-up.
    let (_, settled) = samples[1];
    let growth_mib = last.rss_kib.saturating_sub(settled.rss_kib) as f64 / 1024.0;
    let log_per_event = |(from, from_bytes): (usize, usize), (to, to_bytes): (usize, usize)| {
        (to_bytes - from_bytes) as f64 / (to - from).max(1) as f64
    };
    let (early, late) = (
        log_per_event(log_bytes[1], log_bytes[2]),
        log_per_event(
            log_bytes[log_bytes.len() - 2],
            log_bytes[log_bytes.len() - 1],
        ),
    );
    eprintln!(
        "session soak: RSS {} KiB -> {} KiB (+{growth_mib:.1} MiB); log {early:.0} then {late:.0} bytes per reload; {} bytes of log in all",
        settled.rss_kib,
        last.rss_kib,
        finished.stderr.len()
    );
    let most_mapped = samples
        .iter()
        .map(|(_, s)| s.builds_mapped)
        .max()
        .unwrap_or(0);
    assert!(most_mapped <= 3, "{most_mapped} builds mapped at once");
    assert!(last.builds_mapped <= 3, "{last:?}");
    assert!(
        growth_mib < 16.0,
        "resident memory grew {growth_mib:.1} MiB"
    );
    assert!(
        last.open_fds <= settled.open_fds + 4,
        "descriptors grew: {settled:?} -> {last:?}"
    );
    assert!(
        last.session_files <= settled.session_files + 2,
        "session files grew: {settled:?} -> {last:?}"
    );
    assert!(
        last.temp_files <= settled.temp_files + 4,
        "temporary files grew: {settled:?} -> {last:?}"
    );
    assert!(
        late <= early * 1.5 + 200.0,
        "log volume per reload grew from {early:.0} to {late:.0} bytes"
    );
    assert!(
        !finished.stderr.contains("stays in memory"),
        "{}",
        finished.stderr
    );
    // Nothing left behind: no session files, no temporary files.
    assert_eq!(
        session_files(supervisor),
        0,
        "session files left in /dev/shm"
    );
    assert_eq!(
        files_under(&temp),
        0,
        "files left in the temporary directory"
    );
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn session_soak_short() {
    session(&Mix {
        reloads: 200,
        layout_changes: 5,
        crashes: 10,
        hangs: 2,
        snapshots: 4,
        asset_edits: 8,
    });
}

#[test]
#[ignore = "long: the eight-hour session of the performance chapter; run with --ignored"]
fn session_soak_eight_hours() {
    session(&Mix {
        reloads: 2000,
        layout_changes: 50,
        crashes: 100,
        hangs: 20,
        snapshots: 40,
        asset_edits: 80,
    });
}
