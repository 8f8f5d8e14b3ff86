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
mod mapped;
mod open;

use hotloop_abi::symbols::{
    self, DescribeFn, GreetFn, InitFn, MigrateFn, RenderFn, UpdateFn, UpdateTimedFn,
};
use hotloop_abi::{Frame, Message, RawCanvas, StateLayout, Status};

use crate::error::ReloadError;
use crate::loader::shadow::ShadowFile;
use crate::loader::thread_dtors;
use crate::shared::control::{self, Call};
use crate::state::StateBuffer;
use crate::state::fields::{FieldInfo, FieldTable};
pub use described::GameDisplay;
use open::Origin;

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
    /// Boxed: a prepared library travels by value in a `SourceEvent`.
    display: Option<Box<GameDisplay>>,
    id: u64,
    origin: Origin,
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
    /// The shadow file this library was loaded from; holding it keeps the
    /// file on disk after the library is unloaded, so that it can be loaded
    /// again (to go back to it after its successor panics). `None` for the
    /// game linked into the executable.
    pub fn shadow_file(&self) -> Option<ShadowFile> {
        match &self.origin {
            Origin::Loaded(library) => Some(library.shadow().clone()),
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
        let _call = self.enter(Call::Migrate);
        // SAFETY: `old` is `old_layout.size` initialised bytes (its padding
        // zeroed by `bytes`) that stay borrowed (unchanged) for the call; `new`
        // holds this library's state type, written by its `init`, and is
        // exclusively borrowed; `error` is a valid Message.
        let status = unsafe {
            migrate(
                old.bytes().as_ptr(),
                &old_layout,
                new.written_by(&self.table),
                &mut error,
            )
        };
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
        self.display.as_deref()
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
        let _call = self.enter(Call::Greet);
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
        let _call = self.enter(Call::Init);
        // SAFETY: `state` has exactly this library's size and alignment (checked
        // above), is zeroed and exclusively borrowed; `error` is a valid Message.
        let status = unsafe { (self.entries.init)(state.written_by(&self.table), &mut error) };
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
        let _call = self.enter(Call::Update);
        // SAFETY: `state` holds a value of this library's state type: its layout
        // (size, alignment, fingerprint) equals ours (checked above) and every
        // state buffer is written by `init` of a library with that layout before
        // any update. It is exclusively borrowed; `frame` and `scratch` are valid.
        let status =
            unsafe { (self.entries.update)(state.written_by(&self.table), frame, scratch) };
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
        let _call = self.enter(Call::Update);
        // SAFETY: as in `update`; `nanos` is `nanos.len()` exclusive `u64`s.
        let status = unsafe {
            update_timed(
                state.written_by(&self.table),
                frame,
                scratch,
                nanos.as_mut_ptr(),
                nanos.len(),
            )
        };
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
        let _call = self.enter(Call::Render);
        // SAFETY: as in `update` for the state (shared here, and game code only
        // gets `&State`); `canvas` describes exactly the exclusive `pixels` slice.
        let status = unsafe { (self.entries.render)(state.as_ptr(), frame, &mut canvas, scratch) };
        self.check(symbols::RENDER, status, scratch)
    }

    /// The game's one-line summary of `state`.
    ///
    /// # Errors
    /// When `state` holds another layout, or `describe` panics.
    pub fn describe(&self, state: &StateBuffer) -> Result<String, ReloadError> {
        self.check_layout(state)?;
        let mut out = Message::new();
        let _call = self.enter(Call::Describe);
        // SAFETY: as in `update`, with a shared borrow of the state.
        let status = unsafe { (self.entries.describe)(state.as_ptr(), &mut out) };
        self.check(symbols::DESCRIBE, status, &out)?;
        Ok(out.as_str().to_owned())
    }

    /// Reports a call into this library on this thread until the guard
    /// drops (for the supervisor), and holds the thread-local destructors
    /// its code registers here.
    fn enter(&self, call: Call) -> control::CallGuard {
        thread_dtors::calls_game_code();
        control::enter(call, self.id)
    }

    /// Runs the destructors of the thread-locals this library's code set up
    /// on this thread, as the thread's end would; call it when this thread
    /// is done with the library (the engine: as it swaps in another build).
    /// Its code panics if it touches one of them here again. Without it,
    /// dropping the library elsewhere leaves it mapped for good.
    pub fn end_thread_locals_here(&self) {
        if let Origin::Loaded(library) = &self.origin {
            let _call = self.enter(Call::Unload);
            library.end_thread_locals_here();
        }
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

    #[inline]
    fn check(
        &self,
        entry: &'static str,
        status: Status,
        message: &Message,
    ) -> Result<(), ReloadError> {
        if status == Status::OK {
            return Ok(());
        }
        Err(self.failed(entry, status, message))
    }

    /// What a call that did not return [`Status::OK`] means.
    #[cold]
    #[inline(never)]
    fn failed(&self, entry: &'static str, status: Status, message: &Message) -> ReloadError {
        match status {
            Status::PANICKED => ReloadError::Panicked {
                path: self.source.clone(),
                entry,
                message: message.as_str().to_owned(),
            },
            Status(status) => ReloadError::UnknownStatus {
                path: self.source.clone(),
                entry,
                status,
            },
        }
    }
}
