//! Hot-reloaded assets, looped recording and deterministic replay, and state
//! snapshots.

use std::fs;
use std::path::Path;
use std::process::Command;

use engine::{Engine, EngineConfig};
use hotloop_abi::{Input, Key};
use hotloop_tests::{
    Variant, boundaries_until, copy_assets, demo_library, engine_binary, summary_line, ticks,
};

fn engine_with(assets: Option<&Path>, dirs: &Path) -> Engine {
    let mut config = EngineConfig::new(demo_library());
    config.watch = false;
    config.assets = assets.map(Path::to_path_buf);
    config.snapshot_dir = dirs.join("snapshots");
    config.recording_dir = dirs.join("recordings");
    Engine::new(config).expect("engine starts")
}

/// The player's x velocity, from the demo's state bytes.
fn player_vel_x(state: &[u8]) -> f32 {
    let at = std::mem::offset_of!(game_logic::State, player)
        + std::mem::offset_of!(game_logic::Player, vel);
    f32::from_le_bytes(state[at..at + 4].try_into().unwrap())
}

fn holding(key: Key) -> Input {
    let mut input = Input::default();
    input.down.insert(key);
    input
}

fn png(width: u32, height: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&rgba.repeat((width * height) as usize))
        .unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn edited_assets_reload_between_frames_and_broken_ones_keep_the_last_good_version() {
    let dir = tempfile::tempdir().unwrap();
    let assets = copy_assets(dir.path(), &["tunables.toml", "player.png"]);
    let mut engine = engine_with(Some(&assets), dir.path());
    assert_eq!(engine.assets().tunable("player.drag"), Some(0.02));
    assert_eq!(
        engine
            .assets()
            .image("player.png")
            .map(|i| (i.width(), i.height())),
        Some((21, 21))
    );

    // The game reads the tunable: holding Right speeds the player up.
    engine.step(&holding(Key::Right));
    let before = player_vel_x(engine.state_bytes());
    engine.step(&holding(Key::Right));
    assert!(player_vel_x(engine.state_bytes()) > before);

    // Tunables edited on disk: no acceleration, only drag.
    fs::write(
        assets.join("tunables.toml"),
        "[player]\naccel = 0.0\ndrag = 0.02\n",
    )
    .unwrap();
    boundaries_until(&mut engine, "the new tunables", |e| {
        e.assets().tunable("player.accel") == Some(0.0)
    });
    let before = player_vel_x(engine.state_bytes());
    engine.step(&holding(Key::Right));
    assert!(
        player_vel_x(engine.state_bytes()) < before,
        "the game used the new number"
    );

    // A broken tunables file keeps the last good numbers and says why.
    fs::write(assets.join("tunables.toml"), "[player]\naccel = \n").unwrap();
    boundaries_until(&mut engine, "the broken tunables", |e| {
        e.stats().failed_assets == 1
    });
    let error = engine.current_error().unwrap().to_owned();
    assert!(
        error.contains("tunables.toml") && error.contains("not valid TOML"),
        "{error}"
    );
    assert_eq!(engine.assets().tunable("player.accel"), Some(0.0));

    // A broken image keeps the last good image.
    fs::write(assets.join("player.png"), b"this is not a png").unwrap();
    boundaries_until(&mut engine, "the broken image", |e| {
        e.stats().failed_assets == 2
    });
    let error = engine.current_error().unwrap().to_owned();
    assert!(
        error.contains("player.png") && error.contains("not a valid PNG"),
        "{error}"
    );
    assert_eq!(
        engine.assets().image("player.png").map(|i| i.width()),
        Some(21)
    );

    // A good image replaces it and clears the error.
    fs::write(assets.join("player.png"), png(5, 4, [200, 10, 10, 255])).unwrap();
    boundaries_until(&mut engine, "the new image", |e| {
        e.assets().image("player.png").map(|i| i.width()) == Some(5)
    });
    assert_eq!(engine.current_error(), None);
    let mut pixels = vec![0; 320 * 240 * 4];
    engine.render(&mut pixels);
    assert!(
        pixels.chunks_exact(4).any(|p| p == [200, 10, 10, 255]),
        "the game drew the new sprite"
    );
}

#[test]
fn a_missing_asset_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("assets");
    fs::create_dir_all(&empty).unwrap();
    let mut engine = engine_with(Some(&empty), dir.path());
    let mut pixels = vec![0; 320 * 240 * 4];
    for _ in 0..3 {
        engine.begin_frame();
        engine.render(&mut pixels);
    }
    engine.begin_frame();
    let error = engine.current_error().unwrap();
    assert!(
        error.contains("player.png was asked for but is not in"),
        "{error}"
    );
    assert_eq!(engine.stats().failed_assets, 1);
}

fn checksum(engine: &Engine) -> String {
    engine.summary().state_checksum
}

#[test]
fn a_recorded_loop_replays_to_the_same_state_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine_with(None, dir.path());
    for _ in 0..10 {
        engine.step(&Input::default());
    }
    engine.toggle_loop();
    let keys = [Key::Right, Key::Down, Key::Left];
    for step in 0..90 {
        engine.step(&holding(keys[step / 30]));
    }
    let recorded_end = checksum(&engine);
    engine.toggle_loop();
    let notice = engine.notice().unwrap().to_owned();
    assert!(
        notice.starts_with("looping; recording saved to"),
        "{notice}"
    );

    // Looping replays the same 90 steps from the same start, again and again.
    for _ in 0..2 {
        for _ in 0..90 {
            engine.step(&Input::default());
        }
        assert_eq!(
            checksum(&engine),
            recorded_end,
            "each iteration ends where the recording did"
        );
    }

    // The saved recording replays headless to the same state, run after run.
    let recording = fs::read_dir(dir.path().join("recordings"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for _ in 0..2 {
        let output = Command::new(engine_binary())
            .args(["--headless", "--no-watch", "--replay"])
            .arg(&recording)
            .arg("--lib")
            .arg(demo_library())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary = summary_line(&String::from_utf8_lossy(&output.stdout));
        assert_eq!(summary["state_checksum"], recorded_end.as_str());
        assert_eq!(summary["frames"], 90);
    }
}

/// Replays `file` with the binary, which must refuse it without
/// panicking; returns what it said.
fn refused_replay(file: &Path) -> String {
    let output = Command::new(engine_binary())
        .args(["--headless", "--no-watch", "--replay"])
        .arg(file)
        .arg("--lib")
        .arg(demo_library())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_damaged_recording_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.hlrec");
    fs::write(&file, b"HLREC\0\0\0 but then nothing useful").unwrap();
    let stderr = refused_replay(&file);
    assert!(stderr.contains("is not a valid recording"), "{stderr}");
}

#[test]
fn a_recording_cut_off_while_it_was_written_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("recordings");
    let mut engine = engine_with(None, dir.path());
    engine.toggle_loop();
    for step in 0..5000 {
        engine.step(&holding([Key::Left, Key::Right][step / 700 % 2]));
    }
    // The engine process dies here, mid-recording: nothing ends the file.
    std::mem::forget(engine);
    // The writer writes what it was handed, as it would until the process died.
    let started = std::time::Instant::now();
    let cut = loop {
        let file = fs::read_dir(&recordings)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .find(|path| fs::metadata(path).is_ok_and(|m| m.len() > 100_000));
        if let Some(file) = file {
            break file;
        }
        assert!(started.elapsed().as_secs() < 60, "the writer wrote nothing");
        std::thread::yield_now();
    };
    assert!(
        cut.to_string_lossy().ends_with(".hlrec.part"),
        "{}",
        cut.display()
    );
    let stderr = refused_replay(&cut);
    assert!(
        stderr.contains("is not a valid recording: it is cut off"),
        "{stderr}"
    );
}

#[test]
fn snapshots_round_trip_and_one_of_another_layout_is_carried_over_by_field_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = engine_with(None, dir.path());
    for _ in 0..20 {
        engine.step(&Input::default());
    }
    let saved = engine.save_snapshot().expect("saved");
    let at_save = engine.state_bytes().to_vec();
    for _ in 0..20 {
        engine.step(&Input::default());
    }
    engine.load_snapshot(&saved).expect("loaded");
    assert_eq!(engine.state_bytes(), at_save);

    // A library with another state layout takes the snapshot as a reload
    // would: every field whose name and type match, by the file's table.
    let grown = Variant::of_demo("snapshot-lives");
    grown
        .edit(
            "lib.rs",
            "pub score: u32,",
            "pub score: u32,\n        pub lives: u32,",
        )
        .edit("lib.rs", "score: 0,", "score: 0,\n        lives: 3,");
    engine
        .reload_from(&grown.build())
        .expect("layout change: fresh state");
    engine
        .load_snapshot(&saved)
        .expect("carried over by field name");
    assert_eq!(ticks(engine.state_bytes()), 20, "the saved ticks");
    let notice = engine.notice().unwrap_or_default();
    assert!(notice.contains("new: lives"), "{notice}");
    let json = engine.state_json();
    assert_eq!(json["lives"], 3, "a new field has `init`'s value");

    // Without a field table (a file from before tables) it is refused.
    let bytes = fs::read(&saved).unwrap();
    const HEADER: usize = 8 + 4 + 4 + 8 * 3;
    let len = u64::from_le_bytes(bytes[HEADER..HEADER + 8].try_into().unwrap()) as usize;
    let mut stripped = bytes[..HEADER].to_vec();
    stripped.extend_from_slice(&0u64.to_le_bytes());
    stripped.extend_from_slice(&bytes[HEADER + 8 + len..bytes.len() - 8]);
    let sum = engine::files::checksum::checksum(&stripped);
    stripped.extend_from_slice(&sum.to_le_bytes());
    let old = dir.path().join("old.hlstate");
    fs::write(&old, stripped).unwrap();
    let before = engine.state_bytes().to_vec();
    let error = engine.load_snapshot(&old).expect_err("refused").to_string();
    assert!(
        error.contains("has state fingerprint") && error.contains("no field table"),
        "{error}"
    );
    assert_eq!(engine.state_bytes(), before, "nothing changed");

    // A damaged snapshot is refused too.
    let mut bytes = fs::read(&saved).unwrap();
    bytes.truncate(bytes.len() - 3);
    fs::write(&saved, bytes).unwrap();
    let error = engine.load_snapshot(&saved).unwrap_err().to_string();
    assert!(error.contains("is not valid"), "{error}");
}
