//! Copies of the demo with edits, built as crates of their own: the games
//! the tests load, crash, reload and ship.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{cargo, copy_dir, edit_file, variants_dir, workspace};

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
pub(crate) fn without_sections(manifest: &str, dropped: &[&str]) -> String {
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
