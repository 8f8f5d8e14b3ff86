//! Building game-logic with cargo and finding the library it produced,
//! through the engine's one way of talking to cargo ([`engine::source::dev::cargo`]).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use engine::source::dev::cargo::{self, BuildReport, Stderr};
use engine::source::dev::home_workspace;

/// Builds game-logic and returns the path of its cdylib, as cargo reports it.
/// Compiler diagnostics go to stderr, rendered as usual.
pub fn build_logic(release: bool) -> Result<PathBuf> {
    build_game("game-logic", release)
}

/// Builds the game package `package` of this workspace and returns the path
/// of its cdylib, as cargo reports it.
pub fn build_game(package: &str, release: bool) -> Result<PathBuf> {
    let mut command = cargo::command();
    command
        .args([
            "build",
            "-p",
            package,
            "--lib",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(home_workspace().join("Cargo.toml"));
    if release {
        command.arg("--release");
    }
    let output = cargo::run(&mut command, Stderr::Echo).context("could not run cargo")?;
    if !output.status.success() {
        bail!("building {package} failed (see the compiler's errors above)");
    }
    BuildReport::read(output.messages(), &package.replace('-', "_"))
        .library
        .with_context(|| format!("cargo built {package} but reported no cdylib"))
}
