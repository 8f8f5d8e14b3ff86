//! Save → first frame of new code, measured on the real `cargo dev`: the
//! command a user runs, in a full copy of this workspace (every member, the
//! same `Cargo.lock`, its own target directory), so the user's own sources
//! are never edited.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::Distribution;

/// Saves before measuring: the first may still go through cargo.
const WARM_UP: usize = 3;
/// Quiet time between two saves, as between a person's saves.
const BETWEEN_SAVES: Duration = Duration::from_millis(400);
/// The edited line, in `game-logic/src/systems.rs`.
const EDITED: &str = "game-logic/src/systems.rs";

/// Runs `cargo dev` (`--release`, `--headless --realtime` unless `window`)
/// in the workspace copy and times `samples` saves.
pub fn run(samples: usize, release: bool, window: bool) -> Result<()> {
    let copy = full_copy()?;
    let mut args = vec!["dev"];
    if release {
        args.push("--release");
    }
    if !window {
        args.extend(["--headless", "--realtime"]);
    }
    println!("cargo {} (in {})", args.join(" "), copy.display());
    let mut dev = Dev::start(&copy, &args)?;
    // The first build of a fresh copy compiles everything: be patient.
    dev.wait_for("dev loop: rebuilding", Duration::from_secs(1800))?;
    let mut generation = 1;
    let mut latencies = Vec::with_capacity(samples);
    for save in 0..WARM_UP + samples {
        // Vary the save's phase against the 60 Hz frame clock, as a person's
        // saves would; a fixed pause would always land on the same phase.
        std::thread::sleep(BETWEEN_SAVES + Duration::from_millis((save as u64 * 7) % 17));
        let (from, to) = if save % 2 == 0 { (1, 2) } else { (2, 1) };
        edit(
            &copy.join(EDITED),
            &format!("state.ticks += {from};"),
            &format!("state.ticks += {to};"),
        )?;
        let saved = Instant::now();
        generation += 1;
        dev.wait_for(
            &format!("generation {generation} at step"),
            Duration::from_secs(60),
        )?;
        if save >= WARM_UP {
            latencies.push(saved.elapsed());
        }
    }
    dev.stop();
    let profile = if release { "release" } else { "debug" };
    let mode = if window { "window" } else { "headless" };
    Distribution::new(latencies).report(&format!("save -> new code's frame ({profile}, {mode})"));
    Ok(())
}

/// The workspace copy: every file git tracks, rewritten only where it
/// differs (so cargo finds its last build of the copy up to date), and no
/// other file outside its own `target/` (a module moved to `name/mod.rs`
/// must not leave its old `name.rs` behind).
fn full_copy() -> Result<PathBuf> {
    let workspace = hotloop_tests::workspace();
    let copy = workspace.join("target/hotloop-bench-workspace");
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&workspace)
        .output()
        .context("listing the workspace's files with git")?;
    if !listed.status.success() {
        bail!("git ls-files failed in {}", workspace.display());
    }
    let mut tracked = std::collections::HashSet::new();
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = Path::new(std::str::from_utf8(name).context("a file name")?);
        tracked.insert(copy.join(name));
        let (from, to) = (workspace.join(name), copy.join(name));
        let Ok(bytes) = fs::read(&from) else {
            continue; // deleted in the working tree
        };
        if fs::read(&to).ok().as_deref() != Some(bytes.as_slice()) {
            fs::create_dir_all(to.parent().context("a parent")?)?;
            fs::write(&to, bytes)?;
        }
    }
    remove_untracked(&copy, &copy.join("target"), &tracked)?;
    Ok(copy)
}

/// Removes every file under `dir` that is not in `tracked`, but nothing
/// under `keep` (the copy's build).
fn remove_untracked(
    dir: &Path,
    keep: &Path,
    tracked: &std::collections::HashSet<PathBuf>,
) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path == keep {
            continue;
        }
        if path.is_dir() {
            remove_untracked(&path, keep, tracked)?;
        } else if !tracked.contains(&path) {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}

fn edit(path: &Path, from: &str, to: &str) -> Result<()> {
    hotloop_tests::try_edit_file(path, &[(from, to)]).map_err(anyhow::Error::msg)
}

/// The running `cargo dev`, its stderr read line by line.
struct Dev {
    child: Child,
    lines: Receiver<String>,
}

impl Dev {
    fn start(dir: &Path, args: &[&str]) -> Result<Self> {
        let mut child = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(args)
            .current_dir(dir)
            .env_remove("CARGO_TARGET_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("running cargo dev")?;
        let stderr = child.stderr.take().context("stderr")?;
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Self { child, lines })
    }

    fn wait_for(&mut self, what: &str, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .with_context(|| format!("cargo dev never said {what:?}"))?;
            if line.contains("build failed") || line.contains("error:") {
                eprintln!("{line}");
            }
            if line.contains(what) {
                return Ok(());
            }
        }
    }

    fn stop(mut self) {
        // `cargo run` has become the engine (it execs): SIGTERM ends the session.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
