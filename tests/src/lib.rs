//! Helpers for hotloop's integration tests: build game-logic variants the way a
//! user edits them, find the engine binary, read the demo's state.
//!
//! Every variant is a copy of `game-logic/` with a few source lines changed,
//! built as its own crate into one shared target directory, so dependencies
//! (glam, hotloop-abi) compile once for the whole suite.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub use engine::source::dev::home_workspace as workspace;

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

/// A copy of the demo game-logic crate with edits, built as `variant-<name>`.
#[derive(Debug)]
pub struct Variant {
    name: String,
    dir: PathBuf,
}

impl Variant {
    /// A fresh copy of `game-logic/` named `name` (unique per test).
    pub fn of_demo(name: &str) -> Self {
        let dir = variants_dir().join("src").join(name);
        let _ = fs::remove_dir_all(&dir);
        copy_dir(&workspace().join("game-logic/src"), &dir.join("src"));
        let variant = Self {
            name: name.to_owned(),
            dir,
        };
        variant.write_manifest(&workspace().join("engine/abi"));
        fs::copy(
            workspace().join("Cargo.lock"),
            variant.dir.join("Cargo.lock"),
        )
        .expect("copy Cargo.lock");
        variant
    }

    /// The variant's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Replaces the one occurrence of `from` with `to` in `file` (relative to
    /// `src/`), as a user's edit would.
    ///
    /// # Panics
    /// When `from` does not occur exactly once: the demo changed and the test
    /// must follow.
    pub fn edit(&self, file: &str, from: &str, to: &str) -> &Self {
        edit_file(&self.dir.join("src").join(file), &[(from, to)]);
        self
    }

    /// Copies every file of `dir` over this variant's `src/` (a tutorial
    /// step's files, say).
    pub fn overlay(&self, dir: &Path) -> &Self {
        copy_dir(dir, &self.dir.join("src"));
        self
    }

    /// Replaces the whole of `file` (relative to `src/`).
    pub fn write(&self, file: &str, text: &str) -> &Self {
        fs::write(self.dir.join("src").join(file), text).expect("write variant source");
        self
    }

    /// Builds this variant against a copy of hotloop-abi that claims ABI `version`.
    pub fn with_abi_version(&self, version: u32) -> &Self {
        let abi = self.dir.join("abi");
        let _ = fs::remove_dir_all(&abi);
        copy_dir(&workspace().join("engine/abi/src"), &abi.join("src"));
        let manifest = "[package]\nname = \"hotloop-abi\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nglam = { version = \"0.34\", features = [\"libm\"] }\nlibm = \"0.2\"\nfastrand = { version = \"2.5\", default-features = false }\nfont8x8 = { version = \"0.3\", default-features = false, features = [\"unicode\"] }\n";
        fs::write(abi.join("Cargo.toml"), manifest).expect("write abi manifest");
        let lib = abi.join("src/lib.rs");
        let text = fs::read_to_string(&lib).expect("abi lib.rs");
        let current = format!("pub const ABI_VERSION: u32 = {};", hotloop_abi::ABI_VERSION);
        assert!(text.contains(&current), "ABI_VERSION declaration moved");
        fs::write(
            &lib,
            text.replace(
                &current,
                &format!("pub const ABI_VERSION: u32 = {version};"),
            ),
        )
        .expect("write abi");
        self.write_manifest(&abi);
        self
    }

    fn write_manifest(&self, abi: &Path) {
        let manifest = format!(
            r#"[package]
name = "variant-{name}"
version = "0.1.0"
edition = "2024"

[lib]
path = "src/lib.rs"
crate-type = ["cdylib"]

[dependencies]
hotloop-abi = {{ path = "{abi}" }}
glam = "0.34"

# As game-logic's profile in the workspace manifest.
[profile.dev]
debug = false
strip = "debuginfo"
codegen-units = 16

[workspace]
"#,
            name = self.name,
            abi = abi.display(),
        );
        fs::write(self.dir.join("Cargo.toml"), manifest).expect("write variant manifest");
    }

    /// Adds a path dependency `name` to the variant: a crate whose
    /// `src/lib.rs` is `lib_rs` (a game dependency with its own `unsafe`, say).
    pub fn with_dependency(&self, name: &str, lib_rs: &str) -> &Self {
        let dir = self.dir.join(name);
        fs::create_dir_all(dir.join("src")).expect("create dependency dir");
        fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
        )
        .expect("write dependency manifest");
        fs::write(dir.join("src/lib.rs"), lib_rs).expect("write dependency source");
        let manifest = self.dir.join("Cargo.toml");
        let text = fs::read_to_string(&manifest).expect("variant manifest");
        let line = format!(
            "[dependencies]\n{name} = {{ path = \"{}\" }}\n",
            dir.display()
        );
        fs::write(&manifest, text.replacen("[dependencies]\n", &line, 1))
            .expect("write variant manifest");
        self
    }

    /// Where `build` puts the library.
    pub fn library(&self) -> PathBuf {
        let file = format!(
            "{}variant_{}{}",
            std::env::consts::DLL_PREFIX,
            self.name.replace('-', "_"),
            std::env::consts::DLL_SUFFIX
        );
        variants_dir().join("target/debug").join(file)
    }

    /// Builds the variant; the compiler's output on failure.
    pub fn try_build(&self) -> Result<PathBuf, String> {
        let output = cargo()
            .arg("build")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(variants_dir().join("target"))
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo");
        if output.status.success() {
            Ok(self.library())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// Builds the variant and returns its library.
    ///
    /// # Panics
    /// When the build fails, with the compiler's output.
    pub fn build(&self) -> PathBuf {
        self.try_build()
            .unwrap_or_else(|stderr| panic!("variant `{}` failed to build:\n{stderr}", self.name))
    }
}

/// A manifest's text without the tables whose headers are in `dropped`.
fn without_sections(manifest: &str, dropped: &[&str]) -> String {
    let mut keep = true;
    let mut out = String::new();
    for line in manifest.lines() {
        if line.starts_with('[') {
            keep = !dropped.contains(&line.trim());
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
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

/// Whether a window test can run here. Without a display it is skipped with a
/// visible note, unless `HOTLOOP_REQUIRE_DISPLAY` is set (CI sets it), in which
/// case it fails.
pub fn display_available() -> bool {
    let display = std::env::var("DISPLAY").unwrap_or_default();
    let reason = if display.is_empty() {
        "DISPLAY is not set".to_owned()
    } else {
        match Command::new("xwininfo").arg("-root").output() {
            Ok(out) if out.status.success() => return true,
            Ok(out) => format!(
                "cannot open display {display}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(error) => format!("cannot run xwininfo ({error}); install x11-utils"),
        }
    };
    if std::env::var_os("HOTLOOP_REQUIRE_DISPLAY").is_some() {
        panic!(
            "window tests are required here (HOTLOOP_REQUIRE_DISPLAY) but {reason}; run them under `xvfb-run -a`"
        );
    }
    eprintln!(
        "SKIPPED window test: {reason} (run under `xvfb-run -a`, or set HOTLOOP_REQUIRE_DISPLAY to make this a failure)"
    );
    false
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

/// The processes whose parent is `pid`, from `/proc` (Linux).
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter(|&child| parent_of(child) == Some(pid))
        .collect()
}

/// Whether process `pid` still runs: a zombie (dead but not yet reaped by
/// whoever adopted it) does not, once its last thread is gone too (the
/// leader can be a zombie while other threads still exit, holding the
/// process's files).
pub fn is_running(pid: u32) -> bool {
    let state = |stat: &str| {
        stat.rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().next().map(str::to_owned))
    };
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        fs::read_to_string(task.path().join("stat"))
            .is_ok_and(|stat| !matches!(state(&stat).as_deref(), Some("Z" | "X") | None))
    })
}

/// A window on the X display, found by the PID of the process that owns it.
#[derive(Clone, Copy, Debug)]
pub struct XWindow {
    /// The X window id.
    pub id: u64,
}

impl XWindow {
    /// Waits up to `timeout` for a top-level window of process `pid` or of a
    /// process it started (the supervised engine process).
    pub fn of_process(pid: u32, timeout: std::time::Duration) -> Option<Self> {
        // The title is the game's, then " - hotloop generation N".
        Self::of_process_where(pid, timeout, |line| {
            line.contains("\"hotloop") || line.contains(" - hotloop generation ")
        })
    }

    /// As [`XWindow::of_process`], for a window titled exactly `title` (a
    /// shipped game's).
    pub fn of_process_titled(pid: u32, title: &str, timeout: std::time::Duration) -> Option<Self> {
        let quoted = format!("\"{title}\"");
        Self::of_process_where(pid, timeout, |line| line.contains(&quoted))
    }

    /// A window of `pid` (or a descendant) whose `xwininfo -tree` line
    /// satisfies `named`.
    fn of_process_where(
        pid: u32,
        timeout: std::time::Duration,
        named: impl Fn(&str) -> bool,
    ) -> Option<Self> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            let tree = Command::new("xwininfo")
                .args(["-root", "-tree"])
                .output()
                .ok()?;
            for line in String::from_utf8_lossy(&tree.stdout).lines() {
                let Some(id) = line
                    .split_whitespace()
                    .next()
                    .and_then(|w| w.strip_prefix("0x"))
                else {
                    continue;
                };
                let Ok(id) = u64::from_str_radix(id, 16) else {
                    continue;
                };
                let window = Self { id };
                if named(line) && window.pid().is_some_and(|owner| descends_from(owner, pid)) {
                    return Some(window);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        None
    }

    fn pid(&self) -> Option<u32> {
        let out = Command::new("xprop")
            .args(["-id", &self.id.to_string(), "_NET_WM_PID"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .split('=')
            .nth(1)?
            .trim()
            .parse()
            .ok()
    }

    /// The window's title.
    pub fn title(&self) -> String {
        let out = Command::new("xprop")
            .args(["-id", &self.id.to_string(), "WM_NAME"])
            .output()
            .expect("run xprop");
        let text = String::from_utf8_lossy(&out.stdout);
        text.split('"').nth(1).unwrap_or_default().to_owned()
    }

    /// Where the window is and its size: `(x, y, width, height)`.
    pub fn geometry(&self) -> (i64, i64, i64, i64) {
        let field = self.info();
        (
            field("Absolute upper-left X:"),
            field("Absolute upper-left Y:"),
            field("Width:"),
            field("Height:"),
        )
    }

    /// `xwininfo`'s numbers about the window, by label.
    fn info(&self) -> impl Fn(&str) -> i64 {
        let out = Command::new("xwininfo")
            .args(["-id", &self.id.to_string()])
            .output()
            .expect("run xwininfo");
        let info = String::from_utf8_lossy(&out.stdout).into_owned();
        move |name: &str| -> i64 {
            info.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("xwininfo has no {name}: {info}"))
        }
    }

    /// What the X server displays in the window, as RGB pixels.
    pub fn screenshot(&self) -> Screenshot {
        let field = self.info();
        let size = |name: &str| usize::try_from(field(name)).expect("a size");
        let (width, height) = (size("Width:"), size("Height:"));
        let out = Command::new("import")
            .args(["-window", &self.id.to_string(), "-depth", "8", "rgb:-"])
            .output()
            .expect("run import (imagemagick)");
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout.len(), width * height * 3, "screenshot size");
        Screenshot {
            rgb: out.stdout,
            width,
            height,
        }
    }
}

/// Whether process `child` is `ancestor` or was started by it, directly or not.
fn descends_from(child: u32, ancestor: u32) -> bool {
    let mut pid = child;
    for _ in 0..16 {
        if pid == ancestor {
            return true;
        }
        let Some(parent) = parent_of(pid) else {
            return false;
        };
        pid = parent;
    }
    false
}

/// The parent of process `pid`, from `/proc/<pid>/stat` (Linux).
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields after it follow the last ')'.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// RGB pixels read back from the X server.
#[derive(Debug)]
pub struct Screenshot {
    /// Row-major RGB bytes.
    pub rgb: Vec<u8>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
}

impl Screenshot {
    /// The fraction of pixels (0..1) in the top `rows` rows for which `matches` holds.
    pub fn fraction_in_top(&self, rows: usize, matches: impl Fn([u8; 3]) -> bool) -> f64 {
        let rows = rows.min(self.height);
        let hits = self.rgb[..rows * self.width * 3]
            .chunks_exact(3)
            .filter(|p| matches([p[0], p[1], p[2]]))
            .count();
        hits as f64 / (rows * self.width).max(1) as f64
    }

    /// The fraction of pixels (0..1) for which `matches` holds.
    pub fn fraction(&self, matches: impl Fn([u8; 3]) -> bool) -> f64 {
        let hits = self
            .rgb
            .chunks_exact(3)
            .filter(|p| matches([p[0], p[1], p[2]]))
            .count();
        hits as f64 / (self.width * self.height) as f64
    }
}

/// The demo's `State::score` from raw state bytes.
pub fn score(state: &[u8]) -> u32 {
    let at = std::mem::offset_of!(game_logic::State, score);
    u32::from_le_bytes(state[at..at + 4].try_into().expect("4 bytes"))
}

/// Game libraries this process has mapped: distinct files under `shadow_dir`
/// in `/proc/self/maps` (Linux).
pub fn mapped_libraries(shadow_dir: &Path) -> usize {
    let prefix = format!("{}/", shadow_dir.display());
    files_mapped_by("self", |path| path.starts_with(&prefix))
}

/// How many distinct files that `matches` the process `pid` (a number, or
/// `self`) has mapped, from `/proc/PID/maps` (Linux; 0 when it is gone).
pub fn files_mapped_by(pid: &str, matches: impl Fn(&str) -> bool) -> usize {
    let maps = fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let mut paths: Vec<&str> = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| matches(path))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths.len()
}

/// The demo counting `step` per step with a `thread_local!` scratch buffer
/// (cleared past 256 entries) and a static vector of its first 64 ticks,
/// as real code keeps caches: each of its builds registers a thread-local
/// destructor on the frame thread, which would keep it mapped were the
/// engine not to run it (`engine/src/loader/thread_dtors.rs`).
pub fn thread_local_variant(name: &str, step: u64) -> Variant {
    let variant = Variant::of_demo(name);
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        &format!(
            "    state.ticks += {step};\n    \
             SCRATCH.with(|scratch| {{ let mut scratch = scratch.borrow_mut(); scratch.push(state.ticks); if scratch.len() > 256 {{ scratch.clear(); }} }});\n    \
             {{ let mut kept = KEPT.lock().unwrap(); if kept.len() < 64 {{ kept.push(state.ticks); }} }}\n"
        ),
    );
    variant.edit(
        "systems.rs",
        "/// Player acceleration",
        "thread_local! {\n    static SCRATCH: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };\n}\n\
         static KEPT: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());\n\n/// Player acceleration",
    );
    variant
}

/// A copy of the parts of this workspace that game code builds from
/// (`game-logic/`, `engine/abi/`, the root manifest with the same profiles,
/// `Cargo.lock`), so a test or benchmark can edit sources without touching
/// the real ones. Builds go to the shared variants target directory; the game
/// package is renamed `scratch-<name>` so that copies never share an output.
#[derive(Debug)]
pub struct ScratchWorkspace {
    root: PathBuf,
    package: String,
}

impl ScratchWorkspace {
    /// A fresh copy named `name`.
    pub fn new(name: &str) -> Self {
        let root = variants_dir().join("workspaces").join(name);
        let _ = fs::remove_dir_all(&root);
        for crate_dir in ["game-logic", "engine/abi"] {
            copy_dir(
                &workspace().join(crate_dir).join("src"),
                &root.join(crate_dir).join("src"),
            );
            fs::copy(
                workspace().join(crate_dir).join("Cargo.toml"),
                root.join(crate_dir).join("Cargo.toml"),
            )
            .expect("copy crate manifest");
        }
        // Cargo names a path dependency's files by its path *within* the
        // workspace, so every copy's hotloop-abi would share (and overwrite)
        // one file in the shared target directory: a version of its own
        // keeps them apart.
        let abi_manifest = root.join("engine/abi/Cargo.toml");
        let text = fs::read_to_string(&abi_manifest).expect("abi manifest");
        fs::write(
            &abi_manifest,
            text.replacen(
                "version.workspace = true",
                &format!("version = \"0.1.0-{}\"", name.replace('_', "-")),
                1,
            ),
        )
        .expect("give the abi copy its own version");
        let package = format!("scratch-{name}");
        let game_manifest = root.join("game-logic/Cargo.toml");
        let text = fs::read_to_string(&game_manifest).expect("game manifest");
        // The copy is built, not tested: its dev-dependencies and test
        // targets point at crates and files that are not copied.
        let text = without_sections(&text, &["[dev-dependencies]", "[[test]]"]);
        fs::write(
            &game_manifest,
            text.replacen("name = \"game-logic\"", &format!("name = \"{package}\""), 1),
        )
        .expect("rename the game package");
        let manifest = fs::read_to_string(workspace().join("Cargo.toml")).expect("root manifest");
        let manifest: String = manifest
            .lines()
            .map(|line| match line {
                l if l.starts_with("members") => {
                    "members = [\"engine/abi\", \"game-logic\"]".to_owned()
                }
                l if l.starts_with("default-members") => String::new(),
                // The game-logic profile overrides, for the renamed package.
                l => l.replace("package.game-logic]", &format!("package.{package}]")),
            })
            .collect::<Vec<_>>()
            .join("\n");
        fs::write(root.join("Cargo.toml"), manifest).expect("write root manifest");
        fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock")).expect("copy Cargo.lock");
        Self { root, package }
    }

    /// The copy's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The dev loop's configuration for this copy.
    pub fn dev_config(&self, release: bool) -> engine::source::dev::DevConfig {
        let mut config = engine::source::dev::DevConfig::for_workspace(&self.root, release);
        config.target_dir = Some(variants_dir().join("target"));
        config.package = self.package.clone();
        // As `cargo dev` does: the engine binary records rustc's command line.
        config.rustc_wrapper = Some(engine_binary());
        config
    }

    /// Replaces the one occurrence of `from` in `file` (relative to the
    /// copy's root: `game-logic/Cargo.toml`, say).
    pub fn edit_file(&self, file: &str, from: &str, to: &str) {
        edit_file(&self.root.join(file), &[(from, to)]);
    }

    /// The game package's name.
    pub fn package(&self) -> &str {
        &self.package
    }

    /// Replaces the one occurrence of `from` in `game-logic/src/<file>` with
    /// `to`, writing the file like an editor saving it.
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        self.edit_all(file, &[(from, to)]);
    }

    /// Makes several replacements in `game-logic/src/<file>` and saves it once.
    pub fn edit_all(&self, file: &str, edits: &[(&str, &str)]) {
        edit_file(&self.root.join("game-logic/src").join(file), edits);
    }
}

/// A system that fails `after` steps after its library was loaded, by
/// running `failure`. A static remembers the load step: statics start
/// afresh with every load.
pub fn failing_system(after: u64, failure: &str) -> String {
    format!(
        r#"
static LOADED_AT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(u64::MAX);

#[allow(unconditional_recursion, unreachable_code, clippy::all)]
fn fail_soon(state: &mut State, _frame: &hotloop_abi::Frame) {{
    use std::sync::atomic::Ordering;
    let loaded = match LOADED_AT.compare_exchange(u64::MAX, state.ticks, Ordering::Relaxed, Ordering::Relaxed) {{
        Ok(_) => state.ticks,
        Err(at) => at,
    }};
    if state.ticks == loaded + {after} {{
        eprintln!("fail_soon: failing now, at tick {{}}", state.ticks);
        {failure}
    }}
}}

fn greet() -> &'static str {{"#
    )
}

/// The demo with [`failing_system`] running right after `count_ticks`:
/// a build that crashes or hangs `after` steps after it is loaded.
pub fn failing_variant(name: &str, after: u64, failure: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant
        .edit(
            "lib.rs",
            "        systems::count_ticks,\n",
            "        systems::count_ticks,\n        fail_soon,\n",
        )
        .edit(
            "lib.rs",
            "fn greet() -> &'static str {",
            &failing_system(after, failure),
        );
    variant
}

/// Puts `library` at `path` the way cargo does (a new file renamed into
/// place), so a watching engine sees one complete new build.
pub fn install(library: &Path, path: &Path) {
    let partial = path.with_extension("partial");
    fs::copy(library, &partial).expect("copy the library");
    fs::rename(&partial, path).expect("rename the library into place");
}

/// A running `hotloop` process whose stderr is read as it comes, so a test
/// waits for what the engine says rather than for wall-clock time.
#[derive(Debug)]
pub struct EngineProcess {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: Vec<String>,
}

impl EngineProcess {
    /// Starts the engine binary with `args` (stdout and stderr captured).
    pub fn start<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Self::start_with(args, &[])
    }

    /// As [`EngineProcess::start`], with extra environment variables.
    pub fn start_with<I, S>(args: I, env: &[(&str, &str)]) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(engine_binary());
        command.args(args);
        Self::spawn(command, env)
    }

    /// Starts `command` (a shipped game's executable, say) with stdout and
    /// stderr captured, to be waited on like the engine.
    pub fn start_command(command: Command) -> Self {
        Self::spawn(command, &[])
    }

    /// As [`EngineProcess::start_with`], in a private mount namespace where
    /// the shell commands `setup` ran first (`mount -t tmpfs …`); the
    /// engine is exec'd, so its process id is the one started. Check
    /// [`mount_namespace_available`] first.
    pub fn start_in_mount_namespace<I, S>(setup: &str, args: I, env: &[(&str, &str)]) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new("unshare");
        command
            .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(format!("set -e\n{setup}\nexec \"$0\" \"$@\""))
            .arg(engine_binary())
            .args(args);
        Self::spawn(command, env)
    }

    fn spawn(mut command: Command, env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("run hotloop");
        let stderr = child.stderr.take().expect("piped stderr");
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Read as bytes: one line that is not UTF-8 must not end the reading.
            let mut reader = std::io::BufReader::new(stderr);
            let mut line = Vec::new();
            while reader
                .read_until(b'\n', &mut line)
                .is_ok_and(|read| read > 0)
            {
                let text = String::from_utf8_lossy(&line)
                    .trim_end_matches('\n')
                    .to_owned();
                line.clear();
                if send.send(text).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            stderr: Vec::new(),
        }
    }

    /// The supervisor's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a stderr line containing `what` and returns it; panics with
    /// everything the engine said when it does not come within 60 s (a
    /// guard against hanging, not a timing check) or the engine exits first.
    pub fn wait_for(&mut self, what: &str) -> String {
        self.wait_until(what, |line| line.contains(what))
    }

    /// As [`EngineProcess::wait_for`], for the first line that `matches`
    /// (`what` describes it in the panic message).
    pub fn wait_until(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.stderr.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                }
                Err(error) => panic!(
                    "no line with {what:?} from the engine ({error}; exit: {:?}); it said:\n{}",
                    self.child.try_wait(),
                    self.stderr.join("\n")
                ),
            }
        }
    }

    /// Types `line` on the engine's standard input (a headless engine takes
    /// its keys from there: `F3`, `F5`, `F9`).
    pub fn type_line(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "{line}").expect("write to the engine's stdin");
        stdin.flush().expect("flush the engine's stdin");
    }

    /// Bytes the engine has written to stderr so far (lines read).
    pub fn stderr_bytes(&mut self) -> usize {
        self.stderr.extend(self.lines.try_iter());
        self.stderr.iter().map(|line| line.len() + 1).sum()
    }

    /// Everything the engine has said on stderr so far.
    pub fn stderr(&mut self) -> String {
        self.stderr.extend(self.lines.try_iter());
        self.stderr.join("\n")
    }

    /// Sends SIGTERM and waits for the exit: the exit status, the JSON
    /// summary, all of stderr, and how long the exit took after the signal.
    pub fn terminate(self) -> Finished {
        self.signal("TERM")
    }

    /// As [`EngineProcess::terminate`], with SIGINT: what Ctrl-C in a
    /// terminal sends.
    pub fn interrupt(self) -> Finished {
        self.signal("INT")
    }

    fn signal(self, name: &str) -> Finished {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
        let signalled = std::time::Instant::now();
        let mut finished = self.finish();
        finished.after_signal = signalled.elapsed();
        finished
    }

    /// Waits for the engine to exit by itself, for up to `limit` (a guard
    /// against hanging: past it the engine is killed and the test fails with
    /// what it said). Returns how it ended and how long it took to exit,
    /// measured from the call to within 5 ms.
    pub fn finish_within(mut self, limit: std::time::Duration) -> (Finished, std::time::Duration) {
        let started = std::time::Instant::now();
        loop {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                let took = started.elapsed();
                return (self.finish(), took);
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the engine did not exit within {limit:?}; it said:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Waits for the engine to exit by itself.
    pub fn finish(mut self) -> Finished {
        use std::io::Read;
        drop(self.child.stdin.take());
        let mut stdout = String::new();
        self.child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_string(&mut stdout)
            .expect("read stdout");
        let status = self.child.wait().expect("wait for hotloop");
        self.stderr.extend(self.lines.iter());
        Finished {
            status,
            stdout,
            stderr: self.stderr.join("\n"),
            after_signal: std::time::Duration::ZERO,
        }
    }
}

impl Drop for EngineProcess {
    /// A test that fails half-way must not leave its engine running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How an [`EngineProcess`] ended.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: std::process::ExitStatus,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
    /// From SIGTERM to exit ([`EngineProcess::terminate`]).
    pub after_signal: std::time::Duration,
}

impl Finished {
    /// The JSON summary (the last stdout line); panics with stderr if there is none.
    pub fn summary(&self) -> serde_json::Value {
        let last = self
            .stdout
            .lines()
            .last()
            .unwrap_or_else(|| panic!("no summary on stdout; stderr was:\n{}", self.stderr));
        serde_json::from_str(last).unwrap_or_else(|e| {
            panic!(
                "last line is not JSON ({e}): {last}\nstderr:\n{}",
                self.stderr
            )
        })
    }
}

/// The cells of [`big_state_game`]: 8 Mi `u64`s, 64 MiB.
pub const BIG_STATE_CELLS: usize = 8 * 1024 * 1024;

/// A game whose state is 64 MiB of cells, built with `init_in_place`; each
/// step writes 8 of them, scattered over the whole state. `extra_field`
/// adds a field (another layout); `step_extra` runs at the end of every step.
pub fn big_state_game(name: &str, extra_field: &str, step_extra: &str) -> Variant {
    sized_state_game(name, BIG_STATE_CELLS, extra_field, step_extra)
}

/// [`big_state_game`] with `cells` cells (8 bytes each) instead.
pub fn sized_state_game(name: &str, cells: usize, extra_field: &str, step_extra: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant.write(
        "lib.rs",
        &format!(
            r#"#![forbid(unsafe_code)]
use hotloop_abi::{{Frame, Message, state}};

pub const CELLS: usize = {cells};

state! {{
    pub struct State {{
        pub ticks: u64,
        pub sum: u64,
        pub cells: [u64; CELLS],
        {extra_field}
    }}
}}

fn init(state: &mut State) {{
    state.cells[CELLS - 1] = 7;
}}

fn tick(state: &mut State, _frame: &Frame) {{
    state.ticks += 1;
    for i in 0..8u64 {{
        let at = ((state.ticks * 8 + i) as usize * 1_048_573) % CELLS;
        state.cells[at] += state.ticks;
        state.sum = state.sum.wrapping_add(state.cells[at]);
    }}
    {step_extra}
}}

fn describe(state: &State, out: &mut Message) {{
    use std::fmt::Write;
    let _ = write!(out, "ticks {{}} sum {{}} last {{}}", state.ticks, state.sum, state.cells[CELLS - 1]);
}}

hotloop_abi::game! {{
    state: State,
    init_in_place: init,
    systems: [tick],
    describe: describe,
}}
"#
        ),
    );
    variant
}

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

/// The demo, with a system that aborts the process when `ticks` reaches 90
/// (`std::process::abort`, safe code): a death no handler in the process
/// survives, like a stack overflow or a panic while panicking.
pub fn aborting_at_90(name: &str) -> Variant {
    let variant = Variant::of_demo(name);
    variant.edit(
        "systems.rs",
        "    state.ticks += 1;\n",
        "    state.ticks += 1;\n    if state.ticks == 90 {\n        std::process::abort();\n    }\n",
    );
    variant
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
