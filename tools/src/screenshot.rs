//! `tools screenshot`: runs the demo in a real window and saves what X shows.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::build::build_logic;

/// Saves a screenshot of the running demo to `output`. Without a display it
/// runs itself again under `xvfb-run`.
pub fn screenshot(output: &Path, delay: Duration) -> Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        let status = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1280x1024x24 -noreset"])
            .arg(std::env::current_exe()?)
            .arg("screenshot")
            .arg("--output")
            .arg(output)
            .status()
            .context("no DISPLAY, and xvfb-run could not be started (apt-get install xvfb)")?;
        if !status.success() {
            bail!("screenshot under xvfb-run failed");
        }
        return Ok(());
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
