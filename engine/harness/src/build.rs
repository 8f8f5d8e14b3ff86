//! An editable copy of a game crate, built into one target directory that
//! every copy shares (dependencies compile once for all the tests).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cargo_metadata::{DependencyKind, MetadataCommand, Package};

/// Why a copy could not be made or built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// `cargo metadata` failed on the crate.
    #[error("reading {crate_dir}: {source}")]
    Metadata {
        /// The crate.
        crate_dir: PathBuf,
        /// What cargo said.
        source: cargo_metadata::Error,
    },
    /// The directory is not a game crate of its workspace.
    #[error("{0} is not a package's directory")]
    NotAPackage(PathBuf),
    /// Copying or writing files failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// What the file system said.
        source: std::io::Error,
    },
    /// An edit's text was not in the file exactly once.
    #[error("expected `{from}` exactly once in {file}")]
    Edit {
        /// The file.
        file: PathBuf,
        /// The text looked for.
        from: String,
    },
    /// The compiler refused the copy.
    #[error("building {package} failed:\n{stderr}")]
    Compile {
        /// The copy's package.
        package: String,
        /// The compiler's output.
        stderr: String,
    },
}

/// A copy of a game crate (its sources, a manifest of its own with the same
/// dependencies, the workspace's `Cargo.lock`), named `<package>-<name>` so
/// that copies never share an output. Builds go to
/// `<workspace target>/hotloop-test`, shared by every copy.
#[derive(Debug)]
pub struct GameCrate {
    dir: PathBuf,
    package: String,
    target: PathBuf,
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
    let what = what.into();
    move |source| BuildError::Io { what, source }
}

impl GameCrate {
    /// Copies the game crate at `crate_dir` as `<package>-<name>`. Tests that
    /// run at the same time must use different names; a name used again
    /// replaces the earlier copy.
    ///
    /// # Errors
    /// When the crate cannot be read or copied.
    pub fn copy(crate_dir: impl AsRef<Path>, name: &str) -> Result<Self, BuildError> {
        let crate_dir = crate_dir.as_ref();
        let metadata = MetadataCommand::new()
            .manifest_path(crate_dir.join("Cargo.toml"))
            .no_deps()
            .exec()
            .map_err(|source| BuildError::Metadata {
                crate_dir: crate_dir.to_path_buf(),
                source,
            })?;
        let package = metadata
            .packages
            .iter()
            .find(|package| {
                package.manifest_path.parent().map(|p| p.as_std_path()) == Some(crate_dir)
            })
            .or_else(|| metadata.root_package())
            .ok_or_else(|| BuildError::NotAPackage(crate_dir.to_path_buf()))?;
        let target = metadata.target_directory.as_std_path().join("hotloop-test");
        let copy_name = format!("{}-{name}", package.name);
        let dir = target.join("crates").join(&copy_name);
        let _ = fs::remove_dir_all(&dir);
        copy_sources(crate_dir, &dir)?;
        fs::write(
            dir.join("Cargo.toml"),
            manifest(package, &copy_name, crate_dir),
        )
        .map_err(io("writing the copy's manifest"))?;
        let lock = metadata.workspace_root.as_std_path().join("Cargo.lock");
        if lock.is_file() {
            fs::copy(&lock, dir.join("Cargo.lock")).map_err(io("copying Cargo.lock"))?;
        }
        Ok(Self {
            dir,
            package: copy_name,
            target,
        })
    }

    /// The copy's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Replaces the one occurrence of `from` in `file` (relative to the
    /// crate) with `to`, as a developer's edit would.
    ///
    /// # Errors
    /// When `from` is not there exactly once, or the file cannot be written.
    pub fn try_edit(&self, file: &str, from: &str, to: &str) -> Result<&Self, BuildError> {
        let path = self.dir.join(file);
        let text = fs::read_to_string(&path).map_err(io(format!("reading {}", path.display())))?;
        if text.matches(from).count() != 1 {
            return Err(BuildError::Edit {
                file: path,
                from: from.to_owned(),
            });
        }
        fs::write(&path, text.replacen(from, to, 1))
            .map_err(io(format!("writing {}", path.display())))?;
        Ok(self)
    }

    /// [`GameCrate::try_edit`], panicking with the reason.
    pub fn edit(&self, file: &str, from: &str, to: &str) -> &Self {
        self.try_edit(file, from, to)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// Builds the copy (debug) and returns its library.
    ///
    /// # Errors
    /// When it does not compile, with the compiler's output.
    pub fn build(&self) -> Result<PathBuf, BuildError> {
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--quiet", "--lib", "--manifest-path"])
            .arg(self.dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&self.target)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .output()
            .map_err(io("running cargo"))?;
        if !output.status.success() {
            return Err(BuildError::Compile {
                package: self.package.clone(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        Ok(self.target.join("debug").join(format!(
            "{}{}{}",
            std::env::consts::DLL_PREFIX,
            self.package.replace('-', "_"),
            std::env::consts::DLL_SUFFIX
        )))
    }
}

/// Copies everything of the crate but build output and hidden files.
fn copy_sources(from: &Path, to: &Path) -> Result<(), BuildError> {
    fs::create_dir_all(to).map_err(io(format!("creating {}", to.display())))?;
    for entry in fs::read_dir(from).map_err(io(format!("reading {}", from.display())))? {
        let entry = entry.map_err(io(format!("reading {}", from.display())))?;
        let name = entry.file_name();
        let skip = name == "target" || name == "Cargo.toml" || name == "Cargo.lock";
        if skip || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        if entry
            .file_type()
            .map_err(io("reading a file type"))?
            .is_dir()
        {
            copy_sources(&source, &target)?;
        } else {
            fs::copy(&source, &target).map_err(io(format!("copying {}", source.display())))?;
        }
    }
    Ok(())
}

/// A manifest for the copy: the package's edition, its library as a cdylib
/// at the same path, and its normal dependencies resolved (workspace
/// inheritance and relative paths made absolute), in a workspace of its own.
fn manifest(package: &Package, name: &str, crate_dir: &Path) -> String {
    let lib = package
        .targets
        .iter()
        .find(|target| target.is_lib() || target.is_cdylib())
        .and_then(|target| target.src_path.as_std_path().strip_prefix(crate_dir).ok())
        .map_or_else(
            || "src/lib.rs".to_owned(),
            |path| path.display().to_string(),
        );
    let mut text = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"{}\"\npublish = false\n\n[lib]\npath = \"{lib}\"\ncrate-type = [\"cdylib\"]\n\n[dependencies]\n",
        package.edition
    );
    for dependency in package
        .dependencies
        .iter()
        .filter(|dependency| dependency.kind == DependencyKind::Normal)
    {
        let key = dependency.rename.as_deref().unwrap_or(&dependency.name);
        let mut fields = vec![format!("package = \"{}\"", dependency.name)];
        match &dependency.path {
            Some(path) => fields.push(format!("path = {:?}", path.as_str())),
            None => fields.push(format!("version = \"{}\"", dependency.req)),
        }
        if !dependency.uses_default_features {
            fields.push("default-features = false".into());
        }
        if !dependency.features.is_empty() {
            fields.push(format!("features = {:?}", dependency.features));
        }
        if dependency.optional {
            fields.push("optional = true".into());
        }
        text.push_str(&format!("{key} = {{ {} }}\n", fields.join(", ")));
    }
    // As the hotloop workspace builds game code: quick to rebuild.
    text.push_str("\n[profile.dev]\ndebug = false\nstrip = \"debuginfo\"\ncodegen-units = 16\n\n[workspace]\n");
    text
}
