//! Lists of systems in [`game!`](crate::game) (`systems`, `on_reload`),
//! their run conditions (`.run_if(…)`, `in_state(…)`, `not(…)`) and the
//! `game_state` transition. Every expression the author wrote ends up in
//! a constant or a safe function: never in an `unsafe` body.

/// `system, other.run_if(condition), …` as a
/// [`Systems`](crate::__private::Systems) constant: `(state type; [game
/// state field]; [systems so far]; [names so far]; entries left)`. One
/// rule application per entry.
///
/// An entry is a path (`tick`, `systems::tick`) or `(any expression)`,
/// either followed by `.run_if(condition)`, or any other expression (a
/// closure, a generic path) without a condition.
#[doc(hidden)]
#[macro_export]
macro_rules! __game_systems {
    ($state:ty; $field:tt; [$($list:tt)*]; [$($names:tt)*];) => {
        $crate::__private::Systems::<$state> {
            list: &[$($list)*],
            names: ::core::concat!($($names)*),
        }
    };
    (
        $state:ty; $field:tt; [$($list:tt)*]; [$($names:tt)*];
        $($path:ident)::+ . run_if ($($condition:tt)*) $(, $($rest:tt)*)?
    ) => {
        $crate::__game_systems!(
            $state; $field;
            [$($list)* $crate::__game_conditional!($state; $field; ($($path)::+); ($($condition)*)),];
            [$($names)* $crate::__game_name!($($path)::+), "\n",];
            $($($rest)*)?
        )
    };
    (
        $state:ty; $field:tt; [$($list:tt)*]; [$($names:tt)*];
        ($($system:tt)*) . run_if ($($condition:tt)*) $(, $($rest:tt)*)?
    ) => {
        $crate::__game_systems!(
            $state; $field;
            [$($list)* $crate::__game_conditional!($state; $field; ($($system)*); ($($condition)*)),];
            [$($names)* $crate::__game_name!($($system)*), "\n",];
            $($($rest)*)?
        )
    };
    (
        $state:ty; $field:tt; [$($list:tt)*]; [$($names:tt)*];
        $system:expr $(, $($rest:tt)*)?
    ) => {
        $crate::__game_systems!(
            $state; $field;
            [$($list)* $crate::__private::System::<$state> {
                run: $system,
                run_if: ::core::option::Option::None,
            },];
            [$($names)* ::core::stringify!($system), "\n",];
            $($($rest)*)?
        )
    };
}

/// A system that runs only when its condition holds (`system.run_if(…)`);
/// the condition is a constant, outside any `unsafe` body.
#[doc(hidden)]
#[macro_export]
macro_rules! __game_conditional {
    ($state:ty; $field:tt; ($($system:tt)*); ($($condition:tt)*)) => {
        $crate::__private::System::<$state> {
            run: ($($system)*),
            run_if: ::core::option::Option::Some({
                const RUN_IF: fn(&$state) -> ::core::primitive::bool =
                    $crate::__game_condition!($state; $field; $($condition)*);
                RUN_IF
            }),
        }
    };
}

/// A system's name as `stringify!` prints the expression (`systems::tick`).
#[doc(hidden)]
#[macro_export]
macro_rules! __game_name {
    ($system:expr) => {
        ::core::stringify!($system)
    };
}

/// A run condition, `fn(&State) -> bool`: `in_state(value)` (the
/// `game_state` field is `value`), `not(condition)`, or any expression.
#[doc(hidden)]
#[macro_export]
macro_rules! __game_condition {
    ($state:ty; [$($field:ident).+]; in_state ($($value:tt)*)) => {
        |state: &$state| $crate::GameState::is(&state.$($field).+, $($value)*)
    };
    ($state:ty; []; in_state ($($value:tt)*)) => {
        ::core::compile_error!(
            "`in_state(…)` needs the `game!` key `game_state`: the state's field that holds the `GameState`"
        )
    };
    ($state:ty; $field:tt; not ($($condition:tt)*)) => {
        |state: &$state| !($crate::__game_condition!($state; $field; $($condition)*))(state)
    };
    ($state:ty; $field:tt; $condition:expr) => {
        $condition
    };
}

/// The `game_state` transition: `None` without a `game_state`, else a
/// function that makes the transition waiting in that field, with the
/// `on_enter` and `on_exit` systems. The cheap check comes first, so a
/// step without a transition builds no tables.
#[doc(hidden)]
#[macro_export]
macro_rules! __game_transition {
    ($state:ty; []; []; []) => {
        ::core::option::Option::None
    };
    ($state:ty; []; $($rest:tt)*) => {
        ::core::compile_error!(
            "`on_enter` and `on_exit` need the `game!` key `game_state`: the state's field that holds the `GameState`"
        )
    };
    (
        $state:ty; [$($field:ident).+];
        [$($enter_value:expr => $enter:expr),*];
        [$($exit_value:expr => $exit:expr),*]
    ) => {
        ::core::option::Option::Some({
            fn __hotloop_transition(state: &mut $state, frame: &$crate::Frame<'_>) {
                if $crate::__private::settled(&state.$($field).+) {
                    return;
                }
                $crate::__private::transition(
                    state,
                    frame,
                    |state: &mut $state| &mut state.$($field).+,
                    &[$(($enter_value, $enter)),*],
                    &[$(($exit_value, $exit)),*],
                );
            }
            __hotloop_transition as fn(&mut $state, &$crate::Frame<'_>)
        })
    };
}
