//! How a [`GameLibrary`] comes to be: loaded from a checked shadow copy
//! (only the entry points its own file defines), or linked into the
//! executable (`cargo ship`); either way its state layout, field table and
//! display are checked and it is greeted before anyone calls it.

use std::path::Path;

use hotloop_abi::ABI_VERSION;
use hotloop_abi::symbols::{
    self, DisplayFn, LinkedGame, StateFieldsFn, StateLayoutFn, SystemNamesFn,
};
use libloading::Library;

use super::described::{check_display, read_fields, read_system_names};
use super::mapped::Mapped;
use super::{EntryPoints, GameLibrary};
use crate::error::ReloadError;
use crate::loader::file_check::{check_library, defined_symbols};
use crate::loader::shadow::{ShadowDir, ShadowFile};
use crate::loader::thread_dtors;
use crate::shared::control::{self, Call};
use crate::state::check_layout;

/// Where a game library's code is.
pub(super) enum Origin {
    /// Loaded from a shadow copy (which it holds, deleted after unloading).
    Loaded(Mapped),
    /// Linked into this executable (`cargo ship`): nothing to unload.
    Linked,
}

/// Every entry point of a library, as looked up or linked.
struct Found {
    entries: EntryPoints,
    state_layout: StateLayoutFn,
    state_fields: StateFieldsFn,
    system_names: Option<SystemNamesFn>,
    display: Option<DisplayFn>,
}

impl GameLibrary {
    /// Copies `source` into `shadows`, checks the copy, loads it, looks up
    /// every entry point, checks the ABI version and state layout, and calls
    /// `greet`.
    ///
    /// Safe to call off the frame thread: nothing here touches any state.
    ///
    /// # Errors
    /// The first step that fails, naming the file.
    pub fn load(source: &Path, shadows: &ShadowDir) -> Result<Self, ReloadError> {
        if !source.is_file() {
            return Err(ReloadError::NotBuilt {
                path: source.to_path_buf(),
            });
        }
        let (shadow, id) = shadows
            .copy_identified(source)
            .map_err(|error| ReloadError::Copy {
                path: source.to_path_buf(),
                source: error,
            })?;
        Self::from_shadow(shadow, source, id)
    }

    /// Loads a shadow copy made earlier (see [`GameLibrary::shadow_file`]).
    /// `source` is the build output it came from, for messages, and `id`
    /// the identity it had then ([`GameLibrary::id`]).
    ///
    /// # Errors
    /// As [`GameLibrary::load`], from the check on.
    pub fn from_shadow(shadow: ShadowFile, source: &Path, id: u64) -> Result<Self, ReloadError> {
        let path = || source.to_path_buf();
        // Loading runs the library's initialisers: a crash from here on is its doing.
        thread_dtors::calls_game_code();
        let _loading = control::enter(Call::Load, id);
        // The copy is private, so what is checked here is exactly what gets mapped.
        check_library(shadow.path()).map_err(|reason| ReloadError::Invalid {
            path: path(),
            reason,
        })?;
        let defined = defined_symbols(
            shadow.path(),
            &[&symbols::ALL[..], &symbols::OPTIONAL[..]].concat(),
        )
        .map_err(|reason| ReloadError::Invalid {
            path: path(),
            reason,
        })?;
        let library = open(shadow.path()).map_err(|error| ReloadError::Open {
            path: path(),
            error,
        })?;
        // Where it is mapped, read off an export its own file defines.
        let inside = defined
            .contains(&symbols::ABI_VERSION)
            .then(|| {
                // SAFETY: only the symbol's address is read; nothing is
                // called or dereferenced.
                let symbol = unsafe { library.get::<*const ()>(symbols::ABI_VERSION.as_bytes()) };
                symbol.ok().map(|symbol| *symbol)
            })
            .flatten();
        let library = Mapped::new(library, shadow, inside);
        let exports = Exports {
            library: library.library(),
            defined,
            path: source,
        };

        // SAFETY: `abi_version` is looked up and called before anything else.
        // A library that has this symbol but is not a hotloop library could
        // give it another signature; we accept that risk for a file the user
        // pointed us at, and every later symbol is trusted only after the
        // version matched, since `game!` checks all signatures at compile time.
        let found = unsafe {
            let abi_version: symbols::AbiVersionFn = exports.get(symbols::ABI_VERSION)?;
            abi_version()
        };
        if found != ABI_VERSION {
            return Err(ReloadError::AbiMismatch {
                path: path(),
                expected: ABI_VERSION,
                found,
            });
        }
        // SAFETY: the library speaks our ABI version, whose `game!` macro
        // asserts at compile time that each export has the type in `symbols`.
        let found = unsafe {
            Found {
                entries: EntryPoints {
                    greet: exports.get(symbols::GREET)?,
                    init: exports.get(symbols::INIT)?,
                    update: exports.get(symbols::UPDATE)?,
                    render: exports.get(symbols::RENDER)?,
                    describe: exports.get(symbols::DESCRIBE)?,
                    migrate: exports.get(symbols::MIGRATE).ok(),
                    update_timed: exports.get(symbols::UPDATE_TIMED).ok(),
                },
                state_layout: exports.get(symbols::STATE_LAYOUT)?,
                state_fields: exports.get(symbols::STATE_FIELDS)?,
                system_names: exports.get(symbols::SYSTEM_NAMES).ok(),
                display: exports.get(symbols::DISPLAY).ok(),
            }
        };
        drop(exports);
        Self::checked(found, source, id, Origin::Loaded(library))
    }

    /// The game linked into this executable (`cargo ship`), checked as a
    /// loaded library would be, with nothing loaded, copied or watched.
    ///
    /// # Errors
    /// As [`GameLibrary::load`], from the ABI version on (an executable
    /// linked by hand from another version of the ABI crate is refused).
    pub fn linked(game: &LinkedGame) -> Result<Self, ReloadError> {
        let source = Path::new(game.package);
        // SAFETY: `game` is what `game!` made in a crate compiled against
        // this hotloop-abi: each field's type is the signature of the
        // export it points to (checked by the compiler where the game was
        // built), and the code is part of this executable, never unloaded.
        let found = unsafe { (game.abi_version)() };
        if found != ABI_VERSION {
            return Err(ReloadError::AbiMismatch {
                path: source.to_path_buf(),
                expected: ABI_VERSION,
                found,
            });
        }
        let found = Found {
            entries: EntryPoints {
                greet: game.greet,
                init: game.init,
                update: game.update,
                render: game.render,
                describe: game.describe,
                migrate: game.migrate,
                update_timed: Some(game.update_timed),
            },
            state_layout: game.state_layout,
            state_fields: game.state_fields,
            system_names: Some(game.system_names),
            display: Some(game.display),
        };
        Self::checked(found, source, 0, Origin::Linked)
    }

    /// Checks what the entry points say about the state and the display,
    /// and greets.
    fn checked(found: Found, source: &Path, id: u64, origin: Origin) -> Result<Self, ReloadError> {
        let path = || source.to_path_buf();
        // SAFETY: `state_layout` has the type in `symbols` (see the callers)
        // and runs no game code beyond building the value.
        let layout = unsafe { (found.state_layout)() };
        if let Err(reason) = check_layout(layout) {
            return Err(ReloadError::BadLayout {
                path: path(),
                layout,
                reason,
            });
        }
        let table = read_fields(found.state_fields, layout).map_err(|reason| {
            ReloadError::BadFieldTable {
                path: path(),
                reason,
            }
        })?;
        let systems = found
            .system_names
            .map(read_system_names)
            .unwrap_or_default();
        let display = found
            .display
            .map(|display| {
                // SAFETY: `display` has the type in `symbols` (see the
                // callers) and runs no game code beyond building the value.
                let spec = unsafe { display() };
                check_display(spec, |title, len| {
                    // SAFETY: `game!` points `title` at `len` bytes of a
                    // `'static` string of the library, which stays loaded for
                    // the call; `len` was bounded first.
                    unsafe { std::slice::from_raw_parts(title, len) }.to_vec()
                })
            })
            .transpose()
            .map(|display| display.map(Box::new))
            .map_err(|reason| ReloadError::BadDisplay {
                path: path(),
                reason,
            })?;
        let mut loaded = Self {
            entries: found.entries,
            layout,
            source: source.to_path_buf(),
            greeting: String::new(),
            table,
            systems,
            display,
            id,
            origin,
        };
        // Greeted here, off the frame thread: the first call into a new
        // library also sets up its thread-locals and panic hook.
        loaded.greeting = loaded.call_greet()?;
        Ok(loaded)
    }
}

/// Opens `path`, resolving every undefined symbol now (`RTLD_NOW`) so that a
/// library with a missing dependency fails here instead of in the middle of a frame.
fn open(path: &Path) -> Result<Library, libloading::Error> {
    #[cfg(unix)]
    {
        use libloading::os::unix::{Library as UnixLibrary, RTLD_LOCAL, RTLD_NOW};
        // SAFETY: loading runs the library's initialisers. A Rust cdylib built
        // with `game!` has none of its own; loading any other file is the
        // user's explicit choice (`--lib`), and it was checked to be a complete
        // shared object for this machine first.
        unsafe { UnixLibrary::open(Some(path), RTLD_NOW | RTLD_LOCAL) }.map(Library::from)
    }
    #[cfg(not(unix))]
    {
        // SAFETY: as above.
        unsafe { Library::new(path) }
    }
}

/// A loaded library's entry points: only those its own file defines
/// ([`defined_symbols`]), never a same-named function of a library it
/// depends on.
struct Exports<'a> {
    library: &'a Library,
    defined: Vec<&'static str>,
    path: &'a Path,
}

impl Exports<'_> {
    /// Reads the function pointer named `name`.
    ///
    /// # Safety
    /// `T` must be the true type of the symbol, and the pointer must not be
    /// used after the library is unloaded.
    unsafe fn get<T: Copy>(&self, name: &'static str) -> Result<T, ReloadError> {
        let missing = || ReloadError::MissingSymbol {
            path: self.path.to_path_buf(),
            symbol: name,
        };
        if !self.defined.contains(&name) {
            return Err(missing());
        }
        // SAFETY: forwarded to the caller.
        let symbol = unsafe { self.library.get::<T>(name.as_bytes()) };
        symbol.map(|symbol| *symbol).map_err(|_| missing())
    }
}
