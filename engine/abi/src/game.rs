//! [`game!`]: the macro that generates a game library's exported entry points.

mod keys;
mod systems;

/// Generates a game library's exported entry points.
///
/// Its input is `key: value` pairs separated by commas, in any order.
/// `state`, one of `init` and `init_in_place`, and `systems` are required,
/// the others may be left out. An unknown key, a key given twice or a
/// required key left out is a compile error that names it and lists the keys.
///
/// | key | type | role |
/// |---|---|---|
/// | `state` | a [`state!`](crate::state) type | the state the engine keeps |
/// | `init` | `fn() -> State` | a fresh state, returned by value (on the stack: small states) |
/// | `init_in_place` | `fn(&mut State)` | instead of `init`: fills a fresh state in place, starting from all zeroes (any size) |
/// | `systems` | `[system, …]` | run in order by every `update`; each `fn(&mut State, &Frame)`, optionally `.run_if(condition)` |
/// | `size` | `(u32, u32)` | framebuffer width and height in pixels, each 1 to 4096 (default 320x240) |
/// | `rate` | `u32` | fixed update steps per second, 1 to 1000 (default 60) |
/// | `title` | `&'static str` | the window title, at most 256 bytes (default: the package name) |
/// | `render` | `fn(&State, &Frame, &mut Canvas)` | draws a displayed frame |
/// | `describe` | `fn(&State, &mut Message)` | one line for logs and the headless summary |
/// | `migrate` | `fn(&OldState, &mut State) -> bool` | after a layout change: fill the new state (already `init`ed) from the old; `false` declines |
/// | `greet` | `fn() -> &'static str` | logged by the engine after each load |
/// | `persist` | `bool` | a shipped game (`cargo ship`) keeps its state between runs (default `false`) |
/// | `game_state` | a field name (`phase`, `level.phase`) | the state's [`GameState`](crate::GameState) field that `in_state`, `on_enter` and `on_exit` refer to |
/// | `on_enter` | `[value => fn(&mut State, &Frame), …]` | run when the game state enters `value`, in list order |
/// | `on_exit` | `[value => fn(&mut State, &Frame), …]` | run when the game state leaves `value`, in list order |
/// | `on_reload` | `[system, …]` | run first in the first step after a new build is swapped in (as `systems`) |
///
/// Each value is a constant expression: a function's path, a closure that
/// captures nothing, a literal. It is bound to a constant (or put in a safe
/// function) outside the generated exports, so it is checked as the safe
/// code it is: an unsafe operation in a closure given for a key does not
/// compile without an `unsafe` block of the author's own, which
/// `#![forbid(unsafe_code)]` refuses.
///
/// Adding, removing or reordering systems is an ordinary live edit: only the
/// state's layout is checked across a reload, not the code. So is changing
/// `size`, `rate` or `title`: the engine takes them at the frame boundary
/// (the window keeps its scale) and the state is untouched.
///
/// `init` builds the state as a value, which a debug build keeps on the
/// stack (8 MiB on the main thread): a state of megabytes wants
/// `init_in_place`, which never copies it.
///
/// ```
/// use hotloop_abi::{Frame, state};
///
/// state! {
///     pub struct State { pub ticks: u64, pub cells: [u8; 1 << 20] }
/// }
///
/// fn init(state: &mut State) { state.cells[0] = 1; } // every other byte is zero
/// fn count(state: &mut State, _frame: &Frame) { state.ticks += 1; }
///
/// hotloop_abi::game! {
///     title: "Counter",
///     state: State,
///     systems: [count],
///     init_in_place: init,
///     rate: 30,
///     size: (256, 224),
/// }
/// # fn main() {}
/// ```
///
/// # Run conditions
///
/// An entry of `systems` (or `on_reload`) is a system, or a system followed
/// by `.run_if(condition)`: it then runs only in steps where the condition,
/// a `fn(&State) -> bool` called just before it, returns true.
/// `in_state(value)` is short for "the `game_state` field is `value`", and
/// `not(condition)` turns a condition around. A system given as a closure
/// takes a condition inside parentheses: `(|state: &mut State, _: &Frame|
/// …).run_if(…)`. A system without a condition costs one branch more than
/// a plain call; nothing is allocated.
///
/// # Game states
///
/// `game_state: phase` names a [`GameState<E>`](crate::GameState) field.
/// A transition asked for with [`GameState::set`](crate::GameState::set)
/// during a step happens at the start of the next `update`: the `on_exit`
/// systems of the old value, the switch, the `on_enter` systems of the new
/// one, then `systems`. The initial value is entered at the start of the
/// first `update`. One transition per step (a `set` in an enter or exit
/// system waits for the next step); `set` to the current value leaves it
/// and enters it again, `set_if_neq` does not. All of it happens within
/// one `update`, on the state alone: a panicking step rolls its transition
/// back, a reload never falls in the middle of one, and a replay repeats it.
///
/// # After a reload
///
/// `on_reload` systems run at the start of the first `update` after the
/// engine swaps in a new build ([`Frame::reloaded`](crate::Frame::reloaded)),
/// with or without a change of the state's layout, before a transition
/// and `systems`: set-up that new code wants on the running state (a
/// level layout edited in code, a table rebuilt), keeping the rest. Not
/// after the first build of a session, nor when the engine goes back to
/// the previous build after a failure. The step is recorded as the first
/// after a reload, so a replay runs them at the same step; while a loop
/// plays (F3), they run at the start of every round after the reload.
///
/// ```
/// use hotloop_abi::{Frame, GameState, state};
///
/// const TITLE: u8 = 0;
/// const PLAYING: u8 = 1;
///
/// state! {
///     pub struct State { pub phase: GameState<u8>, pub walls: [u8; 4], pub x: f32 }
/// }
///
/// fn init() -> State { State { phase: GameState::new(TITLE), walls: [0; 4], x: 0.0 } }
/// fn press_start(state: &mut State, frame: &Frame) {
///     if frame.input.just_pressed(hotloop_abi::Key::Enter) { state.phase.set(PLAYING); }
/// }
/// fn walk(state: &mut State, frame: &Frame) { state.x += 10.0 * frame.dt; }
/// fn build_level(state: &mut State, _: &Frame) { state.walls = [1, 0, 0, 1]; }
///
/// hotloop_abi::game! {
///     state: State,
///     init: init,
///     game_state: phase,
///     systems: [press_start.run_if(in_state(TITLE)), walk.run_if(in_state(PLAYING))],
///     on_enter: [PLAYING => build_level],
///     on_exit: [PLAYING => |state: &mut State, _: &Frame| state.x = 0.0],
///     on_reload: [build_level.run_if(in_state(PLAYING))],
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! game {
    ($($key_value:tt)*) => {
        $crate::__game_keys! {
            [[] [] [] [] [] [] [] [] [] [] [] [] [] [] [] []]
            $($key_value)*
        }
    };
}

/// The second half of [`game!`]: the exports, from the slots that
/// [`__game_keys!`](crate::__game_keys) filled (one per key, in its order).
#[doc(hidden)]
#[macro_export]
macro_rules! __game_emit {
    ([] $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`game!` needs the key `state`: the state type; its keys are ",
            $crate::__game_key_list!()
        ));
    };
    ($state:tt [] [] $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`game!` needs the key `init` (`fn() -> State`) or `init_in_place` (`fn(&mut State)`); its keys are ",
            $crate::__game_key_list!()
        ));
    };
    ($state:tt [$($init:tt)+] [$($init_in_place:tt)+] $($rest:tt)*) => {
        ::core::compile_error!(
            "`game!` takes one of the keys `init` and `init_in_place`, not both"
        );
    };
    ($state:tt $init:tt $init_in_place:tt [] $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`game!` needs the key `systems`: `systems: [first, second]`; its keys are ",
            $crate::__game_key_list!()
        ));
    };
    (
        [$state:ty]
        [$($init:expr)?]
        [$($init_in_place:expr)?]
        [[$($systems:tt)*]]
        [$(($width:expr, $height:expr))?]
        [$($rate:expr)?]
        [$($title:expr)?]
        [$($render:expr)?]
        [$($describe:expr)?]
        [$($migrate:expr)?]
        [$($greet:expr)?]
        [$($persist:expr)?]
        [$($($field:ident).+)?]
        [$([$($enter_value:expr => $enter:expr),*])?]
        [$([$($exit_value:expr => $exit:expr),*])?]
        [$([$($on_reload:tt)*])?]
    ) => {
        #[doc(hidden)]
        pub static __HOTLOOP_GAME: $crate::symbols::LinkedGame = {
            const SYSTEMS: $crate::__private::Systems<$state> =
                $crate::__game_systems!($state; [$($($field).+)?]; []; []; $($systems)*);
            const ON_RELOAD: $crate::__private::Systems<$state> =
                $crate::__game_systems!($state; [$($($field).+)?]; []; []; $($($on_reload)*)?);
            const SCHEDULE: $crate::__private::Schedule<$state> = $crate::__private::Schedule {
                systems: SYSTEMS.list,
                on_reload: ON_RELOAD.list,
                transition: $crate::__game_transition!(
                    $state;
                    [$($($field).+)?];
                    [$($($enter_value => $enter),*)?];
                    [$($($exit_value => $exit),*)?]
                ),
            };
            const INIT: $crate::__private::Init<$state> = $(
                $crate::__private::Init::<$state>::ByValue($init)
            )? $(
                $crate::__private::Init::<$state>::InPlace($init_in_place)
            )?;
            const GREET: fn() -> &'static ::core::primitive::str = $crate::__optional!(
                $($greet)?;
                || ::core::concat!(::core::env!("CARGO_PKG_NAME"), " ", ::core::env!("CARGO_PKG_VERSION"), " loaded")
            );
            const RENDER: fn(&$state, &$crate::Frame, &mut $crate::Canvas<'_>) =
                $crate::__optional!($($render)?; $crate::__private::no_render);
            const DESCRIBE: fn(&$state, &mut $crate::Message) =
                $crate::__optional!($($describe)?; $crate::__private::no_describe);
            const DISPLAY: $crate::DisplaySpec = {
                let (width, height): (::core::primitive::u32, ::core::primitive::u32) =
                    $crate::__optional!($(($width, $height))?; $crate::DEFAULT_SIZE);
                $crate::DisplaySpec::new(
                    width,
                    height,
                    $crate::__optional!($($rate)?; $crate::DEFAULT_RATE),
                    $crate::__optional!($($title)?; ::core::env!("CARGO_PKG_NAME")),
                )
            };
            const PERSIST: ::core::primitive::bool = $crate::__optional!($($persist)?; false);
            const NAMES: &::core::primitive::str = SYSTEMS.names;
            #[unsafe(export_name = "abi_version")]
            extern "C" fn __hotloop_abi_version() -> ::core::primitive::u32 {
                $crate::ABI_VERSION
            }

            #[unsafe(export_name = "state_layout")]
            extern "C" fn __hotloop_state_layout() -> $crate::StateLayout {
                $crate::StateLayout::of::<$state>()
            }

            #[unsafe(export_name = "display")]
            extern "C" fn __hotloop_display() -> $crate::DisplaySpec {
                DISPLAY
            }

            #[unsafe(export_name = "greet")]
            unsafe extern "C" fn __hotloop_greet(out: *mut $crate::Message) -> $crate::Status {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::greet(out, GREET) }
            }

            #[unsafe(export_name = "init")]
            unsafe extern "C" fn __hotloop_init(
                state: *mut ::core::primitive::u8,
                error: *mut $crate::Message,
            ) -> $crate::Status {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::init::<$state>(state, error, INIT) }
            }

            fn __hotloop_step(state: &mut $state, frame: &$crate::Frame<'_>) {
                SCHEDULE.run(state, frame);
            }

            #[unsafe(export_name = "update")]
            unsafe extern "C" fn __hotloop_update(
                state: *mut ::core::primitive::u8,
                frame: *const $crate::Frame,
                error: *mut $crate::Message,
            ) -> $crate::Status {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::update::<$state>(state, frame, error, __hotloop_step) }
            }

            #[unsafe(export_name = "update_timed")]
            unsafe extern "C" fn __hotloop_update_timed(
                state: *mut ::core::primitive::u8,
                frame: *const $crate::Frame,
                error: *mut $crate::Message,
                nanos: *mut ::core::primitive::u64,
                count: ::core::primitive::usize,
            ) -> $crate::Status {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe {
                    $crate::__private::update_timed::<$state>(state, frame, error, &SCHEDULE, nanos, count)
                }
            }

            #[unsafe(export_name = "system_names")]
            unsafe extern "C" fn __hotloop_system_names(
                out: *mut ::core::primitive::u8,
                capacity: ::core::primitive::usize,
            ) -> ::core::primitive::usize {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::system_names(NAMES, out, capacity) }
            }

            #[unsafe(export_name = "render")]
            unsafe extern "C" fn __hotloop_render(
                state: *const ::core::primitive::u8,
                frame: *const $crate::Frame,
                canvas: *mut $crate::RawCanvas,
                error: *mut $crate::Message,
            ) -> $crate::Status {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::render::<$state>(state, frame, canvas, error, RENDER) }
            }

            #[unsafe(export_name = "state_fields")]
            unsafe extern "C" fn __hotloop_state_fields(
                out: *mut ::core::primitive::u8,
                capacity: ::core::primitive::usize,
            ) -> ::core::primitive::usize {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::state_fields::<$state>(out, capacity) }
            }

            #[unsafe(export_name = "describe")]
            unsafe extern "C" fn __hotloop_describe(
                state: *const ::core::primitive::u8,
                out: *mut $crate::Message,
            ) -> $crate::Status {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::describe::<$state>(state, out, DESCRIBE) }
            }

            $(
                const MIGRATE: fn(&$crate::OldState<'_>, &mut $state) -> ::core::primitive::bool = $migrate;

                #[unsafe(export_name = "migrate")]
                unsafe extern "C" fn __hotloop_migrate(
                    old: *const ::core::primitive::u8,
                    old_layout: *const $crate::StateLayout,
                    new: *mut ::core::primitive::u8,
                    error: *mut $crate::Message,
                ) -> $crate::Status {
                    // SAFETY: the engine upholds the entry point's contract (crate docs).
                    unsafe { $crate::__private::migrate::<$state>(old, old_layout, new, error, MIGRATE) }
                }
            )?

            // The struct's field types are the loader's (`hotloop_abi::symbols`):
            // each export is checked against the signature it is called by.
            $crate::symbols::LinkedGame {
                abi_version: __hotloop_abi_version,
                state_layout: __hotloop_state_layout,
                state_fields: __hotloop_state_fields,
                greet: __hotloop_greet,
                init: __hotloop_init,
                update: __hotloop_update,
                update_timed: __hotloop_update_timed,
                system_names: __hotloop_system_names,
                render: __hotloop_render,
                describe: __hotloop_describe,
                // (`stringify!` only ties this to the key being given.)
                migrate: $crate::__optional!(
                    $(::core::option::Option::Some({
                        let _ = ::core::stringify!($migrate);
                        __hotloop_migrate as $crate::symbols::MigrateFn
                    }))?;
                    ::core::option::Option::None
                ),
                display: __hotloop_display,
                persist: PERSIST,
                package: ::core::env!("CARGO_PKG_NAME"),
                version: ::core::env!("CARGO_PKG_VERSION"),
            }
        };
    };
}

/// `__optional!(given; default)` is `given`, or `default` when nothing is given.
#[doc(hidden)]
#[macro_export]
macro_rules! __optional {
    (; $default:expr) => {
        $default
    };
    ($given:expr; $default:expr) => {
        $given
    };
}
