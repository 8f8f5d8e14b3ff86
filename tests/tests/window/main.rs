//! The real window under X: what the X server displays changes with a live
//! rebuild, a refused library shows its error, and the process never restarts.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hotloop_tests::{
    EngineProcess, Finished, Screenshot, Variant, XWindow, display_available, engine_binary,
    summary_line,
};

mod devices;
mod ending;
mod panels;
mod reload;
mod sizes;

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
