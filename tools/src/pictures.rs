//! `tools pictures`: every picture in the book, made from the real window
//! under a virtual X display, so each shows what the code that ships draws.
//!
//! It runs `hotloop --dev` on a scratch copy of the demo (this workspace's
//! `engine/abi/`, `game-logic/` and `assets/`, its own target directory),
//! makes the tutorial's saves in the copy, as a reader would, and captures
//! the window with ImageMagick's `import`:
//!
//! - `demo.png`: the demo as `cargo dev` first shows it;
//! - `live-edit.gif`: the tutorial's first edit, live: the window before the
//!   save, the engine's log lines as it rebuilds, and the new background on
//!   the same particles (frames captured as fast as `import` allows, each
//!   shown for as long as it was on screen, with a caption strip below made
//!   from the edited line and the engine's last two log lines);
//! - `inspector.png`: the inspector (F2) after part 3's new field;
//! - `build-error.png`: part 4's compile error in the red banner;
//! - `title-screen.png`: part 8's title screen;
//! - `invaders.png`, `breakout.png`: the example games, each a few seconds
//!   in, the engine's status line lying over their top rows (Breakout's
//!   score shows through it).

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use hotloop_tests::XWindow;

use crate::screenshot::rerun_under_xvfb;

/// The window's scale: 640x480 for the demo.
const SCALE: &str = "2";
/// A GIF that grows past this fails the command, so the README stays light.
const GIF_LIMIT: u64 = 2 << 20;
/// The shortest time between two frames of the GIF.
const FRAME_TIME: Duration = Duration::from_millis(40);
/// Below the window in each GIF frame: the edited line and the engine's
/// last two log lines.
const CAPTION_HEIGHT: u32 = 62;

/// Makes every picture into `out` (the book's `docs/src/images/`).
pub fn pictures(out: &Path) -> Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        return rerun_under_xvfb(&["pictures".as_ref(), "--output".as_ref(), out.as_os_str()]);
    }
    for tool in ["import", "convert", "xwininfo", "xprop", "xdotool"] {
        ensure!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()?
                .success(),
            "`{tool}` is missing (apt-get install imagemagick x11-utils xdotool)"
        );
    }
    fs::create_dir_all(out)?;
    let work = hotloop_tests::target_dir().join("pictures");
    let _ = fs::remove_dir_all(work.join("frames"));
    let _ = fs::remove_dir_all(work.join("run"));
    fs::create_dir_all(work.join("frames"))?;
    fs::create_dir_all(work.join("run"))?;
    let copy = work.join("workspace");
    copy_demo(&copy)?;
    demo_pictures(&copy, &work, out)?;
    for game in ["invaders", "breakout"] {
        example_picture(game, &work, &out.join(format!("{game}.png")))?;
    }
    Ok(())
}

/// The demo's parts of this workspace, copied to `copy` with the package
/// name kept (`game-logic`), so the log reads as it does for a reader.
/// The target directory inside the copy is kept between runs.
fn copy_demo(copy: &Path) -> Result<()> {
    let home = hotloop_tests::workspace();
    for dir in ["game-logic/src", "engine/abi/src", "assets"] {
        let _ = fs::remove_dir_all(copy.join(dir));
        hotloop_tests::copy_dir(&home.join(dir), &copy.join(dir));
    }
    fs::copy(
        home.join("engine/abi/Cargo.toml"),
        copy.join("engine/abi/Cargo.toml"),
    )?;
    // The copy is built, not tested: its dev-dependencies and tests are not copied.
    let game = fs::read_to_string(home.join("game-logic/Cargo.toml"))?;
    let mut keep = true;
    let mut manifest = String::new();
    for line in game.lines() {
        if line.starts_with('[') {
            keep = !matches!(line.trim(), "[dev-dependencies]" | "[[test]]");
        }
        if keep {
            let _ = writeln!(manifest, "{line}");
        }
    }
    fs::write(copy.join("game-logic/Cargo.toml"), manifest)?;
    let root = fs::read_to_string(home.join("Cargo.toml"))?;
    let root: Vec<String> = root
        .lines()
        .filter(|line| !line.starts_with("default-members"))
        .map(|line| match line {
            l if l.starts_with("members") => {
                "members = [\"engine/abi\", \"game-logic\"]".to_owned()
            }
            l => l.to_owned(),
        })
        .collect();
    fs::write(copy.join("Cargo.toml"), root.join("\n") + "\n")?;
    fs::copy(home.join("Cargo.lock"), copy.join("Cargo.lock"))?;
    Ok(())
}

/// A running `hotloop` and what it has logged, each line with its time.
struct Engine {
    child: Child,
    log: Arc<Mutex<Vec<(Instant, String)>>>,
    window: XWindow,
}

impl Engine {
    /// Starts `hotloop` with `args` in `dir` and waits (up to `wait`, for
    /// the first build) for its window.
    fn start(args: &[&str], dir: &Path, wait: Duration) -> Result<Self> {
        let engine = hotloop_tests::engine_binary();
        let mut child = Command::new(&engine)
            .args(args)
            .args(["--scale", SCALE])
            .current_dir(dir)
            .env("RUST_LOG_STYLE", "never")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", engine.display()))?;
        let stderr = child.stderr.take().expect("piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // `[time LEVEL target] message`: the message, as a reader reads it.
                let message = match line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
                    Some((_, message)) => message.to_owned(),
                    None => line,
                };
                lines.lock().expect("log").push((Instant::now(), message));
            }
        });
        let window = XWindow::of_process(child.id(), wait);
        let Some(window) = window else {
            let _ = child.kill();
            let log = log.lock().expect("log");
            let tail: Vec<&str> = log.iter().rev().take(20).map(|(_, l)| l.as_str()).collect();
            bail!("no hotloop window within {wait:?}; its log ends:\n{tail:#?}");
        };
        Ok(Self { child, log, window })
    }

    /// The newest `count` log lines that `pick` takes, logged at or before
    /// `at`, oldest first.
    fn log_lines(&self, at: Instant, count: usize, pick: impl Fn(&str) -> bool) -> Vec<String> {
        let log = self.log.lock().expect("log");
        let mut lines: Vec<String> = log
            .iter()
            .rev()
            .filter(|(time, line)| *time <= at && pick(line))
            .take(count)
            .map(|(_, line)| line.clone())
            .collect();
        lines.reverse();
        lines
    }

    /// Waits up to `limit` for `done`, failing with `what`.
    fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&Self) -> bool) -> Result<()> {
        let deadline = Instant::now() + limit;
        while !done(self) {
            if Instant::now() > deadline {
                let log = self.log.lock().expect("log");
                let tail: Vec<&str> = log.iter().rev().take(20).map(|(_, l)| l.as_str()).collect();
                bail!("timed out waiting for {what}; the log ends:\n{tail:#?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    fn generation(&self) -> u64 {
        self.window
            .title()
            .rsplit(" generation ")
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    fn wait_for_generation(&self, generation: u64) -> Result<()> {
        self.wait_for(
            &format!("generation {generation}"),
            Duration::from_secs(120),
            |engine| engine.generation() == generation,
        )
    }

    fn logged(&self, text: &str) -> bool {
        !self
            .log_lines(Instant::now(), 1, |line| line.contains(text))
            .is_empty()
    }

    /// Saves what X shows in the window to `path` (any format `import` writes).
    fn capture(&self, path: &Path) -> Result<()> {
        let status = Command::new("import")
            .args(["-window", &self.window.id.to_string()])
            .arg(path)
            .status()
            .context("could not run import (apt-get install imagemagick)")?;
        ensure!(status.success(), "import could not capture the window");
        Ok(())
    }

    /// Gives the window the keyboard, as a click would.
    fn focus(&self) -> Result<()> {
        let id = self.window.id.to_string();
        xdotool(&["mousemove", "--window", &id, "50", "50", "click", "1"])?;
        xdotool(&["windowfocus", "--sync", &id])
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn xdotool(args: &[&str]) -> Result<()> {
    let status = Command::new("xdotool")
        .args(args)
        .status()
        .context("could not run xdotool (apt-get install xdotool)")?;
    ensure!(status.success(), "xdotool {} failed", args.join(" "));
    Ok(())
}

/// One captured frame of the GIF.
struct Frame {
    at: Instant,
    file: PathBuf,
    edit: String,
    log: Vec<String>,
}

/// Saves a tutorial step's file over the copy's, as the reader does.
fn save(copy: &Path, step_file: &str, game_file: &str) -> Result<()> {
    let step = hotloop_tests::workspace()
        .join("docs/tutorial")
        .join(step_file);
    let text = fs::read_to_string(&step).with_context(|| format!("reading {}", step.display()))?;
    fs::write(copy.join(game_file), text)?;
    Ok(())
}

/// The demo's pictures: a session on the copy, through the tutorial's saves.
fn demo_pictures(copy: &Path, work: &Path, out: &Path) -> Result<()> {
    let workspace = copy.to_str().context("a path that is not UTF-8")?;
    let assets = copy.join("assets");
    let assets = assets.to_str().context("a path that is not UTF-8")?;
    println!("building and starting the demo (the first build of the copy takes a minute)…");
    let engine = Engine::start(
        &["--dev", "--workspace", workspace, "--assets", assets],
        &work.join("run"),
        Duration::from_secs(600),
    )?;
    engine.wait_for_generation(1)?;
    std::thread::sleep(Duration::from_millis(1500));
    engine.capture(&out.join("demo.png"))?;
    println!("saved demo.png");

    // The GIF: the first edit of the tutorial, live.
    let draw = copy.join("game-logic/src/draw.rs");
    let line_of = |text: &str| {
        text.lines()
            .find(|line| line.starts_with("pub const BACKGROUND"))
            .map(str::to_owned)
            .context("no `pub const BACKGROUND` in draw.rs")
    };
    let before = line_of(&fs::read_to_string(&draw)?)?;
    let after = line_of(&fs::read_to_string(
        hotloop_tests::workspace().join("docs/tutorial/step-2/src/draw.rs"),
    )?)?;
    let frames_dir = work.join("frames");
    let mut frames: Vec<Frame> = Vec::new();
    let mut saved_at = None;
    let mut shown_at = None;
    let started = Instant::now();
    let pick = |line: &str| !line.starts_with("  ") && !line.is_empty();
    loop {
        let now = Instant::now();
        if saved_at.is_none() && now - started > Duration::from_millis(1200) {
            save(copy, "step-2/src/draw.rs", "game-logic/src/draw.rs")?;
            saved_at = Some(Instant::now());
        }
        if shown_at.is_none() && saved_at.is_some() && engine.generation() == 2 {
            shown_at = Some(Instant::now());
        }
        if shown_at.is_some_and(|at| now - at > Duration::from_millis(1800)) {
            break;
        }
        ensure!(
            now - started < Duration::from_secs(60),
            "the edit did not show within a minute"
        );
        // At most 25 frames a second: smooth enough, and the GIF stays small.
        if let Some(last) = frames.last() {
            std::thread::sleep(FRAME_TIME.saturating_sub(last.at.elapsed()));
        }
        let file = frames_dir.join(format!("{:04}.ppm", frames.len()));
        let at = Instant::now();
        engine.capture(&file)?;
        let edit = match saved_at {
            Some(_) => format!("saved game-logic/src/draw.rs:  {after}"),
            None => format!("game-logic/src/draw.rs:  {before}"),
        };
        let log = engine.log_lines(at, 2, pick);
        frames.push(Frame {
            at,
            file,
            edit,
            log,
        });
    }
    let gif = out.join("live-edit.gif");
    assemble_gif(&frames, &gif)?;
    let size = fs::metadata(&gif)?.len();
    println!(
        "saved live-edit.gif: {} frames over {:.1} s, {:.0} KiB",
        frames.len(),
        (frames.last().expect("frames").at - frames[0].at).as_secs_f64(),
        size as f64 / 1024.0
    );
    ensure!(
        size < GIF_LIMIT,
        "live-edit.gif is {size} bytes, over the limit of {GIF_LIMIT}"
    );

    // The rest of part 2: a speed.
    save(copy, "step-2b/src/systems.rs", "game-logic/src/systems.rs")?;
    engine.wait_for_generation(3)?;

    // Part 3: a new field and system; the inspector shows it.
    save(copy, "step-3/src/lib.rs", "game-logic/src/lib.rs")?;
    engine.wait_for_generation(4)?;
    engine.focus()?;
    xdotool(&["key", "F2"])?;
    std::thread::sleep(Duration::from_millis(2500));
    engine.capture(&out.join("inspector.png"))?;
    xdotool(&["key", "F2"])?;
    println!("saved inspector.png");
    save(copy, "step-3b/src/lib.rs", "game-logic/src/lib.rs")?;
    engine.wait_for_generation(5)?;

    // Part 4: a typo; the banner says what the compiler said.
    save(copy, "step-4/typo/src/draw.rs", "game-logic/src/draw.rs")?;
    engine.wait_for("the compile error", Duration::from_secs(60), |engine| {
        engine.logged("error[E0425]")
    })?;
    std::thread::sleep(Duration::from_millis(800));
    engine.capture(&out.join("build-error.png"))?;
    println!("saved build-error.png");
    save(copy, "step-2/src/draw.rs", "game-logic/src/draw.rs")?;
    engine.wait_for_generation(6)?;

    // Part 8: three files; the running game shows its title screen.
    for file in ["lib.rs", "systems.rs", "draw.rs"] {
        save(
            copy,
            &format!("step-8/src/{file}"),
            &format!("game-logic/src/{file}"),
        )?;
    }
    engine.wait_for_generation(7)?;
    std::thread::sleep(Duration::from_millis(1500));
    engine.capture(&out.join("title-screen.png"))?;
    println!("saved title-screen.png");
    engine.stop();
    Ok(())
}

/// The caption font: DejaVu Sans Mono when it is installed, else ImageMagick's default.
fn font() -> Option<&'static str> {
    let path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
    Path::new(path).exists().then_some(path)
}

/// `text` as `-annotate` takes it literally (it expands `%` escapes).
fn literal(text: &str) -> String {
    let text = text.replace('%', "%%");
    match text.chars().count() {
        n if n > 86 => text.chars().take(85).collect::<String>() + "…",
        _ => text,
    }
}

/// Puts each frame's caption under it and joins the frames into a looping
/// GIF, each frame shown for as long as it was on screen.
fn assemble_gif(frames: &[Frame], gif: &Path) -> Result<()> {
    ensure!(frames.len() > 2, "too few frames");
    let mut captioned = Vec::new();
    for frame in frames {
        let png = frame.file.with_extension("png");
        let mut command = Command::new("convert");
        command.arg(&frame.file).arg("(");
        let width = image_width(&frame.file)?;
        command
            .args(["-size", &format!("{width}x{CAPTION_HEIGHT}"), "xc:#101018"])
            .args(font().map(|font| ["-font", font]).into_iter().flatten())
            .args(["-pointsize", "12", "-fill", "#9a9ab0"])
            .args(["-annotate", "+8+17", &literal(&frame.edit)])
            .args(["-fill", "#ffd070"]);
        for (line, text) in frame.log.iter().enumerate() {
            command.args([
                "-annotate",
                &format!("+8+{}", 36 + 18 * line),
                &literal(text),
            ]);
        }
        command
            .args([")", "-append", "+repage", "-depth", "8"])
            .arg(&png);
        let status = command.status().context("could not run convert")?;
        ensure!(status.success(), "convert could not caption a frame");
        captioned.push(png);
    }
    let mut command = Command::new("convert");
    command.args(["-loop", "0"]);
    for (i, png) in captioned.iter().enumerate() {
        // Hundredths of a second, as long as the frame was on screen; the
        // last one holds the result for two seconds before the loop restarts.
        let delay = match frames.get(i + 1) {
            Some(next) => ((next.at - frames[i].at).as_millis() / 10).max(2),
            None => 200,
        };
        command.args(["-delay", &delay.to_string()]).arg(png);
    }
    command.args(["+dither", "-layers", "Optimize"]).arg(gif);
    let status = command.status().context("could not run convert")?;
    ensure!(status.success(), "convert could not make the GIF");
    Ok(())
}

fn image_width(file: &Path) -> Result<u32> {
    let out = Command::new("identify")
        .args(["-format", "%w"])
        .arg(file)
        .output()
        .context("could not run identify (imagemagick)")?;
    ensure!(
        out.status.success(),
        "identify failed on {}",
        file.display()
    );
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

/// An example game a few seconds in, after Space (which starts both), with
/// the engine's status line over its top rows.
fn example_picture(game: &str, work: &Path, out: &Path) -> Result<()> {
    let library = crate::build::build_game(game, false)?;
    let library = library.to_str().context("a path that is not UTF-8")?;
    let engine = Engine::start(
        &["--lib", library, "--no-watch"],
        &work.join("run"),
        Duration::from_secs(60),
    )?;
    // A window that has just appeared may not take the keyboard yet.
    std::thread::sleep(Duration::from_millis(3000));
    engine.focus()?;
    xdotool(&["key", "space"])?;
    std::thread::sleep(Duration::from_millis(2500));
    engine.capture(out)?;
    engine.stop();
    println!("saved {}", out.display());
    Ok(())
}
