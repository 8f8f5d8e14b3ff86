//! Every window size, down to one pixel, shows the whole picture and keeps
//! updating.

use super::ending::assert_terminates_within_a_second;
use super::*;

/// The demo with a picture that changes everywhere every 20 steps (the
/// background's colour, a square at the centre), so that even a window one
/// pixel wide shows it moving. Built once per test binary.
pub(super) fn blinking_demo() -> std::path::PathBuf {
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
pub(super) fn resize(window: XWindow, width: u32, height: u32) {
    let (id, w, h) = (window.id.to_string(), width.to_string(), height.to_string());
    xdotool(&["windowsize", &id, &w, &h]);
    wait_for_size(window, width, height);
}

/// Waits until X reports the window at `width` x `height` (a guard of 10 s).
pub(super) fn wait_for_size(window: XWindow, width: u32, height: u32) {
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
pub(super) fn assert_keeps_updating(window: XWindow, engine: &mut EngineProcess, what: &str) {
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
pub(super) fn blinking_window() -> (EngineProcess, XWindow) {
    let library = blinking_demo();
    let mut engine =
        EngineProcess::start(["--no-watch".as_ref(), "--lib".as_ref(), library.as_os_str()]);
    engine.wait_for("the game is on screen");
    let window = XWindow::of_process(engine.id(), Duration::from_secs(30)).expect("a window");
    (engine, window)
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
