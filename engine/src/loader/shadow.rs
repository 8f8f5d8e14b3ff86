//! Private copies of the library file that the engine actually loads, and
//! the retiring thread that unloads old libraries and deletes their copies.
//!
//! Loading a copy rather than the build output lets the compiler overwrite the
//! output at any time, and a fresh name per load keeps the dynamic loader from
//! handing back a cached handle (glibc does for a path it still has mapped).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::loader::code_dir;
use crate::loader::file_check::identity_of;
use crate::loader::retire::Retirer;

/// How long a new load waits for old libraries to be unloaded first.
const UNLOAD_WAIT: Duration = Duration::from_secs(1);

/// A per-process directory of shadow copies, removed with everything in it
/// on drop (after every retired library is unloaded).
pub struct ShadowDir {
    path: PathBuf,
    next: AtomicU64,
    retirer: Retirer,
}

impl std::fmt::Debug for ShadowDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowDir")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ShadowDir {
    /// Creates a fresh directory where copies can run: under the temporary
    /// directory unless that forbids it (see [`code_dir`]).
    ///
    /// # Errors
    /// When no directory allows it, or it cannot be created.
    pub fn create() -> io::Result<Self> {
        Self::at(code_dir::create(&Self::name())?)
    }

    /// Creates a fresh directory under `root` (a supervised session's, which
    /// the supervisor chose the same way).
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn create_in(root: &Path) -> io::Result<Self> {
        let path = root.join(Self::name());
        // Ours alone: created here (never an existing one) and private, as
        // what is loaded from it runs in this process.
        code_dir::private_builder().create(&path)?;
        Self::at(path)
    }

    /// No directory at all, for the game linked into the executable
    /// (`cargo ship`): it copies nothing, so it leaves nothing on disk.
    ///
    /// # Errors
    /// When the retiring thread cannot be started.
    pub fn none() -> io::Result<Self> {
        Self::at(PathBuf::new())
    }

    fn name() -> String {
        format!("hotloop-{}-{:x}", std::process::id(), nonce())
    }

    fn at(path: PathBuf) -> io::Result<Self> {
        Ok(Self {
            path,
            next: AtomicU64::new(1),
            retirer: Retirer::spawn()?,
        })
    }

    /// Unloads or deletes `value` (a library, a shadow file) on the retiring
    /// thread: neither belongs on the frame thread.
    pub fn retire<T: Send + 'static>(&self, value: T) {
        self.retirer.retire(value);
    }

    /// Waits up to `limit` until everything retired so far is unloaded or
    /// deleted; whether it was.
    pub fn wait_retired(&self, limit: Duration) -> bool {
        self.retirer.wait_idle(limit)
    }

    /// Where the shadow directory is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies `source` to a new, unique file in this directory and returns its path.
    ///
    /// # Errors
    /// When the copy fails; no partial file is left behind.
    pub fn copy_in(&self, source: &Path) -> io::Result<ShadowFile> {
        self.copy_identified(source).map(|(file, _)| file)
    }

    /// [`ShadowDir::copy_in`], with the identity
    /// ([`identity`](crate::loader::file_check::identity)) of the file that
    /// was copied, taken from the very descriptor the copy was read
    /// through: a build replaced during the copy cannot lend its identity to
    /// the other's bytes.
    ///
    /// # Errors
    /// As [`ShadowDir::copy_in`].
    pub fn copy_identified(&self, source: &Path) -> io::Result<(ShadowFile, u64)> {
        // Keep at most the running library and this one mapped.
        if !self.retirer.wait_idle(UNLOAD_WAIT) {
            log::warn!("old game libraries are slow to unload; loading the new one anyway");
        }
        let serial = self.next.fetch_add(1, Ordering::Relaxed);
        let name = source
            .file_name()
            .map_or_else(|| "library".into(), |n| n.to_string_lossy());
        if self.path.as_os_str().is_empty() {
            return Err(io::Error::other(
                "a game linked into the executable copies no library",
            ));
        }
        let path = self.path.join(format!("{serial:06}-{name}"));
        let mut from = fs::File::open(source)?;
        let identity = identity_of(&from.metadata()?);
        let copied = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut to| io::copy(&mut from, &mut to));
        match copied {
            Ok(_) => Ok((
                ShadowFile {
                    path: Arc::new(DeleteOnDrop(path)),
                },
                identity,
            )),
            Err(error) => {
                let _ = fs::remove_file(&path);
                Err(error)
            }
        }
    }
}

impl Drop for ShadowDir {
    fn drop(&mut self) {
        self.retirer.finish();
        if self.path.as_os_str().is_empty() {
            return;
        }
        if let Err(error) = fs::remove_dir_all(&self.path) {
            log::warn!(
                "could not remove shadow directory {}: {error}",
                self.path.display()
            );
        }
    }
}

/// One shadow copy, deleted when the last clone is dropped (the loaded
/// library and the engine's fallback may both hold it).
#[derive(Clone, Debug)]
pub struct ShadowFile {
    path: Arc<DeleteOnDrop>,
}

impl ShadowFile {
    /// Where the copy is.
    pub fn path(&self) -> &Path {
        &self.path.0
    }
}

#[derive(Debug)]
struct DeleteOnDrop(PathBuf);

impl Drop for DeleteOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
