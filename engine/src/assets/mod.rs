//! Assets: the PNG images, the sounds (WAV, Ogg Vorbis) and the tunables
//! file under `assets/`, loaded by
//! the engine, hot-reloaded between frames, and lent to game code read-only.
//!
//! A watcher thread reads and decodes changed files (`assets/watch.rs`);
//! the frame boundary only swaps the decoded result in. A broken file (bad
//! PNG, bad TOML, deleted) keeps the previous version and reports why. An
//! image's size is checked where it is made ([`LoadedImage::new`]), because
//! game code reads its pixels through a raw pointer. The lookup callbacks
//! game code calls are the only `unsafe` here, in `assets/lookup.rs`.

mod decode;
mod image;
#[allow(unsafe_code)] // The callbacks game code calls for images and tunables.
mod lookup;
mod sound;
mod watch;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

pub use self::decode::{decode_png, parse_tunables};
pub use self::image::{ImageError, LoadedImage};
pub use self::sound::{LoadedSound, MAX_SOUND_SECONDS, MIX_RATE, decode_sound};
pub use self::watch::AssetWatcher;

/// The tunables file, at the top of the assets directory.
pub const TUNABLES_FILE: &str = "tunables.toml";

/// Quiet time after an asset changed before reading it (editors and image
/// tools write in several steps).
pub const SETTLE_ASSETS: Duration = Duration::from_millis(20);

/// A newly read asset, or why it could not be read.
#[derive(Debug)]
pub enum AssetUpdate {
    /// An image (its name relative to the assets directory, with `/`).
    Image(String, Result<LoadedImage, String>),
    /// A sound (named as an image is).
    Sound(String, Result<LoadedSound, String>),
    /// The tunables file.
    Tunables(Result<HashMap<String, f64>, String>),
    /// A file that was removed.
    Removed(String),
}

/// Every asset the game can see right now.
#[derive(Debug, Default)]
pub struct AssetStore {
    images: HashMap<String, LoadedImage>,
    sounds: HashMap<String, LoadedSound>,
    tunables: HashMap<String, f64>,
    /// Names game code asked for that do not exist, in order; reported once each.
    missing: RefCell<Vec<String>>,
    reported_missing: usize,
}

impl AssetStore {
    /// Reads every image and the tunables file in `dir` (not recursively into
    /// hidden directories). Returns the store and the errors met.
    pub fn load(dir: &Path) -> (Self, Vec<String>) {
        let mut store = Self::default();
        let mut errors = Vec::new();
        for update in watch::read_all(dir) {
            if let Err(error) = store.apply(update) {
                errors.push(error);
            }
        }
        (store, errors)
    }

    /// Swaps in a newly read asset. On error the previous version stays.
    ///
    /// # Errors
    /// Why the update was refused, naming the asset.
    pub fn apply(&mut self, update: AssetUpdate) -> Result<String, String> {
        match update {
            AssetUpdate::Image(name, Ok(image)) => {
                let what = format!("image {name} ({}x{})", image.width(), image.height());
                self.images.insert(name, image);
                Ok(what)
            }
            AssetUpdate::Sound(name, Ok(sound)) => {
                let seconds = sound.frames() as f64 / f64::from(MIX_RATE);
                let what = format!("sound {name} ({seconds:.2} s)");
                self.sounds.insert(name, sound);
                Ok(what)
            }
            AssetUpdate::Image(name, Err(reason)) | AssetUpdate::Sound(name, Err(reason)) => Err(
                format!("asset {name}: {reason}; keeping the last good version"),
            ),
            AssetUpdate::Tunables(Ok(tunables)) => {
                self.tunables = tunables;
                Ok(format!("{TUNABLES_FILE} ({} numbers)", self.tunables.len()))
            }
            AssetUpdate::Tunables(Err(reason)) => Err(format!(
                "asset {TUNABLES_FILE}: {reason}; keeping the last good version"
            )),
            AssetUpdate::Removed(name) => {
                let known = self.images.contains_key(&name)
                    || self.sounds.contains_key(&name)
                    || name == TUNABLES_FILE;
                match known {
                    true => Err(format!(
                        "asset {name} was removed; keeping the last version"
                    )),
                    false => Ok(format!("{name} removed")),
                }
            }
        }
    }

    /// The image called `name`.
    pub fn image(&self, name: &str) -> Option<&LoadedImage> {
        self.images.get(name)
    }

    /// The sound called `name`.
    pub fn sound(&self, name: &str) -> Option<&LoadedSound> {
        self.sounds.get(name)
    }

    /// The sound called `name`; a name that does not exist is noted and
    /// reported once, as for images.
    pub fn sound_or_note(&self, name: &str) -> Option<&LoadedSound> {
        let sound = self.sounds.get(name);
        if sound.is_none() {
            self.note_missing(name);
        }
        sound
    }

    /// The tunable called `name`.
    pub fn tunable(&self, name: &str) -> Option<f64> {
        self.tunables.get(name).copied()
    }

    /// A name game code asked for that does not exist, once per name.
    pub fn next_missing(&mut self) -> Option<String> {
        let missing = self.missing.get_mut();
        let name = missing.get(self.reported_missing)?.clone();
        self.reported_missing += 1;
        Some(name)
    }

    /// Remembers a name game code asked for that does not exist.
    fn note_missing(&self, name: &str) {
        if let Ok(mut missing) = self.missing.try_borrow_mut()
            && !missing.iter().any(|known| known == name)
        {
            missing.push(name.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_update_keeps_the_previous_version() {
        let mut store = AssetStore::default();
        store
            .apply(AssetUpdate::Tunables(parse_tunables("g = 1")))
            .unwrap();
        let error = store
            .apply(AssetUpdate::Tunables(parse_tunables("g = ")))
            .unwrap_err();
        assert!(error.contains("tunables.toml") && error.contains("keeping the last good version"));
        assert_eq!(store.tunable("g"), Some(1.0));
    }
}
