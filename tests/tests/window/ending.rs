//! Ending: no display is a clear error, and a signal ends any window within
//! a second, with the summary.

use super::sizes::assert_keeps_updating;
use super::sizes::blinking_window;
use super::sizes::resize;
use super::*;

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

/// Ends the engine with SIGTERM and checks it did within a second, with the summary.
pub(super) fn assert_terminates_within_a_second(engine: EngineProcess, what: &str) -> Finished {
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
