//! Direct builds: on a save that only touched the game crate's `src/`, run
//! the exact rustc command cargo ran for it last time, skipping cargo's own
//! work (reading the whole workspace's manifests, lock file and fingerprints:
//! about 0.1 s of every save in this workspace).
//!
//! The command is recorded by this very executable: cargo runs it as
//! `RUSTC_WORKSPACE_WRAPPER` ([`run_as_wrapper`]), and it writes the game
//! crate's arguments, environment and working directory to a file before
//! becoming rustc. A direct build replays them with one change: the output
//! goes to a directory of its own (`<profile>/hotloop-dev/`), so cargo's own
//! outputs are never touched and a later plain `cargo build` still knows
//! what is up to date. Anything unusual (a crate that cannot be found, no
//! library written, a changed toolchain) is not shown as an error: the dev
//! loop falls back to cargo, which records the command anew.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::UNIX_EPOCH;

use cargo_metadata::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};

use super::cancel::Cancel;
use super::cargo::{self, Stderr};
use super::diagnostics::{BuildError, Diagnostics};
use super::fast_link::FastLink;
use crate::files::atomic;

/// Where the wrapper records the game crate's invocation.
pub const CAPTURE_FILE_ENV: &str = "HOTLOOP_CAPTURE_RUSTC";
/// Which crate's invocation the wrapper records (its crate name).
pub const CAPTURE_CRATE_ENV: &str = "HOTLOOP_CAPTURE_CRATE";

/// Variables that belong to the cargo run that was recorded, not to a
/// replay: its jobserver's file descriptors, and the wrapper's own settings.
const NOT_REPLAYED: [&str; 6] = [
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    CAPTURE_FILE_ENV,
    CAPTURE_CRATE_ENV,
];

/// Error codes of rustc failing to find or read a dependency: the recorded
/// command is stale (`cargo clean`, a dependency rebuilt), not the game code,
/// even though they point at a `use` in it.
const STALE_DEPENDENCY: [&str; 7] = [
    "E0460", "E0461", "E0462", "E0463", "E0464", "E0514", "E0786",
];

/// How rustc's error begins when the linker failed.
const LINK_FAILED: &str = "error: linking with";

/// When this process was started by cargo as its rustc wrapper: records the
/// game crate's compiler invocation, then becomes rustc. `None` otherwise.
pub fn run_as_wrapper() -> Option<ExitCode> {
    let capture = std::env::var_os(CAPTURE_FILE_ENV)?;
    let mut args = std::env::args_os().skip(1);
    let rustc = PathBuf::from(args.next()?);
    let args: Vec<OsString> = args.collect();
    let wanted = std::env::var_os(CAPTURE_CRATE_ENV);
    if wanted.is_some_and(|name| is_cdylib_of(&args, &name))
        && let Err(error) = Invocation::of_this_process(&rustc, &args)
            .and_then(|invocation| invocation.save(Path::new(&capture)))
    {
        eprintln!("hotloop: could not record the game crate's rustc command: {error}");
    }
    #[cfg(unix)]
    let error = std::os::unix::process::CommandExt::exec(Command::new(&rustc).args(&args));
    #[cfg(not(unix))]
    let error = match Command::new(&rustc).args(&args).status() {
        Ok(status) => {
            let code = status.code().and_then(|code| u8::try_from(code).ok());
            return Some(code.map_or(ExitCode::FAILURE, ExitCode::from));
        }
        Err(error) => error,
    };
    eprintln!("hotloop: could not run {}: {error}", rustc.display());
    Some(ExitCode::FAILURE)
}

/// Whether `args` compile crate `name` as a cdylib.
fn is_cdylib_of(args: &[OsString], name: &OsString) -> bool {
    let has = |flag: &str, value: &OsString| {
        args.windows(2)
            .any(|pair| pair[0] == flag && &pair[1] == value)
    };
    has("--crate-name", name) && has("--crate-type", &OsString::from("cdylib"))
}

/// One recorded rustc invocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// The compiler.
    pub rustc: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment (what cargo set: `CARGO_PKG_*`, `OUT_DIR`, …).
    pub env: Vec<(String, String)>,
    /// Its working directory.
    pub cwd: PathBuf,
    /// The compiler's modification time then, to notice a new toolchain.
    pub rustc_modified: Option<u128>,
}

/// How a direct build went.
#[derive(Debug)]
pub enum Outcome {
    /// The library rustc just wrote.
    Built(PathBuf),
    /// The game code does not compile: shown exactly as a cargo build's error.
    Failed(BuildError),
    /// The recorded command no longer works here; build with cargo instead.
    Unusable(String),
    /// Stopped: a newer save made it stale ([`Cancel`]).
    Cancelled,
}

impl Invocation {
    fn of_this_process(rustc: &Path, args: &[OsString]) -> io::Result<Self> {
        let text = |value: &OsString| {
            value.clone().into_string().map_err(|value| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{value:?} is not UTF-8"),
                )
            })
        };
        // A variable that is not UTF-8 cannot be recorded, and replaying
        // without it could build something else: no direct builds then.
        let mut env = Vec::new();
        for (key, value) in std::env::vars_os() {
            let (key, value) = (text(&key)?, text(&value)?);
            if !NOT_REPLAYED.contains(&key.as_str()) {
                env.push((key, value));
            }
        }
        Ok(Self {
            rustc: rustc.to_path_buf(),
            args: args.iter().map(text).collect::<io::Result<_>>()?,
            env,
            cwd: std::env::current_dir()?,
            rustc_modified: modified(rustc),
        })
    }

    fn save(&self, path: &Path) -> io::Result<()> {
        atomic::write(path, &serde_json::to_vec(self).map_err(io::Error::other)?)
    }

    /// The invocation recorded at `path`, if there is one and the compiler
    /// is still the one it names.
    pub fn load(path: &Path) -> Option<Self> {
        let invocation: Self = serde_json::from_slice(&fs::read(path).ok()?).ok()?;
        (modified(&invocation.rustc) == invocation.rustc_modified).then_some(invocation)
    }

    /// Where direct builds write: beside cargo's output directory, not in it.
    pub fn out_dir(&self) -> Option<PathBuf> {
        let cargo_out = self.value_of("--out-dir")?;
        let profile_dir = Path::new(cargo_out).parent()?;
        Some(profile_dir.join("hotloop-dev"))
    }

    /// A dependency file the command names (`--extern name=path`) that no
    /// longer exists (`cargo clean`, a dependency rebuilt under a new name).
    fn missing_dependency(&self) -> Option<&str> {
        self.args
            .windows(2)
            .filter(|pair| pair[0] == "--extern")
            .filter_map(|pair| pair[1].split_once('=').map(|(_, path)| path))
            .find(|path| !self.cwd.join(path).exists())
    }

    /// The directory of the crate root (`src/`), as the command names it.
    fn sources(&self) -> Option<PathBuf> {
        let root = self
            .args
            .iter()
            .find(|arg| !arg.starts_with('-') && arg.ends_with(".rs"))?;
        Path::new(root).parent().map(Path::to_path_buf)
    }

    fn value_of(&self, flag: &str) -> Option<&str> {
        self.args
            .windows(2)
            .find(|pair| pair[0] == flag)
            .map(|pair| pair[1].as_str())
    }

    /// Runs the recorded command, writing to [`Invocation::out_dir`] and
    /// emitting only the library the dev loop loads. Links with
    /// `fast_link` when there is one and the command leaves the linker to
    /// rustc; when linking that way fails, builds again as recorded and
    /// drops `fast_link` for the rest of the session. `cancel` stops it
    /// (then nothing it did counts, not even a failure to link, and what
    /// the stopped compiler and linker left in the output directory is
    /// removed).
    pub fn build(&self, fast_link: &mut Option<FastLink>, cancel: &Cancel) -> Outcome {
        let outcome = self.build_once(fast_link, cancel);
        if let (Outcome::Cancelled, Some(out_dir)) = (&outcome, self.out_dir()) {
            remove_leftovers(&out_dir);
        }
        outcome
    }

    fn build_once(&self, fast_link: &mut Option<FastLink>, cancel: &Cancel) -> Outcome {
        let Some(out_dir) = self.out_dir() else {
            return Outcome::Unusable("the recorded command has no --out-dir".into());
        };
        if let Some(gone) = self.missing_dependency() {
            return Outcome::Unusable(format!("the recorded dependency {gone} is gone"));
        }
        if let Err(error) = fs::create_dir_all(&out_dir) {
            return Outcome::Unusable(format!("cannot create {}: {error}", out_dir.display()));
        }
        let args = self.library_only(&out_dir);
        if let Some(fast) = fast_link.as_ref().filter(|_| FastLink::fits(&args)) {
            let mut linked_fast = args.clone();
            linked_fast.extend(fast.args().iter().cloned());
            match self.run(&linked_fast, cancel) {
                Outcome::Failed(error) if error.short.starts_with(LINK_FAILED) => {
                    log::warn!(
                        "linking with rust-lld directly failed ({}); linking through cc from now on",
                        error.short
                    );
                    *fast_link = None;
                }
                Outcome::Unusable(reason) => {
                    log::warn!(
                        "linking with rust-lld directly failed ({reason}); linking through cc from now on"
                    );
                    *fast_link = None;
                }
                outcome => return outcome,
            }
        }
        self.run(&args, cancel)
    }

    /// The recorded arguments, writing to `out_dir` and emitting the
    /// `cdylib` alone: no `rlib` beside it (its metadata costs every save a
    /// few milliseconds) and no dependency file. Its incremental cache is
    /// its own too: a build with other outputs would find cargo's stale, and
    /// make cargo's next build start over.
    fn library_only(&self, out_dir: &Path) -> Vec<String> {
        let mut args = Vec::with_capacity(self.args.len());
        let mut recorded = self.args.iter();
        while let Some(arg) = recorded.next() {
            match arg.as_str() {
                "--out-dir" => {
                    recorded.next();
                    args.extend(["--out-dir".to_owned(), out_dir.display().to_string()]);
                }
                "--crate-type" => match recorded.next() {
                    Some(kind) if kind == "rlib" => {}
                    Some(kind) => args.extend([arg.clone(), kind.clone()]),
                    None => args.push(arg.clone()),
                },
                emit if emit.starts_with("--emit=") => args.push("--emit=link".to_owned()),
                "-C" if recorded
                    .as_slice()
                    .first()
                    .is_some_and(|next| next.starts_with("incremental=")) =>
                {
                    recorded.next();
                    let cache = out_dir.join("incremental");
                    args.extend(["-C".to_owned(), format!("incremental={}", cache.display())]);
                }
                _ => args.push(arg.clone()),
            }
        }
        args
    }

    /// Runs rustc with `args` and the recorded environment.
    fn run(&self, args: &[String], cancel: &Cancel) -> Outcome {
        let mut command = Command::new(&self.rustc);
        command
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.cwd);
        let output = cargo::run_cancellable(&mut command, Stderr::Keep, cancel);
        if cancel.is_cancelled() {
            return Outcome::Cancelled;
        }
        let output = match output {
            Ok(output) => output,
            Err(error) => {
                return Outcome::Unusable(format!("cannot run {}: {error}", self.rustc.display()));
            }
        };
        let stderr = output.stderr_text();
        let mut diagnostics = Diagnostics::default();
        let mut library = None;
        let mut other = None;
        for line in stderr.lines() {
            match serde_json::from_str::<RustcLine>(line) {
                Ok(RustcLine::Artifact { artifact, emit }) if emit == "link" => {
                    if artifact.ends_with(std::env::consts::DLL_SUFFIX) {
                        library = Some(PathBuf::from(artifact));
                    }
                }
                Ok(RustcLine::Diagnostic(diagnostic)) => diagnostics.read(&diagnostic),
                Ok(RustcLine::Artifact { .. }) => {}
                // Another kind of JSON message (future-incompat reports…).
                Err(_) if line.starts_with('{') => {}
                Err(_) => {
                    other.get_or_insert(line);
                }
            }
        }
        // A compile error in game code points into the game crate's sources;
        // anything else (a missing file, a dependency) is the command's fault.
        let sources = self.sources();
        let stale = diagnostics
            .codes
            .iter()
            .any(|code| STALE_DEPENDENCY.contains(&code.as_str()))
            || diagnostics.files.iter().any(|file| {
                !file
                    .as_deref()
                    .zip(sources.as_deref())
                    .is_some_and(|(file, sources)| Path::new(file).starts_with(sources))
            });
        match (output.status.success(), library, diagnostics.first_error) {
            (true, Some(library), _) => Outcome::Built(library),
            (false, _, Some(error)) if !stale => Outcome::Failed(error),
            (false, _, Some(error)) => Outcome::Unusable(error.short),
            (true, None, _) => Outcome::Unusable("rustc wrote no library".into()),
            (false, _, None) => Outcome::Unusable(
                other
                    .unwrap_or("rustc failed without a diagnostic")
                    .to_owned(),
            ),
        }
    }
}

/// One JSON line rustc prints on stderr (`--error-format=json`, with
/// `--json=artifacts`): a diagnostic in `cargo_metadata`'s type, or a notice
/// of a file written.
#[derive(Debug, Deserialize)]
#[serde(tag = "$message_type", rename_all = "lowercase")]
enum RustcLine {
    Artifact { artifact: String, emit: String },
    Diagnostic(Diagnostic),
}

/// Removes what a stopped build left in the direct builds' own output
/// directory: rustc's object files and temporary directories, the linker's
/// half-written library. The incremental cache and finished libraries stay.
fn remove_leftovers(out_dir: &Path) {
    let Ok(entries) = fs::read_dir(out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let keep = entry.file_name() == "incremental"
            || path
                .extension()
                .is_some_and(|ext| ext == std::env::consts::DLL_EXTENSION);
        if keep {
            continue;
        }
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => fs::remove_dir_all(&path),
            _ => fs::remove_file(&path),
        };
        if let Err(error) = removed {
            log::debug!("could not remove {}: {error}", path.display());
        }
    }
}

/// A file's modification time in nanoseconds since the epoch.
fn modified(path: &Path) -> Option<u128> {
    let time = fs::metadata(path).ok()?.modified().ok()?;
    Some(time.duration_since(UNIX_EPOCH).ok()?.as_nanos())
}

#[cfg(test)]
mod tests;
