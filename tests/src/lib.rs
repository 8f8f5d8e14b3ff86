//! Helpers for hotloop's integration tests: build game-logic variants the way a
//! user edits them ([`variant`]), copy the whole workspace ([`scratch`]), run
//! the engine as a process and watch it ([`process`], [`screen`]), ship games
//! ([`ship`]); and here, the paths, file edits and readers of the demo's state
//! they share.
//!
//! Every variant is a copy of `game-logic/` with a few source lines changed,
//! built as its own crate into one shared target directory, so dependencies
//! (glam, hotloop-abi) compile once for the whole suite.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub use engine::source::dev::home_workspace as workspace;

pub mod process;
pub mod scratch;
pub mod screen;
pub mod ship;
pub mod variant;

pub use process::{
    EngineProcess, Finished, children_of, code_mapped_by, files_mapped_by, is_running,
    mapped_libraries, parent_of,
};
pub use scratch::ScratchWorkspace;
pub use screen::{Screenshot, XWindow, display_available};
pub use ship::{game_library, record_play, ship_variant, ship_variant_for, shipped_copy};
pub use variant::{
    BIG_STATE_CELLS, Variant, aborting_at_90, big_state_game, failing_system, failing_variant,
    sized_state_game, thread_local_variant,
};

/// The workspace's target directory (`CARGO_TARGET_DIR` if set, else `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

/// The one directory all variants are built in.
pub fn variants_dir() -> PathBuf {
    target_dir().join("hotloop-variants")
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Makes each replacement of `edits` in `path` (each `from` must occur
/// exactly once) and saves the file once, as an editor would.
///
/// # Errors
/// When the file cannot be read or written, or a `from` is not there
/// exactly once (the source changed and the caller must follow).
pub fn try_edit_file(path: &Path, edits: &[(&str, &str)]) -> Result<(), String> {
    let mut text = fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    for (from, to) in edits {
        if text.matches(from).count() != 1 {
            return Err(format!(
                "expected `{from}` exactly once in {}",
                path.display()
            ));
        }
        text = text.replacen(from, to, 1);
    }
    fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()))
}

/// [`try_edit_file`], panicking with its error.
pub fn edit_file(path: &Path, edits: &[(&str, &str)]) {
    try_edit_file(path, edits).unwrap_or_else(|error| panic!("{error}"));
}

/// Copies the directory `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

/// The demo library, built from the workspace's game-logic (once per test binary).
pub fn demo_library() -> PathBuf {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| Variant::of_demo("demo").build())
        .clone()
}

/// The `hotloop` binary of this workspace, built if needed.
pub fn engine_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let status = cargo()
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "engine",
                    "--bin",
                    "hotloop",
                    "--manifest-path",
                ])
                .arg(workspace().join("Cargo.toml"))
                .arg("--target-dir")
                .arg(target_dir())
                .status()
                .expect("run cargo");
            assert!(status.success(), "building the engine failed");
            target_dir()
                .join("debug")
                .join(format!("hotloop{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// An engine on `library` that does not watch it (tests swap on demand),
/// saving snapshots and recordings under the target directory, not the sources.
pub fn unwatched(library: &Path) -> engine::Engine {
    let mut config = engine::EngineConfig::new(library);
    config.watch = false;
    // A folder of its own: tests run in parallel, and two engines saving
    // `quicksave.hlstate` into one folder overwrite each other's.
    static ENGINES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = ENGINES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let engines = variants_dir().join("engines");
    if n == 0 {
        // Those of test processes that have ended.
        for entry in fs::read_dir(&engines).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name.split('-').next().unwrap_or_default();
            if !Path::new("/proc").join(pid).exists() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    let own = engines.join(format!("{}-{n}", std::process::id()));
    config.snapshot_dir = own.join("snapshots");
    config.recording_dir = own.join("recordings");
    engine::Engine::new(config).expect("engine starts")
}

/// Runs `steps` headless frames with no input.
pub fn run(engine: &mut engine::Engine, steps: u64) {
    for _ in 0..steps {
        engine.step(&hotloop_abi::Input::default());
    }
}

/// Takes frame boundaries (no updates, so the state must not change) until
/// `done` holds; panics after 10 s.
pub fn boundaries_until(
    engine: &mut engine::Engine,
    what: &str,
    done: impl Fn(&engine::Engine) -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done(engine) {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
        engine.begin_frame();
    }
}

/// A copy of the workspace's `assets/` (the files named in `files`) in a new
/// `assets` directory under `dir`, for tests that edit assets.
pub fn copy_assets(dir: &Path, files: &[&str]) -> PathBuf {
    let assets = dir.join("assets");
    fs::create_dir_all(&assets).expect("create assets dir");
    for file in files {
        let to = assets.join(file);
        fs::create_dir_all(to.parent().expect("in assets")).expect("create an asset's directory");
        fs::copy(workspace().join("assets").join(file), to).expect("copy an asset");
    }
    assets
}

/// The demo's `State::ticks` (the update counter) from raw state bytes.
pub fn ticks(state: &[u8]) -> u64 {
    let at = std::mem::offset_of!(game_logic::State, ticks);
    u64::from_le_bytes(state[at..at + 8].try_into().expect("8 bytes"))
}

/// Parses the JSON summary that `hotloop --headless` prints as its last stdout line.
pub fn summary_line(stdout: &str) -> serde_json::Value {
    let last = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no output; stdout was {stdout:?}"));
    serde_json::from_str(last).unwrap_or_else(|e| panic!("last line is not JSON ({e}): {last}"))
}

/// Whether a test that mounts file systems in a private mount namespace
/// (`unshare --mount`, as root) can run here. Where the machine forbids it
/// the test is skipped with a visible note, unless
/// `HOTLOOP_REQUIRE_MOUNT_NAMESPACE` is set (CI sets it): then it fails.
pub fn mount_namespace_available() -> bool {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        let out = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--"])
            .args(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", "/mnt"])
            .output()
            .map_err(|error| format!("cannot run unshare ({error}); install util-linux"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "`unshare --mount` then `mount -t tmpfs` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    });
    let Err(reason) = probe else {
        return true;
    };
    if std::env::var_os("HOTLOOP_REQUIRE_MOUNT_NAMESPACE").is_some() {
        panic!(
            "mount namespace tests are required here (HOTLOOP_REQUIRE_MOUNT_NAMESPACE) but {reason}; run them as root"
        );
    }
    eprintln!(
        "SKIPPED mount namespace test: {reason} (run as root, or set HOTLOOP_REQUIRE_MOUNT_NAMESPACE to make this a failure)"
    );
    false
}

/// The demo's `State::score` from raw state bytes.
pub fn score(state: &[u8]) -> u32 {
    let at = std::mem::offset_of!(game_logic::State, score);
    u32::from_le_bytes(state[at..at + 4].try_into().expect("4 bytes"))
}

/// Puts `library` at `path` the way cargo does (a new file renamed into
/// place), so a watching engine sees one complete new build.
pub fn install(library: &Path, path: &Path) {
    let partial = path.with_extension("partial");
    fs::copy(library, &partial).expect("copy the library");
    fs::rename(&partial, path).expect("rename the library into place");
}
