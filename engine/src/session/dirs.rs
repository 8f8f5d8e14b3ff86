//! The session's directories: where they go, the lock that says their
//! owner lives, and the sweep that removes those of killed sessions.
//!
//! A session's directories share its name, `hotloop-session-<pid>-<hex>`,
//! so that a later session recognises what a killed one left:
//! - the name alone: control block, record and state files, in `/dev/shm`
//!   when it has room for the first two, else in the temporary directory;
//! - `-state`: in the temporary directory, for state files that do not fit
//!   in `/dev/shm` (only when the first is there);
//! - `-libraries`: the shadow copies, where they can run ([`code_dir`]).
//!
//! Each holds a [`LOCK_FILE`] on which the supervisor and the engine process
//! hold a shared `flock` for as long as they live. Removing them on exit is
//! not enough: a SIGKILL or the OOM killer skips every destructor. So each
//! supervisor, as it starts, sweeps the directories whose lock it can take
//! exclusively: no live process holds them. The lock file only ever
//! appears locked (it is locked under another name, then renamed), so a
//! sweep never takes a new session's directory for a dead one.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::record;
use super::{CONTROL_FILE, RECORD_FILE};
use crate::loader::code_dir;
use crate::shared::ControlMap;
use crate::shared::room::{self, size_text};

/// The lock file in each session directory.
pub const LOCK_FILE: &str = "lock";
const PREFIX: &str = "hotloop-session-";
/// Suffixes of a session's other directories (see the module doc).
const SUFFIXES: [&str; 2] = ["-state", "-libraries"];

/// A shared lock on a session directory, held while this process lives.
#[derive(Debug)]
pub struct DirLock {
    /// Locked: the lock lasts as long as the file is open.
    _held: File,
}

impl DirLock {
    /// Holds the lock of the session directory `dir` (an engine process
    /// joining its supervisor's session).
    ///
    /// # Errors
    /// When `dir` has no lock file, or a sweep is removing it.
    pub fn hold(dir: &Path) -> io::Result<Self> {
        let file = File::open(dir.join(LOCK_FILE))
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Self { _held: file }),
            Err(error) => {
                let error = io::Error::from(error);
                Err(io::Error::new(
                    error.kind(),
                    format!("{} is being removed: {error}", dir.display()),
                ))
            }
        }
    }

    /// Creates the lock file in the new directory `dir`, locked.
    fn create(dir: &Path) -> io::Result<Self> {
        let fresh = dir.join(format!("{LOCK_FILE}.new"));
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&fresh)?;
        file.try_lock_shared().map_err(io::Error::from)?;
        fs::rename(&fresh, dir.join(LOCK_FILE))?;
        Ok(Self { _held: file })
    }
}

/// The supervisor's session directories and its locks on them; removed
/// when dropped.
pub struct SessionDirs {
    /// Control block, record and state files.
    pub state: PathBuf,
    /// State files that do not fit in `state`, if that is in `/dev/shm`.
    pub spill: Option<PathBuf>,
    /// Shadow copies of libraries, on a file system that lets them run.
    pub shadows: PathBuf,
    control: ControlMap,
    _locks: Vec<DirLock>,
}

impl SessionDirs {
    /// Sweeps what killed sessions left, then creates this session's
    /// directories, its control block (zeroed) and record, with room
    /// reserved. When `/dev/shm` has no room for them they go to the
    /// temporary directory, with a note.
    ///
    /// # Errors
    /// When no place has room, or no directory lets libraries run.
    pub fn create() -> io::Result<Self> {
        let name = format!("{PREFIX}{}-{:x}", std::process::id(), super::unix_nanos());
        let shm = Path::new("/dev/shm");
        let temp = std::env::temp_dir();
        let mut roots: Vec<&Path> = vec![&temp];
        if shm.is_dir() {
            roots.insert(0, shm);
        }
        sweep(&roots);
        let mut locks = Vec::new();
        let mut refused = Vec::new();
        let mut made = None;
        for root in &roots {
            match state_dir(&root.join(&name)) {
                Ok(found) => {
                    made = Some(found);
                    break;
                }
                Err(error) => refused.push(error.to_string()),
            }
        }
        let Some((state, control, lock)) = made else {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                format!(
                    "no room for the session's files ({}): {}",
                    size_text(state_dir_size()),
                    refused.join("; ")
                ),
            ));
        };
        locks.push(lock);
        if !refused.is_empty() {
            log::warn!(
                "keeping the session's files in {}: {}; the state survives crashes there as well (but is written back to disk if that is a disk)",
                state.display(),
                refused.join("; ")
            );
        }
        let spill = if state.starts_with(shm) {
            let spill = temp.join(format!("{name}-state"));
            match private_dir(&spill).and_then(|()| DirLock::create(&spill)) {
                Ok(lock) => {
                    locks.push(lock);
                    Some(spill)
                }
                Err(error) => {
                    log::debug!("no place for states too big for /dev/shm: {error}");
                    let _ = fs::remove_dir_all(&spill);
                    None
                }
            }
        } else {
            None
        };
        let made = code_dir::create(&format!("{name}-libraries")).and_then(|shadows| {
            if let Some(root) = shadows.parent()
                && !roots.contains(&root)
            {
                sweep(&[root]);
            }
            DirLock::create(&shadows).map(|lock| (shadows, lock))
        });
        let (shadows, lock) = match made {
            Ok(made) => made,
            Err(error) => {
                let _ = fs::remove_dir_all(&state);
                if let Some(spill) = &spill {
                    let _ = fs::remove_dir_all(spill);
                }
                return Err(error);
            }
        };
        locks.push(lock);
        Ok(Self {
            state,
            spill,
            shadows,
            control,
            _locks: locks,
        })
    }

    /// The session's control block.
    pub fn control(&self) -> &crate::shared::control::Control {
        self.control.control()
    }
}

impl Drop for SessionDirs {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.state);
        let _ = fs::remove_dir_all(&self.shadows);
        if let Some(spill) = &self.spill {
            let _ = fs::remove_dir_all(spill);
        }
    }
}

/// What the state directory holds before any state: control block, record.
fn state_dir_size() -> u64 {
    room::pages_for(std::mem::size_of::<crate::shared::control::Control>() as u64)
        + room::pages_for(record::FILE_LEN as u64)
}

/// The state directory at `dir`, locked, with its control block (zeroed)
/// and record created; nothing is left when it fails.
fn state_dir(dir: &Path) -> io::Result<(PathBuf, ControlMap, DirLock)> {
    private_dir(dir)?;
    let made = DirLock::create(dir).and_then(|lock| {
        let control = ControlMap::create(&dir.join(CONTROL_FILE))?;
        control.control().initialise();
        room::create_reserved(&dir.join(RECORD_FILE), record::FILE_LEN as u64, true)?;
        Ok((dir.to_path_buf(), control, lock))
    });
    if made.is_err() {
        let _ = fs::remove_dir_all(dir);
    }
    made
}

/// Creates the new directory `path` with mode 0700.
fn private_dir(path: &Path) -> io::Result<()> {
    code_dir::private_builder()
        .create(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// Removes the session directories under `roots` that no live process
/// holds (see the module doc); returns how many. Only directories named as
/// sessions name theirs and owned by this user are looked at.
pub fn sweep(roots: &[&Path]) -> usize {
    let mut removed = 0;
    for root in roots {
        let Ok(entries) = fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten() {
            if !entry.file_name().to_str().is_some_and(is_session_name) {
                continue;
            }
            let path = entry.path();
            // Not followed: a link is never a session's directory.
            let ours = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && owned_by_us(&m));
            if ours && owner_is_gone(&path) {
                log::debug!("removing {}, left by a killed session", path.display());
                removed += 1;
            }
        }
    }
    if removed > 0 {
        log::info!("removed {removed} directories left by killed hotloop sessions");
    }
    removed
}

/// Whether this user owns what `meta` describes (off Unix: whatever this
/// user can list).
fn owned_by_us(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    return std::os::unix::fs::MetadataExt::uid(meta) == nix::unistd::geteuid().as_raw();
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// Whether nothing holds the lock of session directory `dir`; if so it is
/// removed (under the lock, so that no other sweep races this one).
fn owner_is_gone(dir: &Path) -> bool {
    // No lock file: being created, or not ours to judge.
    let Ok(file) = File::open(dir.join(LOCK_FILE)) else {
        return false;
    };
    if file.try_lock().is_err() {
        return false;
    }
    fs::remove_dir_all(dir).is_ok()
}

/// Whether `name` is one that [`SessionDirs`] gives its directories.
fn is_session_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let rest = SUFFIXES
        .iter()
        .find_map(|suffix| rest.strip_suffix(suffix))
        .unwrap_or(rest);
    let Some((pid, stamp)) = rest.split_once('-') else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && !stamp.is_empty()
        && stamp.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_session_names_are_recognised() {
        for name in [
            "hotloop-session-12-1a2b",
            "hotloop-session-12-1a2b-state",
            "hotloop-session-12-1a2b-libraries",
        ] {
            assert!(is_session_name(name), "{name}");
        }
        for name in [
            "hotloop-session-",
            "hotloop-session-12",
            "hotloop-session-12-",
            "hotloop-session-x-1a2b",
            "hotloop-session-12-1a2b-other",
            "hotloop-session-12-1a2b-state-libraries",
            "hotloop-12-1a2b",
            "pulse-shm-1234",
        ] {
            assert!(!is_session_name(name), "{name}");
        }
    }

    fn session_dir(root: &Path, name: &str, lock: bool) -> (PathBuf, Option<DirLock>) {
        let dir = root.join(name);
        private_dir(&dir).unwrap();
        fs::write(dir.join("state-1.now"), b"state").unwrap();
        let held = lock.then(|| DirLock::create(&dir).unwrap());
        (dir, held)
    }

    #[test]
    fn the_sweep_removes_only_unheld_session_directories() {
        let root = tempfile::tempdir().unwrap();
        let (dead, dead_lock) = session_dir(root.path(), "hotloop-session-1-a", true);
        drop(dead_lock);
        let (alive, alive_lock) = session_dir(root.path(), "hotloop-session-2-b-libraries", true);
        // An engine process that joined holds it too, after its supervisor died.
        let engine_lock = DirLock::hold(&alive).unwrap();
        drop(alive_lock);
        let (unlocked, _) = session_dir(root.path(), "hotloop-session-3-c-state", false);
        let (foreign, foreign_lock) = session_dir(root.path(), "hotloop-other-4-d", true);
        drop(foreign_lock);
        let file = root.path().join("hotloop-session-5-e");
        fs::write(&file, b"not a directory").unwrap();

        assert_eq!(sweep_until_one(root.path()), 1);
        assert!(!dead.exists(), "no process holds it");
        assert!(alive.exists(), "an engine process still holds it");
        assert!(
            unlocked.exists(),
            "no lock file: being created, or not ours"
        );
        assert!(
            foreign.exists() && file.exists(),
            "other names are left alone"
        );

        drop(engine_lock);
        assert_eq!(sweep_until_one(root.path()), 1);
        assert!(!alive.exists());
    }

    /// Sweeps `root` until one directory is removed (or a minute passed).
    /// A process this test binary starts meanwhile (other tests run
    /// programs) holds copies of its descriptors, and so its locks, from its
    /// fork to its exec: a lock dropped here can stay held for that moment.
    fn sweep_until_one(root: &Path) -> usize {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let removed = sweep(&[root]);
            if removed != 0 || std::time::Instant::now() > deadline {
                return removed;
            }
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_held_directory_cannot_be_swept_and_a_swept_one_cannot_be_joined() {
        let root = tempfile::tempdir().unwrap();
        let (dir, lock) = session_dir(root.path(), "hotloop-session-6-f", true);
        assert!(!owner_is_gone(&dir));
        drop(lock);
        assert_eq!(sweep_until_one(root.path()), 1, "no one holds it now");
        assert!(DirLock::hold(&dir).is_err(), "gone with the sweep");
    }
}
