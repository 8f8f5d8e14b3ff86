//! Building game-logic with cargo and finding the library it produced.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The workspace root (tools/ lives directly inside it).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds game-logic and returns the path of its cdylib, as cargo reports it.
/// Compiler diagnostics go to stderr, rendered as usual.
pub fn build_logic(release: bool) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "-p",
            "game-logic",
            "--lib",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(workspace().join("Cargo.toml"))
        .stdout(Stdio::piped());
    if release {
        command.arg("--release");
    }
    let mut child = command.spawn().context("could not run cargo")?;
    let stdout = child.stdout.take().context("cargo's stdout")?;
    let mut library = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading cargo's output")?;
        if let Some(path) = cdylib_artifact(&line) {
            library = Some(path);
        }
    }
    if !child.wait().context("waiting for cargo")?.success() {
        bail!("building game-logic failed (see the compiler's errors above)");
    }
    library.context("cargo built game-logic but reported no cdylib")
}

/// The cdylib path in one line of cargo's JSON messages, if it names one.
fn cdylib_artifact(line: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" || message["target"]["name"] != "game_logic" {
        return None;
    }
    let is_cdylib = message["target"]["crate_types"]
        .as_array()?
        .iter()
        .any(|t| t == "cdylib");
    if !is_cdylib {
        return None;
    }
    message["filenames"]
        .as_array()?
        .iter()
        .filter_map(|f| f.as_str())
        .find(|f| f.ends_with(std::env::consts::DLL_SUFFIX))
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cdylib_in_cargo_json() {
        let line = r#"{"reason":"compiler-artifact","target":{"name":"game_logic","crate_types":["cdylib","rlib"]},"filenames":["/t/debug/libgame_logic.so","/t/debug/libgame_logic.rlib"]}"#;
        let expected = format!("/t/debug/libgame_logic{}", std::env::consts::DLL_SUFFIX);
        if std::env::consts::DLL_SUFFIX == ".so" {
            assert_eq!(cdylib_artifact(line), Some(PathBuf::from(expected)));
        }
        assert_eq!(
            cdylib_artifact(r#"{"reason":"build-finished","success":true}"#),
            None
        );
        assert_eq!(cdylib_artifact("not json"), None);
    }
}
