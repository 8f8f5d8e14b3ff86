//! Names and signatures of the exported entry points, defined once.
//!
//! [`game!`](crate::game) checks each export against these types at compile
//! time, and the engine's loader looks the symbols up by these names, so the two
//! sides cannot drift apart silently.

use crate::{DisplaySpec, Frame, Message, RawCanvas, StateLayout, Status};

/// `abi_version`: the [`ABI_VERSION`](crate::ABI_VERSION) the library was built with.
pub type AbiVersionFn = unsafe extern "C" fn() -> u32;
/// `state_layout`: size, alignment and fingerprint of the library's state type.
pub type StateLayoutFn = unsafe extern "C" fn() -> StateLayout;
/// `greet(out)`: writes a greeting into `out`.
pub type GreetFn = unsafe extern "C" fn(out: *mut Message) -> Status;
/// `init(state, error)`: writes a fresh state into the buffer at `state`.
pub type InitFn = unsafe extern "C" fn(state: *mut u8, error: *mut Message) -> Status;
/// `update(state, frame, error)`: runs the systems once.
pub type UpdateFn =
    unsafe extern "C" fn(state: *mut u8, frame: *const Frame<'_>, error: *mut Message) -> Status;
/// `render(state, frame, canvas, error)`: draws the state.
pub type RenderFn = unsafe extern "C" fn(
    state: *const u8,
    frame: *const Frame<'_>,
    canvas: *mut RawCanvas,
    error: *mut Message,
) -> Status;
/// `describe(state, out)`: writes a one-line summary of the state into `out`.
pub type DescribeFn = unsafe extern "C" fn(state: *const u8, out: *mut Message) -> Status;

/// `migrate(old, old_layout, new, error)`: builds the new state (already
/// filled by `init`) from the old one; [`Status::DECLINED`] when it cannot.
pub type MigrateFn = unsafe extern "C" fn(
    old: *const u8,
    old_layout: *const StateLayout,
    new: *mut u8,
    error: *mut Message,
) -> Status;

/// `update_timed(state, frame, error, nanos, count)` (optional): as
/// `update`, and writes how long each system took, in nanoseconds, into
/// `nanos[i]` for the first `count` systems. The engine calls it only while
/// someone looks at the timings; `update` itself measures nothing.
pub type UpdateTimedFn = unsafe extern "C" fn(
    state: *mut u8,
    frame: *const Frame<'_>,
    error: *mut Message,
    nanos: *mut u64,
    count: usize,
) -> Status;

/// `system_names(out, capacity)` (optional): the systems' names, one per
/// line, in `update`'s order; as [`StateFieldsFn`] for `out` and `capacity`.
pub type SystemNamesFn = unsafe extern "C" fn(out: *mut u8, capacity: usize) -> usize;

/// `state_fields(out, capacity)`: writes the state's field table
/// ([`reflect`](crate::reflect) format) into `out` if it fits in `capacity`
/// bytes; returns its length either way (`usize::MAX` if it could not be made).
pub type StateFieldsFn = unsafe extern "C" fn(out: *mut u8, capacity: usize) -> usize;

/// `display()` (optional): the game's framebuffer size, update rate and
/// title. A library without it gets the engine's defaults (320x240, 60 Hz).
pub type DisplayFn = unsafe extern "C" fn() -> DisplaySpec;

/// Symbol name of [`AbiVersionFn`].
pub const ABI_VERSION: &str = "abi_version";
/// Symbol name of [`StateLayoutFn`].
pub const STATE_LAYOUT: &str = "state_layout";
/// Symbol name of [`GreetFn`].
pub const GREET: &str = "greet";
/// Symbol name of [`InitFn`].
pub const INIT: &str = "init";
/// Symbol name of [`UpdateFn`].
pub const UPDATE: &str = "update";
/// Symbol name of [`RenderFn`].
pub const RENDER: &str = "render";
/// Symbol name of [`DescribeFn`].
pub const DESCRIBE: &str = "describe";

/// Symbol name of [`StateFieldsFn`].
pub const STATE_FIELDS: &str = "state_fields";
/// Symbol name of [`MigrateFn`] (optional).
pub const MIGRATE: &str = "migrate";
/// Symbol name of [`UpdateTimedFn`] (optional).
pub const UPDATE_TIMED: &str = "update_timed";
/// Symbol name of [`SystemNamesFn`] (optional).
pub const SYSTEM_NAMES: &str = "system_names";
/// Symbol name of [`DisplayFn`] (optional).
pub const DISPLAY: &str = "display";

/// The symbols a game library may leave out.
pub const OPTIONAL: [&str; 4] = [MIGRATE, UPDATE_TIMED, SYSTEM_NAMES, DISPLAY];

/// Every symbol a game library must export, in the order the loader checks them.
pub const ALL: [&str; 8] = [
    ABI_VERSION,
    STATE_LAYOUT,
    STATE_FIELDS,
    GREET,
    INIT,
    UPDATE,
    RENDER,
    DESCRIBE,
];

/// Every entry point of a game linked into the executable instead of loaded
/// (`cargo ship`): what [`game!`](crate::game) exports, as the function
/// pointers the loader would have looked up by name. `game!` defines it as
/// the game crate's `__HOTLOOP_GAME`, so the types are checked where the
/// game is compiled.
#[derive(Clone, Copy, Debug)]
pub struct LinkedGame {
    /// See [`AbiVersionFn`].
    pub abi_version: AbiVersionFn,
    /// See [`StateLayoutFn`].
    pub state_layout: StateLayoutFn,
    /// See [`StateFieldsFn`].
    pub state_fields: StateFieldsFn,
    /// See [`GreetFn`].
    pub greet: GreetFn,
    /// See [`InitFn`].
    pub init: InitFn,
    /// See [`UpdateFn`].
    pub update: UpdateFn,
    /// See [`UpdateTimedFn`].
    pub update_timed: UpdateTimedFn,
    /// See [`SystemNamesFn`].
    pub system_names: SystemNamesFn,
    /// See [`RenderFn`].
    pub render: RenderFn,
    /// See [`DescribeFn`].
    pub describe: DescribeFn,
    /// See [`MigrateFn`]; `None` when the game declares no `migrate`.
    pub migrate: Option<MigrateFn>,
    /// See [`DisplayFn`].
    pub display: DisplayFn,
    /// Whether the shipped game keeps its state between runs (`persist`).
    pub persist: bool,
    /// The game's package name, for messages and the data directory.
    pub package: &'static str,
    /// The game's package version.
    pub version: &'static str,
}
