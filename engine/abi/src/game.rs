//! [`game!`]: the macro that generates a game library's exported entry points.

/// Generates a game library's exported entry points.
///
/// The keys come in this order; `state`, one of `init` and `init_in_place`,
/// and `systems` are required, the others may be left out.
///
/// | key | type | role |
/// |---|---|---|
/// | `state` | a [`state!`] type | the state the engine keeps |
/// | `init` | `fn() -> State` | a fresh state, returned by value (on the stack: small states) |
/// | `init_in_place` | `fn(&mut State)` | instead of `init`: fills a fresh state in place, starting from all zeroes (any size) |
/// | `systems` | `[fn(&mut State, &Frame), …]` | run in order by every `update` |
/// | `size` | `(u32, u32)` | framebuffer width and height in pixels, each 1 to 4096 (default 320x240) |
/// | `rate` | `u32` | fixed update steps per second, 1 to 1000 (default 60) |
/// | `title` | `&'static str` | the window title, at most 256 bytes (default: the package name) |
/// | `render` | `fn(&State, &Frame, &mut Canvas)` | draws a displayed frame |
/// | `describe` | `fn(&State, &mut Message)` | one line for logs and the headless summary |
/// | `migrate` | `fn(&OldState, &mut State) -> bool` | after a layout change: fill the new state (already `init`ed) from the old; `false` declines |
/// | `greet` | `fn() -> &'static str` | logged by the engine after each load |
/// | `persist` | `bool` | a shipped game (`cargo ship`) keeps its state between runs (default `false`) |
///
/// Each value is a constant expression: a function's path, a closure that
/// captures nothing, a literal. It is bound to a constant outside the
/// generated exports, so it is checked as the safe code it is: an unsafe
/// operation in a closure given for a key does not compile without an
/// `unsafe` block of the author's own, which `#![forbid(unsafe_code)]`
/// refuses.
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
///     state: State,
///     init_in_place: init,
///     systems: [count],
///     size: (256, 224),
///     rate: 30,
///     title: "Counter",
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! game {
    (
        state: $state:ty,
        $init_key:ident: $init:expr,
        systems: [$($system:expr),* $(,)?]
        $(, size: ($width:expr, $height:expr))?
        $(, rate: $rate:expr)?
        $(, title: $title:expr)?
        $(, render: $render:expr)?
        $(, describe: $describe:expr)?
        $(, migrate: $migrate:expr)?
        $(, greet: $greet:expr)?
        $(, persist: $persist:expr)?
        $(,)?
    ) => {
        // Every expression the author wrote is bound to a constant first,
        // outside any `unsafe` body, so it is checked as the safe code it
        // is: a closure given for a key cannot dereference a raw pointer or
        // call an unsafe function. The exports below only forward to
        // `hotloop_abi::__private`, where every pointer contract is argued.
        // Their Rust names are prefixed so they never shadow the author's
        // `init` or `update`; `export_name` gives the symbols in
        // `hotloop_abi::symbols`. Paths are absolute: a game's own items
        // named like `core`'s cannot stand in for them.
        #[doc(hidden)]
        pub static __HOTLOOP_GAME: $crate::symbols::LinkedGame = {
            const SYSTEMS: &[fn(&mut $state, &$crate::Frame)] = &[$($system),*];
            const INIT: $crate::__private::Init<$state> = $crate::__init!($init_key: $state, $init);
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
            const NAMES: &::core::primitive::str = ::core::concat!($(::core::stringify!($system), "\n"),*);
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

            #[unsafe(export_name = "update")]
            unsafe extern "C" fn __hotloop_update(
                state: *mut ::core::primitive::u8,
                frame: *const $crate::Frame,
                error: *mut $crate::Message,
            ) -> $crate::Status {
                // SAFETY: the engine upholds the entry point's contract (crate docs).
                unsafe { $crate::__private::update::<$state>(state, frame, error, SYSTEMS) }
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
                    $crate::__private::update_timed::<$state>(state, frame, error, SYSTEMS, nanos, count)
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

/// How a game builds a fresh state, for `init: fn() -> State` or
/// `init_in_place: fn(&mut State)`: a constant outside any `unsafe` body.
#[doc(hidden)]
#[macro_export]
macro_rules! __init {
    (init: $state:ty, $init:expr) => {
        $crate::__private::Init::<$state>::ByValue($init)
    };
    (init_in_place: $state:ty, $init:expr) => {
        $crate::__private::Init::<$state>::InPlace($init)
    };
    ($other:ident: $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`game!` expects `init: fn() -> State` or `init_in_place: fn(&mut State)` after `state`, not `",
            ::core::stringify!($other),
            "`"
        ))
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
