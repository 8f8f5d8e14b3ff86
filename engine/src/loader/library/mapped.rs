//! A game library mapped into the process, and how it is let go: its
//! thread-local destructors that the engine holds run first, then it is
//! closed, and when it still stays mapped the log says so once, and why.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use libloading::Library;

use crate::loader::shadow::ShadowFile;
use crate::loader::thread_dtors::{self, InUse};

/// An opened game library and the shadow copy it was opened from.
/// Dropping it closes the library (then deletes the copy), unless a thread
/// still holds one of its thread-local destructors: then it stays mapped
/// for that thread's end to run it.
pub(super) struct Mapped {
    library: Option<Library>,
    /// Its load address, when its destructors are held
    /// ([`thread_dtors::track`]).
    tracked: Option<usize>,
    shadow: ShadowFile,
}

impl Mapped {
    /// `library`, opened from `shadow`; `inside` is the address of
    /// something its own file defines, when known, which says where it is mapped.
    pub(super) fn new(library: Library, shadow: ShadowFile, inside: Option<*const ()>) -> Self {
        let tracked = inside.and_then(|address| thread_dtors::load_address_of(address as usize));
        if let Some(address) = tracked {
            thread_dtors::track(address);
        }
        Self {
            library: Some(library),
            tracked,
            shadow,
        }
    }

    pub(super) fn library(&self) -> &Library {
        self.library.as_ref().expect("open until dropped")
    }

    pub(super) fn shadow(&self) -> &ShadowFile {
        &self.shadow
    }

    /// Runs the thread-local destructors this library registered on this
    /// thread, as if the thread ended. Afterwards its thread-locals here
    /// are destroyed: code of this library that touches one again on this
    /// thread panics (std's "during or after destruction"), so call it when
    /// the thread is done with this library.
    pub(super) fn end_thread_locals_here(&self) {
        if let Some(address) = self.tracked {
            thread_dtors::run_here(address);
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        self.end_thread_locals_here();
        if let Some(address) = self.tracked
            && let Err(in_use) = thread_dtors::untrack(address)
        {
            // Its code must stay: never close it.
            std::mem::forget(self.library.take());
            let why = match in_use {
                InUse::Destructors { thread } => format!(
                    "thread {thread} ({}) holds destructors of its thread-locals",
                    thread_name(thread)
                ),
                InUse::StartedThread => {
                    "a thread it started is still running, or may be (a build that started a thread stays)"
                        .to_owned()
                }
            };
            kept(self.shadow.path(), &why);
            return;
        }
        drop(self.library.take());
        if code_still_mapped(self.shadow.path()) {
            kept(
                self.shadow.path(),
                "the dynamic loader keeps it: a thread it started is still running, or it \
                 registered a thread-local destructor outside the engine's calls",
            );
        }
    }
}

/// Says once per build that it could not be unloaded, and why.
fn kept(path: &Path, why: &str) {
    static KEPT: AtomicU64 = AtomicU64::new(0);
    let kept = KEPT.fetch_add(1, Ordering::Relaxed) + 1;
    log::warn!(
        "{} stays in memory after its replacement ({kept} build(s) so far): {why}",
        path.display()
    );
}

fn thread_name(thread: i32) -> String {
    std::fs::read_to_string(format!("/proc/self/task/{thread}/comm"))
        .map_or_else(|_| "ended".into(), |name| name.trim_end().to_owned())
}

/// Whether code of `path` is still mapped into this process (Linux's
/// `/proc/self/maps`; elsewhere nothing says, so no). Only executable
/// mappings count: a panic's backtrace maps the library's file read-only
/// to read its symbols, and the build's own std keeps that mapping (its
/// symbol cache) after the code is gone.
fn code_still_mapped(path: &Path) -> bool {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return false;
    };
    let path = path.to_string_lossy();
    maps.lines().any(|line| {
        let mut fields = line.split_whitespace();
        let executable = fields.nth(1).is_some_and(|perms| perms.contains('x'));
        executable && fields.nth(3) == Some(&*path)
    })
}
