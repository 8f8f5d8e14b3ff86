//! Assets: the PNG images and the tunables file under `assets/`, loaded by
//! the engine, hot-reloaded between frames, and lent to game code read-only.
//!
//! A watcher thread reads and decodes changed files; the frame boundary only
//! swaps the decoded result in. A broken file (bad PNG, bad TOML, deleted)
//! keeps the previous version and reports why. The two lookup callbacks at the
//! bottom are the engine's side of `hotloop_abi::Assets`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use hotloop_abi::{Assets, RawImage};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::repeat_limit::RepeatLimit;

/// The tunables file, at the top of the assets directory.
pub const TUNABLES_FILE: &str = "tunables.toml";

/// Quiet time after an asset changed before reading it (editors and image
/// tools write in several steps).
pub const SETTLE_ASSETS: Duration = Duration::from_millis(20);

/// A decoded RGBA8 image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedImage {
    /// RGBA8, row-major.
    pub pixels: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A newly read asset, or why it could not be read.
#[derive(Debug)]
pub enum AssetUpdate {
    /// An image (its name relative to the assets directory, with `/`).
    Image(String, Result<LoadedImage, String>),
    /// The tunables file.
    Tunables(Result<HashMap<String, f64>, String>),
    /// A file that was removed.
    Removed(String),
}

/// Every asset the game can see right now.
#[derive(Debug, Default)]
pub struct AssetStore {
    images: HashMap<String, LoadedImage>,
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
        for update in read_all(dir) {
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
                let what = format!("image {name} ({}x{})", image.width, image.height);
                self.images.insert(name, image);
                Ok(what)
            }
            AssetUpdate::Image(name, Err(reason)) => Err(format!(
                "asset {name}: {reason}; keeping the last good version"
            )),
            AssetUpdate::Tunables(Ok(tunables)) => {
                self.tunables = tunables;
                Ok(format!("{TUNABLES_FILE} ({} numbers)", self.tunables.len()))
            }
            AssetUpdate::Tunables(Err(reason)) => Err(format!(
                "asset {TUNABLES_FILE}: {reason}; keeping the last good version"
            )),
            AssetUpdate::Removed(name) => {
                let known = self.images.contains_key(&name) || name == TUNABLES_FILE;
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

    /// The view game code gets in its [`Frame`](hotloop_abi::Frame).
    pub fn view(&self) -> Assets<'_> {
        // SAFETY: the callbacks below only read `self`, which the returned
        // view borrows for its whole life, and never unwind. The pixels they
        // hand out belong to `self.images`, which cannot change while `self`
        // is borrowed.
        unsafe {
            Assets::new(
                (self as *const Self).cast::<c_void>(),
                lookup_image,
                lookup_tunable,
            )
        }
    }

    fn note_missing(&self, name: &str) {
        if let Ok(mut missing) = self.missing.try_borrow_mut()
            && !missing.iter().any(|known| known == name)
        {
            missing.push(name.to_owned());
        }
    }
}

/// Recovers the store and the name from a lookup's arguments.
///
/// # Safety
/// `context` is the `AssetStore` a view was made from, still borrowed, and
/// `name` points to `len` readable bytes.
unsafe fn lookup_args<'a>(
    context: *const c_void,
    name: *const u8,
    len: usize,
) -> Option<(&'a AssetStore, &'a str)> {
    if context.is_null() || name.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    let (store, bytes) = unsafe {
        (
            &*context.cast::<AssetStore>(),
            std::slice::from_raw_parts(name, len),
        )
    };
    Some((store, std::str::from_utf8(bytes).ok()?))
}

/// `hotloop_abi::ImageLookup` over an [`AssetStore`].
unsafe extern "C" fn lookup_image(
    context: *const c_void,
    name: *const u8,
    len: usize,
    out: *mut RawImage,
) -> bool {
    // SAFETY: `Assets::image` passes the context of `AssetStore::view` and a
    // valid string; the view's borrow keeps the store alive.
    let Some((store, name)) = (unsafe { lookup_args(context, name, len) }) else {
        return false;
    };
    let Some(image) = store.image(name) else {
        store.note_missing(name);
        return false;
    };
    // SAFETY: `out` is a valid, exclusive RawImage for the call.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return false;
    };
    *out = RawImage {
        pixels: image.pixels.as_ptr(),
        width: image.width,
        height: image.height,
    };
    true
}

/// `hotloop_abi::TunableLookup` over an [`AssetStore`].
unsafe extern "C" fn lookup_tunable(
    context: *const c_void,
    name: *const u8,
    len: usize,
    out: *mut f64,
) -> bool {
    // SAFETY: as in `lookup_image`.
    let Some((store, name)) = (unsafe { lookup_args(context, name, len) }) else {
        return false;
    };
    let Some(value) = store.tunable(name) else {
        return false;
    };
    // SAFETY: `out` is a valid, exclusive f64 for the call.
    match unsafe { out.as_mut() } {
        Some(out) => {
            *out = value;
            true
        }
        None => false,
    }
}

/// Decodes a PNG file into RGBA8.
///
/// # Errors
/// What is wrong with the file.
pub fn decode_png(bytes: &[u8]) -> Result<LoadedImage, String> {
    use png::{ColorType, Transformations};
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a valid PNG ({e})"))?;
    let size = reader.output_buffer_size().ok_or("image too large")?;
    if size > 64 << 20 {
        return Err("image larger than 64 MiB".into());
    }
    let mut buffer = vec![0; size];
    let info = reader
        .next_frame(&mut buffer)
        .map_err(|e| format!("damaged PNG ({e})"))?;
    buffer.truncate(info.buffer_size());
    let pixels = match info.color_type {
        ColorType::Rgba => buffer,
        ColorType::Rgb => buffer
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        ColorType::Grayscale => buffer.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        ColorType::GrayscaleAlpha => buffer
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        ColorType::Indexed => return Err("palette not expanded".into()),
    };
    Ok(LoadedImage {
        pixels,
        width: info.width,
        height: info.height,
    })
}

/// Parses the tunables file: numbers, at any depth of tables (`a.b = 1`).
///
/// # Errors
/// A TOML syntax error, or the name of a value that is not a number.
pub fn parse_tunables(text: &str) -> Result<HashMap<String, f64>, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
    let mut tunables = HashMap::new();
    flatten("", &table, &mut tunables)?;
    Ok(tunables)
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, f64>,
) -> Result<(), String> {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Integer(n) => {
                out.insert(name, *n as f64);
            }
            toml::Value::Float(x) => {
                out.insert(name, *x);
            }
            toml::Value::Table(inner) => flatten(&name, inner, out)?,
            other => return Err(format!("`{name}` is a {}, not a number", other.type_str())),
        }
    }
    Ok(())
}

/// Reads one asset file; `None` when it is not an asset (not a PNG or the tunables file).
fn read_asset(dir: &Path, path: &Path) -> Option<AssetUpdate> {
    let name = asset_name(dir, path)?;
    let is_png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !is_png && name != TUNABLES_FILE {
        return None;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Some(AssetUpdate::Removed(name));
        }
        Err(error) => {
            let reason = format!("cannot read it ({error})");
            return Some(match is_png {
                true => AssetUpdate::Image(name, Err(reason)),
                false => AssetUpdate::Tunables(Err(reason)),
            });
        }
    };
    Some(match is_png {
        true => AssetUpdate::Image(name, decode_png(&bytes)),
        false => AssetUpdate::Tunables(
            String::from_utf8(bytes)
                .map_err(|_| "not UTF-8 text".to_owned())
                .and_then(|t| parse_tunables(&t)),
        ),
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

fn read_all(dir: &Path) -> Vec<AssetUpdate> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunables_are_numbers_by_dotted_name() {
        let tunables = parse_tunables("speed = 2\n[player]\naccel = 900.5\n").unwrap();
        assert_eq!(tunables["speed"], 2.0);
        assert_eq!(tunables["player.accel"], 900.5);
    }

    #[test]
    fn bad_tunables_say_what_is_wrong() {
        assert!(
            parse_tunables("speed = ")
                .unwrap_err()
                .contains("not valid TOML")
        );
        assert!(
            parse_tunables("name = \"orb\"")
                .unwrap_err()
                .contains("`name` is a string, not a number")
        );
    }

    proptest::proptest! {
        /// Arbitrary text never panics the tunables parser.
        #[test]
        fn arbitrary_tunables_never_panic(text in "\\PC{0,200}") {
            let _ = parse_tunables(&text);
        }

        /// Arbitrary bytes never panic the PNG decoder.
        #[test]
        fn arbitrary_png_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = decode_png(&data);
        }
    }

    #[test]
    fn bad_png_is_refused() {
        assert!(
            decode_png(b"not a png")
                .unwrap_err()
                .contains("not a valid PNG")
        );
        assert!(decode_png(&[]).is_err());
    }

    #[test]
    fn lookups_through_the_abi_view() {
        let mut store = AssetStore::default();
        store
            .apply(AssetUpdate::Image(
                "dot.png".into(),
                Ok(LoadedImage {
                    pixels: vec![1, 2, 3, 4],
                    width: 1,
                    height: 1,
                }),
            ))
            .unwrap();
        store
            .apply(AssetUpdate::Tunables(parse_tunables("g = 9.5")))
            .unwrap();
        let view = store.view();
        assert_eq!(view.image("dot.png").unwrap().get(0, 0), [1, 2, 3, 4]);
        assert_eq!(view.tunable("g"), Some(9.5));
        assert_eq!(view.tunable_or("h", 1.5), 1.5);
        assert!(view.image("nope.png").is_none());
        assert_eq!(store.next_missing().as_deref(), Some("nope.png"));
        assert_eq!(store.next_missing(), None, "reported once");
    }

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
