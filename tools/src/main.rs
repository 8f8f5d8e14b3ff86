//! `tools`: developer commands for hotloop (`cargo run -p tools -- --help`).
#![forbid(unsafe_code)]

mod build;
mod screenshot;

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
    /// Run the demo in a window and save a screenshot (under xvfb-run if there is no display).
    Screenshot {
        /// Where to save the PNG.
        #[arg(long, default_value = "docs/screenshot.png")]
        output: PathBuf,
        /// Seconds to let the demo run first.
        #[arg(long, default_value_t = 3.0)]
        delay: f64,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::BuildLogic { release } => {
            let library = build::build_logic(release)?;
            println!("{}", library.display());
        }
        Command::Screenshot { output, delay } => {
            screenshot::screenshot(&output, Duration::from_secs_f64(delay))?;
        }
    }
    Ok(())
}
