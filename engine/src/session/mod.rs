//! Crash-proof sessions: a supervisor process restarts the engine process
//! when game code ends or freezes it, and the new process carries on from
//! the state as it was before the step that failed.
//!
//! Game code runs in the engine process, in the same address space as the
//! frame loop, exactly as without supervision: no per-step IPC. What makes
//! a crash survivable is where the engine keeps what matters:
//! - the state and its per-step copy are files in shared memory
//!   ([`SharedBytes`]), so they outlive the process;
//! - a page of atomics ([`Control`]) says which step began, which
//!   was committed, and which game call is running;
//! - the session record ([`record::RecordStore`]) names the libraries, counters
//!   and the libraries that crashed.
//!
//! Where those files live, and how a killed session's are swept, is
//! [`dirs`]. The supervisor ([`mod@supervisor`]) only watches: it reaps the engine process,
//! kills it when a game call outlasts the hang timeout (counting only the
//! time the call's thread could run: see `hang.rs`), names the cause, and
//! starts a new one, which restores the state ([`Session`] here is that
//! process's view of the session).

#[cfg(unix)]
mod child;
pub mod crash;
pub mod dirs;
#[cfg(unix)]
mod hang;
pub mod record;
pub mod relay;
#[cfg(unix)]
pub mod supervisor;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use self::crash::CrashReport;
use self::dirs::DirLock;
use self::record::RecordStore;
use crate::loader::shadow::ShadowDir;
use crate::shared::control::{self, Control};
use crate::shared::room::{self, size_text};
use crate::shared::{ControlMap, SharedBytes};

/// Names the session directory (control block, record, state files) for an
/// engine process started by the supervisor.
pub const SESSION_ENV: &str = "HOTLOOP_SESSION";
/// Names the directory under which engine processes keep their shadow copies
/// (not in shared memory: that may be mounted `noexec`).
pub const SHADOWS_ENV: &str = "HOTLOOP_SESSION_SHADOWS";
/// Names the directory for state files that do not fit in shared memory
/// (set only when the session directory is in `/dev/shm`).
pub const SPILL_ENV: &str = "HOTLOOP_SESSION_SPILL";
/// The supervisor's process id: an engine process whose parent is another
/// one was orphaned.
pub const SUPERVISOR_ENV: &str = "HOTLOOP_SUPERVISOR";
/// Set by the supervisor for an engine process that only restores the
/// session and prints its summary.
pub const FINISH_ENV: &str = "HOTLOOP_FINISH";
/// Set by the supervisor, with the cause, for the summary-only engine
/// process after the display went away: it saves the state aside as well.
pub const DISPLAY_LOST_ENV: &str = "HOTLOOP_DISPLAY_LOST";
/// Set by the supervisor when its own stderr is a terminal (the engine
/// process's stderr is a pipe to the supervisor).
pub const COLOR_ENV: &str = "HOTLOOP_STDERR_IS_TERMINAL";

const CONTROL_FILE: &str = "control";
const RECORD_FILE: &str = "record";
const CRASH_FILE: &str = "crash.json";

/// Whether the user sees stderr in a terminal (through the supervisor, if any).
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::env::var_os(COLOR_ENV).is_some() || io::stderr().is_terminal()
}

/// The supervisor that started this engine process, if one did.
pub fn supervisor() -> Option<u32> {
    std::env::var(SUPERVISOR_ENV).ok()?.parse().ok()
}

/// Nanoseconds since the Unix epoch (0 for a clock before it).
pub(crate) fn unix_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// This process's parent; `None` off Unix, where no supervisor runs.
fn parent_id() -> Option<u32> {
    #[cfg(unix)]
    return Some(std::os::unix::process::parent_id());
    #[cfg(not(unix))]
    None
}

/// Whether this engine process's supervisor is gone (it then runs on
/// its own: nothing restarts it, and nothing kills it if it hangs).
pub fn orphaned() -> bool {
    supervisor().is_some_and(|pid| parent_id() != Some(pid))
}

/// An engine process's view of its supervised session.
#[derive(Debug)]
pub struct Session {
    dir: PathBuf,
    shadow_root: PathBuf,
    spill: Option<PathBuf>,
    control: &'static Control,
    record: RecordStore,
    finish: bool,
    /// Held while this process lives, so that no sweep removes the
    /// directories under it (see [`dirs`]).
    _locks: Vec<DirLock>,
}

impl Session {
    /// The session this process was started in, if the supervisor started it.
    ///
    /// # Errors
    /// When the session directory is unusable.
    pub fn from_env() -> io::Result<Option<Self>> {
        let (Some(dir), Some(shadows)) =
            (std::env::var_os(SESSION_ENV), std::env::var_os(SHADOWS_ENV))
        else {
            return Ok(None);
        };
        // The engine process ends with its supervisor, even one killed
        // outright (the supervisor starts it from its main thread).
        #[cfg(target_os = "linux")]
        if let Err(error) = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM) {
            log::warn!("the engine process will outlive a killed supervisor: {error}");
        }
        // The supervisor may have died before that: no signal then.
        if orphaned() {
            return Err(io::Error::other(format!(
                "its supervisor (process {}) ended before this engine process started",
                std::env::var(SUPERVISOR_ENV).unwrap_or_default()
            )));
        }
        let (dir, shadows) = (PathBuf::from(dir), PathBuf::from(shadows));
        let spill = std::env::var_os(SPILL_ENV).map(PathBuf::from);
        let mut locks = vec![DirLock::hold(&dir)?, DirLock::hold(&shadows)?];
        if let Some(spill) = &spill {
            locks.push(DirLock::hold(spill)?);
        }
        let mut session = Self::attach(dir, shadows, std::env::var_os(FINISH_ENV).is_some())?;
        session.spill = spill;
        session._locks = locks;
        Ok(Some(session))
    }

    /// A session of this process alone, in `dir`: the state lives in
    /// shared-memory files there and calls into game code are reported, but
    /// no supervisor watches. For measuring or exercising the supervised
    /// engine within one process (benchmarks, tests).
    ///
    /// # Errors
    /// When the directories or the control block cannot be created.
    pub fn standalone(dir: &Path) -> io::Result<Self> {
        let (state, shadows) = (dir.join("state"), dir.join("libraries"));
        fs::create_dir_all(&state)?;
        fs::create_dir_all(&shadows)?;
        ControlMap::create(&state.join(CONTROL_FILE))?
            .control()
            .initialise();
        Self::attach(state, shadows, false)
    }

    fn attach(dir: PathBuf, shadow_root: PathBuf, finish: bool) -> io::Result<Self> {
        let map = ControlMap::open(&dir.join(CONTROL_FILE))?;
        // One mapping for the life of the process: the heartbeat is global.
        let control: &'static Control = Box::leak(Box::new(map)).control();
        if !control.is_valid() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the session's control block is from another version of hotloop",
            ));
        }
        control::install(control);
        control.clear_calls();

        let record = RecordStore::open(&dir.join(RECORD_FILE))?;
        Ok(Self {
            dir,
            shadow_root,
            spill: None,
            control,
            record,
            finish,
            _locks: Vec::new(),
        })
    }

    /// The shared control block.
    pub fn control(&self) -> &'static Control {
        self.control
    }

    /// What this engine process does when it ends on purpose; take it
    /// before the session moves into the engine.
    pub fn exit(&self) -> SessionExit {
        let mut dirs = vec![self.dir.clone(), self.shadow_root.clone()];
        dirs.extend(self.spill.clone());
        SessionExit {
            control: self.control,
            dirs,
            supervisor: parent_id(),
        }
    }

    /// Whether an earlier engine process of this session left a state to carry on from.
    pub fn is_resuming(&self) -> bool {
        self.control.phase() == control::Phase::Running && self.record.read().is_some()
    }

    /// Whether this process only restores the session and prints its summary.
    pub fn is_finishing(&self) -> bool {
        self.finish
    }

    /// Why the session ends, when it is because the display went away (the
    /// previous engine process ended with it; see [`DISPLAY_LOST_ENV`]).
    pub fn display_lost(&self) -> Option<String> {
        self.finish
            .then(|| std::env::var(DISPLAY_LOST_ENV).ok())
            .flatten()
            .filter(|cause| !cause.is_empty())
    }

    /// The newest record an engine process of this session wrote (JSON).
    pub fn record(&self) -> Option<Vec<u8>> {
        self.record.read()
    }

    /// Saves `record` (JSON) for the next engine process.
    ///
    /// # Errors
    /// When it does not fit.
    pub fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        self.record.write(record)
    }

    /// The supervisor's account of the crash that ended the previous engine
    /// process, removed once read.
    pub fn take_crash(&self) -> Option<CrashReport> {
        let path = self.dir.join(CRASH_FILE);
        let text = fs::read(&path).ok()?;
        let _ = fs::remove_file(&path);
        serde_json::from_slice(&text).ok()
    }

    /// A fresh shadow directory for this process, under the session's.
    ///
    /// # Errors
    /// When it cannot be created.
    pub fn shadow_dir(&self) -> io::Result<ShadowDir> {
        ShadowDir::create_in(&self.shadow_root)
    }

    /// Removes the shadow directories of dead engine processes (call once
    /// their libraries have been copied out).
    pub fn forget_dead_shadows(&self, own: &Path) {
        let Ok(entries) = fs::read_dir(&self.shadow_root) else {
            return;
        };
        for entry in entries.flatten() {
            // Not the lock file, nor this process's own directory.
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) && entry.path() != own {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }

    /// New state files for layout `serial`, `size` bytes each, zeroed: the
    /// state and its per-step copy; and the field table that describes them.
    /// They go in the session directory when it has room for them next to
    /// what it holds (an old layout's state during a migration), else in the
    /// spill directory, with a note. Nothing is left when this fails.
    ///
    /// # Errors
    /// When neither has room (the message says how much is needed and
    /// where), or a file cannot be created.
    pub fn create_state(
        &self,
        serial: u64,
        size: usize,
        field_table: &[u8],
    ) -> io::Result<(SharedBytes, SharedBytes)> {
        let needed = 2 * room::pages_for(size as u64) + room::pages_for(field_table.len() as u64);
        let dir = self.dir_with_room(serial, size, needed)?;
        let [now, before, fields] = state_files_in(dir, serial);
        let created = fs::write(&fields, field_table).and_then(|()| {
            Ok((
                SharedBytes::create(&now, size)?,
                SharedBytes::create(&before, size)?,
            ))
        });
        if created.is_err() {
            for path in [now, before, fields] {
                let _ = fs::remove_file(path);
            }
        }
        created
    }

    /// Where `needed` bytes for layout `serial`'s state (`size` bytes, twice) fit.
    fn dir_with_room(&self, serial: u64, size: usize, needed: u64) -> io::Result<&Path> {
        // When the file system cannot say, reserving the files will.
        let free = |dir: &Path| room::free_bytes(dir).ok();
        let shm_free = free(&self.dir);
        if shm_free.is_none_or(|free| free >= needed) {
            return Ok(&self.dir);
        }
        let shm_free = shm_free.unwrap_or_default();
        let what = format!(
            "the state needs {} (two copies of {})",
            size_text(needed),
            size_text(size as u64)
        );
        let Some(spill) = &self.spill else {
            return Err(no_room(format!(
                "{what} but {} has {} free",
                self.dir.display(),
                size_text(shm_free)
            )));
        };
        let spill_free = free(spill);
        if spill_free.is_none_or(|free| free >= needed) {
            log::warn!(
                "{what} but {} has {} free; layout {serial}'s state is kept in {} instead (written back to disk if that is a disk)",
                self.dir.display(),
                size_text(shm_free),
                spill.display()
            );
            return Ok(spill);
        }
        Err(no_room(format!(
            "{what} but {} has {} free and {} has {} free",
            self.dir.display(),
            size_text(shm_free),
            spill.display(),
            size_text(spill_free.unwrap_or_default())
        )))
    }

    /// The state files of layout `serial` that a dead engine process left,
    /// and their field table.
    ///
    /// # Errors
    /// When a file is missing or short.
    pub fn open_state(
        &self,
        serial: u64,
        size: usize,
    ) -> io::Result<(SharedBytes, SharedBytes, Vec<u8>)> {
        let [now, before, fields] = self.state_files(serial);
        Ok((
            SharedBytes::open(&now, size)?,
            SharedBytes::open(&before, size)?,
            fs::read(fields)?,
        ))
    }

    /// The files of layout `serial`: state, per-step copy, field table; in
    /// the spill directory if they were put there.
    pub fn state_files(&self, serial: u64) -> [PathBuf; 3] {
        let spilled = self
            .spill
            .as_deref()
            .filter(|spill| state_files_in(spill, serial)[2].exists());
        state_files_in(spilled.unwrap_or(&self.dir), serial)
    }
}

fn state_files_in(dir: &Path, serial: u64) -> [PathBuf; 3] {
    ["now", "before", "fields"].map(|what| dir.join(format!("state-{serial}.{what}")))
}

fn no_room(what: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::StorageFull,
        format!("{what}: free some space there, or give /dev/shm more (`docker run --shm-size`)"),
    )
}

/// How an engine process leaves its session on purpose (see [`Session::exit`]).
#[derive(Debug)]
pub struct SessionExit {
    control: &'static Control,
    dirs: Vec<PathBuf>,
    supervisor: Option<u32>,
}

impl SessionExit {
    /// Tells the supervisor that this exit is the session's end (not a
    /// crash). When the supervisor is gone (killed outright, which ended this
    /// process too), removes the session's files, which it would have.
    pub fn finish(self) {
        self.control.set_phase(control::Phase::Finished);
        if parent_id() != self.supervisor {
            for dir in &self.dirs {
                let _ = fs::remove_dir_all(dir);
            }
        }
    }
}
