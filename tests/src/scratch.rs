//! A scratch copy of the whole workspace, for tests of `cargo dev` itself.

use std::fs;
use std::path::{Path, PathBuf};

use crate::process::EngineProcess;
use crate::variant::without_sections;
use crate::{copy_dir, edit_file, engine_binary, variants_dir, workspace};

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

    /// The engine binary run as `cargo dev --headless --realtime` runs it,
    /// on this copy's game, building into the variants' target directory.
    pub fn start_dev(&self) -> EngineProcess {
        let target = variants_dir().join("target");
        EngineProcess::start_with(
            [
                Path::new("--dev"),
                Path::new("--headless"),
                Path::new("--realtime"),
                Path::new("--workspace"),
                self.root(),
                Path::new("--game"),
                Path::new(self.package()),
            ],
            &[("CARGO_TARGET_DIR", target.to_str().expect("a UTF-8 path"))],
        )
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
