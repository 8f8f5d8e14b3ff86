//! The player's executable that `cargo ship` builds: the game linked in,
//! the same frame loop, fixed step, input, drawing and scaling as `cargo
//! dev` (the same [`window`] and [`headless`] front ends), and none of the
//! developer's tools: no library loaded, copied or watched, no supervisor,
//! no status line, inspector, timings or engine keys, no `.hotloop/`
//! folder, and the game's title alone on the window.
//!
//! When game code fails, the player sees one line saying so and where the
//! crash report is (the platform's data directory, `GAME/crashes/`): the
//! last few seconds of play, which `cargo dev --replay-crash FILE` plays
//! again on the developer's current code.
//!
//! A game that declares `persist: true` keeps its state between a player's
//! runs in the platform's data directory ([`save`]).
//!
//! Nothing on this path is Linux-only: the state is on the heap with whole
//! per-step copies, and no signal handling beyond Ctrl-C (the `ctrlc`
//! crate, portable) is involved.

pub mod save;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Parser;
use hotloop_abi::symbols::LinkedGame;

use crate::files::recording::RecordingReader;
use crate::frontend::headless::{self, Pace};
use crate::frontend::stdin_keys::StdinKeys;
use crate::frontend::window::{self, WindowOptions};
use crate::runtime::CrashReports;
use crate::state::CopyMode;
use crate::{Engine, EngineConfig};

/// What a player may pass (all optional); the rest is for developers and
/// CI checking that the shipped game plays as it did under `cargo dev`.
#[derive(Debug, Parser)]
struct PlayerCli {
    /// Window size as a multiple of the game's framebuffer.
    #[arg(long, default_value_t = 3)]
    scale: u32,
    /// Play no sound.
    #[arg(long)]
    mute: bool,
    /// Write what the mixer makes to this WAV file, in step time (tests).
    #[arg(long, hide = true, value_name = "FILE.wav")]
    audio_capture: Option<PathBuf>,
    /// Run without a window (tests).
    #[arg(long, hide = true)]
    headless: bool,
    /// Stop after this many update steps (tests).
    #[arg(long, hide = true)]
    frames: Option<u64>,
    /// With --headless: replay a recording made under `cargo dev` and print
    /// the summary, whose `state_checksum` matches the one `cargo dev` prints.
    #[arg(long, hide = true, requires = "headless")]
    replay: Option<PathBuf>,
}

/// The player's command line, the flags hidden from `--help` included: what
/// the book's reference page shows (`cargo run -p tools -- docs`).
pub fn command() -> clap::Command {
    <PlayerCli as clap::CommandFactory>::command()
}

/// Runs `game` as a player's executable: its `main`, as `cargo ship`
/// generates it, is `engine::player::main(&game::__HOTLOOP_GAME)`.
pub fn main(game: &LinkedGame) -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = PlayerCli::parse();
    match run(game, &cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{}: {error:#}", game.package);
            ExitCode::FAILURE
        }
    }
}

fn run(game: &LinkedGame, cli: &PlayerCli) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = stop.clone();
    ctrlc::set_handler(move || on_signal.store(true, Ordering::Relaxed))
        .context("installing the Ctrl-C handler")?;
    let mut config = EngineConfig::new(game.package);
    config.watch = false;
    config.watch_assets = false;
    config.step_copy = CopyMode::Whole;
    config.assets = beside_executable("assets");
    config.audio.device = !cli.headless && !cli.mute;
    config.audio.capture = cli.audio_capture.clone();
    let data = dirs::data_dir().map(|data| data.join(game.package));
    config.crash_reports = data.as_ref().map(|data| CrashReports {
        dir: data.join("crashes"),
        game: format!("{} {}", game.package, game.version),
    });
    // Nothing goes where the player runs it: whatever the engine would
    // save beside it (snapshots, recordings) goes to the game's folder.
    if let Some(data) = &data {
        config.snapshot_dir = data.join("snapshots");
        config.recording_dir = data.join("recordings");
    }
    // A player's run keeps the state between runs; runs for developers and
    // CI (`--headless`) start from `init` every time.
    let mut save = (game.persist && !cli.headless)
        .then(|| save::path_for(game.package))
        .flatten();
    let mut engine = Engine::linked(config, game).context("the game could not start")?;
    if let Some(path) = save.clone()
        && let save::Restored::KeptAside(aside, reason) = save::restore(&mut engine, &path)
    {
        eprintln!(
            "{}: the saved game could not be carried over ({reason}); it is kept at {} and a new game starts",
            game.package,
            aside.display()
        );
        if aside == path {
            // It could not be moved: never save over it.
            save = None;
        }
    }
    let summary = if let Some(path) = &cli.replay {
        let mut recording = RecordingReader::open_file(path).map_err(anyhow::Error::msg)?;
        headless::replay(&mut engine, &mut recording)?
    } else if cli.headless {
        headless::run(
            &mut engine,
            cli.frames,
            Pace::Unpaced,
            &stop,
            &StdinKeys::none(),
        )
    } else {
        let options = WindowOptions {
            scale: cli.scale,
            frames: cli.frames,
            geometry: None,
            player: true,
        };
        window::run(&mut engine, options, stop)?;
        if let Some(path) = &save {
            save::keep(&engine, path)
                .with_context(|| format!("could not save the game to {}", path.display()))?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    println!("{}", serde_json::to_string(&summary)?);
    Ok(ExitCode::SUCCESS)
}

/// `name` in the executable's directory, if it is there: a shipped game
/// finds its files relative to itself, never through the build machine's paths.
fn beside_executable(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(name)).filter(|path| path.exists())
}
