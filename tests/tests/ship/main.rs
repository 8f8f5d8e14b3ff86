//! `cargo ship`: a game built into a player's executable runs from a copy of
//! its folder anywhere, with its code linked in (no library loaded), the
//! game's title alone and none of the engine's overlay, and plays a
//! recording made under `cargo dev` to the same state checksum. Players'
//! saves are in `saves`, their crash reports in `crashes`.

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

mod crashes;
mod saves;

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
