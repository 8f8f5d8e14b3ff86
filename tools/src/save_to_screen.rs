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
/// A regression is a median more than this much over the baseline.
const REGRESSION: f64 = 1.2;
/// The page whose baseline sentence `--check` compares with.
const BASELINE_PAGE: &str = "docs/src/internals/performance.md";
/// The words before the baseline figure on that page.
const BASELINE_WORDS: &str = "regression baseline: debug demo median";

/// A game the benchmark can edit: its package, and a line of it that has
/// two versions, both of which build.
struct Edited {
    package: &'static str,
    file: &'static str,
    versions: [&'static str; 2],
}

const GAMES: [Edited; 3] = [
    Edited {
        package: "game-logic",
        file: "game-logic/src/systems.rs",
        versions: ["state.ticks += 1;", "state.ticks += 2;"],
    },
    Edited {
        package: "invaders",
        file: "examples/invaders/src/combat.rs",
        versions: [
            "const BULLET_SPEED: i32 = 4;",
            "const BULLET_SPEED: i32 = 5;",
        ],
    },
    Edited {
        package: "breakout",
        file: "examples/breakout/src/arena.rs",
        versions: [
            "pub const WALL_THICKNESS: f32 = 4.0;",
            "pub const WALL_THICKNESS: f32 = 5.0;",
        ],
    },
];

/// Where one save's time went, read from the times `cargo dev`'s log lines
/// arrived: waiting for the editor's write to settle, the build (compiler
/// and preparing the library), and the wait for the next frame.
struct Phases {
    settle: Duration,
    build: Duration,
    frame: Duration,
}

/// Runs `cargo dev --game GAME` (`--release`, `--headless --realtime`
/// unless `window`) in the workspace copy and times `samples` saves.
/// Returns the save → new code's frame times.
pub fn run(samples: usize, game: &str, release: bool, window: bool) -> Result<Distribution> {
    let Some(edited) = GAMES.iter().find(|edited| edited.package == game) else {
        let known: Vec<_> = GAMES.iter().map(|edited| edited.package).collect();
        bail!("no edit is known for {game:?}: one of {known:?}");
    };
    let copy = full_copy()?;
    let mut args = vec!["dev", "--game", game];
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
    let mut phases = Vec::with_capacity(samples);
    for save in 0..WARM_UP + samples {
        // Vary the save's phase against the 60 Hz frame clock, as a person's
        // saves would; a fixed pause would always land on the same phase.
        std::thread::sleep(BETWEEN_SAVES + Duration::from_millis((save as u64 * 7) % 17));
        let [from, to] = if save % 2 == 0 {
            edited.versions
        } else {
            [edited.versions[1], edited.versions[0]]
        };
        edit(&copy.join(edited.file), from, to)?;
        let saved = Instant::now();
        generation += 1;
        let building = dev.wait_for("changed: building", Duration::from_secs(60))?;
        let built = dev.wait_for("built in", Duration::from_secs(60))?;
        let running = dev.wait_for(
            &format!("generation {generation} at step"),
            Duration::from_secs(60),
        )?;
        if save >= WARM_UP {
            latencies.push(running - saved);
            phases.push(Phases {
                settle: building - saved,
                build: built - building,
                frame: running - built,
            });
        }
    }
    dev.stop();
    let profile = if release { "release" } else { "debug" };
    let mode = if window { "window" } else { "headless" };
    let total = Distribution::new(latencies);
    total.report(&format!(
        "save -> new code's frame ({game}, {profile}, {mode})"
    ));
    Distribution::new(phases.iter().map(|p| p.settle)).report("  of which: until the build starts");
    Distribution::new(phases.iter().map(|p| p.build))
        .report("  the build and preparing its library");
    Distribution::new(phases.iter().map(|p| p.frame)).report("  the wait for the next frame");
    Ok(total)
}

/// `--check`: the demo's debug median against the baseline the book
/// states; an error when it is more than 20 % slower.
pub fn check(samples: usize) -> Result<()> {
    let page = hotloop_tests::workspace().join(BASELINE_PAGE);
    let text = fs::read_to_string(&page).with_context(|| format!("reading {}", page.display()))?;
    let baseline = baseline_in(&text)
        .with_context(|| format!("{} states no \"{BASELINE_WORDS} N ms\"", page.display()))?;
    let median = run(samples, "game-logic", false, false)?.median();
    let limit = baseline * REGRESSION;
    println!(
        "baseline {baseline:.1} ms (from {BASELINE_PAGE}); limit {limit:.1} ms; now {median:.1} ms"
    );
    if median > limit {
        bail!(
            "save -> new code regressed: median {median:.1} ms is over {limit:.1} ms \
             ({baseline:.1} ms in {BASELINE_PAGE}, + 20 %)"
        );
    }
    Ok(())
}

/// The figure after [`BASELINE_WORDS`] in `text`, in milliseconds.
fn baseline_in(text: &str) -> Option<f64> {
    let after = &text[text.find(BASELINE_WORDS)? + BASELINE_WORDS.len()..];
    let figure = after.split_whitespace().next()?;
    figure.parse().ok()
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

    /// Waits for a line containing `what`; returns when it arrived.
    fn wait_for(&mut self, what: &str, limit: Duration) -> Result<Instant> {
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
                return Ok(Instant::now());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_read_from_the_books_sentence() {
        let page = fs::read_to_string(hotloop_tests::workspace().join(BASELINE_PAGE)).unwrap();
        let baseline = baseline_in(&page).expect("the performance chapter states the baseline");
        assert!(baseline > 10.0 && baseline < 1000.0, "{baseline}");
        assert_eq!(
            baseline_in("x regression baseline: debug demo median 97.5 ms"),
            Some(97.5)
        );
        assert_eq!(baseline_in("no figure here"), None);
    }
}
