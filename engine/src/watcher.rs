//! Watches the library's directory and prepares new builds off the frame thread.
//!
//! Builds replace the file rather than rewrite it (cargo removes the old output
//! and hard-links the new one), so the directory is watched, not the file. A
//! burst of events becomes one load once the file has been quiet for a moment;
//! the loaded library then waits in a channel until the frame loop takes it at
//! the next frame boundary. The frame thread never touches the file system.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::error::ReloadError;
use crate::library::GameLibrary;
use crate::shadow::ShadowDir;

/// Quiet time after the file appeared whole (link, rename, create): just long
/// enough to fold cargo's remove + link pair (0.1 ms apart) into one reload.
pub const SETTLE_REPLACED: Duration = Duration::from_millis(2);

/// Quiet time after the file was written in place (by `cp`, a script or an
/// editor): such writes come in pieces, and mapping a half-written file is
/// what must never happen, so wait until writing has clearly stopped.
pub const SETTLE_WRITTEN: Duration = Duration::from_millis(100);

/// A result of preparing a new build: a loaded library, or why it was refused.
pub type Prepared = Result<GameLibrary, ReloadError>;

/// The watcher thread and the channel of prepared libraries it fills.
pub struct LibraryWatcher {
    // Dropping the notify watcher closes the event channel, which ends the thread.
    watcher: Option<RecommendedWatcher>,
    thread: Option<JoinHandle<()>>,
    prepared: Receiver<Prepared>,
}

impl LibraryWatcher {
    /// Starts watching the directory of `library`.
    ///
    /// # Errors
    /// When the directory cannot be watched.
    pub fn spawn(library: &Path, shadows: Arc<ShadowDir>) -> notify::Result<Self> {
        let library = std::path::absolute(library)?;
        let dir = library
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let (events_tx, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            let _ = events_tx.send(event);
        })?;
        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        let (prepared_tx, prepared) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("hotloop-watcher".into())
            .spawn(move || prepare_builds(&library, &shadows, &events, &prepared_tx))?;
        log::info!("watching {} for new builds", dir.display());
        Ok(Self {
            watcher: Some(watcher),
            thread: Some(thread),
            prepared,
        })
    }

    /// The next prepared library, if one is waiting. Never blocks.
    pub fn try_next(&self) -> Option<Prepared> {
        self.prepared.try_recv().ok()
    }
}

impl Drop for LibraryWatcher {
    fn drop(&mut self) {
        drop(self.watcher.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The watcher thread: settle each burst of events, then load the file.
fn prepare_builds(
    library: &Path,
    shadows: &ShadowDir,
    events: &Receiver<notify::Result<Event>>,
    prepared: &Sender<Prepared>,
) {
    loop {
        let Ok(first) = events.recv() else { return };
        let Some(mut quiet) = settle_time(first, library) else {
            continue;
        };
        let mut deadline = Instant::now() + quiet;
        loop {
            match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(event) => {
                    if let Some(more) = settle_time(event, library) {
                        quiet = quiet.max(more);
                        deadline = Instant::now() + quiet;
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if !library.exists() {
            log::debug!(
                "{} was removed; waiting for the next build",
                library.display()
            );
            continue;
        }
        let started = Instant::now();
        let result = GameLibrary::load(library, shadows);
        log::debug!("prepared {} in {:?}", library.display(), started.elapsed());
        if prepared.send(result).is_err() {
            return;
        }
    }
}

/// How long to wait for quiet after `event`, or `None` when it does not
/// concern the library file (or only reads it).
fn settle_time(event: notify::Result<Event>, library: &Path) -> Option<Duration> {
    let event = match event {
        Ok(event) => event,
        Err(error) => {
            log::warn!("file watcher: {error}");
            return None;
        }
    };
    if !event
        .paths
        .iter()
        .any(|p| p.file_name() == library.file_name())
    {
        return None;
    }
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => Some(SETTLE_WRITTEN),
        EventKind::Access(_) => None,
        EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Some(SETTLE_WRITTEN),
        _ => Some(SETTLE_REPLACED),
    }
}
