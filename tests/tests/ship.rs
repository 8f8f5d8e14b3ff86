//! `cargo ship`: a game built into a player's executable runs from a copy of
//! its folder anywhere, with its code linked in (no library loaded), the
//! game's title alone and none of the engine's overlay, and plays a
//! recording made under `cargo dev` to the same state checksum.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use engine::player::save::{self, Restored};
use hotloop_tests::{
    EngineProcess, Variant, XWindow, aborting_at_90, copy_dir, demo_library, display_available,
    engine_binary, game_library, record_play, run, ship_variant, shipped_copy, ticks, unwatched,
    workspace,
};

/// Each game: its package, and its title.
const GAMES: [(&str, &str); 3] = [
    ("game-logic", "game-logic"),
    ("invaders", "Invaders"),
    ("breakout", "Breakout"),
];

/// `game` shipped, its folder copied away from the build: the copy's
/// executable.
fn shipped(game: &str) -> PathBuf {
    shipped_copy(game, None, |_| {})
}

/// Whether `binary` defines `symbol` for others to bind to (its dynamic
/// symbol table, as `nm -D --defined-only` lists it).
fn defines(binary: &Path, symbol: &str) -> bool {
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(binary)
        .output()
        .expect("run nm (binutils)");
    assert!(
        output.status.success(),
        "nm {}: {}",
        binary.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .any(|line| line.split_whitespace().last() == Some(symbol))
}

/// The shipped executable, started in a fresh working directory.
fn play(executable: &Path, args: &[&str], cwd: &Path) -> EngineProcess {
    let mut command = Command::new(executable);
    command.args(args).current_dir(cwd).env("RUST_LOG", "info");
    EngineProcess::start_command(command)
}

#[test]
fn a_shipped_game_runs_from_a_copied_folder_with_its_code_linked_in() {
    let executable = shipped("game-logic");
    let folder = executable.parent().unwrap();
    let files: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().all(|name| !name.ends_with(".so")),
        "no game library beside it: {files:?}"
    );
    assert!(folder.join("assets/player.png").is_file(), "{files:?}");
    // It loads no library, so it carries none of the dev engine's
    // replacements of glibc's functions: its threads and thread-locals are
    // glibc's own.
    for symbol in ["pthread_create", "__cxa_thread_atexit_impl"] {
        assert!(
            defines(&engine_binary(), symbol),
            "the dev engine defines {symbol} (so this check can see one)"
        );
        assert!(
            !defines(&executable, symbol),
            "the shipped game defines {symbol}"
        );
    }

    // Running: no game library mapped, nothing written where it runs.
    let cwd = tempfile::tempdir().unwrap();
    let mut game = play(&executable, &["--headless"], cwd.path());
    game.wait_for("generation 1");
    let maps = fs::read_to_string(format!("/proc/{}/maps", game.id())).unwrap();
    assert!(
        !maps.contains("game_logic"),
        "no game library (libgame_logic.so) or shadow copy of one is mapped:\n{maps}"
    );
    // Ended right after its first line it may not have stepped yet (a slow
    // moment of the machine): that it steps is the 300-step run's to show.
    let finished = game.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);
    assert_eq!(
        fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "a player's game writes nothing where it is run"
    );

    // The same 300 steps as under the dev engine, to the same bytes.
    let shipped = play(&executable, &["--headless", "--frames", "300"], cwd.path()).finish();
    assert!(shipped.status.success(), "{}", shipped.stderr);
    let lib = demo_library().display().to_string();
    let dev = EngineProcess::start([
        "--headless",
        "--no-watch",
        "--no-supervise",
        "--frames",
        "300",
        "--lib",
        &lib,
    ])
    .finish();
    assert!(dev.status.success(), "{}", dev.stderr);
    assert_eq!(shipped.summary()["frames"], 300, "{}", shipped.summary());
    assert_eq!(
        shipped.summary()["state_checksum"],
        dev.summary()["state_checksum"],
        "shipped: {}\ndev: {}",
        shipped.summary(),
        dev.summary()
    );
}

#[test]
fn each_game_replays_a_cargo_dev_recording_to_the_same_checksum_when_shipped() {
    for (game, title) in GAMES {
        let lib = game_library(game);
        let recording = record_play(&lib);
        let recording = recording.to_str().unwrap();

        let lib = lib.display().to_string();
        let dev = EngineProcess::start([
            "--headless",
            "--no-watch",
            "--lib",
            &lib,
            "--replay",
            recording,
        ])
        .finish();
        assert!(dev.status.success(), "{game}: {}", dev.stderr);
        let cwd = tempfile::tempdir().unwrap();
        let executable = shipped(game);
        let player = play(
            &executable,
            &["--headless", "--replay", recording],
            cwd.path(),
        )
        .finish();
        assert!(player.status.success(), "{game}: {}", player.stderr);
        let (dev, player) = (dev.summary(), player.summary());
        assert_eq!(player["frames"], 240, "{game}: {player}");
        assert_eq!(player["title"], title, "{game}: {player}");
        assert_eq!(
            player["state_checksum"], dev["state_checksum"],
            "{game}: shipped {player}\ndev {dev}"
        );
    }
}

/// The status line's text colour (`frontend::overlay`), drawn in the top
/// rows of the engine's window.
const STATUS_TEXT: [u8; 3] = [235, 235, 235];

#[test]
fn a_shipped_window_shows_the_game_alone_under_its_own_title() {
    if !display_available() {
        return;
    }
    let executable = shipped("game-logic");
    let cwd = tempfile::tempdir().unwrap();
    let mut game = play(&executable, &["--scale", "2"], cwd.path());
    game.wait_for("generation 1");
    let window = XWindow::of_process_titled(game.id(), "game-logic", Duration::from_secs(60))
        .expect("a window titled with the game's title alone");
    assert_eq!(window.title(), "game-logic");
    // The status line would be text in the top 12 framebuffer rows.
    let band = 12 * 2;
    let shipped_text = window
        .screenshot()
        .fraction_in_top(band, |rgb| rgb == STATUS_TEXT);
    drop(game.terminate());

    // The same check finds the status line in the developer's window.
    let lib = demo_library().display().to_string();
    let mut dev = EngineProcess::start([
        "--no-watch",
        "--no-supervise",
        "--scale",
        "2",
        "--lib",
        &lib,
    ]);
    dev.wait_for("generation 1");
    let window = XWindow::of_process(dev.id(), Duration::from_secs(60)).expect("the dev window");
    let mut dev_text = 0.0;
    for _ in 0..50 {
        dev_text = window
            .screenshot()
            .fraction_in_top(band, |rgb| rgb == STATUS_TEXT);
        if dev_text > 0.0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(dev.terminate());
    assert!(dev_text > 0.01, "the check sees a status line: {dev_text}");
    assert_eq!(shipped_text, 0.0, "no status line over the shipped game");
}

#[test]
fn a_save_of_an_older_layout_carries_over_and_an_unusable_one_is_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("game/save.hlstate");
    let mut old = unwatched(&demo_library());
    run(&mut old, 50);
    save::keep(&old, &path).unwrap();

    // A newer build of the game with another state layout.
    let newer = Variant::of_demo("save-newer-layout");
    with_lives(&newer);
    let mut engine = unwatched(&newer.build());
    assert_eq!(save::restore(&mut engine, &path), Restored::Loaded);
    assert_eq!(ticks(engine.state_bytes()), 50, "carried over by name");
    let lives = engine::state::fields::locate(engine.state_fields(), "lives", engine.state_bytes())
        .unwrap()
        .offset;
    assert_eq!(
        engine.state_bytes()[lives],
        3,
        "a new field takes init's value"
    );

    // A save that is no snapshot at all: kept aside, and a new game.
    std::fs::write(&path, b"not a hotloop save").unwrap();
    let mut engine = unwatched(&demo_library());
    let Restored::KeptAside(aside, reason) = save::restore(&mut engine, &path) else {
        panic!("an unusable save is kept aside");
    };
    assert!(
        !path.exists() && aside.is_file(),
        "renamed, not deleted: {aside:?}"
    );
    assert_eq!(std::fs::read(&aside).unwrap(), b"not a hotloop save");
    assert!(!reason.is_empty());
    assert_eq!(ticks(engine.state_bytes()), 0, "a new game");
}

#[test]
fn a_persisting_shipped_game_carries_on_where_the_player_quit() {
    if !display_available() {
        return;
    }
    let variant = Variant::of_demo("persisting");
    variant.edit(
        "lib.rs",
        "    greet: greet,\n",
        "    greet: greet,\n    persist: true,\n",
    );
    let package = format!("variant-{}", variant.name());
    let executable = ship_variant(&variant);
    let data = tempfile::tempdir().unwrap();
    let save_file = data.path().join(&package).join("save.hlstate");
    let session = |frames: &str| {
        let mut command = Command::new(&executable);
        command
            .args(["--frames", frames])
            .current_dir(data.path())
            .env("XDG_DATA_HOME", data.path());
        let finished = EngineProcess::start_command(command).finish();
        assert!(finished.status.success(), "{}", finished.stderr);
        let saved = engine::files::snapshot::load(&save_file)
            .unwrap_or_else(|error| panic!("a save at {}: {error}", save_file.display()));
        ticks(saved.state.bytes())
    };
    assert_eq!(session("60"), 60, "saved when the player quit");
    assert_eq!(
        session("120"),
        180,
        "restored at the next start, then saved again"
    );

    // The engine's note that the state was loaded is for developers: the
    // player's window shows the game alone (the overlay's text would be
    // in STATUS_TEXT's colour, over the picture). With the demo's assets
    // beside it, as `cargo ship` puts them, so nothing else is said either.
    copy_dir(
        &workspace().join("assets"),
        &executable.parent().unwrap().join("assets"),
    );
    let mut command = Command::new(&executable);
    command
        .args(["--frames", "3600"])
        .current_dir(data.path())
        .env("XDG_DATA_HOME", data.path())
        .env("RUST_LOG", "info");
    let mut game = EngineProcess::start_command(command);
    game.wait_for("state loaded from");
    let window = XWindow::of_process_titled(game.id(), &package, Duration::from_secs(60))
        .expect("the window, titled with the package's name");
    let shown = (0..10)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(100));
            window.screenshot().fraction(|rgb| rgb == STATUS_TEXT)
        })
        .fold(0.0, f64::max);
    drop(game.terminate());
    assert_eq!(shown, 0.0, "no engine text over the restored game");
}

/// A newer build of `variant` whose state gained `lives` (3 at `init`).
fn with_lives(variant: &Variant) {
    variant
        .edit(
            "lib.rs",
            "        pub ticks: u64,\n",
            "        pub ticks: u64,\n        pub lives: u32,\n",
        )
        .edit(
            "lib.rs",
            "        ticks: 0,\n",
            "        ticks: 0,\n        lives: 3,\n",
        );
}

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
