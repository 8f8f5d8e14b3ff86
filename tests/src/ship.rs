//! Games built the way `cargo ship` builds them, and copies of what it
//! writes.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::{Variant, copy_dir, demo_library, unwatched, variants_dir, workspace};

/// Ships `variant` with `cargo ship` (its crate made an `rlib` too, as a
/// game crate to ship must be), into the workspace's target directory;
/// returns the executable.
pub fn ship_variant(variant: &Variant) -> PathBuf {
    ship_variant_for(variant, None)
}

/// As [`ship_variant`], built for `platform` (a Rust target triple) when
/// given.
pub fn ship_variant_for(variant: &Variant, platform: Option<&str>) -> PathBuf {
    let home = workspace();
    let crate_dir = variants_dir().join("src").join(variant.name());
    let manifest = crate_dir.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).expect("variant manifest");
    fs::write(
        &manifest,
        text.replace(
            "crate-type = [\"cdylib\"]",
            "crate-type = [\"cdylib\", \"rlib\"]",
        ),
    )
    .expect("write variant manifest");
    let package = format!("variant-{}", variant.name());
    engine::source::ship::ship(
        &crate_dir,
        &package,
        &home,
        Some(&home.join("target")),
        platform,
    )
    .unwrap_or_else(|error| panic!("cargo ship {package}: {error}"))
    .executable
}

/// The library `cargo dev` would load for `game`: the demo
/// (`game-logic`), or a copy of an example built as `cargo dev` builds it.
pub fn game_library(game: &str) -> PathBuf {
    if game == "game-logic" {
        return demo_library();
    }
    hotloop_test::GameCrate::copy(workspace().join("examples").join(game), "ship-test")
        .expect("copy the example")
        .build()
        .unwrap_or_else(|e| panic!("{game} builds: {e}"))
}

/// `game` shipped (`cargo ship`, for the target triple `platform` when
/// given) once per test binary and one at a time (tests run in parallel
/// and share the build), its folder copied away from the build, and
/// `prepare` run once on the copy: the copy's executable.
pub fn shipped_copy(game: &str, platform: Option<&str>, prepare: impl FnOnce(&Path)) -> PathBuf {
    type Shipped = Vec<((String, Option<String>), PathBuf)>;
    static SHIPPED: OnceLock<std::sync::Mutex<Shipped>> = OnceLock::new();
    let mut shipped = SHIPPED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let key = (game.to_owned(), platform.map(str::to_owned));
    if let Some((_, path)) = shipped.iter().find(|(made, _)| *made == key) {
        return path.clone();
    }
    let home = workspace();
    let made = engine::source::ship::ship(&home, game, &home, None, platform)
        .unwrap_or_else(|error| panic!("cargo ship --game {game} (target {platform:?}): {error}"));
    let folder = match platform {
        Some(platform) => format!("{game}-{platform}"),
        None => game.to_owned(),
    };
    assert_eq!(made.dir, home.join("target/ship").join(&folder));
    let copy = variants_dir().join("shipped-copies").join(&folder);
    let _ = fs::remove_dir_all(&copy);
    copy_dir(&made.dir, &copy);
    prepare(&copy);
    let executable = copy.join(made.executable.file_name().expect("a file name"));
    shipped.push((key, executable.clone()));
    executable
}

/// 240 steps of `library` played in the dev engine and recorded with the
/// loop key (F5): left, right and fire. Returns the recording's path.
pub fn record_play(library: &Path) -> PathBuf {
    use engine::runtime::looping::LoopMode;
    use hotloop_abi::{Input, Key};
    let mut engine = unwatched(library);
    engine.toggle_loop();
    for step in 0..240u32 {
        let mut input = Input::default();
        input.down.insert(if step % 80 < 40 {
            Key::Left
        } else {
            Key::Right
        });
        if step % 30 == 0 {
            input.down.insert(Key::Space);
            input.pressed.insert(Key::Space);
        }
        engine.step(&input);
    }
    engine.toggle_loop();
    assert_eq!(engine.loop_mode(), LoopMode::Playing { at: 0, of: 240 });
    let notice = engine.notice().unwrap_or_default().to_owned();
    let recording = notice
        .split_once("recording saved to ")
        .unwrap_or_else(|| panic!("no recording saved: {notice}"))
        .1;
    fs::canonicalize(recording).expect("the recording")
}
