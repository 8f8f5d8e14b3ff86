//! A diagnostic, not what a user runs: the demo's direct build (the rustc
//! command `cargo dev` replays on a save) next to the same command
//! compiling a bare glam `cdylib` that exports two functions. The bare
//! crate is the floor a save could approach; the difference is what the
//! demo and `hotloop-abi`'s macros and generics cost each save.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use engine::source::dev::cancel::Cancel;
use engine::source::dev::direct::{Invocation, Outcome};
use engine::source::dev::fast_link::FastLink;

use crate::bench::Distribution;

/// The bare crate: glam, two exports, and a line to edit.
const BARE: &str = "//! The floor: a bare glam cdylib.
use glam::Vec2;

#[unsafe(no_mangle)]
pub extern \"C\" fn greet() -> u32 {
    7
}

#[unsafe(no_mangle)]
pub extern \"C\" fn update(state: *mut u8) {
    let speed = 1.0;
    let moved = Vec2::new(1.0, 2.0) * speed;
    if !state.is_null() && moved.length() > 100.0 {
        greet();
    }
}
";

/// Times `samples` one-line edits of each, alternating, after
/// `tools bench save-to-screen` has recorded the demo's command.
pub fn run(samples: usize) -> Result<()> {
    let copy = hotloop_tests::workspace().join("target/hotloop-bench-workspace");
    let recorded = copy.join("target/hotloop-dev/game_logic-debug.json");
    let demo = Invocation::load(&recorded).with_context(|| {
        format!(
            "no recorded command at {}: run `tools bench save-to-screen` first",
            recorded.display()
        )
    })?;
    let floor_dir = copy.join("target/hotloop-bench-floor");
    fs::create_dir_all(floor_dir.join("src"))?;
    let bare_source = floor_dir.join("src/lib.rs");
    fs::write(&bare_source, BARE)?;
    let bare = bare_of(&demo, &bare_source, &floor_dir.join("deps"))?;
    let mut fast_link = FastLink::find(&demo.rustc);
    let demo_source = copy.join("game-logic/src/systems.rs");
    let edits = [
        (
            demo_source.as_path(),
            ["state.ticks += 1;", "state.ticks += 2;"],
        ),
        (
            bare_source.as_path(),
            ["let speed = 1.0;", "let speed = 2.0;"],
        ),
    ];
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..samples + 2 {
        for (which, invocation) in [&demo, &bare].into_iter().enumerate() {
            let (file, versions) = edits[which];
            let text = fs::read_to_string(file)?;
            let [from, to] = if text.contains(versions[0]) {
                versions
            } else {
                [versions[1], versions[0]]
            };
            fs::write(file, text.replacen(from, to, 1))?;
            let started = Instant::now();
            match invocation.build(&mut fast_link, &Cancel::default()) {
                Outcome::Built(_) => {}
                Outcome::Failed(error) => bail!("{}", error.rendered),
                Outcome::Unusable(reason) => bail!("{reason}"),
                Outcome::Cancelled => bail!("the build was stopped"),
            }
            // The first two rounds fill the incremental caches.
            if round >= 2 {
                times[which].push(started.elapsed());
            }
        }
    }
    let linking = if fast_link.is_some() {
        "rust-lld"
    } else {
        "cc"
    };
    let [demo_times, bare_times] = times;
    Distribution::new(demo_times).report(&format!("demo, direct build ({linking})"));
    Distribution::new(bare_times).report(&format!("bare glam cdylib, same command ({linking})"));
    Ok(())
}

/// The demo's command, compiling `source` as crate `bare` into `out_dir`
/// with glam alone.
fn bare_of(demo: &Invocation, source: &Path, out_dir: &Path) -> Result<Invocation> {
    let mut args = Vec::with_capacity(demo.args.len());
    let mut recorded = demo.args.iter();
    while let Some(arg) = recorded.next() {
        match arg.as_str() {
            "--crate-name" => {
                recorded.next();
                args.extend(["--crate-name".to_owned(), "bare".to_owned()]);
            }
            "--out-dir" => {
                recorded.next();
                args.extend(["--out-dir".to_owned(), out_dir.display().to_string()]);
            }
            "--extern" => match recorded.next() {
                Some(name) if name.starts_with("glam=") => {
                    args.extend([arg.clone(), name.clone()]);
                }
                _ => {}
            },
            root if root.ends_with("src/lib.rs") && !root.starts_with('-') => {
                args.push(source.display().to_string());
            }
            _ => args.push(arg.clone()),
        }
    }
    if !args.iter().any(|arg| arg.starts_with("glam=")) {
        bail!("the demo's recorded command names no glam");
    }
    Ok(Invocation {
        args,
        cwd: PathBuf::from(&demo.cwd),
        ..demo.clone()
    })
}
