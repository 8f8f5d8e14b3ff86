//! The display going away under a running window (the X server exits): the
//! session ends at once, with the state saved to a snapshot, one line saying
//! so, the summary, and a non-zero status; it is not restarted like a crash,
//! and nothing floods the log (issue #13).

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hotloop_tests::{EngineProcess, demo_library, display_available, variants_dir};

/// An X server of the test's own, to kill.
struct PrivateDisplay {
    server: Child,
    name: String,
}

impl PrivateDisplay {
    fn start() -> Self {
        // The lowest number with no server; a number from another test
        // binary's server is skipped when its socket exists.
        let number = (150..250)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free display number");
        let name = format!(":{number}");
        let server = Command::new("Xvfb")
            .args([&name, "-screen", "0", "1024x768x24", "-noreset"])
            .stderr(Stdio::null())
            .spawn()
            .expect("run Xvfb (apt-get install xvfb)");
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { server, name }
    }

    /// Kills the server outright; returns when.
    fn kill(&mut self) -> Instant {
        self.server.kill().expect("kill Xvfb");
        let killed = Instant::now();
        let _ = self.server.wait();
        killed
    }
}

impl Drop for PrivateDisplay {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// Starts the demo window on a private display, kills the display once
/// frames are on screen, and checks how the session ends.
fn display_goes_away(name: &str, flags: &[&str]) {
    if !display_available() {
        return;
    }
    let mut display = PrivateDisplay::start();
    let snapshots = variants_dir().join("display-loss").join(name);
    let _ = fs::remove_dir_all(&snapshots);
    let mut args: Vec<std::ffi::OsString> = flags.iter().map(Into::into).collect();
    args.extend(["--no-watch".into(), "--snapshot-dir".into()]);
    args.push(snapshots.clone().into());
    args.extend(["--lib".into(), demo_library().into()]);
    let mut engine = EngineProcess::start_with(args, &[("DISPLAY", &display.name)]);
    engine.wait_for("the game is on screen");
    let before_kill = engine.stderr().lines().count();

    let killed = display.kill();
    let (finished, _) = engine.finish_within(Duration::from_secs(30));
    let took = killed.elapsed();
    eprintln!("{name}: exited {took:?} after the X server was killed");
    assert!(
        took < Duration::from_secs(2),
        "the engine exited {took:?} after its display went away (at most 2 s):\n{}",
        finished.stderr
    );
    assert!(!finished.status.success(), "{}", finished.stderr);

    // One line says what happened and where the state is.
    let said: Vec<&str> = finished
        .stderr
        .lines()
        .filter(|line| line.contains("went away"))
        .collect();
    assert_eq!(said.len(), 1, "one line about it:\n{}", finished.stderr);
    let line = said[0];
    assert!(
        line.starts_with(&format!("hotloop: the display {} went away", display.name)),
        "{line}"
    );
    let path = line
        .split("the state is saved to ")
        .nth(1)
        .unwrap_or_else(|| panic!("no snapshot in: {line}"));
    assert!(Path::new(path).is_file(), "{path} exists");
    assert!(path.starts_with(snapshots.to_str().unwrap()), "{path}");
    assert_eq!(fs::read_dir(&snapshots).unwrap().count(), 1, "one snapshot");

    // The summary, not a restart after a "crash".
    let summary = finished.summary();
    assert_eq!(summary["crashes"], 0, "{summary}");
    assert!(
        summary["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("went away"),
        "{summary}"
    );
    assert!(summary["frames"].as_u64().unwrap() > 0, "{summary}");

    // No flood: a few lines, and none but that one from Xlib or wgpu.
    let after_kill = finished.stderr.lines().count() - before_kill;
    eprintln!("{name}: {after_kill} stderr lines after the kill");
    assert!(after_kill <= 5, "{after_kill} lines:\n{}", finished.stderr);
    let others = finished.stderr.replace(line, "");
    for noise in ["XIO", "X connection to", "Validation Error", "ERROR"] {
        assert!(
            !others.contains(noise),
            "{noise:?} in:\n{}",
            finished.stderr
        );
    }
}

#[test]
fn a_display_that_goes_away_ends_the_session_with_the_state_saved() {
    display_goes_away("supervised", &[]);
}
