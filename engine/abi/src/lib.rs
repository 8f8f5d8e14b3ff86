//! The C ABI between the hotloop engine and a hot-reloaded game library.
//!
//! The engine is a long-running process that owns the window, the frame loop
//! and the game **state buffer**. Game code lives in a `cdylib` that the engine
//! swaps between two frames whenever it is rebuilt. This crate is the only thing
//! both sides share, so it stays tiny: its rebuild time is part of the edit loop.
//!
//! # Writing game code
//!
//! A game author writes ordinary safe Rust. [`state!`] declares the state types
//! and [`game!`] generates the exported entry points:
//!
//! ```
//! use hotloop_abi::{Frame, glam, state};
//!
//! state! {
//!     pub struct State { pub ticks: u64, pub player: glam::Vec2 }
//! }
//!
//! fn init() -> State { State { ticks: 0, player: glam::Vec2::new(160.0, 120.0) } }
//! fn count(state: &mut State, _frame: &Frame) { state.ticks += 1; }
//! fn steer(state: &mut State, frame: &Frame) { state.player += frame.input.arrows() * 90.0 * frame.dt; }
//!
//! hotloop_abi::game! {
//!     state: State,
//!     init: init,
//!     systems: [count, steer],   // run in order by every update; add, remove, reorder freely
//! }
//! # fn main() {}
//! ```
//!
//! Things that come and go (enemies, bullets) live in a [`List`]: up to `N`
//! values held in place, like an array with a length. Its free slots are
//! never read and kept zeroed, so only live elements reach the checksum,
//! snapshots and the inspector.
//!
//! # Entry points
//!
//! Every library exports these `extern "C"` symbols (names in [`symbols`]):
//!
//! | symbol | called | does |
//! |---|---|---|
//! | `abi_version` | once, right after loading | returns [`ABI_VERSION`]; the engine refuses any other |
//! | `state_layout` | once, right after loading | size, alignment and fingerprint of the state type |
//! | `state_fields` | once, right after loading | writes the state's field table ([`reflect`]) |
//! | `greet` | after every successful load | writes a greeting that the engine logs |
//! | `display` (optional) | once, right after loading | the framebuffer size, update rate and window title ([`DisplaySpec`]) |
//! | `init` | when there is no state yet | writes a fresh state into the zeroed buffer (`init_in_place`: fills it where it is) |
//! | `update` | every fixed step | runs the step on the state: `on_reload` systems (first step after a new build, [`Frame::reloaded`]), a waiting [`GameState`] transition, then the systems in order |
//! | `render` | every displayed frame | draws the state into the RGBA8 framebuffer |
//! | `describe` | on demand (headless summary) | writes a one-line summary of the state |
//! | `migrate` (optional) | after a reload that changed the state layout | builds the new state from the old one |
//!
//! Every call that runs game code returns a [`Status`]. A panic is caught inside
//! the library (it must never unwind into the engine) and reported as
//! [`Status::PANICKED`] with its message written to the [`Message`] the engine passed.
//!
//! # Ownership and what survives a reload
//!
//! - The engine allocates the state buffer with the library's size and alignment,
//!   zeroes it and asks `init` to fill it. The buffer outlives every library.
//!   All-zero bytes are a valid value of every [`StateData`] type, so
//!   `init_in_place` starts from a real `State` and the state is never
//!   copied: states of tens of megabytes work in debug builds.
//! - The display ([`DisplaySpec`]: `size`, `rate`, `title` in [`game!`]) is
//!   read at every load. A reload that changes it takes effect at the frame
//!   boundary: framebuffer and window are rebuilt at the same scale, the
//!   fixed step takes the new rate, and the state is untouched. A library
//!   without `display` (older than it) gets the engine's defaults. The
//!   engine refuses a library whose sides are not 1 to [`MAX_SIDE`], whose
//!   rate is not 1 to [`MAX_RATE`], or whose title is not UTF-8 of at most
//!   [`MAX_TITLE`] bytes.
//! - A new library whose [`StateLayout`] differs from the running one is never
//!   given the old bytes as its state type. The engine allocates a new buffer,
//!   fills it with the new `init`, then calls `migrate` (if exported) with the
//!   old state as an [`OldState`]. Without `migrate`, or when it declines, the
//!   engine copies every field whose name (or declared former name) and type
//!   still match, using the field tables: through nested structs, and element
//!   by element through arrays and [`List`]s (a field added to the struct of
//!   an array keeps every element; a shorter array or a smaller list keeps
//!   the first elements). It saves the old bytes to a snapshot file as well.
//! - Memory is freed on the side that allocated it: nothing allocated by game
//!   code crosses the boundary, which is why state fields are plain data
//!   ([`StateData`]): numbers, `bool`, `char`, arrays, glam vectors, the
//!   ABI's containers ([`List`], [`Maybe`], [`Pool`] and [`Handle`],
//!   [`Events`], [`GameState`], [`Timer`], [`Rng`]) and nested [`state!`]
//!   structs and enums.
//!
//! # Limitations
//!
//! - Statics and thread-locals of the library start over at every reload; keep
//!   everything that must survive in the state.
//! - `init` returns the state by value, which a debug build copies through
//!   the stack (8 MiB on the main thread, 2 MiB on others): a state of
//!   megabytes wants `init_in_place`. Nothing else copies the state: systems,
//!   `render`, `describe` and `migrate` get references, and the engine
//!   copies bytes between its own heap or shared-memory buffers.
//! - Never keep pointers or references into the state, the framebuffer or the
//!   library across frames, and never spawn threads that outlive a call.
//! - The fingerprint covers field names, types, offsets, size and alignment.
//!   It cannot see a change of *meaning* (the same `f32` now in metres instead of pixels).
#![warn(missing_docs)]

mod assets;
mod audio;
pub mod canvas;
mod display;
mod events;
mod fingerprint;
mod frame;
mod gamepad;
mod list;
pub mod math;
mod maybe;
mod message;
mod migrate;
mod music;
mod pool;
pub mod reflect;
mod rng;
pub mod symbols;
#[cfg(test)]
mod testing;
mod timer;

#[doc(hidden)]
pub mod __private;
mod export;
mod game;
mod game_state;
mod schedule;

pub use assets::{Assets, Image, ImageLookup, RawImage, TunableLookup};
pub use audio::{Audio, Play, PlaySound};
pub use canvas::{Canvas, Font, RawCanvas, Rgba, Sprite};
pub use display::{DEFAULT_RATE, DEFAULT_SIZE, DisplaySpec, MAX_RATE, MAX_SIDE, MAX_TITLE};
pub use events::{EventCursor, Events};
pub(crate) use fingerprint::zeroed;
pub use fingerprint::{StateData, StateLayout, field_hash, finish_hash, start_hash};
pub use frame::{Frame, Input, Key, KeySet, MouseButton};
pub use game_state::GameState;
pub use gamepad::{GAMEPADS, Gamepad, GamepadButton};
pub use glam;
pub use list::List;
pub use maybe::Maybe;
pub use message::{MESSAGE_CAPACITY, Message, Status};
pub use migrate::OldState;
pub use music::{MAX_TRACK_NAME, Music};
pub use pool::{Handle, Pool};
pub use rng::Rng;
pub use timer::Timer;

/// Version of this ABI. Bump it whenever an entry point, [`Frame`], [`Input`],
/// [`Assets`], [`RawImage`], [`RawCanvas`], [`Message`] or [`StateLayout`]
/// changes in any way.
///
/// 2: [`Frame`] carries [`Assets`]. 3: the `state_fields` entry point.
/// 4: [`Frame::reloaded`]. 5: [`Frame::overstep`]; the mouse wheel, the
/// pointer's motion and typed text in [`Input`].
/// Optional entry points (`migrate`, `update_timed`, `system_names`,
/// `display`) are looked up by name and need no new version: a library
/// without them still loads.
pub const ABI_VERSION: u32 = 6;
