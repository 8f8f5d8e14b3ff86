//! Reloads in the window: a live rebuild changes what X displays without a
//! restart, and a game's declared size and title follow its builds.

use super::sizes::wait_for_size;
use super::*;

#[test]
fn live_rebuild_changes_what_the_window_shows_without_a_restart() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let variant = Variant::of_demo("window-live");
    let library = variant.build();
    let mut child = Command::new(engine_binary())
        .arg("--lib")
        .arg(&library)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run hotloop");
    let pid = child.id();
    let window =
        XWindow::of_process(pid, Duration::from_secs(30)).expect("the engine opened a window");

    // The demo's dark blue background fills most of the window.
    const OLD: [u8; 3] = [18, 22, 40];
    const NEW: [u8; 3] = [30, 120, 60];
    wait_for_screen(window, &mut child, "the demo's background", |shot| {
        shot.fraction(|p| near(p, OLD)) > 0.5
    });
    wait_for_title(window, "variant-window-live - hotloop generation 1");

    variant.edit("draw.rs", "[18, 22, 40, 255]", "[30, 120, 60, 255]");
    variant.build();
    wait_for_screen(window, &mut child, "the new background colour", |shot| {
        shot.fraction(|p| near(p, NEW)) > 0.5
    });
    wait_for_title(window, "variant-window-live - hotloop generation 2");
    assert_eq!(child.id(), pid, "same process");

    // A broken build (cut off inside its code) is refused and shown as a red
    // banner over the still-running game.
    let bytes = std::fs::read(&library).unwrap();
    let partial = library.with_extension("partial");
    std::fs::write(&partial, &bytes[..20_000]).unwrap();
    std::fs::rename(&partial, &library).unwrap();
    let banner = |p: [u8; 3]| p[0] > 120 && p[1] < 50 && p[2] < 60;
    let shot = wait_for_screen(window, &mut child, "the red error banner", |shot| {
        shot.fraction(banner) > 0.05
    });
    assert!(
        shot.fraction(|p| near(p, NEW)) > 0.3,
        "the game keeps running behind the banner"
    );
    wait_for_title(window, "variant-window-live - hotloop generation 2");

    // SIGTERM ends the run cleanly with the usual summary.
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let summary = summary_line(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(summary["generation"], 2, "{summary}");
    assert_eq!(summary["reloads"], 1, "{summary}");
    assert!(
        summary["failed_reloads"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    assert!(
        summary["last_error"]
            .as_str()
            .unwrap()
            .contains("truncated"),
        "{summary}"
    );
    let frames = summary["frames"].as_u64().unwrap();
    let game = summary["game"].as_str().unwrap();
    assert!(
        game.starts_with(&format!("ticks {frames} ")),
        "state survived every reload: {game}"
    );
}

#[test]
fn a_game_shows_at_its_declared_size_and_title_and_a_reload_resizes_the_window() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let variant = Variant::of_demo("window-display");
    variant.edit(
        "lib.rs",
        "    render: draw::render,\n",
        "    size: (256, 224),\n    title: \"Declared Display\",\n    render: draw::render,\n",
    );
    let library = variant.build();
    let mut engine = EngineProcess::start([
        "--scale".as_ref(),
        "2".as_ref(),
        "--lib".as_ref(),
        library.as_os_str(),
    ]);
    engine.wait_for("the game is on screen");
    let window = XWindow::of_process(engine.id(), Duration::from_secs(30)).expect("a window");
    wait_for_size(window, 256 * 2, 224 * 2);
    wait_for_title(window, "Declared Display - hotloop generation 1");
    // The game's picture fills the window: its background, no black bars.
    let background = |shot: &Screenshot| {
        shot.fraction(|p| near(p, [18, 22, 40])) > 0.4 && shot.fraction(|p| p == [0, 0, 0]) < 0.01
    };
    assert!(
        background(&window.screenshot()),
        "the picture fills the window"
    );

    // A build that declares another size: the window follows, at scale 2.
    variant.edit("lib.rs", "size: (256, 224)", "size: (200, 150)");
    variant.build();
    engine.wait_for("the game is now 200x150");
    wait_for_size(window, 200 * 2, 150 * 2);
    wait_for_title(window, "Declared Display - hotloop generation 2");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !background(&window.screenshot()) {
        assert!(
            Instant::now() < deadline,
            "the resized window shows the game"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let finished = engine.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);
    let summary = finished.summary();
    assert_eq!(summary["size"], serde_json::json!([200, 150]), "{summary}");
    assert_eq!(summary["generation"], 2, "{summary}");
    assert_eq!(summary["failed_reloads"], 0, "{summary}");
}
