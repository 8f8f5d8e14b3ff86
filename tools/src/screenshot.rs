//! `tools screenshot`: runs the demo in a real window and saves what X shows.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::build::build_logic;

/// Saves a screenshot of the running demo to `output`. Without a display it
/// runs itself again under `xvfb-run`.
pub fn screenshot(output: &Path, delay: Duration) -> Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        return rerun_under_xvfb(&[
            "screenshot".as_ref(),
            "--output".as_ref(),
            output.as_os_str(),
        ]);
    }
    let library = build_logic(false)?;
    let engine = hotloop_tests::engine_binary();
    let mut child = Command::new(&engine)
        .arg("--lib")
        .arg(&library)
        .arg("--no-watch")
        .spawn()
        .with_context(|| format!("could not start {}", engine.display()))?;
    std::thread::sleep(delay);
    let captured = Command::new("import")
        .args(["-window", "game-logic - hotloop generation 1"])
        .arg(output)
        .status();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    if !captured
        .context("could not run import (apt-get install imagemagick)")?
        .success()
    {
        bail!("import could not capture the hotloop window");
    }
    println!("saved {}", output.display());
    Ok(())
}

/// Runs this tools executable again with `args` under `xvfb-run`, a virtual
/// X display (for when there is no `DISPLAY`), with a private
/// `XDG_RUNTIME_DIR` if none is set.
pub fn rerun_under_xvfb(args: &[&OsStr]) -> Result<()> {
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", "-screen 0 1280x1024x24 -noreset"])
        .arg(std::env::current_exe()?)
        .args(args);
    let runtime = tempfile::Builder::new().prefix("hotloop-xdg-").tempdir()?;
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // `tempdir` makes it with mode 0700, as XDG_RUNTIME_DIR must be.
        command.env("XDG_RUNTIME_DIR", runtime.path());
    }
    let status = command
        .status()
        .context("no DISPLAY, and xvfb-run could not be started (apt-get install xvfb)")?;
    if !status.success() {
        bail!("`{}` under xvfb-run failed", args[0].to_string_lossy());
    }
    Ok(())
}
