//! `tools`: developer commands for hotloop (`cargo run -p tools -- --help`).
#![forbid(unsafe_code)]

mod bench;
mod build;
mod compile_floor;
mod docs;
mod pictures;
mod save_to_screen;
mod screenshot;
mod sounds;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Developer commands for hotloop.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build game-logic and print the path of the library it produced.
    BuildLogic {
        /// Build with the release profile.
        #[arg(long)]
        release: bool,
    },
    /// Run an end-to-end benchmark and print its distribution.
    Bench {
        /// Which measure.
        #[arg(value_enum)]
        which: BenchKind,
        /// How many samples (reloads, edits).
        #[arg(long, default_value_t = 100)]
        samples: usize,
        /// save-to-screen: the game to edit (game-logic, invaders, breakout).
        #[arg(long, default_value = "game-logic")]
        game: String,
        /// save-to-screen: time only the demo, debug and headless, and fail
        /// when its median is more than 20 % over the baseline the book
        /// states (docs/src/internals/performance.md).
        #[arg(long)]
        check: bool,
    },
    /// Build a game into a player's executable, in target/ship/GAME/ with its
    /// assets: the game linked in, release profile, no hot reload (`cargo ship`).
    Ship {
        /// The workspace package of the game.
        #[arg(long, default_value = "game-logic")]
        game: String,
        /// The cargo workspace to build from [default: this one].
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
        /// Build for another platform: a Rust target triple, such as
        /// x86_64-pc-windows-gnu (its standard library and linker
        /// installed), into target/ship/GAME-TRIPLE/.
        #[arg(long, value_name = "TRIPLE")]
        target: Option<String>,
    },
    /// Write the book's generated reference (command lines' help, the
    /// `game!` key table, the summary's fields) into docs/src/reference/.
    Docs {
        /// Write nothing; fail if a committed page differs from what the code says.
        #[arg(long)]
        check: bool,
    },
    /// Make every picture of the book (docs/src/images/) from the real window,
    /// under xvfb-run if there is no display: the demo, the live-edit GIF,
    /// the tutorial's inspector, build error and title screen, the example games.
    Pictures {
        /// The directory to write them to.
        #[arg(long, default_value = "docs/src/images")]
        output: PathBuf,
    },
    /// Make the games' sound effects and the demo's music (synthesised,
    /// this project's own) into assets/sounds/.
    Sounds {
        /// The directory to write them to.
        #[arg(long, default_value = "assets/sounds")]
        output: PathBuf,
    },
    /// Run the demo in a window and save a screenshot (under xvfb-run if there is no display).
    Screenshot {
        /// Where to save the PNG.
        #[arg(long, default_value = "screenshot.png")]
        output: PathBuf,
        /// Seconds to let the demo run first.
        #[arg(long, default_value_t = 3.0)]
        delay: f64,
    },
}

/// The end-to-end benchmarks.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum BenchKind {
    /// Preparing a library off the frame thread, and the switch left on it.
    Swap,
    /// From the library file being written to the first frame running it.
    FileToFrame,
    /// From a saved source edit to the first frame running it: the real
    /// `cargo dev` in a full copy of the workspace (debug and release
    /// headless, and in the window when there is a display).
    SaveToScreen,
    /// A diagnostic: the demo's direct rustc build next to the same command
    /// compiling a bare glam cdylib, the floor a save could approach (after
    /// save-to-screen, which records the command).
    CompileFloor,
    /// Frame time of frames that take a reload, against the others.
    Hitch,
    /// From a crash in game code to the first step on the restored state.
    Restart,
    /// From SIGTERM to exit while game code hangs.
    Stop,
    /// Engine steps of a 64 MiB state: the copy taken before each step,
    /// whole or only the pages written, alone and supervised.
    BigState,
    /// `cargo ship`: the player's executables' sizes, and their start to
    /// first step next to the dev engine's.
    Ship,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Sounds { output } => sounds::make(&output)?,
        Command::BuildLogic { release } => {
            let library = build::build_logic(release)?;
            println!("{}", library.display());
        }
        Command::Bench {
            which,
            samples,
            game,
            check,
        } => match which {
            BenchKind::Swap => bench::swap(samples)?,
            BenchKind::FileToFrame => bench::file_to_frame(samples)?,
            BenchKind::SaveToScreen if check => save_to_screen::check(samples)?,
            BenchKind::SaveToScreen => {
                save_to_screen::run(samples, &game, false, false)?;
                save_to_screen::run(samples, &game, true, false)?;
                if std::env::var_os("DISPLAY").is_some() {
                    save_to_screen::run(samples, &game, false, true)?;
                }
            }
            BenchKind::CompileFloor => compile_floor::run(samples)?,
            BenchKind::Hitch => bench::hitch(samples)?,
            BenchKind::Restart => bench::restart(samples)?,
            BenchKind::Stop => bench::stop(samples)?,
            BenchKind::BigState => bench::big_state(samples)?,
            BenchKind::Ship => bench::ship(samples)?,
        },
        Command::Ship {
            game,
            workspace,
            target,
        } => {
            let home = engine::source::dev::home_workspace();
            let workspace = workspace.unwrap_or_else(|| home.clone());
            let shipped =
                engine::source::ship::ship(&workspace, &game, &home, None, target.as_deref())
                    .map_err(anyhow::Error::msg)?;
            let size = std::fs::metadata(&shipped.executable)?.len();
            println!(
                "shipped {game} to {}/ ({:.1} MiB): run {}",
                shipped.dir.display(),
                size as f64 / (1 << 20) as f64,
                shipped.executable.display()
            );
        }
        Command::Docs { check } => {
            let workspace = engine::source::dev::home_workspace();
            if check {
                docs::check(&workspace)?;
                println!("the book's generated reference is up to date");
            } else {
                docs::write(&workspace)?;
            }
        }
        Command::Pictures { output } => pictures::pictures(&output)?,
        Command::Screenshot { output, delay } => {
            screenshot::screenshot(&output, Duration::from_secs_f64(delay))?;
        }
    }
    Ok(())
}
