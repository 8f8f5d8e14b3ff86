//! The book's tutorial (`docs/src/tutorial/`), checked: the reader's saves,
//! made in the text's order on a copy of the workspace under the real dev
//! loop, show what the text says the reader sees (the status line as a
//! 320-pixel window shows it, the banner's and the note's words, the
//! picture), and every code block the book quotes from a file is still in
//! that file.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use engine::frontend::overlay::{Status, status_line};
use engine::source::dev::{DevLoop, build};
use engine::{Engine, EngineConfig, SwapKind};
use hotloop_abi::{Input, Key};
use hotloop_tests::{ScratchWorkspace, copy_assets, ticks, workspace};

fn step(path: &str) -> PathBuf {
    workspace().join("docs/tutorial").join(path)
}

/// A tutorial chapter's text with every run of whitespace made one space,
/// so a quoted message may break across lines as prose does.
fn chapter(name: &str) -> String {
    let text = fs::read_to_string(workspace().join("docs/src/tutorial").join(name)).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Fails unless the chapter `name` quotes `message` (as `chapter` reads it).
fn says(name: &str, message: &str) {
    assert!(
        chapter(name).contains(message),
        "docs/src/tutorial/{name} does not say `{message}`, which is what the engine says"
    );
}

/// What the engine logs, as the terminal under `cargo dev` shows it.
struct Log(std::sync::Mutex<Vec<String>>);

static LOG: Log = Log(std::sync::Mutex::new(Vec::new()));

impl log::Log for Log {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

/// The lines logged since the last call.
fn logged() -> Vec<String> {
    std::mem::take(&mut *LOG.0.lock().unwrap())
}

/// Every chapter of the book (`docs/src/**/*.md`): its path and text.
fn book_chapters() -> Vec<(PathBuf, String)> {
    fn walk(dir: &std::path::Path, chapters: &mut Vec<(PathBuf, String)>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, chapters);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = fs::read_to_string(&path).unwrap();
                chapters.push((path, text));
            }
        }
    }
    let mut chapters = Vec::new();
    walk(&workspace().join("docs/src"), &mut chapters);
    chapters.sort();
    chapters
}

#[test]
fn every_quoted_code_block_is_in_its_file() {
    let mut quoted = 0;
    for (chapter, text) in book_chapters() {
        quoted += check_quoted_blocks(&chapter, &text);
    }
    assert!(quoted >= 5, "only {quoted} quoted blocks found");
}

/// Checks each code block of `text` whose first line is `// file: PATH` or
/// `# file: PATH` against that file; returns how many there were.
fn check_quoted_blocks(chapter: &std::path::Path, text: &str) -> usize {
    let mut quoted = 0;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") {
            continue;
        }
        let block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let Some(file) = block.first().and_then(|l| {
            l.strip_prefix("// file: ")
                .or_else(|| l.strip_prefix("# file: "))
        }) else {
            continue;
        };
        let source =
            fs::read_to_string(workspace().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let excerpt = block[1..].join("\n");
        assert!(
            source.contains(&excerpt),
            "{} quotes lines that are not in {file}:\n{excerpt}",
            chapter.display()
        );
        quoted += 1;
    }
    quoted
}

/// The reader at the keyboard: a running engine on a scratch copy of the
/// workspace, with the dev loop watching it, stepped at about 60 Hz.
struct Reader {
    workspace: ScratchWorkspace,
    engine: Engine,
    _dirs: tempfile::TempDir,
    assets: PathBuf,
}

impl Reader {
    fn start() -> Self {
        if log::set_logger(&LOG).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
        let workspace = ScratchWorkspace::new("tutorial");
        let dirs = tempfile::tempdir().unwrap();
        let dev = workspace.dev_config(false);
        let mut config = EngineConfig::new(build(&dev).unwrap());
        config.watch = false;
        config.snapshot_dir = dirs.path().join("snapshots");
        config.recording_dir = dirs.path().join("recordings");
        let assets = copy_assets(
            dirs.path(),
            &[
                "tunables.toml",
                "player.png",
                "sounds/collect.wav",
                "sounds/music.ogg",
            ],
        );
        config.assets = Some(assets.clone());
        // What the reader would hear: every step's sound, in step time.
        config.audio.capture = Some(dirs.path().join("heard.wav"));
        let mut engine = Engine::new(config).unwrap();
        engine.set_source(Box::new(DevLoop::spawn(dev, engine.shadows()).unwrap()));
        Self {
            workspace,
            engine,
            _dirs: dirs,
            assets,
        }
    }

    /// Saves a tutorial step's file over the game's, as the reader does.
    fn save(&self, step_file: &str, game_file: &str) {
        let text = fs::read_to_string(step(step_file)).unwrap();
        fs::write(self.workspace.root().join(game_file), text).unwrap();
    }

    /// Plays (arrow keys held as `input` says) until `done`; a generous
    /// deadline guards against hanging.
    fn play_until(&mut self, what: &str, input: &Input, done: impl Fn(&Engine) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(&self.engine) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.engine.step(input);
            std::thread::sleep(Duration::from_millis(16));
        }
    }

    fn wait_for_generation(&mut self, generation: u64) {
        self.play_until(&format!("gen {generation}"), &Input::default(), |e| {
            e.generation() == generation && !e.is_building()
        });
    }

    /// The status line as the window shows it: 40 characters fit in 320 pixels.
    fn status_line(&self) -> String {
        let frame_time = Duration::from_secs(1) / 60;
        let status = Status::of(&self.engine, frame_time, self.engine.generation(), None);
        let mut line = String::new();
        status_line(&status, &mut line);
        line.chars().take(40).collect()
    }

    fn banner(&self) -> String {
        self.engine.current_error().unwrap_or_default().to_owned()
    }

    fn note(&self) -> String {
        self.engine.fresh_notice().unwrap_or_default().to_owned()
    }

    fn pixels(&mut self) -> Vec<u8> {
        let mut pixels = vec![0; 320 * 240 * 4];
        self.engine.render(&mut pixels);
        pixels
    }

    fn state(&self) -> serde_json::Value {
        self.engine.state_json()
    }

    /// The orb's acceleration under an arrow key, from its speed before and
    /// after one step (away from the nearer wall, where it would bounce):
    /// `v1 = (v0 + a dt) k`, with `k` the demo's drag over one step.
    fn measure_acceleration(&mut self) -> f64 {
        let dt = 1.0 / 60.0;
        let drag = self.engine.assets().tunable("player.drag").unwrap_or(0.02);
        let state = self.state();
        let (x, v0) = (
            state["player"]["pos"][0].as_f64().unwrap(),
            state["player"]["vel"][0].as_f64().unwrap(),
        );
        let (key, sign) = if x < 160.0 {
            (Key::Right, 1.0)
        } else {
            (Key::Left, -1.0)
        };
        let mut input = Input::default();
        input.down.insert(key);
        self.engine.step(&input);
        let v1 = self.state()["player"]["vel"][0].as_f64().unwrap();
        sign * (v1 / (drag as f32).powf(dt as f32) as f64 - v0) / dt
    }
}

/// The arrow keys that steer the orb towards the nearest particle.
fn toward_nearest_particle(state: &serde_json::Value) -> Input {
    let at = |v: &serde_json::Value| (v[0].as_f64().unwrap(), v[1].as_f64().unwrap());
    let (x, y) = at(&state["player"]["pos"]);
    let distance = |p: &&serde_json::Value| {
        let (px, py) = at(&p["pos"]);
        (px - x).hypot(py - y)
    };
    let particles = state["particles"].as_array().unwrap();
    let nearest = particles
        .iter()
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))
        .unwrap();
    let (px, py) = at(&nearest["pos"]);
    let mut input = Input::default();
    input
        .down
        .insert(if px < x { Key::Left } else { Key::Right });
    input.down.insert(if py < y { Key::Up } else { Key::Down });
    input
}

fn count(pixels: &[u8], color: [u8; 4]) -> usize {
    pixels.chunks_exact(4).filter(|p| *p == color).count()
}

#[test]
fn the_readers_saves_in_order_show_what_the_text_says() {
    let mut reader = Reader::start();
    let mut right = Input::default();
    right.down.insert(Key::Right);

    // 1. Run it.
    reader.play_until("a second of play", &Input::default(), |e| e.steps() >= 60);
    assert!(
        reader.status_line().starts_with("gen 1  "),
        "{}",
        reader.status_line()
    );
    let accel_before = reader.measure_acceleration();
    assert!((accel_before - 900.0).abs() < 9.0, "{accel_before}");

    // 2. The background, then the orb's acceleration.
    logged();
    reader.save("step-2/src/draw.rs", "game-logic/src/draw.rs");
    reader.wait_for_generation(2);
    // The terminal's two lines, as the text quotes them (the scratch copy's
    // package has its own name).
    let lines = logged();
    let package = reader.workspace.package().to_owned();
    assert!(
        lines.contains(&format!(
            "game-logic/src/draw.rs changed: building {package} (rustc)…"
        )),
        "{lines:#?}"
    );
    says(
        "2-first-live-edit.md",
        "`game-logic/src/draw.rs changed: building game-logic (rustc)…`",
    );
    let built = lines
        .iter()
        .find(|line| line.starts_with("built in "))
        .expect("the build's line");
    let seconds = built
        .strip_prefix("built in ")
        .and_then(|rest| rest.strip_suffix(" s; swapping it in at the next frame"))
        .unwrap_or_else(|| panic!("{built}"));
    assert!(seconds.parse::<f64>().is_ok(), "{built}");
    says(
        "2-first-live-edit.md",
        "`built in 0.12 s; swapping it in at the next frame`",
    );
    assert!(reader.status_line().starts_with("gen 2  "));
    let pixels = reader.pixels();
    assert!(
        count(&pixels, [48, 24, 64, 255]) > 320 * 240 / 2,
        "the window turns purple"
    );
    assert_eq!(reader.engine.stats().direct_builds, 1, "rustc directly");
    reader.save("step-2b/src/systems.rs", "game-logic/src/systems.rs");
    reader.wait_for_generation(3);
    let accel_after = reader.measure_acceleration();
    assert!(
        (accel_after - 1800.0).abs() < 18.0,
        "twice as fast: {accel_after}"
    );

    // 3. A field and a system: carried over by name; then `migrate`.
    reader.play_until("some progress", &right, |e| e.steps() >= 150);
    let (ticks_before, score_before) = (
        reader.state()["ticks"].as_u64().unwrap(),
        reader.state()["score"].as_u64().unwrap(),
    );
    reader.save("step-3/src/lib.rs", "game-logic/src/lib.rs");
    reader.wait_for_generation(4);
    let note = reader.note();
    assert!(
        note.starts_with("state layout changed (")
            && note.contains(
                "); carried over 5 field(s) by name; new: time_alive; old state saved to "
            ),
        "{note}"
    );
    says(
        "3-system-and-field.md",
        "`state layout changed (…); carried over 5 field(s) by name; new: time_alive; old state saved to .hotloop/snapshots/…`",
    );
    let state = reader.state();
    assert!(
        state["ticks"].as_u64().unwrap() >= ticks_before,
        "progress intact"
    );
    assert!(
        state["score"].as_u64().unwrap() >= score_before,
        "score intact (the orb drifts on while the build runs, and may collect)"
    );
    assert_ne!(
        state["player"]["pos"],
        serde_json::json!([160.0, 120.0]),
        "not `init`'s place"
    );
    reader.play_until("a second of the clock", &Input::default(), |e| {
        e.state_json()["time_alive"].as_f64().unwrap() >= 1.0
    });
    let (seconds, at) = (
        reader.state()["time_alive"].as_f64().unwrap(),
        reader.engine.steps(),
    );
    reader.save("step-3b/src/lib.rs", "game-logic/src/lib.rs");
    reader.wait_for_generation(5);
    let note = reader.note();
    assert!(
        note.starts_with("state layout changed (")
            && note.ends_with("); `migrate` carried the state over"),
        "{note}"
    );
    says(
        "3-system-and-field.md",
        "`state layout changed (…); `migrate` carried the state over`",
    );
    // The clock went on through the change: one frame time per step.
    let now = reader.state()["time_alive"].as_f64().unwrap();
    let expected = seconds + (reader.engine.steps() - at) as f64 / 60.0;
    assert!(
        (now - expected).abs() < 1e-3,
        "{now} s, expected {expected} s"
    );

    // 4. A typo, fixed; a panic, taken out again.
    reader.save("step-4/typo/src/draw.rs", "game-logic/src/draw.rs");
    reader.play_until("the build error", &Input::default(), |e| {
        e.stats().failed_builds == 1
    });
    assert_eq!(
        reader.banner(),
        "build failed: error[E0425]: cannot find value `BACKGROUN` in this scope at game-logic/src/draw.rs:16:18"
    );
    says(
        "4-break-it.md",
        "`build failed: error[E0425]: cannot find value `BACKGROUN` in this scope at game-logic/src/draw.rs:16:18`",
    );
    let before = ticks(reader.engine.state_bytes());
    reader.engine.step(&Input::default());
    assert_eq!(
        ticks(reader.engine.state_bytes()),
        before + 1,
        "the game keeps running"
    );
    reader.save("step-2/src/draw.rs", "game-logic/src/draw.rs");
    reader.wait_for_generation(6);
    assert_eq!(reader.banner(), "", "the banner goes away");

    reader.save("step-4/panic/src/lib.rs", "game-logic/src/lib.rs");
    reader.play_until("the panic", &Input::default(), |e| {
        e.stats().failed_reloads == 1
    });
    let banner = reader.banner();
    let score = reader.state()["score"].as_u64().unwrap();
    let expected = format!(
        "index out of bounds: the len is 48 but the index is {} (at game-logic/src/lib.rs:84)",
        score + 48
    );
    assert!(
        banner.starts_with("update panicked in ") && banner.ends_with(&expected),
        "{banner}"
    );
    says(
        "4-break-it.md",
        "`update panicked in …: index out of bounds: the len is 48 but the index is 50 (at game-logic/src/lib.rs:84)`",
    );
    assert_eq!(
        reader.engine.history().last().unwrap().kind,
        SwapKind::Fallback
    );
    assert!(
        reader.status_line().starts_with("gen 6  "),
        "back by one: {}",
        reader.status_line()
    );
    reader.save("step-3b/src/lib.rs", "game-logic/src/lib.rs");
    reader.wait_for_generation(8);
    assert_eq!(reader.banner(), "", "the banner goes");

    // 5. Tunables (and a broken file, the newest problem), then a loop.
    fs::copy(
        step("step-5/assets/tunables.toml"),
        reader.assets.join("tunables.toml"),
    )
    .unwrap();
    reader.play_until("the new tunables", &Input::default(), |e| {
        e.assets().tunable("particles.speed") == Some(2.0)
    });
    let tunables = reader.assets.join("tunables.toml");
    let good = fs::read_to_string(&tunables).unwrap();
    fs::write(&tunables, good.replace("speed = 2.0", "speed = fast")).unwrap();
    reader.play_until("the tunables error", &Input::default(), |e| {
        e.current_error().is_some()
    });
    assert!(
        reader.banner().contains("tunables.toml"),
        "{}",
        reader.banner()
    );
    assert_eq!(
        reader.engine.assets().tunable("particles.speed"),
        Some(2.0),
        "last good values"
    );
    fs::write(&tunables, &good).unwrap();
    reader.play_until("the fixed tunables", &Input::default(), |e| {
        e.current_error().is_none()
    });

    reader.engine.toggle_loop();
    reader.play_until("a few seconds recorded", &right, |e| {
        matches!(e.loop_mode(), engine::runtime::looping::LoopMode::Recording { steps } if steps >= 180)
    });
    assert!(
        reader.status_line().starts_with("REC 180  gen 8"),
        "{}",
        reader.status_line()
    );
    reader.engine.toggle_loop();
    reader.play_until("twelve steps of the loop", &Input::default(), |e| {
        e.loop_mode() == engine::runtime::looping::LoopMode::Playing { at: 12, of: 180 }
    });
    assert!(
        reader.status_line().starts_with("LOOP 12/180  gen 8"),
        "{}",
        reader.status_line()
    );
    says("5-tune-it.md", "(`LOOP 12/180` leads the status line)");
    reader.save("step-2b/src/systems.rs", "game-logic/src/systems.rs");
    reader.wait_for_generation(9);
    assert_eq!(reader.note(), "the loop starts over with generation 9");
    says("5-tune-it.md", "`the loop starts over with generation …`");
    assert!(
        reader.status_line().starts_with("LOOP "),
        "{}",
        reader.status_line()
    );
    reader.engine.toggle_loop();

    let saved = reader.engine.save_snapshot().unwrap();
    assert!(
        saved.ends_with("snapshots/quicksave.hlstate"),
        "{}",
        saved.display()
    );
    assert!(
        reader.note().starts_with("state saved to ")
            && reader.note().ends_with("quicksave.hlstate"),
        "{}",
        reader.note()
    );
    reader.engine.load_snapshot(&saved).unwrap();
    assert!(
        reader.note().starts_with("state loaded from "),
        "{}",
        reader.note()
    );
    says(
        "5-tune-it.md",
        "(`state saved to .hotloop/snapshots/quicksave.hlstate`), F9 loads it back (`state loaded from …`)",
    );

    // 8. A title screen and a game over: three files saved, the running
    // game shows its new title screen, a round is played and ends.
    for file in ["lib.rs", "systems.rs", "draw.rs"] {
        reader.save(
            &format!("step-8/src/{file}"),
            &format!("game-logic/src/{file}"),
        );
    }
    reader.wait_for_generation(10);
    let note = reader.note();
    assert!(
        note.starts_with("state layout changed (")
            && note.contains(
                "); carried over 6 field(s) by name; new: screen, round, collected, counted, best; old state saved to "
            ),
        "{note}"
    );
    says(
        "8-title-screen.md",
        "`state layout changed (…); carried over 6 field(s) by name; new: screen, round, collected, counted, best; old state saved to …`",
    );
    reader.play_until("the title screen", &Input::default(), |e| {
        e.state_json()["screen"]["current"] == "Title"
    });
    let title = reader.pixels();
    assert!(
        count(&title, [0, 0, 0, 255]) > 320 * 40,
        "the title's dark band"
    );
    assert!(
        count(&title, [255, 236, 160, 255]) > 200,
        "ORBS and PRESS SPACE"
    );
    let score = reader.state()["score"].as_u64().unwrap();
    let mut space = Input::default();
    space.down.insert(Key::Space);
    space.pressed.insert(Key::Space);
    reader.engine.step(&space);
    reader.play_until("the round", &Input::default(), |e| {
        e.state_json()["screen"]["current"] == "Playing"
    });
    // The step that entered the round may already have collected one.
    let now = reader.state()["score"].as_u64().unwrap();
    assert!(now <= 1, "a new round: {now} (was {score})");
    assert_eq!(
        reader.state()["player"]["pos"],
        serde_json::json!([160.0, 120.0])
    );
    // F2 and a few presses of `=` would do the same: the clock near its end.
    reader
        .engine
        .set_field("round.elapsed", engine::state::fields::Value::Float(29.5))
        .unwrap();
    reader.play_until("the end of the round", &right, |e| {
        e.state_json()["screen"]["current"] == "GameOver"
    });
    let state = reader.state();
    assert_eq!(state["best"], state["score"], "the best is kept");
    let over = reader.pixels();
    assert!(
        count(&over, [255, 236, 160, 255]) > 200,
        "TIME UP and the score"
    );
    reader.engine.step(&space);
    reader.play_until("another round", &Input::default(), |e| {
        e.state_json()["screen"]["current"] == "Playing"
    });

    // 8, sound: two files saved; the round goes on with its music, and each
    // particle collected plays its sound.
    let silent_until = reader.engine.steps();
    for file in ["lib.rs", "systems.rs"] {
        reader.save(
            &format!("step-8b/src/{file}"),
            &format!("game-logic/src/{file}"),
        );
    }
    reader.wait_for_generation(11);
    let note = reader.note();
    assert!(
        note.contains("by name; new: music; old state saved to "),
        "{note}"
    );
    says("8-title-screen.md", "new: music;");
    let heard_from = reader.engine.steps();
    let score = reader.state()["score"].as_u64().unwrap();
    let sounds = reader.engine.summary().sounds_played;
    let deadline = Instant::now() + Duration::from_secs(60);
    while reader.state()["score"].as_u64().unwrap() < score + 3 {
        assert!(Instant::now() < deadline, "timed out chasing particles");
        let chase = toward_nearest_particle(&reader.state());
        reader.engine.step(&chase);
        std::thread::sleep(Duration::from_millis(16));
    }
    let collected = reader.state()["score"].as_u64().unwrap() - score;
    let played = reader.engine.summary().sounds_played - sounds;
    assert_eq!(played, collected, "one sound per particle collected");
    assert_eq!(reader.state()["music"]["volume"], 1.0);
    let steps = reader.engine.steps();
    let Reader { engine, _dirs, .. } = reader;
    drop(engine);
    let heard = hound::WavReader::open(_dirs.path().join("heard.wav")).unwrap();
    let samples: Vec<f32> = heard.into_samples::<f32>().map(Result::unwrap).collect();
    let block = |step: u64| &samples[(step as usize - 1) * 1600..step as usize * 1600];
    let loudness = |step: u64| block(step).iter().map(|s| s * s).sum::<f32>() / 1600.0;
    assert_eq!(samples.len() as u64, steps * 1600, "a block per step");
    assert!(
        (1..=silent_until).all(|step| loudness(step) == 0.0),
        "no sound before part 8's sound"
    );
    assert!(
        (heard_from + 1..=steps).all(|step| loudness(step) > 1e-4),
        "the music plays through the round"
    );
}
