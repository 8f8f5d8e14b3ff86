//! Memory shared through files: the one place outside the loader where the
//! engine maps memory, and so the session's only `unsafe`.
//!
//! Two kinds of mapping, each with the argument for why it is sound:
//! - [`SharedBytes`]: a file's bytes, mapped read-write by one process at a
//!   time (state buffers and the session record). The supervisor never maps
//!   them; an engine process maps them only after the previous one is dead.
//! - [`ControlMap`]: the control block, mapped by the supervisor and the
//!   engine at once, and touched only through atomics.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use memmap2::MmapMut;

use super::control::Control;
use super::room;

/// A file's bytes, mapped read-write and shared, so that they outlive the
/// process that writes them.
pub struct SharedBytes {
    map: MmapMut,
    len: usize,
    /// The file, locked, when it was made with [`SharedBytes::create_locked`].
    _locked: Option<File>,
}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBytes")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl SharedBytes {
    /// Creates (or truncates) `path` as `len` zero bytes, reserved (see
    /// [`room`]), and maps it.
    ///
    /// # Errors
    /// When the file cannot be created or mapped, or there is no room for it.
    pub fn create(path: &Path, len: usize) -> io::Result<Self> {
        let file = room::create_reserved(path, len as u64, false)?;
        Self::map(&file, len)
    }

    /// Maps the existing file at `path`, which must hold at least `len` bytes.
    ///
    /// # Errors
    /// When the file cannot be opened or mapped, or is shorter than `len`.
    pub fn open(path: &Path, len: usize) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        if file.metadata()?.len() < len as u64 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} is shorter than {len} bytes", path.display()),
            ));
        }
        Self::map(&file, len)
    }

    /// Creates `path`, which must not exist, as `len` zero bytes, reserved
    /// (see [`room`]) and locked (`File::try_lock`) while this value
    /// lives, and maps it: a shipped game's crash journal, which the next
    /// start reads only once it can take the lock.
    ///
    /// # Errors
    /// When the file exists or cannot be created, locked or mapped, or
    /// there is no room for it.
    pub fn create_locked(path: &Path, len: usize) -> io::Result<Self> {
        let file = room::create_reserved(path, len as u64, true)?;
        let locked = file.try_lock().map_err(io::Error::from).and_then(|()| {
            let mut map = Self::map(&file, len)?;
            map._locked = Some(file);
            Ok(map)
        });
        if locked.is_err() {
            let _ = std::fs::remove_file(path);
        }
        locked
    }

    fn map(file: &File, len: usize) -> io::Result<Self> {
        // SAFETY: the file is mapped by one process at a time, and nothing
        // else of ours writes or truncates it while it is: a session's
        // state lives in a session directory that only that session's
        // processes use, mapped by one engine process at a time (a new one
        // starts only after the old one was reaped; the supervisor never
        // maps it); a crash journal is a new file under a name no other
        // process uses, and locked, and the next start reads it only once
        // it holds the lock, that is after this process is gone. So no other
        // code changes or truncates the bytes while this mapping exists,
        // which is what `MmapMut` assumes.
        let map = unsafe { MmapMut::map_mut(file)? };
        Ok(Self {
            map,
            len,
            _locked: None,
        })
    }

    /// The bytes (page-aligned, so any alignment up to 4096 holds).
    pub fn bytes(&self) -> &[u8] {
        &self.map[..self.len]
    }

    /// The bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.map[..self.len]
    }

    /// The first byte, for reads and writes that make no reference to the
    /// bytes (the state's padding may be uninitialised).
    pub fn as_ptr(&self) -> *const u8 {
        self.map.as_ptr()
    }

    /// The first byte, mutably, as [`SharedBytes::as_ptr`].
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.map.as_mut_ptr()
    }
}

/// The control block, mapped from its file; both processes hold one.
pub struct ControlMap {
    map: MmapMut,
}

impl ControlMap {
    /// Creates the control file at `path`, zeroed and reserved (see
    /// [`room`]), and maps it.
    ///
    /// # Errors
    /// When the file cannot be created or mapped, or there is no room for it.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = room::create_reserved(path, std::mem::size_of::<Control>() as u64, true)?;
        Self::map(&file)
    }

    /// Maps the control file that the supervisor created at `path`.
    ///
    /// # Errors
    /// When it cannot be opened or mapped, or is too short.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        if file.metadata()?.len() < std::mem::size_of::<Control>() as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a hotloop control file", path.display()),
            ));
        }
        Self::map(&file)
    }

    fn map(file: &File) -> io::Result<Self> {
        // SAFETY: the other process writes this file only through the atomics
        // of `Control` (see `control`), never through plain writes, and nobody
        // truncates it while the session runs.
        let map = unsafe { MmapMut::map_mut(file)? };
        Ok(Self { map })
    }

    /// The control block.
    pub fn control(&self) -> &Control {
        let bytes: &[u8] = &self.map;
        assert!(bytes.len() >= std::mem::size_of::<Control>());
        let pointer = bytes.as_ptr().cast::<Control>();
        assert!(pointer.is_aligned(), "mappings are page-aligned");
        // SAFETY: the mapping is page-aligned (checked), at least as large as
        // `Control` (checked) and lives as long as `self`. `Control` is made
        // only of atomic integers, for which every bit pattern (zero included)
        // is valid, and which may be changed by another process at any time
        // without breaking a shared reference: that is what atomics are for.
        unsafe { &*pointer }
    }
}
