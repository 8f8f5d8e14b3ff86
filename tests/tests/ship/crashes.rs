//! A player's crash, reported and brought home to the dev loop.

use super::saves::with_lives;
use super::*;

/// The demo, with a system that panics when `ticks` reaches 90: a bug a
/// player meets after a second and a half of play.
fn panicking_at_90(name: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        "    state.ticks += 1;\n    if state.ticks == 90 {\n        panic!(\"boom at tick 90\");\n    }\n",
    );
    variant
}

#[test]
fn a_players_crash_comes_home_and_runs_through_the_fix() {
    let variant = panicking_at_90("crashy-shipped");
    let executable = ship_variant(&variant);
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(&executable);
    command
        .args(["--headless", "--frames", "200"])
        .current_dir(data.path())
        .env("XDG_DATA_HOME", data.path());
    let played = EngineProcess::start_command(command).finish();
    assert!(played.status.success(), "{}", played.stderr);
    assert!(
        played.stderr.contains("a crash report is saved to"),
        "the player is told: {}",
        played.stderr
    );
    let crashes = data.path().join("variant-crashy-shipped/crashes");
    let report_path = fs::read_dir(&crashes)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a crash report");
    let report: engine::runtime::crash_log::CrashReport =
        serde_json::from_slice(&fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(report.game, "variant-crashy-shipped 0.1.0");
    assert!(report.message.contains("boom at tick 90"), "{report:?}");
    assert_eq!(report.step, 90, "{report:?}");

    // `cargo dev --replay-crash`: the report loops on the current code, up
    // to the same failure.
    let crashy = variant.build();
    let report_arg = report_path.to_str().unwrap();
    let lib = crashy.display().to_string();
    let dev = EngineProcess::start([
        "--headless",
        "--no-watch",
        "--no-supervise",
        "--lib",
        &lib,
        "--replay-crash",
        report_arg,
        "--frames",
        "150",
    ])
    .finish();
    assert!(dev.status.success(), "{}", dev.stderr);
    let summary = dev.summary();
    assert!(
        summary["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("boom at tick 90"),
        "the same failure: {summary}"
    );

    // Fix, save (a reload): the loop runs again, through the fix.
    let mut engine = unwatched(&crashy);
    let recording = engine::runtime::crash_log::CrashReport::recording_of(&report_path).unwrap();
    let steps = recording.inputs.len();
    engine.loop_recording(recording).unwrap();
    run(&mut engine, steps as u64);
    assert!(engine.is_paused(), "the failing step fails again");
    let failures = engine.stats().failed_reloads;
    engine.reload_from(&demo_library()).unwrap();
    let mut furthest = 0;
    for _ in 0..steps * 2 {
        run(&mut engine, 1);
        furthest = furthest.max(ticks(engine.state_bytes()));
    }
    assert!(!engine.is_paused());
    assert_eq!(engine.stats().failed_reloads, failures, "no new failure");
    assert!(furthest >= 90, "past the step that failed: {furthest}");

    // A newer build with another layout takes the report by field name.
    let newer = panicking_at_90("crash-newer-layout");
    with_lives(&newer);
    let mut engine = unwatched(&newer.build());
    let recording = engine::runtime::crash_log::CrashReport::recording_of(&report_path).unwrap();
    let how = engine.loop_recording(recording).unwrap();
    assert!(how.contains("lives"), "carried over by name: {how}");
    run(&mut engine, steps as u64);
    assert!(engine.is_paused(), "and fails where the player's did");
}

/// The crash reports in `dir`: their JSON files, oldest first.
fn reports_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    found.retain(|p| p.extension().is_some_and(|e| e == "json"));
    found.sort();
    found
}

#[test]
fn a_game_that_dies_without_unwinding_is_reported_at_the_next_start() {
    // An abort at tick 90: no panic handler runs, nothing in the process
    // can write a report. (A stack overflow or a panic while panicking ends
    // the same way.)
    let variant = aborting_at_90("aborting-shipped");
    let executable = ship_variant(&variant);
    let data = tempfile::tempdir().unwrap();
    let start = |frames: &str| {
        let mut command = Command::new(&executable);
        command
            .args(["--headless", "--frames", frames])
            .current_dir(data.path())
            .env("XDG_DATA_HOME", data.path());
        EngineProcess::start_command(command).finish()
    };
    let crashes = data.path().join("variant-aborting-shipped/crashes");
    let died = start("200");
    assert!(!died.status.success(), "it aborted: {}", died.stderr);
    assert!(
        reports_in(&crashes).is_empty(),
        "nothing could write one yet"
    );

    // The next start finds the journal the dead run left and tells the player.
    let next = start("30");
    assert!(next.status.success(), "{}", next.stderr);
    assert!(
        next.stderr
            .contains("the last run ended unexpectedly; a crash report is saved to"),
        "the player is told: {}",
        next.stderr
    );
    let reports = reports_in(&crashes);
    assert_eq!(reports.len(), 1, "one report: {reports:?}");
    let journals: Vec<_> = fs::read_dir(&crashes)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "hljournal"))
        .collect();
    assert!(
        journals.is_empty(),
        "the journal is gone once reported, and the second run closed its own: {journals:?}"
    );
    let report: engine::runtime::crash_log::CrashReport =
        serde_json::from_slice(&fs::read(&reports[0]).unwrap()).unwrap();
    assert_eq!(report.game, "variant-aborting-shipped 0.1.0");
    assert_eq!(report.step, 90, "{report:?}");
    assert!(
        report.message.contains("during update step 90"),
        "{report:?}"
    );
    let recording = engine::runtime::crash_log::CrashReport::recording_of(&reports[0]).unwrap();
    assert_eq!(
        recording.first_step + recording.inputs.len() as u64,
        90,
        "the recording ends with the step that died"
    );

    // On the fixed code (the demo), the report runs through that step.
    let mut engine = unwatched(&demo_library());
    let steps = recording.inputs.len() as u64;
    engine.loop_recording(recording).unwrap();
    run(&mut engine, steps);
    assert!(!engine.is_paused());
    assert_eq!(
        ticks(engine.state_bytes()),
        90,
        "the last step ran: tick 90"
    );

    // A third start finds nothing more to say.
    let third = start("10");
    assert!(third.status.success(), "{}", third.stderr);
    assert!(
        !third.stderr.contains("ended unexpectedly"),
        "{}",
        third.stderr
    );
    assert_eq!(reports_in(&crashes).len(), 1);
}
