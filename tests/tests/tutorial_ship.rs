//! Part 9 of the book's tutorial (`docs/src/tutorial/9-ship-it.md`), checked: what `cargo ship`
//! prints, the line a player sees when the step-9 bug stops the shipped
//! game, and `--replay-crash` looping the report to the same failure.

use std::fs;
use std::path::PathBuf;

use hotloop_tests::workspace;

fn step(path: &str) -> PathBuf {
    workspace().join("docs/tutorial").join(path)
}

/// Part 9, "Ship it": what `cargo ship` prints, the line a player sees when
/// the step-9 bug stops the shipped game, and `--replay-crash` looping the
/// report to the same failure.
#[test]
fn shipping_and_a_players_crash_read_as_part_9_says() {
    use hotloop_tests::{EngineProcess, Variant, ship_variant};
    use std::process::Command;

    let part = fs::read_to_string(workspace().join("docs/src/tutorial/9-ship-it.md")).unwrap();
    assert!(part.starts_with("# 9. Ship it"), "part 9");
    let shipped = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["run", "-q", "-p", "tools", "--", "ship"])
        .current_dir(workspace())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&shipped.stdout);
    assert!(
        shipped.status.success(),
        "{}",
        String::from_utf8_lossy(&shipped.stderr)
    );
    assert!(
        out.starts_with("shipped game-logic to ") && out.contains("/target/ship/game-logic/ ("),
        "{out}"
    );
    assert!(part.contains("`shipped game-logic to …/target/ship/game-logic/ ("));

    // The player's copy, with the bug of part 9.
    let buggy = Variant::of_demo("tutorial-ship");
    buggy.overlay(&step("step-9/src"));
    let package = format!("variant-{}", buggy.name());
    let executable = ship_variant(&buggy);
    let data = tempfile::tempdir().unwrap();
    let played = EngineProcess::start_command({
        let mut command = Command::new(&executable);
        command
            .args(["--headless", "--frames", "700"])
            .current_dir(data.path())
            .env("XDG_DATA_HOME", data.path());
        command
    })
    .finish();
    assert!(played.status.success(), "{}", played.stderr);
    let said = format!("the game stopped: update panicked in {package}: out of ticks (at /");
    let saved = format!(
        "/src/systems.rs:20); a crash report is saved to {}/{package}/crashes/crash-",
        data.path().display()
    );
    assert!(
        played.stderr.contains(&said) && played.stderr.contains(&saved),
        "{said} … {saved}\n{}",
        played.stderr
    );
    assert!(part.contains(
        "`the game stopped: update panicked in game-logic: out of ticks (at\n/…/game-logic/src/systems.rs:20); a crash report is saved to\n/home/you/.local/share/game-logic/crashes/crash-"
    ));
    let report = fs::read_dir(data.path().join(&package).join("crashes"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "json"))
        .expect("the report");

    // Back home, with the bug still in the code: the same failure.
    let lib = buggy.build().display().to_string();
    let dev = EngineProcess::start([
        "--headless",
        "--no-watch",
        "--lib",
        &lib,
        "--replay-crash",
        report.to_str().unwrap(),
        "--frames",
        "400",
    ])
    .finish();
    assert!(dev.status.success(), "{}", dev.stderr);
    assert!(
        dev.stderr.contains("looping the crash report"),
        "{}",
        dev.stderr
    );
    let last_error = dev.summary()["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(last_error.contains("out of ticks"), "{last_error}");
}
