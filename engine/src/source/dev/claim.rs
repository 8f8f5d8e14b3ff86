//! One dev loop per game, profile and target directory.
//!
//! Two dev loops building the same game into the same target directory
//! write the same library and the same direct-build output, and a save
//! there would stop the other's build and delete what it left ([`cancel`]).
//! So the first dev loop holds a lock file beside the command it records,
//! and a second one is refused as it starts, with the first's process id.
//!
//! [`cancel`]: super::cancel

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::DevConfig;

/// How long a restarted engine process waits for the claim of the one
/// before it, which the same supervisor started.
const OWN_CLAIM_WAIT: Duration = Duration::from_secs(5);

/// The dev loop's claim on its game's builds; released when dropped (or
/// when the process ends, however it ends).
#[derive(Debug)]
pub struct DevClaim {
    _held: File,
}

/// Why a dev loop could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// Another dev loop builds this game, with this profile, into this
    /// target directory.
    #[error(
        "another `cargo dev`{} is already building {package} ({profile}) into {target}: two would overwrite each other's builds; close it first, or give this one a target directory of its own (CARGO_TARGET_DIR)",
        pid.map(|pid| format!(" (process {pid})")).unwrap_or_default()
    )]
    Taken {
        /// The game's package.
        package: String,
        /// `debug` or `release`.
        profile: &'static str,
        /// The target directory both would build into.
        target: PathBuf,
        /// The process the other one's user started, as it wrote it into
        /// the lock file (`None` while it has not yet).
        pid: Option<u32>,
    },
    /// The lock file could not be made or locked.
    #[error("cannot claim the game's builds with {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

impl DevClaim {
    /// Claims `config`'s game builds for this process.
    ///
    /// # Errors
    /// [`ClaimError::Taken`] when another live dev loop holds them.
    pub fn take(config: &DevConfig) -> Result<Self, ClaimError> {
        // The process to close: the supervisor, when one runs.
        let supervisor = crate::session::supervisor();
        let owner = supervisor.unwrap_or_else(std::process::id);
        let started = Instant::now();
        loop {
            match Self::try_take(config, owner) {
                // Our supervisor's claim: held by the engine process it ran
                // before this one, which crashed; the lock goes with the
                // last copy of its file (a program it was starting holds
                // one until that program runs).
                Err(ClaimError::Taken { pid, .. })
                    if pid.is_some() && pid == supervisor && started.elapsed() < OWN_CLAIM_WAIT =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                claimed => return claimed,
            }
        }
    }

    fn try_take(config: &DevConfig, owner: u32) -> Result<Self, ClaimError> {
        let path = config.claim_file();
        let io = |source| ClaimError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).map_err(io)?;
                write!(file, "{owner}").map_err(io)?;
                Ok(Self { _held: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
                Err(ClaimError::Taken {
                    package: config.package.clone(),
                    profile: config.profile(),
                    target: config.target_dir(),
                    pid: text.trim().parse().ok(),
                })
            }
            Err(TryLockError::Error(error)) => Err(io(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(target: &std::path::Path, package: &str, release: bool) -> DevConfig {
        let mut config = DevConfig::for_workspace(target, release);
        config.target_dir = Some(target.to_path_buf());
        config.package = package.to_owned();
        config
    }

    #[test]
    fn a_second_claim_on_the_same_builds_is_refused_with_the_first_ones_pid() {
        let target = tempfile::tempdir().unwrap();
        let first = DevClaim::take(&config(target.path(), "game-logic", false)).unwrap();
        let refused = DevClaim::take(&config(target.path(), "game-logic", false)).unwrap_err();
        let text = refused.to_string();
        assert!(
            text.starts_with(&format!(
                "another `cargo dev` (process {}) is already building game-logic (debug) into ",
                std::process::id()
            )),
            "{text}"
        );
        // Another profile or another game builds elsewhere.
        let release = DevClaim::take(&config(target.path(), "game-logic", true)).unwrap();
        let other = DevClaim::take(&config(target.path(), "invaders", false)).unwrap();
        drop((first, release, other));
        // Released with its holder: the next dev loop may start. (A test
        // elsewhere in this process that starts a program holds a copy of
        // every open file, and so of the lock, until the program runs:
        // retry while that may be.)
        let started = std::time::Instant::now();
        while let Err(error) = DevClaim::take(&config(target.path(), "game-logic", false)) {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "{error}"
            );
            std::thread::yield_now();
        }
    }
}
