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

    fn map(file: &File, len: usize) -> io::Result<Self> {
        // SAFETY: the file lives in a session directory that only this
        // session's processes use, and it is mapped by one engine process at
        // a time (a new one starts only after the old one was reaped; the
        // supervisor never maps it). So no other code changes or truncates the
        // bytes while this mapping exists, which is what `MmapMut` assumes.
        let map = unsafe { MmapMut::map_mut(file)? };
        Ok(Self { map, len })
    }

    /// The bytes (page-aligned, so any alignment up to 4096 holds).
    pub fn bytes(&self) -> &[u8] {
        &self.map[..self.len]
    }

    /// The bytes, mutably.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.map[..self.len]
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
