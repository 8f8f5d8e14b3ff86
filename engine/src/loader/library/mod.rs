//! The loader and the engine's side of the ABI boundary: one loaded game
//! library and safe methods that call into it.
//!
//! Together with the shims that `hotloop_abi::game!` generates, this module is
//! where all of the engine's `unsafe` lives. Function pointers read from the
//! library never leave [`GameLibrary`], which also owns the loaded library, so
//! they cannot outlive the code they point to.

use std::path::{Path, PathBuf};
use std::sync::Arc;

mod described;

use hotloop_abi::symbols::{
    self, DescribeFn, DisplayFn, GreetFn, InitFn, LinkedGame, MigrateFn, RenderFn, StateFieldsFn,
    StateLayoutFn, SystemNamesFn, UpdateFn, UpdateTimedFn,
};
use hotloop_abi::{ABI_VERSION, Frame, Message, RawCanvas, StateLayout, Status};
use libloading::Library;

use crate::error::ReloadError;
use crate::loader::file_check::{check_library, defined_symbols};
use crate::loader::shadow::{ShadowDir, ShadowFile};
use crate::shared::control::{self, Call};
use crate::state::fields::{FieldInfo, FieldTable};
use crate::state::{StateBuffer, check_layout};
pub use described::GameDisplay;
use described::{check_display, read_fields, read_system_names};

/// The entry points of one loaded library, valid while it stays loaded.
#[derive(Clone, Copy)]
struct EntryPoints {
    greet: GreetFn,
    init: InitFn,
    update: UpdateFn,
    render: RenderFn,
    describe: DescribeFn,
    migrate: Option<MigrateFn>,
    update_timed: Option<UpdateTimedFn>,
}

/// A game library, loaded from a private shadow copy and checked against this
/// engine's ABI. Dropping it unloads the library and deletes the copy.
pub struct GameLibrary {
    entries: EntryPoints,
    layout: StateLayout,
    source: PathBuf,
    greeting: String,
    /// Its padding is zeroed after every call that writes the state.
    table: Arc<FieldTable>,
    systems: Vec<String>,
    /// What its `display` declared (`None`: it has no such entry point).
    display: Option<GameDisplay>,
    id: u64,
    origin: Origin,
}

/// Where a game library's code is.
enum Origin {
    /// Loaded from a shadow copy. `library` is declared first: the library
    /// is unloaded before its file is deleted.
    Loaded {
        #[allow(dead_code)] // Held for its `Drop`: unloading.
        library: Library,
        shadow: ShadowFile,
    },
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

impl std::fmt::Debug for GameLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GameLibrary")
            .field("source", &self.source)
            .field(
                "shadow",
                &self.shadow_file().map(|file| file.path().to_path_buf()),
            )
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
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
        let _loading = control::enter(Call::Load, id);
        // The copy is private, so what is checked here is exactly what gets mapped.
        check_library(shadow.path()).map_err(|reason| ReloadError::Invalid {
            path: path(),
            reason,
        })?;
        let defined = defined_symbols(shadow.path(), &EVERY_SYMBOL).map_err(|reason| {
            ReloadError::Invalid {
                path: path(),
                reason,
            }
        })?;
        let library = open(shadow.path()).map_err(|error| ReloadError::Open {
            path: path(),
            error,
        })?;
        let exports = Exports {
            library: &library,
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
        Self::checked(found, source, id, Origin::Loaded { library, shadow })
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

    /// The shadow file this library was loaded from; holding it keeps the
    /// file on disk after the library is unloaded, so that it can be loaded
    /// again (to go back to it after its successor panics). `None` for the
    /// game linked into the executable.
    pub fn shadow_file(&self) -> Option<ShadowFile> {
        match &self.origin {
            Origin::Loaded { shadow, .. } => Some(shadow.clone()),
            Origin::Linked => None,
        }
    }

    /// Whether the library exports `migrate`.
    pub fn can_migrate(&self) -> bool {
        self.entries.migrate.is_some()
    }

    /// Builds `new` (already filled by this library's `init`) from `old`, a
    /// state of another layout. `Ok(false)` when the library has no `migrate`
    /// or it declined this old layout.
    ///
    /// # Errors
    /// When `new` holds another layout than this library's, or `migrate` panics.
    pub fn migrate(&self, old: &StateBuffer, new: &mut StateBuffer) -> Result<bool, ReloadError> {
        self.check_layout(new)?;
        let Some(migrate) = self.entries.migrate else {
            return Ok(false);
        };
        let old_layout = old.layout();
        let mut error = Message::new();
        let _call = control::enter(Call::Migrate, self.id);
        // SAFETY: `old` is `old_layout.size` bytes that stay borrowed (unchanged)
        // for the call; `new` holds this library's state type, written by its
        // `init`, and is exclusively borrowed; `error` is a valid Message.
        let status = unsafe {
            migrate(
                old.bytes().as_ptr(),
                &old_layout,
                new.bytes_mut().as_mut_ptr(),
                &mut error,
            )
        };
        self.zero_padding(new);
        match status {
            Status::DECLINED => Ok(false),
            status => self.check(symbols::MIGRATE, status, &error).map(|()| true),
        }
    }

    /// The build output this library was copied from.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The layout of this library's state type.
    pub fn layout(&self) -> StateLayout {
        self.layout
    }

    /// The state's fields, checked against the layout.
    pub fn fields(&self) -> &[FieldInfo] {
        self.table.fields()
    }

    /// The names of the library's systems, in `update`'s order (empty when
    /// it does not say).
    pub fn systems(&self) -> &[String] {
        &self.systems
    }

    /// The display the library declares (`None` for a library older than
    /// the `display` entry point: the engine's defaults apply).
    pub fn display(&self) -> Option<&GameDisplay> {
        self.display.as_ref()
    }

    /// The state's field table.
    pub fn table(&self) -> &Arc<FieldTable> {
        &self.table
    }

    /// Which build this is: the build output's device, inode, size and
    /// modification time when it was copied. A new build gets a new one; the
    /// same file loaded again (an unchanged `cargo build`) keeps it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// What the library's `greet` said when it was loaded.
    pub fn greeting(&self) -> &str {
        &self.greeting
    }

    fn call_greet(&self) -> Result<String, ReloadError> {
        let mut out = Message::new();
        let _call = control::enter(Call::Greet, self.id);
        // SAFETY: `out` is a valid, exclusive Message for the call.
        let status = unsafe { (self.entries.greet)(&mut out) };
        self.check(symbols::GREET, status, &out)?;
        Ok(out.as_str().to_owned())
    }

    /// Writes a fresh state into `state`, zeroed first: `init_in_place`
    /// starts from all zeroes, whatever the buffer held.
    ///
    /// # Errors
    /// When `state` holds another layout, or `init` panics.
    pub fn init(&self, state: &mut StateBuffer) -> Result<(), ReloadError> {
        self.check_layout(state)?;
        state.bytes_mut().fill(0);
        let mut error = Message::new();
        let _call = control::enter(Call::Init, self.id);
        // SAFETY: `state` has exactly this library's size and alignment (checked
        // above), is zeroed and exclusively borrowed; `error` is a valid Message.
        let status = unsafe { (self.entries.init)(state.bytes_mut().as_mut_ptr(), &mut error) };
        self.zero_padding(state);
        self.check(symbols::INIT, status, &error)
    }

    /// Runs one update step on `state`. `scratch` receives a panic message;
    /// passing it in keeps the steady-state frame free of allocation.
    ///
    /// # Errors
    /// When `state` holds another layout, or `update` panics (the state may
    /// then be partly updated: the caller restores it).
    pub fn update(
        &self,
        state: &mut StateBuffer,
        frame: &Frame,
        scratch: &mut Message,
    ) -> Result<(), ReloadError> {
        self.check_layout(state)?;
        let _call = control::enter(Call::Update, self.id);
        // SAFETY: `state` holds a value of this library's state type: its layout
        // (size, alignment, fingerprint) equals ours (checked above) and every
        // state buffer is written by `init` of a library with that layout before
        // any update. It is exclusively borrowed; `frame` and `scratch` are valid.
        let status =
            unsafe { (self.entries.update)(state.bytes_mut().as_mut_ptr(), frame, scratch) };
        self.zero_padding(state);
        self.check(symbols::UPDATE, status, scratch)
    }

    /// As [`GameLibrary::update`], and writes how long each system took (in
    /// nanoseconds) into `nanos` (one per [`GameLibrary::systems`] entry).
    /// A library that cannot time its systems just updates.
    ///
    /// # Errors
    /// As [`GameLibrary::update`].
    pub fn update_timed(
        &self,
        state: &mut StateBuffer,
        frame: &Frame,
        scratch: &mut Message,
        nanos: &mut [u64],
    ) -> Result<(), ReloadError> {
        let Some(update_timed) = self.entries.update_timed else {
            return self.update(state, frame, scratch);
        };
        self.check_layout(state)?;
        let _call = control::enter(Call::Update, self.id);
        // SAFETY: as in `update`; `nanos` is `nanos.len()` exclusive `u64`s.
        let status = unsafe {
            update_timed(
                state.bytes_mut().as_mut_ptr(),
                frame,
                scratch,
                nanos.as_mut_ptr(),
                nanos.len(),
            )
        };
        self.zero_padding(state);
        self.check(symbols::UPDATE, status, scratch)
    }

    /// Draws `state` into an RGBA8 framebuffer of `width` x `height` pixels.
    ///
    /// # Errors
    /// When `state` holds another layout, the framebuffer has the wrong size,
    /// or `render` panics.
    pub fn render(
        &self,
        state: &StateBuffer,
        frame: &Frame,
        pixels: &mut [u8],
        (width, height): (u32, u32),
        scratch: &mut Message,
    ) -> Result<(), ReloadError> {
        self.check_layout(state)?;
        assert_eq!(
            pixels.len(),
            width as usize * height as usize * 4,
            "framebuffer size"
        );
        let mut canvas = RawCanvas {
            pixels: pixels.as_mut_ptr(),
            width,
            height,
        };
        let _call = control::enter(Call::Render, self.id);
        // SAFETY: as in `update` for the state (shared here, and game code only
        // gets `&State`); `canvas` describes exactly the exclusive `pixels` slice.
        let status =
            unsafe { (self.entries.render)(state.bytes().as_ptr(), frame, &mut canvas, scratch) };
        self.check(symbols::RENDER, status, scratch)
    }

    /// The game's one-line summary of `state`.
    ///
    /// # Errors
    /// When `state` holds another layout, or `describe` panics.
    pub fn describe(&self, state: &StateBuffer) -> Result<String, ReloadError> {
        self.check_layout(state)?;
        let mut out = Message::new();
        let _call = control::enter(Call::Describe, self.id);
        // SAFETY: as in `update`, with a shared borrow of the state.
        let status = unsafe { (self.entries.describe)(state.bytes().as_ptr(), &mut out) };
        self.check(symbols::DESCRIBE, status, &out)?;
        Ok(out.as_str().to_owned())
    }

    /// Zeroes the state's padding after game code wrote it: a typed write
    /// leaves those bytes undefined, and the engine reads the state as bytes.
    fn zero_padding(&self, state: &mut StateBuffer) {
        self.table.zero_padding(state.bytes_mut());
    }

    fn check_layout(&self, state: &StateBuffer) -> Result<(), ReloadError> {
        if state.layout() == self.layout {
            return Ok(());
        }
        Err(ReloadError::LayoutMismatch {
            path: self.source.clone(),
            running: state.layout(),
            new: self.layout,
        })
    }

    fn check(
        &self,
        entry: &'static str,
        status: Status,
        message: &Message,
    ) -> Result<(), ReloadError> {
        match status {
            Status::OK => Ok(()),
            Status::PANICKED => Err(ReloadError::Panicked {
                path: self.source.clone(),
                entry,
                message: message.as_str().to_owned(),
            }),
            Status(status) => Err(ReloadError::UnknownStatus {
                path: self.source.clone(),
                entry,
                status,
            }),
        }
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

/// Every entry point's name, required and optional.
const EVERY_SYMBOL: [&str; symbols::ALL.len() + symbols::OPTIONAL.len()] = {
    let mut every = [""; symbols::ALL.len() + symbols::OPTIONAL.len()];
    let mut index = 0;
    while index < every.len() {
        every[index] = if index < symbols::ALL.len() {
            symbols::ALL[index]
        } else {
            symbols::OPTIONAL[index - symbols::ALL.len()]
        };
        index += 1;
    }
    every
};

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
