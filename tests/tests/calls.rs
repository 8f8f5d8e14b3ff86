//! Every thread reports its calls into game code in its own slot of the
//! control block, so calls that overlap on two threads (the frame thread
//! going back to an earlier build while the watcher prepares a new one)
//! leave nothing behind for the supervisor to take for a hang.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use engine::loader::library::GameLibrary;
use engine::session::Session;
use engine::shared::control::{Call, Control};
use hotloop_tests::{Variant, variants_dir};

/// The demo whose `greet` says it started (`greeting-N` in `dir`, N counting
/// the greets so far) and returns only once `go-N` exists there.
fn waiting_greet(dir: &Path) -> PathBuf {
    let variant = Variant::of_demo("calls-waiting-greet");
    variant.edit(
        "lib.rs",
        "fn greet() -> &'static str {",
        &format!(
            r#"fn greet() -> &'static str {{
    let dir = std::path::Path::new({dir:?});
    let greeting = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("greeting-")).count())
        .unwrap_or(0);
    std::fs::write(dir.join(format!("greeting-{{greeting}}")), "").unwrap();
    while !dir.join(format!("go-{{greeting}}")).exists() {{
        std::thread::sleep(std::time::Duration::from_millis(2));
    }}"#
        ),
    );
    variant.build()
}

/// Waits until `done` holds (a guard of 60 s against hanging).
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn calls(control: &Control) -> Vec<Call> {
    control.calls().iter().flatten().map(|c| c.call).collect()
}

/// Loads on two threads, entered A then B and left A then B: with one slot
/// shared by both, B's guards restored what A had shown, and the slot
/// showed a call forever.
#[test]
fn loads_that_overlap_on_two_threads_leave_no_call_behind() {
    let dir = variants_dir().join("calls-tests");
    let _ = std::fs::remove_dir_all(&dir);
    let signals = dir.join("signals");
    std::fs::create_dir_all(&signals).unwrap();
    let library = waiting_greet(&signals);
    let session = Session::standalone(&dir.join("session")).unwrap();
    let control = session.control();
    let load = || {
        let shadows = session.shadow_dir().unwrap();
        let library = library.clone();
        std::thread::spawn(move || {
            GameLibrary::load(&library, &shadows).map(|l| l.greeting().to_owned())
        })
    };
    let a = load();
    wait_until("A's greet", || signals.join("greeting-0").exists());
    let b = load();
    wait_until("B's greet", || signals.join("greeting-1").exists());
    assert!(
        calls(control).contains(&Call::Greet),
        "{:?}",
        calls(control)
    );
    std::fs::write(signals.join("go-0"), "").unwrap();
    a.join().unwrap().unwrap();
    std::fs::write(signals.join("go-1"), "").unwrap();
    b.join().unwrap().unwrap();
    assert_eq!(calls(control), [], "no call left behind");
}
