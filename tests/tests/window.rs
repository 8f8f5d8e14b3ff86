//! The real window under X: what the X server displays changes with a live
//! rebuild, a refused library shows its error, and the process never restarts.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hotloop_tests::{
    EngineProcess, Finished, Screenshot, Variant, XWindow, display_available, engine_binary,
    summary_line,
};

/// Polls screenshots until `check` holds, or panics with `what` after 30 s.
fn wait_for_screen(
    window: XWindow,
    child: &mut Child,
    what: &str,
    check: impl Fn(&Screenshot) -> bool,
) -> Screenshot {
    poll_screen(window, child, what, Duration::from_secs(30), check)
        .unwrap_or_else(|| panic!("timed out waiting for {what}"))
}

/// Polls screenshots for up to `limit` until `check` holds.
fn poll_screen(
    window: XWindow,
    child: &mut Child,
    what: &str,
    limit: Duration,
    check: impl Fn(&Screenshot) -> bool,
) -> Option<Screenshot> {
    let deadline = Instant::now() + limit;
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the engine exited while waiting for {what}"
        );
        let shot = window.screenshot();
        if check(&shot) {
            return Some(shot);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits up to 5 s for the window title (it is set on its own thread).
fn wait_for_title(window: XWindow, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while window.title() != expected {
        assert!(
            Instant::now() < deadline,
            "title is {:?}, expected {expected:?}",
            window.title()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One window at a time: windows on the same display overlap at (0, 0), and a
/// screenshot shows what X displays, so a second window would cover the first.
fn one_window_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static DISPLAY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    DISPLAY.lock().unwrap_or_else(|e| e.into_inner())
}

fn near(pixel: [u8; 3], color: [u8; 3]) -> bool {
    pixel.iter().zip(color).all(|(a, b)| a.abs_diff(b) <= 2)
}

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
fn no_display_is_a_clear_error_suggesting_headless() {
    let output = Command::new(engine_binary())
        .arg("--lib")
        .arg(hotloop_tests::demo_library())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .output()
        .expect("run hotloop");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot open a window"), "{stderr}");
    assert!(stderr.contains("--headless"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Gives the window the keyboard focus: with no window manager, a click and
/// an explicit focus request.
fn focus(window: XWindow) {
    let id = window.id.to_string();
    xdotool(&["mousemove", "--window", &id, "50", "50", "click", "1"]);
    xdotool(&["windowfocus", "--sync", &id]);
}

/// Runs xdotool with `args`; panics when it fails.
fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool")
        .args(args)
        .status()
        .expect("run xdotool (apt-get install xdotool)");
    assert!(status.success(), "xdotool {args:?}");
}

/// Sends keys to the focused window through XTEST, as a person typing would.
fn type_keys(keys: &[&str]) {
    for key in keys {
        xdotool(&["key", key]);
        std::thread::sleep(Duration::from_millis(30));
    }
}

#[test]
fn the_inspector_shows_the_state_and_edits_it() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (mut child, window) = demo_window(&["--dump-state"]);
    // The inspector's panel: dark green laid over the dark blue background
    // (the overlay layer, blended by the GPU), or its selected row.
    let panel = |p: [u8; 3]| near(p, [9, 34, 28]) || near(p, [40, 130, 80]);
    open_panel(window, &mut child, "F2", "the inspector", |shot| {
        shot.fraction(panel) > 0.1
    });
    // `]` three times selects player.pos.x; `=` ten times adds 10.
    let mut keys = vec!["bracketright"; 3];
    keys.extend(["equal"; 10]);
    type_keys(&keys);
    // Keys are handled in order: once F2 has closed the panel, every nudge
    // before it has been applied.
    type_keys(&["F2"]);
    let closed = poll_screen(
        window,
        &mut child,
        "the panel to close",
        Duration::from_secs(30),
        |shot| shot.fraction(panel) < 0.01,
    );
    assert!(closed.is_some(), "the inspector never closed after F2");

    let summary = stop_with_summary(child);
    assert_eq!(
        summary["state"]["player"]["pos"][0], 170.0,
        "nudged from 160: {}",
        summary["state"]
    );
    assert!(
        summary["game"]
            .as_str()
            .unwrap()
            .contains("player (170.0, 120.0)"),
        "{summary}"
    );
}

#[test]
fn f4_shows_how_long_each_system_takes() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (mut child, window) = demo_window(&[]);
    // The timings panel: dark blue laid over the game's background, at the
    // window's resolution (a 720-row window: 2x2 pixels per overlay pixel).
    let panel = |p: [u8; 3]| near(p, [12, 26, 52]);
    open_panel(window, &mut child, "F4", "the timings panel", |shot| {
        shot.fraction(panel) > 0.02
    });
    let summary = stop_with_summary(child);
    let systems = summary["systems"]
        .as_array()
        .expect("timings in the summary");
    let names: Vec<&str> = systems
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for system in [
        "count_ticks",
        "steer_player",
        "move_particles",
        "collect_particles",
    ] {
        assert!(
            names.iter().any(|name| name.ends_with(system)),
            "{system} in {names:?}"
        );
    }
}

/// The demo in a window (no watching), with `args`; stdout is piped for the summary.
fn demo_window(args: &[&str]) -> (Child, XWindow) {
    game_window(&hotloop_tests::demo_library(), args)
}

/// [`demo_window`] for `library`, a build of the demo.
fn game_window(library: &std::path::Path, args: &[&str]) -> (Child, XWindow) {
    let mut child = Command::new(engine_binary())
        .arg("--no-watch")
        .args(args)
        .arg("--lib")
        .arg(library)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run hotloop");
    let window = XWindow::of_process(child.id(), Duration::from_secs(30)).expect("a window");
    wait_for_screen(window, &mut child, "the game", |shot| {
        shot.fraction(|p| near(p, [18, 22, 40])) > 0.5
    });
    (child, window)
}

/// Checks that `what` is not on screen, then presses `key` until it is. A
/// freshly mapped window may miss the first keys while the focus settles,
/// so it focuses and presses again.
fn open_panel(
    window: XWindow,
    child: &mut Child,
    key: &str,
    what: &str,
    shown: impl Fn(&Screenshot) -> bool,
) {
    assert!(!shown(&window.screenshot()), "no {what} before {key}");
    let opened = (0..5).any(|_| {
        focus(window);
        type_keys(&[key]);
        poll_screen(window, child, what, Duration::from_secs(3), &shown).is_some()
    });
    assert!(opened, "{what} never showed after {key}");
}

/// Ends the engine with SIGTERM, as Ctrl-C would, and reads its summary.
fn stop_with_summary(child: Child) -> serde_json::Value {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    summary_line(&String::from_utf8_lossy(&output.stdout))
}

/// The demo with a picture that changes everywhere every 20 steps (the
/// background's colour, a square at the centre), so that even a window one
/// pixel wide shows it moving. Built once per test binary.
fn blinking_demo() -> std::path::PathBuf {
    static LIBRARY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    LIBRARY
        .get_or_init(|| {
            let variant = Variant::of_demo("window-blinking");
            variant
                .edit(
                    "draw.rs",
                    "canvas.clear(BACKGROUND);",
                    "canvas.clear(if state.ticks / 20 % 2 == 0 { BACKGROUND } else { [60, 22, 40, 255] });",
                )
                .edit(
                    "draw.rs",
                    "    for point in 0..state.score.min(60) {",
                    "    if state.ticks / 20 % 2 == 1 {\n        let centre = Vec2::new(canvas.width() as f32, canvas.height() as f32) / 2.0;\n        canvas.fill_rect(centre - 6.0, centre + 6.0, [255, 0, 255, 255]);\n    }\n    for point in 0..state.score.min(60) {",
                );
            variant.build()
        })
        .clone()
}

/// Resizes the window and waits until X reports the new size.
fn resize(window: XWindow, width: u32, height: u32) {
    let (id, w, h) = (window.id.to_string(), width.to_string(), height.to_string());
    xdotool(&["windowsize", &id, &w, &h]);
    wait_for_size(window, width, height);
}

/// Waits until X reports the window at `width` x `height` (a guard of 10 s).
fn wait_for_size(window: XWindow, width: u32, height: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, w, h) = window.geometry();
        if (w, h) == (i64::from(width), i64::from(height)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the window is {w}x{h}, not {width}x{height}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `shot` shows the whole game picture where [`engine::frontend::window::fit`]
/// puts it: game pixels (never pure black) inside, black bars outside.
fn shows_the_whole_picture(shot: &Screenshot) -> bool {
    let size = (shot.width as u32, shot.height as u32);
    let Some(view) = engine::frontend::window::fit((320, 240), size) else {
        return false;
    };
    let (x0, y0) = (view.x as usize, view.y as usize);
    let (x1, y1) = (x0 + view.width as usize, y0 + view.height as usize);
    let (mut inside, mut game, mut outside, mut bars) = (0, 0, 0, 0);
    for (i, pixel) in shot.rgb.chunks_exact(3).enumerate() {
        let (x, y) = (i % shot.width, i / shot.width);
        let black = pixel.iter().all(|&c| c == 0);
        if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
            inside += 1;
            game += usize::from(!black);
        } else {
            outside += 1;
            bars += usize::from(black);
        }
    }
    game * 100 >= inside * 95 && bars * 100 >= outside * 99
}

/// Waits until the window shows the whole picture, then until it changed
/// twice (the game keeps running and every change is presented).
fn assert_keeps_updating(window: XWindow, engine: &mut EngineProcess, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last: Option<Screenshot> = None;
    let mut changes = 0;
    while changes < 2 {
        assert!(
            Instant::now() < deadline,
            "{what}: the picture did not keep changing (changes seen: {changes}); the engine said:\n{}",
            engine.stderr()
        );
        let shot = window.screenshot();
        if !shows_the_whole_picture(&shot) {
            last = None;
            continue;
        }
        if last.as_ref().is_some_and(|last| last.rgb != shot.rgb) {
            changes += 1;
        }
        last = Some(shot);
    }
}

/// The blinking demo in a window, once the game is on screen.
fn blinking_window() -> (EngineProcess, XWindow) {
    let library = blinking_demo();
    let mut engine =
        EngineProcess::start(["--no-watch".as_ref(), "--lib".as_ref(), library.as_os_str()]);
    engine.wait_for("the game is on screen");
    let window = XWindow::of_process(engine.id(), Duration::from_secs(30)).expect("a window");
    (engine, window)
}

/// Ends the engine with SIGTERM and checks it did within a second, with the summary.
fn assert_terminates_within_a_second(engine: EngineProcess, what: &str) -> Finished {
    assert_ends_within_a_second(engine.terminate(), what)
}

fn assert_ends_within_a_second(finished: Finished, what: &str) -> Finished {
    eprintln!("{what}: signal to exit took {:?}", finished.after_signal);
    assert!(
        finished.after_signal < Duration::from_secs(1),
        "{what}: exit took {:?} after the signal",
        finished.after_signal
    );
    assert!(finished.status.success(), "{}", finished.stderr);
    assert!(finished.summary()["frames"].as_u64().unwrap() > 0);
    finished
}

#[test]
fn the_status_line_lies_over_the_game_at_the_windows_resolution_and_leaves_it_visible() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    // The demo with its top 16 rows striped white and black (2 columns
    // each), in a 960x720 window (3x): the status line lies over the top.
    let variant = Variant::of_demo("window-stripes");
    variant.edit(
        "draw.rs",
        "    for point in 0..state.score.min(60) {",
        "    for x in (0..canvas.width() as i32).step_by(4) {\n        \
         canvas.fill_rect(Vec2::new(x as f32, 0.0), Vec2::new(x as f32 + 2.0, 16.0), [255; 4]);\n        \
         canvas.fill_rect(Vec2::new(x as f32 + 2.0, 0.0), Vec2::new(x as f32 + 4.0, 16.0), [0, 0, 0, 255]);\n    }\n    \
         for point in 0..state.score.min(60) {",
    );
    let (mut child, window) = game_window(&variant.build(), &[]);
    let band =
        |shot: &Screenshot, rows: std::ops::Range<usize>, matches: &dyn Fn([u8; 3]) -> bool| {
            let pixels = rows.len() * 960;
            let found = rows
                .flat_map(|y| (0..960).map(move |x| (y * shot.width + x) * 3))
                .filter(|&at| matches([shot.rgb[at], shot.rgb[at + 1], shot.rgb[at + 2]]))
                .count();
            found as f64 / pixels as f64
        };
    let stripe = |p: [u8; 3]| p == [255; 3] || p == [0; 3];
    // The game's white stripes through the status line's translucent panel:
    // grey, neither white nor black nor the status text.
    let seen_through = |p: [u8; 3]| p[0] == p[1] && p[1] == p[2] && (60..220).contains(&p[0]);
    let shot = wait_for_screen(
        window,
        &mut child,
        "the stripes under the status line",
        |shot| band(shot, 0..22, &seen_through) > 0.2,
    );
    // The status line is 12 overlay rows, 24 window rows at this size (two
    // per overlay pixel), not 12 framebuffer rows (36 window rows): below
    // it, the stripes are the game's own pixels, untouched.
    assert!(
        band(&shot, 25..47, &stripe) > 0.99,
        "rows 25 to 46 are the game's alone"
    );
    assert!(
        band(&shot, 0..22, &seen_through) > 0.2,
        "the game shows through the status line"
    );
    let _ = stop_with_summary(child);
}

#[test]
fn with_no_audio_device_the_log_says_so_once_and_the_game_plays_on() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    // An ALSA default device that no machine has: silent everywhere, on a
    // desktop with a sound card too.
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".asoundrc"),
        "pcm.!default { type hw card 99 }\n",
    )
    .unwrap();
    let library = blinking_demo();
    let mut engine = EngineProcess::start_with(
        ["--no-watch".as_ref(), "--lib".as_ref(), library.as_os_str()],
        &[("HOME", &home.path().display().to_string())],
    );
    engine.wait_for("the game is on screen");
    let window = XWindow::of_process(engine.id(), Duration::from_secs(30)).expect("a window");
    assert_keeps_updating(window, &mut engine, "without sound");
    let finished = assert_terminates_within_a_second(engine, "without sound");
    let said: Vec<&str> = finished
        .stderr
        .lines()
        .filter(|l| l.contains("audio"))
        .collect();
    assert_eq!(said.len(), 1, "{}", finished.stderr);
    assert!(
        said[0].contains("no audio device (") && said[0].ends_with("); running silent"),
        "{}",
        said[0]
    );
    assert!(
        !finished.stderr.contains("ALSA lib"),
        "alsa-lib's own lines stay out: {}",
        finished.stderr
    );

    // `--mute` does not even look for a device.
    let mut engine = EngineProcess::start_with(
        [
            "--no-watch".as_ref(),
            "--mute".as_ref(),
            "--lib".as_ref(),
            library.as_os_str(),
        ],
        &[("HOME", &home.path().display().to_string())],
    );
    engine.wait_for("the game is on screen");
    let finished = assert_terminates_within_a_second(engine, "muted");
    assert!(!finished.stderr.contains("audio"), "{}", finished.stderr);
}

#[test]
fn every_window_size_shows_the_whole_picture_and_keeps_updating() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (mut engine, window) = blinking_window();
    let sizes = [
        (640, 480),
        (320, 240),
        (319, 239),
        (200, 150),
        (100, 100),
        (300, 100),
        (40, 30),
        (10, 10),
        (3, 2),
        (1, 1),
        (960, 720),
    ];
    for (width, height) in sizes {
        resize(window, width, height);
        assert_keeps_updating(window, &mut engine, &format!("{width}x{height}"));
    }
    let finished = assert_terminates_within_a_second(engine, "after the resizes");
    // Resizing is not an error, and logs nothing but the start.
    assert!(!finished.stderr.contains("ERROR"), "{}", finished.stderr);
    assert!(finished.stderr.lines().count() < 10, "{}", finished.stderr);
}

#[test]
fn sigterm_ends_a_one_pixel_window_within_a_second() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (mut engine, window) = blinking_window();
    resize(window, 1, 1);
    assert_keeps_updating(window, &mut engine, "1x1");
    assert_terminates_within_a_second(engine, "1x1");
}

#[test]
fn ctrl_c_ends_a_running_window_within_a_second() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (engine, _window) = blinking_window();
    assert_ends_within_a_second(engine.interrupt(), "Ctrl-C");
}

#[test]
fn sigterm_ends_a_hidden_window_within_a_second() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    let (engine, window) = blinking_window();
    xdotool(&["windowunmap", "--sync", &window.id.to_string()]);
    assert_terminates_within_a_second(engine, "unmapped");
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

#[test]
fn typed_text_and_the_mouse_wheel_reach_the_game() {
    if !display_available() {
        return;
    }
    let _display = one_window_at_a_time();
    // Above the step count, `ticks` counts the characters typed (a 4-bit
    // counter from bit 20 for each code mod 5: 'h', 'i' and '!' each have
    // their own) and keeps a bit per wheel direction (up 62, down 61).
    let variant = Variant::of_demo("window-typing");
    variant
        .edit(
            "systems.rs",
            "pub fn count_ticks(state: &mut State, _frame: &Frame) {",
            "pub fn count_ticks(state: &mut State, frame: &Frame) {",
        )
        .edit(
            "systems.rs",
            "state.ticks += 1;",
            "state.ticks += 1;\n    \
             for ch in frame.input.typed() {\n        state.ticks += 1 << (20 + 4 * (ch as u64 % 5));\n    }\n    \
             let wheel = frame.input.wheel().y;\n    \
             if wheel > 0.0 {\n        state.ticks |= 1 << 62;\n    }\n    \
             if wheel < 0.0 {\n        state.ticks |= 1 << 61;\n    }",
        );
    let (mut child, window) = game_window(&variant.build(), &["--dump-state"]);
    let status_line = |shot: &Screenshot| shot.fraction_in_top(20, |p| near(p, [18, 22, 40])) < 0.5;
    wait_for_screen(
        window,
        &mut child,
        "the game with its status line",
        status_line,
    );
    focus(window);
    xdotool(&["type", "--delay", "30", "hi!"]);
    // Button 4 turns the wheel up, 5 down (XTEST's click is a press and a
    // release, which winit reports as a line each).
    // Events are handled in order: once F1 has hidden (or shown) the status
    // line, the text and the wheel before it have reached a step.
    xdotool(&["click", "4"]);
    type_keys(&["F1"]);
    wait_for_screen(window, &mut child, "the status line to go", |shot| {
        !status_line(shot)
    });
    xdotool(&["click", "5"]);
    type_keys(&["F1"]);
    wait_for_screen(window, &mut child, "the status line again", status_line);
    let summary = stop_with_summary(child);
    let ticks = summary["state"]["ticks"]
        .as_u64()
        .expect("ticks in the dump");
    let counts: Vec<u64> = (0..5)
        .map(|class| (ticks >> (20 + 4 * class)) & 15)
        .collect();
    let mut expected = [0; 5];
    for ch in ['h', 'i', '!'] {
        expected[ch as usize % 5] += 1;
    }
    assert_eq!(
        counts, expected,
        "h, i and ! typed once each, nothing else: {ticks:#x}"
    );
    assert!(
        ticks & (1 << 62) != 0 && ticks & (1 << 61) != 0,
        "the wheel turned up, then down: {ticks:#x}"
    );
}
