//! `hotloop`: run the game with hot reload, in a window or headless.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use engine::files::recording::RecordingReader;
use engine::frontend::headless::{self, Pace};
use engine::frontend::stdin_keys::StdinKeys;
use engine::frontend::window::{self, WindowError, WindowOptions};
use engine::runtime::crash_log::CrashReport;
use engine::session::Session;
#[cfg(unix)]
use engine::session::supervisor::{self, SupervisorOptions};
use engine::source::dev::claim::DevClaim;
use engine::source::dev::{self, DevConfig, DevLoop, home_workspace};
use engine::{Engine, EngineConfig};

/// Run game-logic with hot reload: edit, rebuild, and watch it change live.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Run without a window.
    #[arg(long)]
    headless: bool,
    /// Stop after this many update steps (default: until closed or Ctrl-C).
    #[arg(long)]
    frames: Option<u64>,
    /// Pace headless steps at the update rate instead of running flat out.
    #[arg(long)]
    realtime: bool,
    /// The game library to load and watch [default: the workspace's build of game-logic].
    #[arg(long)]
    lib: Option<PathBuf>,
    /// Do not watch the library for new builds.
    #[arg(long)]
    no_watch: bool,
    /// With --headless: replay a recording (made with F3 in the window) and
    /// print the summary, whose `state_checksum` a replay reproduces exactly.
    #[arg(long, requires = "headless")]
    replay: Option<PathBuf>,
    /// Loop a player's crash report (its `.json` or `.hlrec`) on the
    /// current code: the last seconds of play up to the failing step,
    /// again after every save; a report of another state layout is carried
    /// over by field name.
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    replay_crash: Option<PathBuf>,
    /// Include the state's fields and values in the JSON summary printed at exit.
    #[arg(long)]
    dump_state: bool,
    /// Time each system of the game and put the means in the JSON summary
    /// (in the window, F4 shows them live).
    #[arg(long)]
    profile_systems: bool,
    /// The assets directory (images and tunables.toml) [default: the workspace's assets/].
    #[arg(long)]
    assets: Option<PathBuf>,
    /// Where a state that a reload cannot carry over is saved.
    #[arg(long, default_value = ".hotloop/snapshots")]
    snapshot_dir: PathBuf,
    /// Dev loop: build game-logic, then rebuild and reload it on every save.
    #[arg(long)]
    dev: bool,
    /// With --dev: build game-logic with the release profile.
    #[arg(long, requires = "dev")]
    release: bool,
    /// With --dev: the workspace package that builds the game library.
    #[arg(long, requires = "dev", default_value = "game-logic")]
    game: String,
    /// With --dev: the cargo workspace to build from [default: the one this engine was built from].
    #[arg(long, requires = "dev", value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// Window size as a multiple of the game's framebuffer (the `size` its
    /// `game!` declares, 320x240 by default), kept when a reload changes it.
    #[arg(long, default_value_t = 3)]
    scale: u32,
    /// Seconds a call into game code may run before it counts as a hang and
    /// the engine restarts on the state from before it; 0 turns it off (for debuggers).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    hang_timeout: f64,
    /// Play no sound (headless runs never do).
    #[arg(long)]
    mute: bool,
    /// Write what the mixer makes to this WAV file (32-bit float stereo,
    /// 48 kHz), in step time: sample n is n / 48000 s after step 0. Works
    /// headless too.
    #[arg(long, value_name = "FILE.wav")]
    audio_capture: Option<PathBuf>,
    /// Run in one process, without the supervisor that survives crashes and
    /// hangs in game code (for gdb or lldb).
    #[arg(long)]
    no_supervise: bool,
}

fn main() -> ExitCode {
    // Started by cargo as its rustc wrapper, for the dev loop's direct builds.
    if let Some(code) = engine::source::dev::direct::run_as_wrapper() {
        return code;
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    // Ctrl-C and SIGTERM end the run cleanly, so the summary is still printed.
    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = stop.clone();
    // Alone in its process, the engine cannot stop a frame thread stuck in
    // game code; it ends the run anyway (the supervisor does better). So
    // does an engine process whose supervisor was killed (SIGTERM comes
    // then, see `Session::from_env`): nothing else would end it.
    let alone = cli.no_supervise;
    let handler = move || {
        on_signal.store(true, Ordering::Relaxed);
        if alone || engine::session::orphaned() {
            std::thread::spawn(|| {
                std::thread::sleep(Duration::from_secs(1));
                // Not `eprintln!`: with the supervisor gone, stderr is a
                // broken pipe, and a panic here would end only this thread.
                let _ = writeln!(
                    std::io::stderr(),
                    "hotloop: the frame loop did not stop within 1 s (game code stuck?); exiting without a summary"
                );
                std::process::exit(1);
            });
        }
    };
    if let Err(error) = ctrlc::set_handler(handler) {
        eprintln!("hotloop: installing the Ctrl-C handler: {error}");
        return ExitCode::FAILURE;
    }
    let result = match Session::from_env() {
        // An engine process that the supervisor started.
        Ok(Some(session)) => {
            let exit = session.exit();
            let result = run(cli, Some(session), &stop);
            exit.finish();
            result
        }
        Ok(None) if cli.no_supervise => run(cli, None, &stop),
        Ok(None) => return supervise(&cli, &stop),
        Err(error) => Err(anyhow::Error::new(error).context("cannot join the supervised session")),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("hotloop: {}", said_once(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each said once: some errors put their cause
/// in their own message as well as in their chain.
fn said_once(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

/// Off Unix the dev loop runs unsupervised only.
#[cfg(not(unix))]
fn supervise(_: &Cli, _: &AtomicBool) -> ExitCode {
    eprintln!("hotloop: the supervisor runs on Unix only; run with --no-supervise");
    ExitCode::FAILURE
}

/// Runs the engine in a child process, restarting it on the preserved state
/// whenever game code crashes or hangs it.
#[cfg(unix)]
fn supervise(cli: &Cli, stop: &AtomicBool) -> ExitCode {
    let hang_timeout = (cli.hang_timeout > 0.0).then(|| Duration::from_secs_f64(cli.hang_timeout));
    let options = SupervisorOptions {
        args: std::env::args_os().skip(1).collect(),
        hang_timeout,
    };
    match supervisor::run(&options, stop) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!(
                "hotloop: the supervisor failed: {error}; run with --no-supervise to do without it"
            );
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, session: Option<Session>, stop: &Arc<AtomicBool>) -> anyhow::Result<ExitCode> {
    let resuming = session.as_ref().is_some_and(Session::is_resuming);
    let finishing = session.as_ref().is_some_and(Session::is_finishing);
    let display_lost = session.as_ref().and_then(Session::display_lost);
    let dev = if cli.dev && !finishing {
        let root = cli.workspace.clone().unwrap_or_else(home_workspace);
        Some(DevConfig::for_package(root, &cli.game, cli.release).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    // Held until the process ends: a second dev loop on the same builds is
    // refused before it builds anything.
    let _claim = dev.as_ref().map(DevClaim::take).transpose()?;
    let library = match (&cli.lib, &dev) {
        (Some(path), _) => path.clone(),
        // Carrying on after a crash: the session knows its libraries; this
        // path is only watched (and the dev loop builds anew).
        (None, _) if resuming => library_beside_exe()?,
        (None, Some(dev)) => first_build(dev)?,
        (None, None) => default_library()?,
    };
    let mut config = EngineConfig::new(library);
    config.watch = !cli.no_watch && dev.is_none() && !finishing;
    config.snapshot_dir = cli.snapshot_dir;
    config.dump_state = cli.dump_state;
    config.profile_systems = cli.profile_systems;
    config.audio.device = !cli.headless && !cli.mute;
    config.audio.capture = cli.audio_capture.clone();
    config.assets = cli
        .assets
        .or_else(|| Some(home_workspace().join("assets")).filter(|dir| dir.is_dir()));
    let geometry = session.as_ref().and_then(|s| s.control().window());
    let mut engine = match session {
        Some(session) => Engine::supervised(config, session),
        None => Engine::new(config),
    }
    .context("could not start the engine")?;
    if let Some(cause) = display_lost {
        return end_without_display(&mut engine, &cause);
    }
    if finishing {
        println!("{}", serde_json::to_string(&engine.summary())?);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dev) = dev {
        let builder =
            DevLoop::spawn(dev, engine.shadows()).context("could not watch the game's sources")?;
        if resuming {
            // A save may have come while the crashed process was building.
            builder.catch_up(engine.last_build_time());
        }
        engine.set_source(Box::new(builder));
    } else if resuming && !cli.no_watch {
        let library = engine.config().library.clone();
        engine.take_if_new(&library);
    }
    if let Some(path) = &cli.replay_crash {
        let recording = CrashReport::recording_of(path).map_err(anyhow::Error::msg)?;
        let how = engine
            .loop_recording(recording)
            .with_context(|| format!("cannot play the crash report {}", path.display()))?;
        log::info!(
            "looping the crash report {}{how}: it runs up to the failing step again after every save",
            path.display()
        );
    }
    let summary = if let Some(path) = &cli.replay {
        let mut recording = RecordingReader::open_file(path).map_err(anyhow::Error::msg)?;
        headless::replay(&mut engine, &mut recording)?
    } else if cli.headless {
        let pace = if cli.realtime {
            Pace::Realtime
        } else {
            Pace::Unpaced
        };
        headless::run(&mut engine, cli.frames, pace, stop, &StdinKeys::spawn())
    } else {
        let options = WindowOptions {
            scale: cli.scale,
            frames: cli.frames,
            geometry,
            player: false,
        };
        match window::run(&mut engine, options, stop.clone()) {
            Ok(summary) => summary,
            Err(error @ WindowError::DisplayLost { .. }) => {
                return end_without_display(&mut engine, &error.to_string());
            }
            // Carrying on after a crash, with no display to open the window
            // on again: keep the state, and still say where things stand.
            Err(error) if resuming => {
                return end_without_display(&mut engine, &error.to_string());
            }
            Err(error) => return Err(error.into()),
        }
    };
    println!("{}", serde_json::to_string(&summary)?);
    Ok(ExitCode::SUCCESS)
}

/// Ends a run that lost its display (`cause`): the state is saved to a new
/// snapshot, one line says what happened and where the state is, and the
/// summary follows. Exits with 1: the session did not end as asked.
fn end_without_display(engine: &mut Engine, cause: &str) -> anyhow::Result<ExitCode> {
    let saved = match engine.save_state_aside() {
        Ok(path) => format!("the state is saved to {}", path.display()),
        Err(error) => format!("the state could not be saved: {error}"),
    };
    eprintln!("hotloop: {cause} at step {}; {saved}", engine.steps());
    engine.record_last_error(cause);
    println!("{}", serde_json::to_string(&engine.summary())?);
    Ok(ExitCode::FAILURE)
}

/// Where the workspace's game-logic build of this executable's profile is.
fn library_beside_exe() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot locate the hotloop executable")?;
    let dir = exe.parent().context("the executable has no directory")?;
    Ok(dir.join(format!(
        "{}game_logic{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )))
}

/// The dev loop's first build, before the window opens.
fn first_build(dev: &DevConfig) -> anyhow::Result<PathBuf> {
    log::info!("building {}…", dev.package);
    dev::build(dev).map_err(|error| {
        eprintln!("{}", error.rendered.trim_end());
        anyhow::anyhow!(
            "the first build of {} failed; fix it and run again",
            dev.package
        )
    })
}

/// The workspace's game-logic build next to this executable (same profile),
/// built first if it is missing and the workspace is at hand.
fn default_library() -> anyhow::Result<PathBuf> {
    let library = library_beside_exe()?;
    let dir = library
        .parent()
        .context("the executable has no directory")?;
    if library.is_file() {
        return Ok(library);
    }
    let workspace = home_workspace();
    if !workspace.join("game-logic/Cargo.toml").is_file() {
        bail!(
            "no game library at {}: build game-logic, or pass --lib PATH",
            library.display()
        );
    }
    log::info!(
        "{} is missing; building game-logic first",
        library.display()
    );
    // The dev loop's cargo build, without recording rustc for direct builds.
    let release = dir.file_name().is_some_and(|profile| profile == "release");
    let mut config = DevConfig::for_workspace(workspace, release);
    config.rustc_wrapper = None;
    let built = dev::build(&config);
    if let Err(error) = &built {
        eprintln!("{}", error.rendered.trim_end());
    }
    if built.is_err() || !library.is_file() {
        bail!(
            "no game library at {}: `cargo build -p game-logic` failed; fix the build, or pass --lib PATH",
            library.display()
        );
    }
    Ok(library)
}
