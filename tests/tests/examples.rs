//! The example games under `examples/`, run the way a user runs them: each
//! plays 600 headless frames, plays its sounds, replays a recording to the same checksum every
//! time, and opens its window at the size it declares.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use engine::runtime::looping::LoopMode;
use hotloop_abi::{Input, Key};
use hotloop_test::GameCrate;
use hotloop_tests::{EngineProcess, XWindow, display_available, unwatched, workspace};

/// Each example: its package and the title it declares.
const EXAMPLES: [(&str, &str); 2] = [("invaders", "Invaders"), ("breakout", "Breakout")];

/// The example's library, built once per test binary (as a copy, into the
/// harness's shared target directory).
fn library(name: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<Vec<(String, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = built.iter().find(|(n, _)| n == name) {
        return path.clone();
    }
    let copy = GameCrate::copy(workspace().join("examples").join(name), "examples-test")
        .expect("copy the example");
    let path = copy
        .build()
        .unwrap_or_else(|e| panic!("{name} builds: {e}"));
    built.push((name.to_owned(), path.clone()));
    path
}

#[test]
fn each_example_plays_600_headless_frames_at_its_declared_size() {
    for (name, title) in EXAMPLES {
        let lib = library(name).display().to_string();
        let finished =
            EngineProcess::start(["--headless", "--no-watch", "--frames", "600", "--lib", &lib])
                .finish();
        assert!(finished.status.success(), "{name}: {}", finished.stderr);
        let summary = finished.summary();
        assert_eq!(summary["frames"], 600, "{name}: {summary}");
        assert_eq!(summary["failed_reloads"], 0, "{name}: {summary}");
        assert!(summary["last_error"].is_null(), "{name}: {summary}");
        assert_eq!(summary["title"], title, "{name}: {summary}");
        let size = &summary["size"];
        assert!(
            size[0].as_u64().unwrap() != 320 || size[1].as_u64().unwrap() != 240,
            "{name} declares its own size: {summary}"
        );
        assert!(
            summary["game"].as_str().is_some_and(|g| !g.is_empty()),
            "{name} describes itself: {summary}"
        );
    }
}

#[test]
fn each_example_plays_its_own_sounds() {
    for (name, _) in EXAMPLES {
        let lib = library(name).display().to_string();
        let capture = tempfile::Builder::new().suffix(".wav").tempfile().unwrap();
        let assets = workspace().join("assets");
        let finished = EngineProcess::start([
            "--headless".as_ref(),
            "--no-watch".as_ref(),
            "--frames".as_ref(),
            "600".as_ref(),
            "--lib".as_ref(),
            lib.as_ref(),
            "--assets".as_ref(),
            assets.as_os_str(),
            "--audio-capture".as_ref(),
            capture.path().as_os_str(),
        ])
        .finish();
        assert!(finished.status.success(), "{name}: {}", finished.stderr);
        let summary = finished.summary();
        assert!(
            summary["sounds_played"].as_u64().unwrap() > 0,
            "{name}: {summary}"
        );
        assert_eq!(
            summary["failed_assets"], 0,
            "{name}: every sound it asks for exists: {summary}"
        );
        let reader = hound::WavReader::open(capture.path()).unwrap();
        assert_eq!(
            reader.duration(),
            600 * 800,
            "{name}: ten seconds of step time"
        );
        let loud = reader
            .into_samples::<f32>()
            .map(Result::unwrap)
            .filter(|s| s.abs() > 0.05)
            .count();
        assert!(loud > 4_800, "{name}: audible ({loud} loud samples)");
    }
}

#[test]
fn each_example_replays_a_recording_to_the_same_checksum() {
    for (name, _) in EXAMPLES {
        let lib = library(name);
        // Record 240 steps of play: left, right and fire, in a fixed pattern.
        let mut engine = unwatched(&lib);
        engine.toggle_loop();
        for step in 0..240u32 {
            let mut input = Input::default();
            let key = if step % 80 < 40 {
                Key::Left
            } else {
                Key::Right
            };
            input.down.insert(key);
            if step % 30 == 0 {
                input.down.insert(Key::Space);
                input.pressed.insert(Key::Space);
            }
            engine.step(&input);
        }
        engine.toggle_loop();
        assert_eq!(
            engine.loop_mode(),
            LoopMode::Playing { at: 0, of: 240 },
            "{name}"
        );
        let notice = engine.notice().unwrap_or_default().to_owned();
        let recording = notice
            .split_once("recording saved to ")
            .unwrap_or_else(|| panic!("{name}: no recording saved: {notice}"))
            .1
            .to_owned();

        let lib = lib.display().to_string();
        let replay = || {
            let finished = EngineProcess::start([
                "--headless",
                "--no-watch",
                "--lib",
                &lib,
                "--replay",
                &recording,
            ])
            .finish();
            assert!(finished.status.success(), "{name}: {}", finished.stderr);
            let summary = finished.summary();
            assert_eq!(summary["frames"], 240, "{name}: {summary}");
            summary["state_checksum"].as_str().unwrap().to_owned()
        };
        let first = replay();
        assert_eq!(
            replay(),
            first,
            "{name}: the same recording, the same end state"
        );
    }
}

#[test]
fn each_example_opens_its_window_at_its_declared_size_and_title() {
    if !display_available() {
        return;
    }
    for (name, title) in EXAMPLES {
        let lib = library(name).display().to_string();
        let headless =
            EngineProcess::start(["--headless", "--no-watch", "--frames", "1", "--lib", &lib])
                .finish();
        let size = headless.summary()["size"].clone();
        let (width, height) = (size[0].as_i64().unwrap(), size[1].as_i64().unwrap());

        let mut engine = EngineProcess::start(["--no-watch", "--scale", "1", "--lib", &lib]);
        engine.wait_for("the game is on screen");
        let window = XWindow::of_process(engine.id(), Duration::from_secs(30))
            .unwrap_or_else(|| panic!("{name}: no window"));
        let (_, _, w, h) = window.geometry();
        assert_eq!(
            (w, h),
            (width, height),
            "{name}: the declared size at scale 1"
        );
        // The title is set on its own thread: wait for it, as the user would.
        let expected = format!("{title} - hotloop generation");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !window.title().starts_with(&expected) {
            assert!(
                std::time::Instant::now() < deadline,
                "{name}: title {:?}",
                window.title()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let finished = engine.terminate();
        assert!(finished.status.success(), "{name}: {}", finished.stderr);
    }
}
