//! `cargo ship`: builds a game into a player's executable. A small binary
//! crate is generated under the target directory whose `main` is
//! [`crate::player::main`] on the game's `__HOTLOOP_GAME` (what `game!`
//! defines): the game is linked in statically, release profile, nothing
//! loaded at run time. The executable and the assets go to
//! `target/ship/<game>/`, a folder that runs wherever it is copied; built
//! for another platform (`--target x86_64-pc-windows-gnu`), to
//! `target/ship/<game>-<target>/`.

use std::fs;
use std::path::{Path, PathBuf};

use cargo_metadata::{CrateType, Message, MetadataCommand, Package};

use super::dev::cargo::{self, Stderr};

/// What `cargo ship` made.
#[derive(Debug)]
pub struct Shipped {
    /// The folder to hand out: the executable and its `assets/`.
    pub dir: PathBuf,
    /// The executable in it.
    pub executable: PathBuf,
}

/// Builds `package` of the workspace at `workspace` into `ship/<package>/`
/// of its target directory (or of `target`, when given: a game outside
/// hotloop's workspace can share its compiled dependencies). `hotloop` is
/// the workspace holding the `engine` crate to link when the game's own
/// workspace has none. `platform`: a Rust target triple to build for
/// instead of this machine (its standard library and linker installed).
///
/// # Errors
/// What failed, in a sentence: the workspace or package not found, a game
/// crate that is not also an `rlib`, the build (cargo's output is echoed).
pub fn ship(
    workspace: &Path,
    package: &str,
    hotloop: &Path,
    target: Option<&Path>,
    platform: Option<&str>,
) -> Result<Shipped, String> {
    let metadata = MetadataCommand::new()
        .manifest_path(workspace.join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|error| format!("cargo metadata failed for {}: {error}", workspace.display()))?;
    let game = find(&metadata.packages, package).ok_or_else(|| {
        let names: Vec<&str> = metadata.packages.iter().map(|p| p.name.as_str()).collect();
        format!(
            "the workspace has no package `{package}` (it has: {})",
            names.join(", ")
        )
    })?;
    let linkable = game.targets.iter().any(|target| {
        target.crate_types.contains(&CrateType::Lib)
            || target.crate_types.contains(&CrateType::RLib)
    });
    if !linkable {
        return Err(format!(
            "`{package}` builds only a dynamic library; add \"rlib\" to its crate-type ([lib] crate-type = [\"cdylib\", \"rlib\"]) so it can be linked into the executable"
        ));
    }
    let engine = find(&metadata.packages, "engine")
        .map(dir_of)
        .unwrap_or_else(|| hotloop.join("engine"));
    let target = target.map_or_else(
        || metadata.target_directory.clone().into_std_path_buf(),
        Path::to_path_buf,
    );
    let build_dir = target.join("ship-build").join(package);
    write_crate(&build_dir, workspace, game, &engine)?;
    // Not the workspace's own `release/`: the generated crate is a cargo
    // workspace of its own, and when both build a dependency (the ABI crate)
    // into one directory under the same name, each overwrites the other's
    // and a later build links two copies of it ("multiple different
    // versions of crate `hotloop_abi`"). Every game's ship build shares
    // this one.
    let build_target = target.join("ship-build").join("target");

    log::info!("building {package} for players (release)…");
    let mut command = cargo::command();
    command
        .arg("build")
        .arg("--release")
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(build_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&build_target)
        .env_remove("CARGO_TARGET_DIR");
    if let Some(platform) = platform {
        command.arg("--target").arg(platform);
    }
    let output = cargo::run(&mut command, Stderr::Echo)
        .map_err(|error| format!("could not run cargo: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "the release build of {package} failed (cargo's output is above)"
        ));
    }
    let built = output
        .messages()
        .find_map(|message| match message {
            Message::CompilerArtifact(artifact) if artifact.target.name == package => {
                artifact.executable.map(|path| path.into_std_path_buf())
            }
            _ => None,
        })
        .ok_or_else(|| format!("cargo built no executable named {package}"))?;

    let dir = target.join("ship").join(match platform {
        Some(platform) => format!("{package}-{platform}"),
        None => package.to_owned(),
    });
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    // The built file's own name: `game.exe` for Windows.
    let executable = dir.join(built.file_name().unwrap_or(package.as_ref()));
    fs::copy(&built, &executable).map_err(|e| {
        format!(
            "could not copy {} to {}: {e}",
            built.display(),
            executable.display()
        )
    })?;
    let assets = workspace.join("assets");
    if assets.is_dir() {
        copy_dir(&assets, &dir.join("assets"))
            .map_err(|e| format!("could not copy {}: {e}", assets.display()))?;
    }
    Ok(Shipped { dir, executable })
}

fn find<'a>(packages: &'a [Package], name: &str) -> Option<&'a Package> {
    packages.iter().find(|p| p.name.as_str() == name)
}

fn dir_of(package: &Package) -> PathBuf {
    package.manifest_path.parent().map_or_else(
        || PathBuf::from("."),
        |dir| dir.to_path_buf().into_std_path_buf(),
    )
}

/// The generated crate: a manifest naming the engine and the game by path,
/// the workspace's `Cargo.lock` (the same versions as under `cargo dev`),
/// and a one-line `main`.
fn write_crate(dir: &Path, workspace: &Path, game: &Package, engine: &Path) -> Result<(), String> {
    let write = |path: PathBuf, text: &str| {
        fs::write(&path, text).map_err(|e| format!("could not write {}: {e}", path.display()))
    };
    fs::create_dir_all(dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    let manifest = format!(
        r#"# Generated by `cargo ship`: {name} linked into the hotloop engine for players.
[package]
name = "ship-{name}"
version = "{version}"
edition = "2024"
publish = false

[[bin]]
name = "{name}"
path = "main.rs"

[dependencies]
engine = {{ path = {engine:?}, default-features = false }}
game = {{ package = "{name}", path = {game:?} }}

[profile.release]
strip = true

[workspace]
"#,
        name = game.name,
        version = game.version,
        engine = engine.display().to_string(),
        game = dir_of(game).display().to_string(),
    );
    write(dir.join("Cargo.toml"), &manifest)?;
    write(
        dir.join("main.rs"),
        "//! Generated by `cargo ship`.\n#![forbid(unsafe_code)]\n\nfn main() -> std::process::ExitCode {\n    engine::player::main(&game::__HOTLOOP_GAME)\n}\n",
    )?;
    let lock = workspace.join("Cargo.lock");
    if lock.is_file() {
        fs::copy(&lock, dir.join("Cargo.lock"))
            .map_err(|e| format!("could not copy {}: {e}", lock.display()))?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            fs::copy(&path, to.join(entry.file_name()))?;
        }
    }
    Ok(())
}
