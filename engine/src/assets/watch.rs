//! Finding and reading asset files: all of them at start, then each one that
//! changes, on a watcher thread so the frame thread only swaps results in.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::repeat_limit::RepeatLimit;

use super::{AssetUpdate, SETTLE_ASSETS, TUNABLES_FILE, decode_png, decode_sound, parse_tunables};

/// What kind of asset a file is, by its name.
#[derive(Clone, Copy)]
enum Kind {
    Image,
    Sound,
    Tunables,
}

/// Reads one asset file; `None` when it is not an asset (not a PNG, WAV or
/// Ogg file, or the tunables file).
fn read_asset(dir: &Path, path: &Path) -> Option<AssetUpdate> {
    let name = asset_name(dir, path)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let kind = match extension.as_deref() {
        _ if name == TUNABLES_FILE => Kind::Tunables,
        Some("png") => Kind::Image,
        Some("wav" | "ogg") => Kind::Sound,
        _ => return None,
    };
    let bytes = match std::fs::read(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Some(AssetUpdate::Removed(name));
        }
        read => read.map_err(|error| format!("cannot read it ({error})")),
    };
    Some(match kind {
        Kind::Image => AssetUpdate::Image(name, bytes.and_then(|b| decode_png(&b))),
        Kind::Sound => AssetUpdate::Sound(name, bytes.and_then(|b| decode_sound(&b))),
        Kind::Tunables => AssetUpdate::Tunables(bytes.and_then(|b| {
            String::from_utf8(b)
                .map_err(|_| "not UTF-8 text".to_owned())
                .and_then(|t| parse_tunables(&t))
        })),
    })
}

/// `path` relative to `dir`, with `/` separators; `None` outside `dir` or hidden.
fn asset_name(dir: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(dir).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    if parts.is_empty() || parts.iter().any(|p| p.starts_with('.')) {
        return None;
    }
    Some(parts.join("/"))
}

/// Every asset under `dir`, read.
pub(super) fn read_all(dir: &Path) -> Vec<AssetUpdate> {
    let mut updates = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if let Some(update) = read_asset(dir, &path) {
                updates.push(update);
            }
        }
    }
    updates
}

/// Watches the assets directory and reads what changes, off the frame thread.
pub struct AssetWatcher {
    updates: Receiver<AssetUpdate>,
    _watcher: RecommendedWatcher,
}

impl AssetWatcher {
    /// Starts watching `dir` (recursively).
    ///
    /// # Errors
    /// When the directory cannot be watched.
    pub fn spawn(dir: &Path) -> notify::Result<Self> {
        let dir = std::path::absolute(dir)?;
        let (changes_tx, changes) = mpsc::channel::<PathBuf>();
        // A watcher error (a lost inotify queue, say) can come with every event.
        let mut errors = RepeatLimit::new(log::Level::Warn, module_path!());
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            let event = match event {
                Ok(event) => event,
                Err(error) => return errors.log(&format_args!("asset watcher: {error}")),
            };
            if matches!(event.kind, EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                let _ = changes_tx.send(path);
            }
        })?;
        watcher.watch(&dir, RecursiveMode::Recursive)?;
        let (updates_tx, updates) = mpsc::channel();
        std::thread::Builder::new()
            .name("hotloop-assets".into())
            .spawn(move || read_changes(&dir, &changes, &updates_tx))?;
        Ok(Self {
            updates,
            _watcher: watcher,
        })
    }

    /// The next asset read since the last call, if any. Never blocks.
    pub fn try_next(&self) -> Option<AssetUpdate> {
        self.updates.try_recv().ok()
    }
}

fn read_changes(dir: &Path, changes: &Receiver<PathBuf>, updates: &Sender<AssetUpdate>) {
    while let Ok(first) = changes.recv() {
        let mut changed = HashSet::from([first]);
        loop {
            match changes.recv_timeout(SETTLE_ASSETS) {
                Ok(path) => {
                    changed.insert(path);
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        for path in changed {
            if let Some(update) = read_asset(dir, &path)
                && updates.send(update).is_err()
            {
                return;
            }
        }
    }
}
