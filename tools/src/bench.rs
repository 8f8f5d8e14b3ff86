//! End-to-end benchmarks: each prints a distribution (median, p99) measured
//! through the real paths (files, notify, cargo, the frame loop).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use engine::loader::library::GameLibrary;
use engine::loader::shadow::ShadowDir;
use engine::runtime::frame_times::quantile;
use engine::{Engine, EngineConfig};
use hotloop_abi::Input;
use hotloop_tests::{Variant, ticks};

use crate::build::build_logic;

/// A set of timings.
pub(crate) struct Distribution {
    sorted_ms: Vec<f64>,
}

impl Distribution {
    pub(crate) fn new(samples: impl IntoIterator<Item = Duration>) -> Self {
        let mut sorted_ms: Vec<f64> = samples
            .into_iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        sorted_ms.sort_by(f64::total_cmp);
        Self { sorted_ms }
    }

    /// The median, in milliseconds.
    pub(crate) fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    fn quantile(&self, q: f64) -> f64 {
        quantile(&self.sorted_ms, q).unwrap_or(f64::NAN)
    }

    pub(crate) fn report(&self, what: &str) {
        println!(
            "{what:<44} n={:<4} median {:>8.3} ms   p90 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms",
            self.sorted_ms.len(),
            self.quantile(0.5),
            self.quantile(0.9),
            self.quantile(0.99),
            self.sorted_ms.last().copied().unwrap_or(f64::NAN)
        );
    }
}

/// Swap cost: (a) preparing a library off the frame thread, (b) the switch
/// left on the frame thread.
pub fn swap(samples: usize) -> Result<()> {
    let shadows = ShadowDir::create()?;
    for (profile, release) in [("debug", false), ("release", true)] {
        let library = build_logic(release)?;
        let size = fs::metadata(&library)?.len() as f64 / 1e6;
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let started = Instant::now();
            let loaded = GameLibrary::load(&library, &shadows)?;
            times.push(started.elapsed());
            drop(loaded);
        }
        Distribution::new(times).report(&format!("prepare, {profile} demo ({size:.1} MB)"));
    }
    let library = build_logic(false)?;
    let mut config = EngineConfig::new(&library);
    config.watch = false;
    let mut engine = Engine::new(config)?;
    for _ in 0..samples {
        engine.reload_from(&library)?;
        engine.step(&Input::default());
    }
    let switches = engine.history().iter().skip(1).map(|r| r.switch_time);
    Distribution::new(switches).report("switch on the frame thread (unload is off it)");
    Ok(())
}

/// An engine stepping at 60 Hz on its own thread, reporting the moment each
/// step shows a new per-step tick increment (the mark of new code).
struct Stepper {
    changes: Receiver<(Instant, u64)>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Engine>>,
}

impl Stepper {
    fn start(mut engine: Engine) -> Self {
        let (tx, changes) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let period = Duration::from_secs(1) / 60;
            let mut next = Instant::now();
            let mut last_delta = None;
            while !stopping.load(Ordering::Relaxed) {
                let boundary = Instant::now();
                let before = ticks(engine.state_bytes());
                engine.step(&Input::default());
                let delta = ticks(engine.state_bytes()) - before;
                if last_delta.is_some_and(|last| last != delta) {
                    let _ = tx.send((boundary, delta));
                }
                last_delta = Some(delta);
                next += period;
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
            }
            engine
        });
        Self {
            changes,
            stop,
            thread: Some(thread),
        }
    }

    /// Waits for the first frame that steps by `delta`; how long after `since`.
    fn wait_for(&self, delta: u64, since: Instant) -> Result<Duration> {
        loop {
            let (at, seen) = self
                .changes
                .recv_timeout(Duration::from_secs(30))
                .context("new code never ran")?;
            if seen == delta {
                return Ok(at.saturating_duration_since(since));
            }
        }
    }

    fn finish(mut self) -> Engine {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .expect("thread")
            .join()
            .expect("stepper thread")
    }
}

/// The demo and a variant that counts 1000 per step (same state layout);
/// with `thread_locals`, two builds that keep a `thread_local!` (whose
/// destructor the engine runs when the build is swapped out).
fn two_builds(thread_locals: bool) -> (PathBuf, PathBuf) {
    if thread_locals {
        (
            hotloop_tests::thread_local_variant("bench-thread-locals-1", 1).build(),
            hotloop_tests::thread_local_variant("bench-thread-locals-1000", 1000).build(),
        )
    } else {
        let fast = Variant::of_demo("bench-fast");
        fast.edit("systems.rs", "state.ticks += 1;", "state.ticks += 1000;");
        (hotloop_tests::demo_library(), fast.build())
    }
}

/// Two builds copied next to a watched library file, ready to be swapped in.
struct Staged {
    _dir: tempfile::TempDir,
    /// The demo and the fast variant, in the watched directory.
    builds: [PathBuf; 2],
    /// The watched library, starting as the demo.
    library: PathBuf,
}

impl Staged {
    fn new(thread_locals: bool) -> Result<Self> {
        let (demo, fast) = two_builds(thread_locals);
        let dir = tempfile::tempdir()?;
        let builds = [
            dir.path().join("staged-demo.so"),
            dir.path().join("staged-fast.so"),
        ];
        fs::copy(&demo, &builds[0])?;
        fs::copy(&fast, &builds[1])?;
        let library = dir.path().join("libgame.so");
        fs::copy(&demo, &library)?;
        Ok(Self {
            _dir: dir,
            builds,
            library,
        })
    }
}

/// Replaces `target` the way cargo does: remove, then hard-link the new file.
fn cargo_style_replace(staged: &Path, target: &Path) -> Result<Instant> {
    let _ = fs::remove_file(target);
    fs::hard_link(staged, target)?;
    Ok(Instant::now())
}

/// File-to-frame latency through the real notify path, realtime at 60 Hz.
pub fn file_to_frame(samples: usize) -> Result<()> {
    let Staged {
        builds: staged,
        library,
        _dir,
    } = Staged::new(false)?;
    let stepper = Stepper::start(Engine::new(EngineConfig::new(&library))?);
    let mut latencies = Vec::with_capacity(samples);
    for sample in 0..samples {
        // Vary the phase against the frame clock.
        std::thread::sleep(Duration::from_millis(120 + (sample as u64 * 7) % 17));
        let (staged, delta) = if sample % 2 == 0 {
            (&staged[1], 1000)
        } else {
            (&staged[0], 1)
        };
        let written = cargo_style_replace(staged, &library)?;
        latencies.push(stepper.wait_for(delta, written)?);
    }
    let engine = stepper.finish();
    if engine.stats().failed_reloads > 0 {
        bail!("reloads failed: {:?}", engine.stats().last_error);
    }
    Distribution::new(latencies).report("file written -> first frame of new code");
    Ok(())
}

/// Frame work time of frames that take a reload versus the others, headless
/// (in process; also with builds that keep a `thread_local!`, whose
/// destructors the engine runs in the frame that swaps them out) and in
/// the window (the engine binary, under a display).
pub fn hitch(reloads: usize) -> Result<()> {
    let replace_many = |staged: &Staged| -> Result<()> {
        for reload in 0..reloads {
            std::thread::sleep(Duration::from_millis(150));
            cargo_style_replace(&staged.builds[(reload + 1) % 2], &staged.library)?;
        }
        std::thread::sleep(Duration::from_millis(300));
        Ok(())
    };
    for (what, thread_locals) in [
        ("headless (in-process engine)", false),
        ("headless, builds with a thread_local!", true),
    ] {
        let staged = Staged::new(thread_locals)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let mut engine = Engine::new(EngineConfig::new(&staged.library))?;
        let runner = std::thread::spawn(move || {
            engine::frontend::headless::run(
                &mut engine,
                None,
                engine::frontend::headless::Pace::Realtime,
                &stopping,
                &engine::frontend::stdin_keys::StdinKeys::none(),
            )
        });
        replace_many(&staged)?;
        stop.store(true, Ordering::Relaxed);
        let summary = runner.join().expect("headless runner");
        print_frame_times(what, &summary.frame_times);
    }

    if std::env::var_os("DISPLAY").is_none() {
        println!("window: skipped (no DISPLAY; run under `xvfb-run -a`)");
        return Ok(());
    }
    let staged = Staged::new(false)?;
    let engine = hotloop_tests::engine_binary();
    let child = Command::new(&engine)
        .arg("--lib")
        .arg(&staged.library)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::sleep(Duration::from_secs(3));
    replace_many(&staged)?;
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    let output = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().context("no summary")?)?;
    let times: engine::runtime::frame_times::FrameTimeSummary =
        serde_json::from_value(summary["frame_times"].clone())?;
    print_frame_times("window (debug engine)", &times);
    Ok(())
}

fn print_frame_times(what: &str, times: &engine::runtime::frame_times::FrameTimeSummary) {
    println!(
        "{what:<44} normal frames: n={} median {:.3} ms p99 {:.3} ms | reload frames: n={} median {:.3} ms max {:.3} ms",
        times.frames,
        times.median_ms,
        times.p99_ms,
        times.reload_frames,
        times.reload_median_ms,
        times.reload_max_ms
    );
}

/// From a crash in game code to the first step on the restored state: a
/// build that aborts 30 steps after it is loaded, run by the real `hotloop`
/// (supervisor and engine process), headless and, under a display, in the
/// window. The engine process reports the time from the moment the
/// supervisor reaped the crashed one.
pub fn restart(samples: usize) -> Result<()> {
    let crashing =
        hotloop_tests::failing_variant("bench-crash", 30, "std::process::abort();").build();
    let with_display = std::env::var_os("DISPLAY").is_some();
    for window in [false, true] {
        if window && !with_display {
            println!("crash -> first step, window: skipped (no DISPLAY; run under xvfb-run)");
            continue;
        }
        let mut latencies = Vec::with_capacity(samples);
        for _ in 0..samples {
            let mut args = vec!["--lib", crashing.to_str().context("library path")?];
            if !window {
                args.extend(["--headless", "--realtime"]);
            }
            let mut engine = hotloop_tests::EngineProcess::start(args);
            let line = engine.wait_for("after the crash");
            let finished = engine.terminate();
            if !finished.status.success() {
                bail!("the session did not end cleanly:\n{}", finished.stderr);
            }
            let millis: f64 = line
                .rsplit(", ")
                .next()
                .and_then(|tail| tail.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .with_context(|| format!("no time in {line:?}"))?;
            latencies.push(Duration::from_secs_f64(millis / 1000.0));
        }
        let mode = if window { "window" } else { "headless" };
        Distribution::new(latencies).report(&format!("crash -> first step on the state ({mode})"));
    }
    Ok(())
}

/// From SIGTERM to the exit, with the summary printed, while game code is
/// stuck in an endless loop (the supervisor kills the engine process and a
/// fresh one prints the summary).
pub fn stop(samples: usize) -> Result<()> {
    let hanging =
        hotloop_tests::failing_variant("bench-hang", 30, "loop { std::hint::spin_loop(); }")
            .build();
    let mut latencies = Vec::with_capacity(samples);
    for _ in 0..samples {
        let library = hanging.to_str().context("library path")?;
        let mut engine = hotloop_tests::EngineProcess::start([
            "--headless",
            "--realtime",
            "--hang-timeout",
            "600",
            "--lib",
            library,
        ]);
        engine.wait_for("fail_soon: failing now");
        // Let the engine process be well inside the endless loop.
        std::thread::sleep(Duration::from_millis(100));
        let finished = engine.terminate();
        let summary = finished.summary();
        if summary["crashes"] != 1 {
            bail!("unexpected summary: {summary}");
        }
        latencies.push(finished.after_signal);
    }
    Distribution::new(latencies).report("SIGTERM while game code hangs -> exit");
    Ok(())
}

/// Engine steps of a 64 MiB state (`hotloop_tests::big_state_game`, debug
/// build), on the real path: frame boundary, the copy taken before the
/// step, `update`. Each step writes 8 cells on 8 pages; a second game also
/// writes one cell on every page (the worst case for copying written pages
/// only). The copy is whole, or only the pages written, alone in the
/// process and supervised (state and copy in shared memory).
pub fn big_state(samples: usize) -> Result<()> {
    use engine::state::CopyMode;
    let cells = hotloop_tests::BIG_STATE_CELLS;
    let sparse = hotloop_tests::big_state_game("bench-big-sparse", "", "").build();
    let dense = hotloop_tests::big_state_game(
        "bench-big-dense",
        "",
        &format!(
            "for i in 0..{} {{ state.cells[i * 512] += 1; }}",
            cells / 512
        ),
    )
    .build();
    let input = Input::default();
    for (game, library) in [("8 pages written", &sparse), ("every page written", &dense)] {
        for (copy, mode) in [
            ("whole copy", CopyMode::Whole),
            ("written pages", CopyMode::Auto),
        ] {
            for supervised in [false, true] {
                let mut config = EngineConfig::new(library);
                config.watch = false;
                config.step_copy = mode;
                let dir = tempfile::tempdir()?;
                let mut engine = if supervised {
                    let session = engine::session::Session::standalone(dir.path())?;
                    Engine::supervised(config, session)?
                } else {
                    Engine::new(config)?
                };
                if mode == CopyMode::Auto && !engine.copies_written_pages_only() {
                    println!("(the kernel cannot say which pages were written: whole copies)");
                }
                for _ in 0..30 {
                    engine.step(&input);
                }
                let times: Vec<Duration> = (0..samples)
                    .map(|_| {
                        let started = Instant::now();
                        engine.step(&input);
                        started.elapsed()
                    })
                    .collect();
                let alone = if supervised { "supervised" } else { "alone" };
                Distribution::new(times).report(&format!("64 MiB step, {game}, {copy}, {alone}"));
            }
        }
    }
    Ok(())
}

/// `cargo ship`: the player's executable for each game (its size), and
/// from starting it to the end of its first step, headless, next to the
/// dev engine (`hotloop --headless` on the same game's library, supervised
/// as `cargo dev` runs it).
pub fn ship(samples: usize) -> Result<()> {
    let home = engine::source::dev::home_workspace();
    let shipped = engine::source::ship::ship(&home, "game-logic", &home, None, None)
        .map_err(anyhow::Error::msg)?;
    for game in ["game-logic", "invaders", "breakout"] {
        let made = engine::source::ship::ship(&home, game, &home, None, None)
            .map_err(anyhow::Error::msg)?;
        let size = std::fs::metadata(&made.executable)?.len() as f64 / (1 << 20) as f64;
        println!("{game}: shipped executable {size:.1} MiB (stripped)");
    }
    let library = hotloop_tests::demo_library();
    let library = library.to_str().context("library path")?;
    let time = |program: &Path, args: &[&str]| -> Result<Distribution> {
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let started = Instant::now();
            let output = Command::new(program).args(args).output()?;
            times.push(started.elapsed());
            if !output.status.success() {
                bail!(
                    "{} failed: {}",
                    program.display(),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
        Ok(Distribution::new(times))
    };
    time(&shipped.executable, &["--headless", "--frames", "1"])?
        .report("start -> first step done, shipped demo (headless)");
    let hotloop = hotloop_tests::engine_binary();
    time(
        &hotloop,
        &[
            "--headless",
            "--no-watch",
            "--frames",
            "1",
            "--lib",
            library,
        ],
    )?
    .report("start -> first step done, dev engine, supervised (headless)");
    if std::env::var_os("DISPLAY").is_none() {
        println!("start -> first frame on screen: skipped (no DISPLAY; run under xvfb-run)");
        return Ok(());
    }
    // Until the window says its first frame is presented.
    let on_screen = |program: &Path, args: &[&str]| -> Result<Distribution> {
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let mut command = Command::new(program);
            command.args(args).env("RUST_LOG", "info");
            let started = Instant::now();
            let mut game = hotloop_tests::EngineProcess::start_command(command);
            game.wait_for("the game is on screen");
            times.push(started.elapsed());
            drop(game.terminate());
        }
        Ok(Distribution::new(times))
    };
    on_screen(&shipped.executable, &[])?.report("start -> first frame on screen, shipped demo");
    on_screen(&hotloop, &["--no-watch", "--lib", library])?
        .report("start -> first frame on screen, dev engine, supervised");
    Ok(())
}
