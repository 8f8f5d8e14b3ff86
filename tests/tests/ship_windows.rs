//! `cargo ship --target x86_64-pc-windows-gnu`: a game built on Linux for
//! Windows runs there (here: under Wine), and replays a recording made
//! under `cargo dev` on Linux to the same state checksum, for the demo and
//! both examples.
//!
//! A game that aborts there leaves its crash journal, which the next start
//! turns into a report that the Linux dev engine plays to the failing step.
//! And the game's window opens (under Xvfb: Wine's X11 driver, wgpu through
//! Wine's Vulkan on Mesa's), titled with the game's title alone, showing
//! the game and no status line.
//!
//! Needs the Rust target (`rustup target add x86_64-pc-windows-gnu`),
//! mingw-w64 (`gcc-mingw-w64-x86-64`, its linker) and Wine (`wine64`).
//! Without them the test is skipped with a note, unless
//! `HOTLOOP_REQUIRE_WINDOWS` is set (CI sets it): then it fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use hotloop_tests::{
    EngineProcess, XWindow, aborting_at_90, demo_library, display_available, game_library,
    record_play, run, ship_variant_for, shipped_copy, ticks, unwatched, workspace,
};

const TARGET: &str = "x86_64-pc-windows-gnu";
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Each game: its package, and its title.
const GAMES: [(&str, &str); 3] = [
    ("game-logic", "game-logic"),
    ("invaders", "Invaders"),
    ("breakout", "Breakout"),
];

/// Wine's 64-bit loader: on `PATH`, or where Debian puts it.
fn wine() -> Option<PathBuf> {
    let on_path = ["wine64", "wine"].into_iter().find_map(|name| {
        let found = Command::new("which").arg(name).output().ok()?;
        found
            .status
            .success()
            .then(|| PathBuf::from(String::from_utf8_lossy(&found.stdout).trim()))
    });
    on_path.or_else(|| Some(PathBuf::from("/usr/lib/wine/wine64")).filter(|p| p.is_file()))
}

/// What is missing to build for Windows and run it here, if anything.
fn missing() -> Option<String> {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output();
    let sysroot = sysroot.map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    if !sysroot.is_ok_and(|root| root.join("lib/rustlib").join(TARGET).is_dir()) {
        return Some(format!(
            "the Rust target is not installed (rustup target add {TARGET})"
        ));
    }
    if !Command::new(MINGW_GCC)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
    {
        return Some(format!(
            "{MINGW_GCC} is missing (apt install gcc-mingw-w64-x86-64)"
        ));
    }
    if wine().is_none() {
        return Some("Wine is missing (apt install wine64)".into());
    }
    None
}

/// Whether the Windows test can run here (see the module doc).
fn windows_available() -> bool {
    let Some(reason) = missing() else {
        return true;
    };
    if std::env::var_os("HOTLOOP_REQUIRE_WINDOWS").is_some() {
        panic!("the Windows test is required here (HOTLOOP_REQUIRE_WINDOWS) but {reason}");
    }
    eprintln!(
        "SKIPPED Windows test: {reason} (or set HOTLOOP_REQUIRE_WINDOWS to make this a failure)"
    );
    false
}

/// `tests/wine/bcryptprimitives.c` built into `dir` (see the file: Wine 8
/// lacks the DLL; Windows 10 and later have it).
fn add_missing_dll(dir: &Path) {
    let source = workspace().join("tests/wine/bcryptprimitives.c");
    let built = Command::new(MINGW_GCC)
        .args(["-shared", "-O2", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(&source)
        .arg("-ladvapi32")
        .output()
        .expect("run mingw's gcc");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

/// `game` shipped for Windows, its folder copied away with the stand-in
/// DLL: the copy's executable.
fn shipped(game: &str) -> PathBuf {
    let executable = shipped_copy(game, Some(TARGET), add_missing_dll);
    assert_eq!(executable.file_name(), Some(format!("{game}.exe").as_ref()));
    executable
}

/// Wine's configuration for these tests, made once before any game runs
/// (`wineboot --init`), not by games started at once.
fn wine_prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = workspace().join("target/hotloop-wine");
        fs::create_dir_all(&prefix).unwrap();
        let made = wine_in(&prefix)
            .args(["wineboot", "--init"])
            .output()
            .expect("run wineboot");
        assert!(
            made.status.success(),
            "wineboot: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        // `wineboot` returns while the new prefix's services still start
        // up; a game started meanwhile may fail without a word. Wait until
        // the prefix's server has ended with them.
        let waited = Command::new(wineserver())
            .arg("-w")
            .env("WINEPREFIX", &prefix)
            .status()
            .expect("run wineserver");
        assert!(waited.success(), "wineserver -w: {waited}");
        prefix
    })
}

/// Wine's server: beside its loader, or on `PATH`.
fn wineserver() -> PathBuf {
    let loader = wine().expect("checked");
    ["wineserver64", "wineserver"]
        .iter()
        .map(|name| loader.with_file_name(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from("wineserver"))
}

/// The shipped `executable` run under Wine in its own folder, with `args`.
fn under_wine(executable: &Path, args: &[&str]) -> EngineProcess {
    let mut command = wine_in(wine_prefix());
    command
        .arg(executable)
        .args(args)
        .current_dir(executable.parent().unwrap());
    EngineProcess::start_command(command)
}

/// Wine, configured in `prefix`, quiet, and without the .NET and HTML
/// installers a fresh prefix would ask for.
fn wine_in(prefix: &Path) -> Command {
    let mut command = Command::new(wine().expect("checked"));
    command
        .env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
    command
}

#[test]
fn a_game_shipped_for_windows_replays_a_linux_recording_to_the_same_checksum() {
    if !windows_available() {
        return;
    }
    for (game, title) in GAMES {
        let lib = game_library(game);
        let recording = record_play(&lib);
        let lib = lib.display().to_string();
        let dev = EngineProcess::start([
            "--headless",
            "--no-watch",
            "--lib",
            &lib,
            "--replay",
            recording.to_str().unwrap(),
        ])
        .finish();
        assert!(dev.status.success(), "{game}: {}", dev.stderr);

        let executable = shipped(game);
        fs::copy(&recording, executable.with_file_name("play.hlrec")).unwrap();
        let player = under_wine(&executable, &["--headless", "--replay", "play.hlrec"]).finish();
        assert!(
            player.status.success(),
            "{game}: {} {}",
            player.status,
            player.stderr
        );
        let (dev, player) = (dev.summary(), player.summary());
        assert_eq!(player["frames"], 240, "{game}: {player}");
        assert_eq!(player["title"], title, "{game}: {player}");
        assert_eq!(
            player["state_checksum"], dev["state_checksum"],
            "{game}: on Windows {player}\ndev on Linux {dev}"
        );
    }
}

#[test]
fn a_game_that_aborts_on_windows_is_reported_at_its_next_start_and_replays_on_linux() {
    if !windows_available() {
        return;
    }
    let variant = aborting_at_90("aborting-windows");
    let executable = ship_variant_for(&variant, Some(TARGET));
    add_missing_dll(executable.parent().unwrap());
    // The player's data folder under Wine: AppData\Roaming\GAME, per user.
    let users = workspace().join("target/hotloop-wine/drive_c/users");
    let data_dirs = || -> Vec<PathBuf> {
        fs::read_dir(&users)
            .map(|users| {
                users
                    .flatten()
                    .map(|user| user.path().join("AppData/Roaming/variant-aborting-windows"))
                    .filter(|dir| dir.exists())
                    .collect()
            })
            .unwrap_or_default()
    };
    for dir in data_dirs() {
        fs::remove_dir_all(dir).unwrap();
    }

    let died = under_wine(&executable, &["--headless", "--frames", "200"]).finish();
    assert!(!died.status.success(), "it aborted: {}", died.stderr);
    let next = under_wine(&executable, &["--headless", "--frames", "30"]).finish();
    assert!(next.status.success(), "{}", next.stderr);
    assert!(
        next.stderr
            .contains("the last run ended unexpectedly; a crash report is saved to"),
        "the player is told: {}",
        next.stderr
    );
    let data = data_dirs();
    assert_eq!(data.len(), 1, "one data folder: {data:?}");
    let files: Vec<PathBuf> = fs::read_dir(data[0].join("crashes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(
        files.len(),
        2,
        "a report and its recording, no journal: {files:?}"
    );
    let report = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a report");

    // Played in the Linux dev engine on the fixed code: to tick 90.
    let recording = engine::runtime::crash_log::CrashReport::recording_of(report).unwrap();
    assert_eq!(recording.first_step + recording.inputs.len() as u64, 90);
    let steps = recording.inputs.len() as u64;
    let mut engine = unwatched(&demo_library());
    engine.loop_recording(recording).unwrap();
    run(&mut engine, steps);
    assert_eq!(ticks(engine.state_bytes()), 90);
}

#[test]
fn a_game_shipped_for_windows_opens_its_window_with_the_game_alone() {
    if !windows_available() || !display_available() {
        return;
    }
    let game = under_wine(&shipped("game-logic"), &["--scale", "2"]);
    let window = XWindow::of_process_titled(game.id(), "game-logic", Duration::from_secs(120))
        .expect("a window titled with the game's title alone");
    assert_eq!(window.title(), "game-logic");
    // Under load, Wine can show the window at its default size first
    // (952x741 on this 1280x1024 screen: three quarters of it, less the
    // frame), until the size the game asks for arrives.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut size = window.geometry();
    while (size.2, size.3) != (640, 480) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        size = window.geometry();
    }
    assert_eq!((size.2, size.3), (640, 480), "320x240 at scale 2");
    // The demo's background fills most of the picture, and no status line
    // (light text in the top rows) is drawn over it.
    let background = [18, 22, 40];
    let mut shot = window.screenshot();
    for _ in 0..100 {
        if shot.fraction_in_top(480, |rgb| rgb == background) > 0.5 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        shot = window.screenshot();
    }
    let status_text = shot.fraction_in_top(24, |rgb| rgb == [235, 235, 235]);
    let shown = shot.fraction_in_top(480, |rgb| rgb == background);
    drop(game.terminate());
    assert!(
        shown > 0.5,
        "the game's background fills the window: {shown}"
    );
    assert_eq!(status_text, 0.0, "no status line");
}
