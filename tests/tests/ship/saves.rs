//! A persisting game's save between a player's runs.

use super::*;

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
pub(crate) fn with_lives(variant: &Variant) {
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
