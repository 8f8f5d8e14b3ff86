//! The generated parts that are `--help` texts: clap's own, for `hotloop`,
//! `cargo ship`, the shipped game and `tools`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use clap::CommandFactory;

use super::text_block;
use crate::Cli;

/// `hotloop --help`, as the engine binary prints it (`cargo dev --help`
/// prints the same: `cargo dev` is `cargo run -p engine -- --dev`).
pub(super) fn hotloop_help(_: &Path) -> Result<String> {
    let engine = hotloop_tests::engine_binary();
    let output = Command::new(&engine)
        .arg("--help")
        .env_remove("RUST_LOG")
        .output()
        .with_context(|| format!("running {} --help", engine.display()))?;
    ensure!(output.status.success(), "hotloop --help failed");
    Ok(text_block(&String::from_utf8(output.stdout)?))
}

/// What clap prints for `args` (which end in `--help`) of `command`.
fn help_of(command: clap::Command, args: &[&str]) -> Result<String> {
    match command.try_get_matches_from(args) {
        Err(error) if error.kind() == clap::error::ErrorKind::DisplayHelp => {
            Ok(error.render().to_string())
        }
        _ => bail!("`{}` printed no help", args.join(" ")),
    }
}

/// `cargo ship --help`: `cargo ship` is `cargo run -q -p tools -- ship`.
pub(super) fn ship_help(_: &Path) -> Result<String> {
    Ok(text_block(&help_of(
        Cli::command(),
        &["tools", "ship", "--help"],
    )?))
}

/// The shipped game's `--help`, then the flags it hides from players.
pub(super) fn player_help(_: &Path) -> Result<String> {
    let command = engine::player::command().bin_name("GAME");
    let mut text = text_block(&help_of(command.clone(), &["GAME", "--help"])?);
    text.push_str(
        "\nHidden from `--help`, for developers and CI checking that the shipped game \
         plays as it did under `cargo dev`:\n\n| flag | what |\n|---|---|\n",
    );
    for arg in command.get_arguments().filter(|arg| arg.is_hide_set()) {
        let long = arg
            .get_long()
            .context("a hidden flag without a long name")?;
        let value = if arg.get_action().takes_values() {
            let name = arg
                .get_value_names()
                .and_then(|names| names.first())
                .map_or_else(|| arg.get_id().as_str().to_uppercase(), |n| n.to_string());
            format!(" <{name}>")
        } else {
            String::new()
        };
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|help| help.to_string().replace('\n', " "))
            .unwrap_or_default();
        let _ = writeln!(text, "| `--{long}{value}` | {help} |");
    }
    Ok(text)
}

/// `tools --help`, then each of its commands' `--help`.
pub(super) fn tools_help(_: &Path) -> Result<String> {
    let command = Cli::command();
    let mut text = text_block(&help_of(command.clone(), &["tools", "--help"])?);
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        // `ship` has its own section above, as `cargo ship --help`.
        if name == "help" || name == "ship" {
            continue;
        }
        let _ = write!(
            text,
            "\n`cargo run -p tools -- {name} --help`:\n\n{}",
            text_block(&help_of(command.clone(), &["tools", name, "--help"])?)
        );
    }
    Ok(text)
}
