//! The devices around the window: typed text and the mouse wheel reach the
//! game, and a machine without sound says so once and plays on.

use super::ending::assert_terminates_within_a_second;
use super::sizes::assert_keeps_updating;
use super::sizes::blinking_demo;
use super::*;

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
