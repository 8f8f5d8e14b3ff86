//! `tools`: developer commands for hotloop (`cargo run -p tools -- --help`).
#![forbid(unsafe_code)]

mod build;

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
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::BuildLogic { release } => {
            let library = build::build_logic(release)?;
            println!("{}", library.display());
        }
    }
    Ok(())
}
