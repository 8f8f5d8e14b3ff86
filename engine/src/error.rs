//! Why a library could not be loaded or swapped in, one variant per step.

use std::io;
use std::path::PathBuf;

use hotloop_abi::StateLayout;

/// A reload that failed. The engine keeps running the previous library on the
/// preserved state; the message says which step failed and on which file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The library file does not exist (yet).
    #[error(
        "no game library at {path}: build it with `cargo build -p game-logic` (or run `cargo dev`)"
    )]
    NotBuilt {
        /// The expected library path.
        path: PathBuf,
    },
    /// Copying the library to its private shadow file failed.
    #[error("could not copy {path} to a shadow file: {source}")]
    Copy {
        /// The library that was being copied.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// The file is not a loadable library for this machine (empty, truncated,
    /// foreign). Checked before the dynamic loader maps it, because mapping a
    /// truncated library can kill the process instead of failing.
    #[error("{path} is not a loadable library: {reason}")]
    Invalid {
        /// The library that was checked.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The dynamic loader refused the library.
    #[error("could not load {path}: {}", loader_says(error))]
    Open {
        /// The library.
        path: PathBuf,
        /// The loader's error. Not a `source`: its text is in this message
        /// already, and a chain would print it twice.
        error: libloading::Error,
    },
    /// The library lacks an entry point, so it is not a hotloop game library.
    #[error("{path} is not a hotloop game library: it has no `{symbol}` entry point")]
    MissingSymbol {
        /// The library.
        path: PathBuf,
        /// The missing symbol.
        symbol: &'static str,
    },
    /// The library was built against another version of `hotloop-abi`.
    #[error(
        "{path} was built for ABI version {found}, but this engine speaks ABI version {expected}: rebuild game-logic against this engine's hotloop-abi"
    )]
    AbiMismatch {
        /// The library.
        path: PathBuf,
        /// The engine's ABI version.
        expected: u32,
        /// The library's ABI version.
        found: u32,
    },
    /// The library reports a state layout the engine cannot allocate.
    #[error("{path} reports an unusable state layout ({layout}): {reason}")]
    BadLayout {
        /// The library.
        path: PathBuf,
        /// What it reported.
        layout: StateLayout,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The library's description of its state is malformed.
    #[error("{path} describes its state with a malformed field table: {reason}")]
    BadFieldTable {
        /// The library.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The library declares a display the engine cannot show (`size`,
    /// `rate` or `title` out of bounds).
    #[error("{path} declares a display the engine cannot show: {reason}")]
    BadDisplay {
        /// The library.
        path: PathBuf,
        /// Which value is wrong, and the bounds.
        reason: String,
    },
    /// The library's state type differs from the running state's.
    #[error(
        "{path} changed the state layout (running: {running}; new: {new}); the library was refused and the old code keeps running on the intact state"
    )]
    LayoutMismatch {
        /// The library.
        path: PathBuf,
        /// Layout of the state the engine holds.
        running: StateLayout,
        /// Layout the new library expects.
        new: StateLayout,
    },
    /// Game code panicked in an entry point.
    #[error("{entry} panicked in {path}: {message}")]
    Panicked {
        /// The library.
        path: PathBuf,
        /// Which entry point.
        entry: &'static str,
        /// The panic message and location.
        message: String,
    },
    /// Game code returned a status this engine does not know.
    #[error("{entry} in {path} returned unknown status {status}")]
    UnknownStatus {
        /// The library.
        path: PathBuf,
        /// Which entry point.
        entry: &'static str,
        /// The status code.
        status: u32,
    },
}

/// The engine could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The first library could not be loaded.
    #[error(transparent)]
    Load(#[from] ReloadError),
    /// The directory for shadow copies or the watcher could not be set up.
    #[error("could not set up {what}: {source}")]
    Setup {
        /// What was being set up.
        what: String,
        /// The underlying error.
        source: io::Error,
    },
}

/// What the dynamic loader said, once: libloading's error reads "dlopen
/// failed" and carries `dlerror`'s text as its source.
fn loader_says(error: &libloading::Error) -> String {
    use std::error::Error as _;
    match error.source() {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}
