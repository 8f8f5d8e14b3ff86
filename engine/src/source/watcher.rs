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
use crate::loader::library::GameLibrary;
use crate::loader::shadow::ShadowDir;
use crate::repeat_limit::RepeatLimit;
use crate::source::{Prepared, ReloadSource, SourceEvent};

/// Quiet time after the file appeared whole (link, rename, create): just long
/// enough to fold cargo's remove + link pair (0.1 ms apart) into one reload.
pub const SETTLE_REPLACED: Duration = Duration::from_millis(1);

/// Quiet time after the file was written in place (by `cp`, a script or an
/// editor): such writes come in pieces, and mapping a half-written file is
/// what must never happen, so wait until writing has clearly stopped.
pub const SETTLE_WRITTEN: Duration = Duration::from_millis(100);

/// How often the watcher checks that the watched directory is still the one
/// it watches (`cargo clean` removes it; a build creates a new one).
pub const DIRECTORY_CHECK: Duration = Duration::from_millis(200);

enum Message {
    Event(notify::Result<Event>),
    Stop,
}

/// The watcher thread and the channel of prepared libraries it fills.
pub struct LibraryWatcher {
    control: Sender<Message>,
    thread: Option<JoinHandle<()>>,
    prepared: Receiver<Prepared>,
}

impl LibraryWatcher {
    /// Starts watching the directory of `library`; `loaded` is the
    /// identity of the build running now ([`GameLibrary::id`]), so that a
    /// build that lands while the watch is set up is still taken.
    ///
    /// # Errors
    /// When the directory cannot be watched.
    pub fn spawn(
        library: &Path,
        loaded: Option<u64>,
        shadows: Arc<ShadowDir>,
    ) -> notify::Result<Self> {
        let library = std::path::absolute(library)?;
        let dir = library
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let (control, messages) = mpsc::channel();
        let events = control.clone();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = events.send(Message::Event(event));
        })?;
        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        log::info!("watching {} for new builds", dir.display());
        let (prepared_tx, prepared) = mpsc::channel();
        let mut state = WatchLoop {
            identity: identity(&dir),
            loaded,
            dir,
            library,
            shadows,
            watcher,
            messages,
            prepared: prepared_tx,
            warnings: RepeatLimit::new(log::Level::Warn, module_path!()),
        };
        let thread = thread::Builder::new()
            .name("hotloop-watcher".into())
            .spawn(move || state.run())?;
        Ok(Self {
            control,
            thread: Some(thread),
            prepared,
        })
    }

    /// The next prepared library, if one is waiting. Never blocks.
    pub fn try_next(&self) -> Option<Prepared> {
        self.prepared.try_recv().ok()
    }
}

impl ReloadSource for LibraryWatcher {
    fn poll(&mut self) -> Option<SourceEvent> {
        self.try_next().map(SourceEvent::Prepared)
    }
}

impl Drop for LibraryWatcher {
    fn drop(&mut self) {
        let _ = self.control.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How a wait for an event about the library ended.
enum Wait {
    /// One came; settle for this long.
    Event(Duration),
    /// None came in time.
    Quiet,
    /// The watcher is stopping.
    Stop,
}

/// The watcher thread's state.
struct WatchLoop {
    dir: PathBuf,
    /// Which directory is watched (device and inode), `None` while it is gone.
    identity: Option<(u64, u64)>,
    library: PathBuf,
    /// The identity of the library file last loaded (or refused): an event
    /// that leaves it unchanged (a link count, a touch of another name) is
    /// not a new build.
    loaded: Option<u64>,
    shadows: Arc<ShadowDir>,
    watcher: RecommendedWatcher,
    messages: Receiver<Message>,
    prepared: Sender<Prepared>,
    /// Failures that may repeat every [`DIRECTORY_CHECK`] or every event.
    warnings: RepeatLimit,
}

impl WatchLoop {
    fn run(&mut self) {
        loop {
            let quiet = match self.messages.recv_timeout(DIRECTORY_CHECK) {
                Ok(Message::Event(event)) => self.settle_time(event),
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => self.check_directory(),
            };
            let Some(quiet) = quiet else { continue };
            let Some(result) = self.load_when_settled(quiet) else {
                return;
            };
            if let Some(result) = result
                && self.prepared.send(result).is_err()
            {
                return;
            }
        }
    }

    /// Settles, then loads the library. A file that looks cut off is given
    /// [`SETTLE_WRITTEN`] to be finished before the failure is reported: a
    /// writer may create the file a moment before writing it. `None` when
    /// the watcher is stopping; `Some(None)` when there is nothing to report
    /// (the library was removed, or is the version already loaded).
    fn load_when_settled(&mut self, mut quiet: Duration) -> Option<Option<Prepared>> {
        // A failure that may yet be fixed by the rest of a write.
        let mut failed = None;
        loop {
            if !self.settle(quiet) {
                return None;
            }
            let version = crate::loader::file_check::identity(&self.library);
            if version.is_none() {
                log::debug!(
                    "{} was removed; waiting for the next build",
                    self.library.display()
                );
                return Some(failed);
            }
            if version == self.loaded {
                log::debug!("{} is unchanged; not reloading", self.library.display());
                return Some(failed);
            }
            self.loaded = version;
            let started = Instant::now();
            // This thread is done with the build once it is prepared.
            let result = GameLibrary::load(&self.library, &self.shadows)
                .inspect(GameLibrary::end_thread_locals_here);
            log::debug!(
                "prepared {} in {:?}",
                self.library.display(),
                started.elapsed()
            );
            if !matches!(result, Err(ReloadError::Invalid { .. })) {
                return Some(Some(result));
            }
            failed = Some(result);
            match self.next_event_about_library(SETTLE_WRITTEN) {
                Wait::Event(more) => quiet = more,
                Wait::Quiet => return Some(failed),
                Wait::Stop => return None,
            }
        }
    }

    /// Waits up to `limit` for an event about the library, ignoring others.
    fn next_event_about_library(&mut self, limit: Duration) -> Wait {
        let deadline = Instant::now() + limit;
        loop {
            match self
                .messages
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Message::Event(event)) => {
                    if let Some(quiet) = self.settle_time(event) {
                        return Wait::Event(quiet);
                    }
                }
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return Wait::Stop,
                Err(RecvTimeoutError::Timeout) => return Wait::Quiet,
            }
        }
    }

    /// Waits until no event about the library came for `quiet` (longer if a
    /// later event asks for it). False when the watcher is stopping.
    fn settle(&mut self, mut quiet: Duration) -> bool {
        let mut deadline = Instant::now() + quiet;
        loop {
            match self
                .messages
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Message::Event(event)) => {
                    if let Some(more) = self.settle_time(event) {
                        quiet = quiet.max(more);
                        deadline = Instant::now() + quiet;
                    }
                }
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return false,
                Err(RecvTimeoutError::Timeout) => return true,
            }
        }
    }

    /// [`settle_time`] for the library, logging a watcher error (through
    /// the repeat limit), after noting whether the event says the watched
    /// directory itself went away: a directory created again at once may
    /// reuse the old one's inode, so its identity alone cannot tell.
    fn settle_time(&mut self, event: notify::Result<Event>) -> Option<Duration> {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                self.warnings.log(&format_args!("file watcher: {error}"));
                return None;
            }
        };
        if matches!(event.kind, EventKind::Remove(_)) && event.paths.contains(&self.dir) {
            log::debug!("{} was removed", self.dir.display());
            self.identity = None;
        }
        settle_time(event, &self.library)
    }

    /// Notices the directory being removed or replaced, and watches the new
    /// one once it exists. Returns a settle time when a library is waiting in it.
    fn check_directory(&mut self) -> Option<Duration> {
        let now = identity(&self.dir);
        if now == self.identity {
            return None;
        }
        let _ = self.watcher.unwatch(&self.dir);
        self.identity = None;
        now?;
        if let Err(error) = self.watcher.watch(&self.dir, RecursiveMode::NonRecursive) {
            self.warnings.log(&format_args!(
                "cannot watch {} again yet: {error}",
                self.dir.display()
            ));
            return None;
        }
        self.identity = now;
        log::info!("{} was recreated; watching it again", self.dir.display());
        // The library may have been written before the new watch existed.
        self.library.exists().then_some(SETTLE_WRITTEN)
    }
}

/// Device and inode of `dir`, or `None` when it does not exist.
fn identity(dir: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        Some((0, metadata.is_dir() as u64))
    }
}

/// How long to wait for quiet after `event`, or `None` when it does not
/// concern the library file (or only reads it).
fn settle_time(event: Event, library: &Path) -> Option<Duration> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, RemoveKind};

    fn event(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn only_events_that_change_the_library_count_and_writes_settle_longer() {
        let library = Path::new("/build/libgame.so");
        let at = |kind| settle_time(event(kind, "/build/libgame.so"), library);
        assert_eq!(
            at(EventKind::Create(CreateKind::File)),
            Some(SETTLE_REPLACED)
        );
        assert_eq!(
            at(EventKind::Remove(RemoveKind::File)),
            Some(SETTLE_REPLACED)
        );
        assert_eq!(
            at(EventKind::Modify(ModifyKind::Data(
                notify::event::DataChange::Any
            ))),
            Some(SETTLE_WRITTEN)
        );
        assert_eq!(
            at(EventKind::Access(AccessKind::Close(AccessMode::Write))),
            Some(SETTLE_WRITTEN)
        );
        assert_eq!(
            at(EventKind::Access(AccessKind::Open(AccessMode::Read))),
            None,
            "a read"
        );
        let other = event(EventKind::Create(CreateKind::File), "/build/libother.so");
        assert_eq!(settle_time(other, library), None, "another file");
    }

    #[test]
    fn a_replaced_build_is_loaded_and_a_removed_one_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("libgame.so");
        let shadows = Arc::new(ShadowDir::create_in(dir.path()).unwrap());
        let watcher = LibraryWatcher::spawn(&library, None, shadows).unwrap();
        std::fs::write(dir.path().join("libgame.partial"), b"not a library").unwrap();
        std::fs::rename(dir.path().join("libgame.partial"), &library).unwrap();
        let prepared = wait_for(&watcher);
        let error = prepared.expect_err("a file that is not a library is refused");
        assert!(
            error.to_string().contains("not a 64-bit ELF file"),
            "{error}"
        );
        // A removal is no event for the frame loop; the next build is.
        std::fs::remove_file(&library).unwrap();
        std::fs::write(&library, b"still not a library").unwrap();
        assert!(wait_for(&watcher).is_err());
    }

    fn wait_for(watcher: &LibraryWatcher) -> Prepared {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(prepared) = watcher.try_next() {
                return prepared;
            }
            assert!(Instant::now() < deadline, "the watcher prepared nothing");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
