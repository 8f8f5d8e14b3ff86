//! A shipped game's state between runs (`persist: true` in `game!`): saved
//! when the player quits, restored at the next start. A newer build whose
//! state layout changed carries the save over as a reload would (its
//! `migrate`, else field by field by name), and every byte is checked
//! against the game's field table first, as for any snapshot.

use std::path::{Path, PathBuf};

use crate::Engine;

/// Where `package` keeps its save: `save.hlstate` in its folder of the
/// platform's data directory (`$XDG_DATA_HOME`, else `~/.local/share`, on
/// Linux).
pub fn path_for(package: &str) -> Option<PathBuf> {
    Some(dirs::data_dir()?.join(package).join("save.hlstate"))
}

/// What restoring a save did.
#[derive(Debug, PartialEq, Eq)]
pub enum Restored {
    /// There was none: a new game.
    Nothing,
    /// The state is the saved one (carried over, if the layout changed).
    Loaded,
    /// The save could not be carried over: it was moved to this path and a
    /// new game starts.
    KeptAside(PathBuf, String),
}

/// Restores the save at `path` into `engine`, or keeps an unusable one
/// aside (renamed, never deleted) and leaves the fresh state.
pub fn restore(engine: &mut Engine, path: &Path) -> Restored {
    if !path.exists() {
        return Restored::Nothing;
    }
    let Err(error) = engine.load_snapshot(path) else {
        return Restored::Loaded;
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let aside = path.with_file_name(format!("save-unusable-{stamp}.hlstate"));
    let reason = error.to_string();
    match std::fs::rename(path, &aside) {
        Ok(()) => Restored::KeptAside(aside, reason),
        // Left where it is (the caller then saves nothing over it).
        Err(_) => Restored::KeptAside(path.to_path_buf(), reason),
    }
}

/// Saves `engine`'s state to `path`, making its folder first.
///
/// # Errors
/// When the folder or the file cannot be written.
pub fn keep(engine: &Engine, path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    engine.save_state_to(path).map_err(std::io::Error::other)
}
