//! The first half of [`game!`](crate::game): its `key: value` pairs, in
//! any order, sorted into one slot per key (`[]` until given), each value
//! checked for its shape; an unknown, repeated or malformed key is refused
//! by name. [`__game_emit!`](crate::__game_emit) then generates the
//! exports from the slots. One rule application per key: cheap to expand.
//!
//! The slots, in order: `state`, `init`, `init_in_place`, `systems`, `size`, `rate`, `title`, `render`, `describe`, `migrate`, `greet`, `persist`, `game_state`, `on_enter`, `on_exit`, `on_reload`.
//! (The rules are regular: each key's rule binds every slot and fills its
//! own, which must be empty.)

/// The keys `game!` takes, for its error messages.
#[doc(hidden)]
#[macro_export]
macro_rules! __game_key_list {
    () => {
        "`state`, `init`, `init_in_place`, `systems`, `size`, `rate`, `title`, `render`, `describe`, `migrate`, `greet`, `persist`, `game_state`, `on_enter`, `on_exit`, `on_reload`"
    };
}

/// Sorts `game!`'s `key: value` pairs into slots; see the module docs.
#[doc(hidden)]
#[macro_export]
#[rustfmt::skip]
macro_rules! __game_keys {
    ([$($slot:tt)*]) => {
        $crate::__game_emit! { $($slot)* }
    };
    ([[] $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] state: $v:ty $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [[$v] $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt [] $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] init: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 [$v] $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt [] $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] init_in_place: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 [$v] $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt [] $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] systems: [$($v:tt)*] $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 [[$($v)*]] $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt [] $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] size: ($w:expr, $h:expr) $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 [($w, $h)] $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt [] $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] rate: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 [$v] $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt [] $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] title: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 [$v] $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt [] $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] render: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 [$v] $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt [] $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] describe: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 [$v] $s9 $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt [] $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] migrate: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 [$v] $s10 $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt [] $s11:tt $s12:tt $s13:tt $s14:tt $s15:tt] greet: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 [$v] $s11 $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt [] $s12:tt $s13:tt $s14:tt $s15:tt] persist: $v:expr $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 [$v] $s12 $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt [] $s13:tt $s14:tt $s15:tt] game_state: $($v:ident).+ $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 [$($v).+] $s13 $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt [] $s14:tt $s15:tt] on_enter: [$($v:expr => $s:expr),* $(,)?] $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 [[$($v => $s),*]] $s14 $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt [] $s15:tt] on_exit: [$($v:expr => $s:expr),* $(,)?] $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 [[$($v => $s),*]] $s15] $($($rest)*)? }
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt []] on_reload: [$($v:tt)*] $(, $($rest:tt)*)?) => {
        $crate::__game_keys! { [$s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 [[$($v)*]]] $($($rest)*)? }
    };
    ($slots:tt $key:ident : $($rest:tt)*) => {
        $crate::__game_key_error! { $slots $key }
    };
    ($slots:tt $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "`game!` expects `key: value` pairs separated by commas; its keys are ",
            $crate::__game_key_list!()
        ));
    };
}

/// Why `key: …` was not taken: given before, a value of the wrong shape,
/// no comma after it, or no such key.
#[doc(hidden)]
#[macro_export]
#[rustfmt::skip]
macro_rules! __game_key_error {
    ([[$($given:tt)+] $($after:tt)*] state) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `state` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt [$($given:tt)+] $($after:tt)*] init) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `init` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt [$($given:tt)+] $($after:tt)*] init_in_place) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `init_in_place` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt [$($given:tt)+] $($after:tt)*] systems) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `systems` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt [$($given:tt)+] $($after:tt)*] size) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `size` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt [$($given:tt)+] $($after:tt)*] rate) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `rate` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt [$($given:tt)+] $($after:tt)*] title) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `title` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt [$($given:tt)+] $($after:tt)*] render) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `render` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt [$($given:tt)+] $($after:tt)*] describe) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `describe` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt [$($given:tt)+] $($after:tt)*] migrate) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `migrate` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt [$($given:tt)+] $($after:tt)*] greet) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `greet` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt [$($given:tt)+] $($after:tt)*] persist) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `persist` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt [$($given:tt)+] $($after:tt)*] game_state) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `game_state` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt [$($given:tt)+] $($after:tt)*] on_enter) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `on_enter` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt [$($given:tt)+] $($after:tt)*] on_exit) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `on_exit` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ([$s0:tt $s1:tt $s2:tt $s3:tt $s4:tt $s5:tt $s6:tt $s7:tt $s8:tt $s9:tt $s10:tt $s11:tt $s12:tt $s13:tt $s14:tt [$($given:tt)+] $($after:tt)*] on_reload) => {
        ::core::compile_error!(::core::concat!(
            "`game!` is given the key `on_reload` twice; its keys are ", $crate::__game_key_list!()
        ));
    };
    ($slots:tt state) => {
        ::core::compile_error!("`game!` expects `state:` followed by a type: `state: State`, then a comma");
    };
    ($slots:tt init) => {
        ::core::compile_error!("`game!` expects a comma after the value of `init`");
    };
    ($slots:tt init_in_place) => {
        ::core::compile_error!("`game!` expects a comma after the value of `init_in_place`");
    };
    ($slots:tt systems) => {
        ::core::compile_error!("`game!` expects `systems:` followed by a list in brackets: `systems: [first, second.run_if(condition)]`, then a comma");
    };
    ($slots:tt size) => {
        ::core::compile_error!("`game!` expects `size:` followed by `(width, height)`: `size: (320, 240)`, then a comma");
    };
    ($slots:tt rate) => {
        ::core::compile_error!("`game!` expects a comma after the value of `rate`");
    };
    ($slots:tt title) => {
        ::core::compile_error!("`game!` expects a comma after the value of `title`");
    };
    ($slots:tt render) => {
        ::core::compile_error!("`game!` expects a comma after the value of `render`");
    };
    ($slots:tt describe) => {
        ::core::compile_error!("`game!` expects a comma after the value of `describe`");
    };
    ($slots:tt migrate) => {
        ::core::compile_error!("`game!` expects a comma after the value of `migrate`");
    };
    ($slots:tt greet) => {
        ::core::compile_error!("`game!` expects a comma after the value of `greet`");
    };
    ($slots:tt persist) => {
        ::core::compile_error!("`game!` expects a comma after the value of `persist`");
    };
    ($slots:tt game_state) => {
        ::core::compile_error!("`game!` expects `game_state:` followed by the name of the state's field that holds the `GameState`: `game_state: phase`, then a comma");
    };
    ($slots:tt on_enter) => {
        ::core::compile_error!("`game!` expects `on_enter:` followed by a list of `value => system` in brackets: `on_enter: [Phase::Playing => spawn_wave]`, then a comma");
    };
    ($slots:tt on_exit) => {
        ::core::compile_error!("`game!` expects `on_exit:` followed by a list of `value => system` in brackets: `on_exit: [Phase::Playing => clear_enemies]`, then a comma");
    };
    ($slots:tt on_reload) => {
        ::core::compile_error!("`game!` expects `on_reload:` followed by a list of systems in brackets: `on_reload: [build_level]`, then a comma");
    };
    ($slots:tt $key:ident) => {
        ::core::compile_error!(::core::concat!(
            "`game!` has no key `", ::core::stringify!($key), "`; its keys are ", $crate::__game_key_list!()
        ));
    };
}
